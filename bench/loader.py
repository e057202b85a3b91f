"""Writing many new measures at once, for synthetic catalogues: each row inserted with its
searchable text already computed, so the database derives its full-text index as the row
arrives, instead of inserting every row and then rewriting it with its index."""
import collections

from django.db import transaction
from django.utils import timezone

from catalogue.models import SearchIndexState
from catalogue.search import Segmenter
from measures import search, services
from measures.models import Measure

from . import bulk


def create_measures(batches, *, workers=1, progress=None):
    """Insert new measures with their index. ``batches`` yields lists of ``(Measure, department
    pks)``, unsaved, their categories, regions and departments already in the database; with
    ``workers`` > 1 the next batches are segmented in forked processes while this one writes.
    Returns the new measures' pks, in the order given."""
    through = Measure.departments.through
    # The new rows may bring new names (a category, a department) into the dictionary.
    segmenter = Segmenter(search.dictionary_words())
    pending = collections.deque()

    def index_rows():
        for batch in batches:
            pending.append(batch)
            yield [search.IndexRow(None, m.title, m.text, m.category_id, m.region_id, m.scope, m.scope_as_written,
                                   m.scope_programme_id, department_ids=tuple(ids)) for m, ids in batch]

    created = []
    with transaction.atomic():
        vocabulary = search.Vocabulary()
        # New rows have no index yet (``indexed`` empty), so every row comes back with its values.
        for _, values in services.changed_index_values(index_rows(), segmenter, vocabulary, workers):
            batch = pending.popleft()
            for (measure, _), (*columns, _) in zip(batch, values, strict=True):
                for name, value in zip(search.INDEXED_COLUMNS, columns):
                    setattr(measure, name, value)
            bulk.insert(measure for measure, _ in batch)
            through.objects.bulk_create([through(measure_id=measure.pk, department_id=pk)
                                         for measure, pks in batch for pk in pks])
            created += [measure.pk for measure, _ in batch]
            if progress:
                progress(len(created))
        state = search.index_state()
        if state is None or state.dictionary_version != segmenter.version:
            services.rebuild_search_index(workers=workers)  # the older rows were indexed with another dictionary
        else:
            SearchIndexState.objects.filter(pk=state.pk).update(rows=Measure.objects.count(), built_at=timezone.now())
    return created
