"""Links between measures: where a measure came from and what became of it.

A curator states a link and its basis; the system only suggests candidates (``services.suggest_links``),
which stay out of sight until a curator accepts them.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Kind(models.TextChoices):
    # The labels read from the source's side: "<source> 推广自 <target>".
    ROLLED_OUT_FROM = "rolled_out_from", _("推广自")
    CONTINUES = "continues", _("延续自")
    REPLACED_BY = "replaced_by", _("被替代为")
    RELATED = "related", _("相关")


# The same links read from the target's side: "<target> 推广为 <source>".
TARGET_SIDE_LABELS = {
    Kind.ROLLED_OUT_FROM: _("推广为"),
    Kind.CONTINUES: _("延续为"),
    Kind.REPLACED_BY: _("替代"),
    Kind.RELATED: _("相关"),
}


class State(models.TextChoices):
    SUGGESTED = "suggested", "待审（系统建议）"
    ACCEPTED = "accepted", "已采纳"
    REJECTED = "rejected", "已驳回"


class MeasureLinkQuerySet(models.QuerySet):
    def accepted(self):
        return self.filter(state=State.ACCEPTED)

    def suggested(self):
        return self.filter(state=State.SUGGESTED)

    def touching(self, measure_id):
        """Links with the measure at either end."""
        return self.filter(Q(source_id=measure_id) | Q(target_id=measure_id))

    def with_measures(self):
        """Both ends with their documents and regions, in the same query, without their search
        columns."""
        return self.select_related("source__document", "source__region", "target__document", "target__region").only(
            "kind", "state", "basis", "basis_en", "source_id", "target_id",
            *(f"{end}__{field}" for end in ("source", "target")
              for field in ("title", "number", "position", "source_order", "document_id", "region_id")),
            *(f"{end}__document__{field}" for end in ("source", "target")
              for field in ("slug", "title", "number", "script")),
            *(f"{end}__region__{field}" for end in ("source", "target") for field in ("slug", "name")),
        )


class MeasureLink(models.Model):
    source = models.ForeignKey("measures.Measure", on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey("measures.Measure", on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.RELATED,
                            help_text="Read from the source: source 推广自 target, source 被替代为 target …")
    state = models.CharField(max_length=10, choices=State.choices, default=State.SUGGESTED)
    basis = models.TextField(help_text="Why the measures are linked, in Chinese; for a suggestion, the shared "
                                       "terms it was made from, until a curator rewrites it.")
    basis_en = models.TextField(blank=True, help_text="The same, in English, for the English interface.")
    score = models.FloatField(null=True, blank=True, editable=False,
                              help_text="For a suggestion: how similar the texts are (0–1).")
    shared_terms = models.JSONField(default=list, blank=True, editable=False,
                                    help_text="For a suggestion: the rare terms both texts contain, rarest first.")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, editable=False,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MeasureLinkQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-score", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="unique_measure_link"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="measure_link_not_to_itself"),
        ]
        indexes = [models.Index(fields=["target", "state"])]

    def __str__(self):
        return f"{self.source.title[:20]} {self.get_kind_display()} {self.target.title[:20]}"

    def label_from(self, measure_id):
        """What the link is called on ``measure_id``'s page."""
        if measure_id == self.source_id:
            return Kind(self.kind).label
        return TARGET_SIDE_LABELS[Kind(self.kind)]

    def other_end(self, measure_id):
        return self.target if measure_id == self.source_id else self.source
