from django.core.management.base import BaseCommand

from bench import benchmark, synthetic


class Command(BaseCommand):
    help = ("Time a fixed query mix through the real views and API, with an icontains baseline and a trivial "
            "view in the same run. --synth N first fills the database with N synthetic measures.")

    def add_arguments(self, parser):
        parser.add_argument("--synth", type=int, help="Generate N synthetic measures first (replacing earlier ones).")
        parser.add_argument("--repeat", type=int, default=20, help="Rounds over each kind's URLs.")
        parser.add_argument("--by-url", action="store_true", help="Also print each URL's median and maximum.")

    def handle(self, *args, synth=None, repeat=20, by_url=False, **options):
        if synth:
            count, elapsed = synthetic.build_and_index(measures=synth)
            self.stdout.write(f"synthetic: {count:,} measures inserted and indexed in {elapsed:.1f}s "
                              f"({count / elapsed:,.0f} measures/s)")
        benchmark.run(repeat=repeat, out=self.stdout.write, by_url=by_url)
