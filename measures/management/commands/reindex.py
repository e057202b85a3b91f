import os
import time

from django.core.management.base import BaseCommand

from catalogue.db import without_statement_timeout
from measures import search, services


class Command(BaseCommand):
    help = ("Rebuild the search dictionary from the data and reindex every measure, in one transaction: "
            "searches use the old index and its dictionary until the new one commits.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Index, report, then roll back.")
        parser.add_argument("--workers", type=int, default=os.cpu_count(),
                            help="Processes that segment texts while this one writes (default: one per CPU).")

    def handle(self, *args, dry_run=False, workers=1, **options):
        started = time.perf_counter()
        with without_statement_timeout():  # a command, not a request
            count = services.rebuild_search_index(dry_run=dry_run, workers=workers)
        elapsed = time.perf_counter() - started
        rate = count / elapsed if elapsed else 0
        state = search.index_state()
        version = state.dictionary_version if state else "none"
        suffix = " (dry run: rolled back)" if dry_run else ""
        self.stdout.write(f"indexed {count} measures in {elapsed:.2f}s ({rate:.0f}/s), dictionary {version}{suffix}")
