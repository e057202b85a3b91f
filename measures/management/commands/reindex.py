import time

from django.core.management.base import BaseCommand

from measures import search, services


class Command(BaseCommand):
    help = "Rebuild the search dictionary and index every measure (safe to run at any time)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        count = services.rebuild_search_index()
        elapsed = time.perf_counter() - started
        version = search.index_state().dictionary_version
        rate = count / elapsed if elapsed else 0
        self.stdout.write(f"indexed {count} measures in {elapsed:.2f}s ({rate:.0f}/s), dictionary {version}")
