from django.core.management.base import BaseCommand

from catalogue.db import without_statement_timeout
from lineage import services


class Command(BaseCommand):
    help = ("Suggest links between measures of different documents whose texts share rare terms (read from "
            "the search index), for curators to accept or reject in the admin. Pairs that already have a "
            "link, suggested or decided, are left alone; nothing is accepted.")

    def add_arguments(self, parser):
        parser.add_argument("--min-score", type=float, default=services.MIN_SCORE,
                            help="Least similarity (0-1) of a suggested pair (default: %(default)s).")
        parser.add_argument("--limit-per-measure", type=int, default=services.LIMIT_PER_MEASURE,
                            help="Best partners kept per measure (default: %(default)s).")

    def handle(self, *args, min_score, limit_per_measure, **options):
        with without_statement_timeout():  # a command, not a request
            added = services.suggest_links(min_score=min_score, limit_per_measure=limit_per_measure)
        self.stdout.write(f"{added} suggestion{'' if added == 1 else 's'} added")
