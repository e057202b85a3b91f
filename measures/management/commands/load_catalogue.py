from django.core.management.base import BaseCommand

from measures import services


class Command(BaseCommand):
    help = "Load both source documents and the gazetteer into the database (idempotent, all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Load, report, then roll everything back.")

    def handle(self, *args, dry_run=False, **options):
        before, after = services.load_catalogue(verbosity=options["verbosity"], dry_run=dry_run)
        changed = {label: (before[label], after[label]) for label in after if before[label] != after[label]}
        if options["verbosity"] >= 1:
            for label, (old, new) in changed.items():
                self.stdout.write(f"  {label}: {old} → {new} rows")
        if dry_run:
            self.stdout.write("dry run: nothing was written")
        else:
            self.stdout.write("catalogue loaded" + ("" if changed else " (no row count changed)"))
