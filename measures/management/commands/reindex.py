import time

from django.core.management.base import BaseCommand

from measures import search, services


class Command(BaseCommand):
    help = "Rebuild the search dictionary and index every measure, in one transaction (safe at any time)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Index, report, then roll back.")

    def handle(self, *args, dry_run=False, **options):
        started = time.perf_counter()
        count = services.rebuild_search_index(dry_run=dry_run)
        elapsed = time.perf_counter() - started
        rate = count / elapsed if elapsed else 0
        state = search.index_state()
        version = state.dictionary_version if state else "none"
        suffix = " (dry run: rolled back)" if dry_run else ""
        self.stdout.write(f"indexed {count} measures in {elapsed:.2f}s ({rate:.0f}/s), dictionary {version}{suffix}")
