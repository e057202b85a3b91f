"""Django's loaddata, then a rebuild of the search index, so loaded data is searchable at once."""
from django.core.management.commands import loaddata

from catalogue.db import without_statement_timeout
from measures import services


class Command(loaddata.Command):
    def handle(self, *fixture_labels, **options):
        with without_statement_timeout():  # a command, not a request
            super().handle(*fixture_labels, **options)
            count = services.rebuild_search_index() if self.loaded_object_count else None
        if count is not None and options["verbosity"] >= 1:
            self.stdout.write(f"Search index rebuilt: {count} measures.")
