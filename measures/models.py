"""Source documents and what they contain, kept as written.

Every text field marked "verbatim" holds an exact slice of the seed file; tests compare them with
``fixtures/sources``. Facts from outside the seeds carry a ``basis``.
"""
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords

from catalogue.models import SlugManager

from . import validity


class Script(models.TextChoices):
    SIMPLIFIED = "hans", "简体"
    TRADITIONAL = "hant", "繁體"


class DocumentQuerySet(models.QuerySet):
    def with_status(self, codes, on=None):
        """Documents whose status (measures.validity) on ``on`` (today) is any of ``codes``."""
        return self.filter(validity.condition(codes, on))

    def status_codes(self, on=None):
        """``{pk: status code}``, worked out by the database."""
        return dict(self.order_by().annotate(status_code=validity.status_expression(on)).values_list("pk", "status_code"))


class DocumentManager(SlugManager.from_queryset(DocumentQuerySet)):
    pass


class Document(models.Model):
    slug = models.SlugField(unique=True)
    position = models.PositiveIntegerField(help_text="Order of documents in the catalogue.")
    title = models.CharField(max_length=200, help_text="Verbatim.")
    issuer = models.CharField(max_length=100, blank=True, help_text="Verbatim; blank when the source does not say.")
    number = models.CharField(max_length=50, blank=True, help_text="文号, verbatim; blank when the source does not give it.")
    date = models.DateField(null=True, blank=True, help_text="Date the source gives; empty when it gives none.")
    date_as_written = models.CharField(max_length=30, blank=True)
    script = models.CharField(max_length=4, choices=Script.choices)
    source_file = models.CharField(max_length=100, help_text="File under fixtures/sources.")
    context = models.TextField(blank=True, help_text="Verbatim text around the document in its source (a news item's lead).")
    addressees = models.TextField(blank=True, help_text="Verbatim.")
    opening = models.TextField(blank=True, help_text="Verbatim.")
    term = models.CharField(max_length=50, blank=True, help_text="How long it runs, verbatim.")
    attachments = models.TextField(blank=True, help_text="Verbatim list of attachments.")
    publication = models.CharField(max_length=50, blank=True, help_text="Verbatim, e.g. (此件公開發布).")
    programme = models.ForeignKey(
        "pilots.Programme", null=True, blank=True, on_delete=models.SET_NULL, related_name="documents",
        help_text="The pilot programme this document establishes, if it establishes one.",
    )
    note = models.TextField(blank=True, help_text="Curator's note on what the source does and does not contain, in Chinese.")
    note_en = models.TextField(blank=True, help_text="The same, in English, for the English interface.")
    # Validity (measures.validity). The status is worked out from these and today's date, never stored.
    expires_on = models.DateField(
        null=True, blank=True, editable=False,
        help_text="Last day in force, read from the term as written and the document's date; empty when they "
                  "do not give one.",
    )
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes",
        help_text="The document that replaces this one, if a public source says so.",
    )
    superseded_basis = models.TextField(
        blank=True, help_text="The public source saying it was replaced (title, number, date), in Chinese.")
    superseded_basis_en = models.TextField(blank=True, help_text="The same, in English, for the English interface.")
    in_force_basis = models.TextField(
        blank=True, help_text="For a dated document without a term: the public source saying it is in force, in Chinese.")
    in_force_basis_en = models.TextField(blank=True, help_text="The same, in English, for the English interface.")
    # When the catalogue received it (the feeds and "what's new"); a default rather than
    # auto_now_add so that bulk_create and COPY loads fill it, and fixtures need not carry it.
    added_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    objects = DocumentManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("measures:document", args=[self.slug])

    def clean(self):
        if self.superseded_by_id is not None and self.superseded_by_id == self.pk:
            raise ValidationError({"superseded_by": _("文件不能替代它自己。")})
        if self.superseded_by_id and not self.superseded_basis.strip():
            raise ValidationError({"superseded_basis": _("请写明说明它已被替代的公开来源。")})

    @property
    def validity(self):
        """Its status today, with the basis (measures.validity.Validity)."""
        return validity.validity_of(self)


@receiver(pre_save, sender=Document)
def read_term(sender, instance, **kwargs):
    # On every save, fixture loads (raw) included: the term is kept as written, and the end date
    # it implies is what lists filter on.
    instance.expires_on = validity.end_of_term(instance.term, instance.date)


class DocumentPartManager(models.Manager):
    def get_by_natural_key(self, document_slug, number):
        return self.get(document__slug=document_slug, number=number)


class Provision(models.Model):
    """A numbered point of a document's own text (一、同意……), kept as text."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="provisions")
    number = models.PositiveIntegerField()
    text = models.TextField(help_text="Verbatim, numeral included.")

    objects = DocumentPartManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["document", "number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="unique_provision_number")]

    def __str__(self):
        return self.text[:30]

    def natural_key(self):
        return (self.document.slug, self.number)

    natural_key.dependencies = ["measures.document"]


class CategoryManager(models.Manager):
    def get_by_natural_key(self, document_slug, ordinal):
        return self.get(document__slug=document_slug, ordinal=ordinal)


class Category(models.Model):
    """A numbered section of a list (一、知识产权保护方面（共5项）) and the count it declares."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="categories")
    slug = models.SlugField(unique=True)
    ordinal = models.PositiveIntegerField()
    numeral = models.CharField(max_length=4, help_text="Verbatim (一, 二 …).")
    name = models.CharField(max_length=100, help_text="Verbatim, without numeral and count.")
    heading = models.CharField(max_length=120, help_text="The whole heading, verbatim.")
    declared_count = models.PositiveIntegerField(help_text="How many measures the heading declares.")
    first_number = models.PositiveIntegerField(
        help_text="First measure number the section covers, from the list's running numbering."
    )

    objects = CategoryManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["document", "ordinal"]
        verbose_name_plural = "categories"
        constraints = [models.UniqueConstraint(fields=["document", "ordinal"], name="unique_category_ordinal")]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.document.slug, self.ordinal)

    natural_key.dependencies = ["measures.document"]

    def get_absolute_url(self):
        return reverse("measures:category", args=[self.slug])

    @property
    def declared_numbers(self):
        return range(self.first_number, self.first_number + self.declared_count)

    @property
    def last_number(self):
        return self.first_number + self.declared_count - 1


class Department(models.Model):
    """A guiding body as the list names it, with the names users type for it."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100, unique=True, help_text="As the source names it.")
    full_name = models.CharField(max_length=100)
    aliases = models.JSONField(default=list, blank=True, help_text="Other names users type (发改委).")
    successor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="predecessors",
        help_text="The body that took over its duties, if it was merged or dissolved.",
    )
    changes = models.TextField(blank=True, help_text="What happened to it, if it changed (merged, dissolved), in Chinese.")
    changes_en = models.TextField(blank=True, help_text="The same, in English, for the English interface.")
    basis = models.TextField(help_text="The public source of the full name, aliases and changes, in Chinese.")
    basis_en = models.TextField(blank=True, help_text="The same, in English, for the English interface.")
    position = models.PositiveIntegerField(default=0)

    objects = SlugManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("measures:department", args=[self.slug])

    @property
    def names(self):
        """Every name the department answers to, its own first."""
        seen = []
        for name in [self.name, self.full_name, *self.aliases]:
            if name and name not in seen:
                seen.append(name)
        return seen


class Scope(models.TextChoices):
    NATIONWIDE = "nationwide", "全国"
    PROGRAMME = "programme", "试验区域"
    REGION = "region", "试点地区"


def ordered_departments_of(departments, as_written):
    """Departments in the order the source lists them (``as_written``), unlisted ones last."""
    return sorted(departments, key=lambda d: (as_written.find(d.name) % 10_000, d.position))


def scope_label_of(scope, as_written, *, region=None, programme=None):
    """Where a measure applies, as the list shows it: its region, its scope as written with the
    programme, or the scope as written."""
    if scope == Scope.REGION:
        return region.name
    if scope == Scope.PROGRAMME:
        return f"{as_written}（{programme.name}）"
    return as_written or dict(Scope.choices).get(scope, scope)


SEARCH_COLUMNS = ("search_plain", "search_tokens", "title_plain", "search_vector", "department_keys", "own_length")
DERIVED_COLUMNS = (*SEARCH_COLUMNS, "source_order")


# Documents' positions and measures' positions packed into one sortable number (see
# Measure.source_order): a position fits in 32 bits.
SOURCE_ORDER_STRIDE = 2**32


def source_order_of(document_position, position):
    return document_position * SOURCE_ORDER_STRIDE + position


class MeasureQuerySet(models.QuerySet):
    def in_source_order(self):
        return self.order_by("source_order")

    def source_order_after(self, count):
        """The ``source_order`` of the measure that follows the first ``count`` in source order
        (None when there are no more): the bound of a window of ``count`` measures, read off
        the index."""
        following = list(self.order_by("source_order").values_list("source_order", flat=True)[count:count + 1])
        return following[0] if following else None

    def with_related(self):
        # Prefetched, not joined: with joins, PostgreSQL plans the page of a broad search as a
        # join of every match instead of reading the source_order index until the page is full.
        # A document's replacement is read only where one is recorded.
        return self.defer(*SEARCH_COLUMNS).prefetch_related(
            "document__superseded_by", "category", "region__programme", "scope_programme__regions", "departments",
        )

    def with_status(self, codes, on=None):
        """Measures whose document's status on ``on`` (today) is any of ``codes``: a subquery on
        the documents, so the measures are still read off their own indexes."""
        return self.filter(document__in=Document.objects.with_status(codes, on).values("pk"))

    def nationwide(self):
        return self.filter(scope=Scope.NATIONWIDE)

    def for_regions(self, regions):
        """Measures scoped to any of ``regions``, directly or through their programme."""
        regions = list(regions)
        programme_ids = {r.programme_id for r in regions}
        return self.filter(
            models.Q(scope=Scope.REGION, region__in=regions)
            | models.Q(scope=Scope.PROGRAMME, scope_programme_id__in=programme_ids)
        )


class MeasureManager(models.Manager.from_queryset(MeasureQuerySet)):
    def get_by_natural_key(self, document_slug, position):
        return self.get(document__slug=document_slug, position=position)


class Measure(models.Model):
    """A numbered measure of a list, or one task of a pilot region."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="measures")
    position = models.PositiveIntegerField(help_text="Order within its document, as in the source.")
    number = models.PositiveIntegerField(null=True, blank=True, help_text="Its number in the source list, if it has one.")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="measures")
    region = models.ForeignKey(
        "pilots.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="tasks",
        help_text="For a pilot region's task: the region whose paragraph it comes from.",
    )
    title = models.TextField(help_text="Verbatim: the measure's name, or the task's heading sentence.")
    text = models.TextField(blank=True, help_text="Verbatim; empty when the source gives only a heading.")
    separator = models.CharField(
        max_length=10, blank=True,
        help_text="White space that follows the item in its source paragraph, so tasks rejoin exactly.",
    )
    departments = models.ManyToManyField(Department, blank=True, related_name="measures")
    departments_as_written = models.CharField(max_length=300, blank=True, help_text="Verbatim.")
    scope = models.CharField(max_length=12, choices=Scope.choices)
    scope_as_written = models.CharField(max_length=50, blank=True, help_text="Verbatim (全国, 8个改革试验区域).")
    scope_programme = models.ForeignKey(
        "pilots.Programme", null=True, blank=True, on_delete=models.PROTECT, related_name="measures",
        help_text="When the scope is a programme's areas: which programme.",
    )
    # Written by services.index_measures, never by hand: the normalised (Simplified, lowercase)
    # searchable text (its own title and text, then the names it is also found by, of which
    # ``own_length`` tells the two apart), its tokens, and the normalised title. The database derives its
    # full-text index from search_tokens (a tsvector on PostgreSQL, FTS5 on SQLite).
    search_plain = models.TextField(blank=True, editable=False)
    search_tokens = models.TextField(blank=True, editable=False)
    title_plain = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    own_length = models.IntegerField(null=True, editable=False)
    # Its departments' keys, space-separated (written with the search columns): a search's facet
    # counts read them with the rest of each match's row instead of joining every match's links.
    department_keys = models.TextField(blank=True, editable=False)
    # The document's position and the measure's, as one indexed number: ordering by
    # (document.position, position) makes the database join and sort every match to return the
    # first page; ordering by this column reads the index and stops after a page. Kept by
    # signals (a measure's save, a document's position change) and by bulk loaders.
    source_order = models.BigIntegerField(default=0, editable=False, db_index=True)
    # When the catalogue received it (see Document.added_at).
    added_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    objects = MeasureManager()
    history = HistoricalRecords(excluded_fields=list(DERIVED_COLUMNS), m2m_fields=[departments])

    class Meta:
        ordering = ["source_order"]
        constraints = [
            models.UniqueConstraint(fields=["document", "position"], name="unique_measure_position"),
            models.CheckConstraint(
                condition=~models.Q(scope="region") | models.Q(region__isnull=False),
                name="region_scope_has_region",
            ),
            models.CheckConstraint(
                condition=~models.Q(scope="programme") | models.Q(scope_programme__isnull=False),
                name="programme_scope_has_programme",
            ),
        ]
        indexes = [
            models.Index(fields=["scope"]), models.Index(fields=["number"]),
            # Every facet's column (and the key, on PostgreSQL): the list's facet counts read this
            # index alone instead of every row of the table.
            models.Index(fields=["document", "category", "scope", "region", "scope_programme"], include=["id"],
                         name="measure_facets"),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.document.slug, self.position)

    natural_key.dependencies = ["measures.document", "measures.category", "measures.department", "pilots.region"]

    def get_absolute_url(self):
        return reverse("measures:detail", args=[self.pk])

    @property
    def display_title(self):
        """The title as it can stand alone: a pilot region's task headings repeat across regions
        (健全職務科技成果產權制度。 for several), so a task carries its region's name before it."""
        return f"{self.region.name}｜{self.title}" if self.region_id else self.title

    @property
    def item_label(self):
        """Which item of its document it is, as a citation names it: 第11项, or the region's task."""
        if self.number:
            return f"第{self.number}项"
        if self.region_id:
            return f"{self.region.name}：{self.title}"
        return self.title

    @property
    def citation(self):
        """《title》（文号）item — how staff cite the measure in a note or a letter."""
        number = f"（{self.document.number}）" if self.document.number else ""
        return f"《{self.document.title}》{number}{self.item_label}"

    @property
    def ordered_departments(self):
        """Departments in the order the source lists them."""
        return ordered_departments_of(self.departments.all(), self.departments_as_written)

    @property
    def scope_regions(self):
        if self.scope == Scope.REGION:
            return [self.region]
        if self.scope == Scope.PROGRAMME:
            return list(self.scope_programme.regions.all())
        return []

    @property
    def scope_label(self):
        return scope_label_of(self.scope, self.scope_as_written,
                              region=self.region if self.scope == Scope.REGION else None,
                              programme=self.scope_programme if self.scope == Scope.PROGRAMME else None)
