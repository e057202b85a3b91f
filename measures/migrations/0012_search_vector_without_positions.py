"""PostgreSQL only: measures' vectors are stored without positions (catalogue.search.schema).
Every row's tokens changed with the index format that came with 0011, so `manage.py reindex`
rewrites every vector; until then rows keep the vector they have."""
from django.db import migrations

from catalogue.search.schema import VendorRunSQL, postgresql_stripped_sql

FORWARD, REVERSE = postgresql_stripped_sql("measures_measure")


class Migration(migrations.Migration):

    dependencies = [
        ('measures', '0011_measure_own_length'),
    ]

    operations = [VendorRunSQL("postgresql", FORWARD, REVERSE)]
