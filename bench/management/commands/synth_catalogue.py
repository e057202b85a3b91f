from django.core.management.base import BaseCommand, CommandError

from bench import synthetic


class Command(BaseCommand):
    help = ("Fill the database with N synthetic measures for benchmarks (recombined real sentences, both "
            "scripts). Replaces earlier synthetic data; never touches the real documents or the fixtures.")

    def add_arguments(self, parser):
        parser.add_argument("--measures", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--clear", action="store_true", help="Only remove synthetic data.")

    def handle(self, *args, measures, seed, clear, **options):
        if clear:
            self.stdout.write(f"removed {synthetic.clear()} synthetic documents")
            return
        if not 1 <= measures <= 1_000_000:
            raise CommandError("--measures must be between 1 and 1,000,000")
        count, elapsed = synthetic.build_and_index(
            measures=measures, seed=seed,
            progress=lambda n, t: self.stdout.write(f"  inserted and indexed {n} ({n / t:.0f}/s)") if n % 50_000 == 0 else None,
        )
        self.stdout.write(f"inserted and indexed {count} measures in {elapsed:.1f}s ({count / elapsed:.0f}/s); "
                          "`manage.py reindex` times a rebuild of the index in place")
