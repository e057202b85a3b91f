"""Keeping the search index true to edits made in the admin (or anywhere through the ORM)."""
from django.db.models import F, Value
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from pilots.models import Place, Programme, Region

from . import search, services, tasks
from .models import Category, Department, Document, Measure, source_order_of


@receiver(pre_save, sender=Measure)
def set_source_order(sender, instance, **kwargs):
    # Fixture loads (raw) included: the fixtures do not carry this derived column.
    if Measure.document.is_cached(instance):
        position = instance.document.position
    else:
        position = Document.objects.filter(pk=instance.document_id).values_list("position", flat=True).first() or 0
    instance.source_order = source_order_of(position, instance.position)


@receiver(post_save, sender=Document)
def reorder_documents_measures(sender, instance, **kwargs):
    expected = Value(source_order_of(instance.position, 0)) + F("position")
    instance.measures.exclude(source_order=expected).update(source_order=expected)


@receiver(post_delete, sender=Measure)
@receiver([post_save, post_delete], sender=Document)
def note_catalogue_change(sender, **kwargs):
    search.touch_index_state()


@receiver(post_save, sender=Measure)
def index_saved_measure(sender, instance, raw=False, **kwargs):
    if not raw:  # one row: at once, so the curator finds it as saved
        services.index_measures([instance.pk])


@receiver(m2m_changed, sender=Measure.departments.through)
def index_after_department_change(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:  # edited from the department's side: possibly many measures, in the worker
        pks = pk_set if pk_set is not None else instance.measures.values_list("pk", flat=True)
        tasks.index_measures.enqueue(sorted(pks))
    else:
        services.index_measures([instance.pk])


@receiver([post_save, post_delete], sender=Department)
@receiver([post_save, post_delete], sender=Category)
@receiver([post_save, post_delete], sender=Region)
@receiver([post_save, post_delete], sender=Programme)
@receiver([post_save, post_delete], sender=Place)
def rebuild_after_vocabulary_change(sender, raw=False, **kwargs):
    # Names are part of the dictionary: a new name can change how any text segments. The
    # rebuild runs in the worker, queued in this transaction; searches use the current index
    # and its dictionary until the new one is complete. Labels shown in cached facets change now.
    if not raw:
        search.touch_index_state()
        tasks.rebuild_search_index.enqueue()


@receiver(pre_save, sender=Document)
@receiver(pre_save, sender=Measure)
def keep_added_at(sender, instance, raw=False, **kwargs):
    # A fixture reload (raw) updates rows it finds by natural key: they keep the date they were
    # first added, instead of the default the deserialized instance was given.
    if raw and instance.pk is not None:
        stored = sender.objects.filter(pk=instance.pk).values_list("added_at", flat=True).first()
        if stored is not None:
            instance.added_at = stored
