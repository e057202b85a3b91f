from django.core.management.base import BaseCommand

from measures import services


class Command(BaseCommand):
    help = "Load both source documents into the database (idempotent)."

    def handle(self, *args, **options):
        services.load_catalogue(verbosity=options["verbosity"])
        self.stdout.write("catalogue loaded")
