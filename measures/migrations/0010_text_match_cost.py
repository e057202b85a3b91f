"""PostgreSQL only: declare to the planner what testing a text match on a row costs.

PostgreSQL ships `ts_match_vq(tsvector, tsquery)` (the `@@` operator) at cost 1, so for a frequent
word it prefers reading every row and testing each vector to reading the GIN index's bitmap,
which is far slower (docs/BENCHMARKS.md). This sets the cost to 100 in this database; reversing
sets it back to 1. Only the function's owner (a superuser) may: without that right the migration
says so and goes on, and docs/OPERATIONS.md gives the statement for the database owner to run;
searches are right either way, only slower."""
import logging

from django.db import DatabaseError, migrations, transaction

from catalogue.search.schema import PG_DEFAULT_MATCH_COST, PG_MATCH_COST, PG_MATCH_FUNCTION

logger = logging.getLogger("measures.migrations")


def _set_cost(schema_editor, cost):
    if schema_editor.connection.vendor != "postgresql":
        return
    statement = f"ALTER FUNCTION {PG_MATCH_FUNCTION} COST {cost}"
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute(statement)
    except DatabaseError as exc:
        logger.warning("could not run `%s;` (%s): a superuser should run it in this database "
                       "(docs/OPERATIONS.md); until then broad searches are slower", statement, exc)


def declare(apps, schema_editor):
    _set_cost(schema_editor, PG_MATCH_COST)


def undeclare(apps, schema_editor):
    _set_cost(schema_editor, PG_DEFAULT_MATCH_COST)


class Migration(migrations.Migration):

    dependencies = [
        ('measures', '0009_search_index_schema'),
    ]

    operations = [migrations.RunPython(declare, undeclare)]
