from django.core.management.base import BaseCommand, CommandError

from measures import services


class Command(BaseCommand):
    help = "Parse fixtures/sources/*.txt (with fixtures/reference/facts.toml) into fixtures/catalogue.json."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="Write nothing; fail if the committed fixture differs from what the sources give.")

    def handle(self, *args, check=False, **options):
        try:
            content = services.render_fixture(services.build_fixture_objects())
        except services.SourceFormatError as exc:
            raise CommandError(f"sources not understood, nothing written: {exc}") from exc
        path = services.fixture_path()
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if check:
            if current != content:
                raise CommandError(f"{path} is out of date: run `manage.py build_fixtures`")
            self.stdout.write(f"{path} is up to date")
            return
        if current == content:
            self.stdout.write(f"{path} unchanged")
        else:
            path.write_text(content, encoding="utf-8")
            self.stdout.write(f"wrote {path}")
