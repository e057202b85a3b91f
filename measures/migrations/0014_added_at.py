"""When each document and measure was added to the catalogue. Existing rows get the date of their
first history record (the admin's or a loader's first save) where simple_history kept one, and
the time of this migration otherwise (rows loaded from fixtures, which write no history). Their
history rows carry the same value.

New rows take the field's default (timezone.now), bulk_create and COPY loads included. On SQLite
the measures table's column is added as a nullable column, as 0011 did: a NOT NULL column with a
default makes Django rebuild the table, which would drop the full-text triggers
(catalogue.search.schema). PostgreSQL gets the NOT NULL constraint once the rows are filled."""
import django.utils.timezone
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce, Now

from catalogue.search.schema import VendorRunSQL


def from_first_history_record(apps, schema_editor):
    for name in ("Document", "Measure"):
        model, historical = apps.get_model("measures", name), apps.get_model("measures", f"Historical{name}")
        first = historical.objects.filter(id=OuterRef("id")).order_by("history_date").values("history_date")[:1]
        model.objects.update(added_at=Coalesce(Subquery(first), F("added_at"), Now()))
        added = model.objects.filter(pk=OuterRef("id")).values("added_at")[:1]
        historical.objects.update(added_at=Coalesce(Subquery(added), Subquery(first), F("added_at")))


def added_at():
    return models.DateTimeField(db_index=True, default=django.utils.timezone.now, editable=False)


class Migration(migrations.Migration):

    dependencies = [
        ('measures', '0013_document_validity'),
    ]

    operations = [
        migrations.AddField(model_name='document', name='added_at', field=added_at()),
        migrations.AddField(model_name='historicaldocument', name='added_at', field=added_at()),
        migrations.AddField(model_name='historicalmeasure', name='added_at', field=added_at()),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddField(model_name='measure', name='added_at', field=added_at())],
            database_operations=[migrations.AddField(
                model_name='measure', name='added_at',
                field=models.DateTimeField(db_index=True, null=True, editable=False),
            )],
        ),
        migrations.RunPython(from_first_history_record, migrations.RunPython.noop),
        VendorRunSQL("postgresql", "ALTER TABLE measures_measure ALTER COLUMN added_at SET NOT NULL",
                     "ALTER TABLE measures_measure ALTER COLUMN added_at DROP NOT NULL"),
    ]
