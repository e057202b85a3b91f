"""The full-text index of measures: an FTS5 table and its triggers on SQLite, a GIN index and the
trigger that derives each row's tsvector on PostgreSQL (catalogue.search.schema). Databases made
when these were created outside migrations already have them: the statements keep what exists."""
from django.db import migrations

from catalogue.search.schema import search_index_operations


class Migration(migrations.Migration):

    dependencies = [
        ('measures', '0008_english_bases'),
    ]

    operations = search_index_operations("measures_measure")
