"""Django's loaddata, then a rebuild of the search index, so loaded data is searchable at once."""
from django.core.management.commands import loaddata

from measures import services


class Command(loaddata.Command):
    def handle(self, *fixture_labels, **options):
        super().handle(*fixture_labels, **options)
        if self.loaded_object_count:
            count = services.rebuild_search_index()
            if options["verbosity"] >= 1:
                self.stdout.write(f"Search index rebuilt: {count} measures.")
