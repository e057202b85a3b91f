"""Work that is too long for a request, run by the task worker (`manage.py db_worker`)."""
from django_tasks import task

from catalogue.db import without_statement_timeout

from . import services


@task()
def rebuild_search_index():
    """After a name was edited (a department, category, region, programme or place): the
    dictionary and every measure's index, in batches that each commit, then the dictionary
    switched in one short transaction (services.rebuild_search_index); nothing if the names are
    those the index was built from (several edits queue several tasks; the first does the work)."""
    with without_statement_timeout():
        return services.rebuild_search_index(force=False)


@task()
def index_measures(pks):
    """The index of these measures (a department's measures, after its links were edited)."""
    with without_statement_timeout():
        return services.index_measures(pks)
