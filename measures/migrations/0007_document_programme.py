"""A document points at the programme it establishes (measures → pilots), where a programme
used to point at its document (pilots → measures). Databases made before carry the old
reference in pilots_programme.document_id (and its history table): its values are moved to
measures_document.programme_id, then the old columns are dropped. Runs before pilots.0002, whose
table rebuild on SQLite would otherwise drop the old column with its values. Reversing moves the
values back into a column of the same name."""
import django.db.models.deletion
from django.db import migrations, models

OLD_TABLES = ("pilots_programme", "pilots_historicalprogramme")
OLD_COLUMN = "document_id"


def _has_old_column(schema_editor, table):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if table not in connection.introspection.table_names(cursor):
            return False
        return OLD_COLUMN in {c.name for c in connection.introspection.get_table_description(cursor, table)}


def _drop_old_column(schema_editor, table):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        # SQLite drops a column only once nothing else names it: its index first.
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, table)
        for name, constraint in constraints.items():
            if constraint["index"] and constraint["columns"] == [OLD_COLUMN]:
                schema_editor.execute(f'DROP INDEX "{name}"')
    schema_editor.execute(f'ALTER TABLE "{table}" DROP COLUMN "{OLD_COLUMN}"')


def move_programme_references(apps, schema_editor):
    if not _has_old_column(schema_editor, "pilots_programme"):
        return  # a database made after the move
    schema_editor.execute(
        "UPDATE measures_document SET programme_id = "
        "(SELECT p.id FROM pilots_programme p WHERE p.document_id = measures_document.id)"
    )
    for table in OLD_TABLES:
        if _has_old_column(schema_editor, table):
            _drop_old_column(schema_editor, table)


def restore_programme_references(apps, schema_editor):
    schema_editor.execute(f'ALTER TABLE "pilots_programme" ADD COLUMN "{OLD_COLUMN}" bigint NULL')
    schema_editor.execute(f'ALTER TABLE "pilots_historicalprogramme" ADD COLUMN "{OLD_COLUMN}" bigint NULL')
    schema_editor.execute(
        f'UPDATE pilots_programme SET "{OLD_COLUMN}" = '
        "(SELECT MIN(d.id) FROM measures_document d WHERE d.programme_id = pilots_programme.id)"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('measures', '0006_measure_department_keys'),
        ('pilots', '0001_initial'),
    ]
    run_before = [
        ('pilots', '0002_english_bases'),
    ]

    operations = [
        migrations.AddField(
            model_name='document',
            name='programme',
            field=models.ForeignKey(blank=True, help_text='The pilot programme this document establishes, if it establishes one.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='documents', to='pilots.programme'),
        ),
        migrations.AddField(
            model_name='historicaldocument',
            name='programme',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='The pilot programme this document establishes, if it establishes one.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pilots.programme'),
        ),
        migrations.RunPython(move_programme_references, restore_programme_references),
    ]
