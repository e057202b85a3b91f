"""Pilot programmes and the regions they name.

A fact the seeds do not state (what a region is made of, why) is stored with its ``basis`` so
a reader can see where it comes from and a curator can correct it.
"""
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from catalogue.models import SlugManager


class Programme(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    basis = models.TextField(help_text="The public source of the catalogue's knowledge of it, in Chinese.")
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
        return reverse("lookup:programme", args=[self.slug])


class Region(models.Model):
    """A pilot region of a programme (杭甬温) or one of its reform areas (京津冀)."""

    slug = models.SlugField(unique=True)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="regions")
    name = models.CharField(max_length=100, help_text="As the source writes it.")
    composition = models.TextField(
        blank=True, help_text="What the region is made of, in words, from the reference facts."
    )
    basis = models.TextField(blank=True, help_text="The public source of the composition, in Chinese.")
    basis_en = models.TextField(blank=True, help_text="The same, in English, for the English interface.")
    to_confirm = models.BooleanField(
        default=False, help_text="The reference marks the composition as still to be confirmed."
    )
    position = models.PositiveIntegerField(default=0)

    objects = SlugManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["programme__position", "position"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    natural_key.dependencies = ["pilots.programme"]

    def get_absolute_url(self):
        return reverse("lookup:region", args=[self.slug])


class CodeManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class GazetteerSource(models.Model):
    """Where the gazetteer's places come from (package, version, file, licence)."""

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200, blank=True)
    package = models.CharField(max_length=100)
    version = models.CharField(max_length=30)
    path = models.CharField(max_length=200)
    license = models.CharField(max_length=50)
    rows = models.PositiveIntegerField()
    note = models.TextField(blank=True)
    note_en = models.TextField(blank=True)

    objects = SlugManager()

    def __str__(self):
        return f"{self.package} {self.version}"

    def natural_key(self):
        return (self.slug,)


class Level(models.TextChoices):
    PROVINCE = "province", "省级"
    PREFECTURE = "prefecture", "地级"
    COUNTY = "county", "县级"


class PlaceQuerySet(models.QuerySet):
    def with_parents(self):
        return self.select_related("parent", "parent__parent")


class Place(models.Model):
    """An administrative division (GB/T 2260): province, prefecture or county."""

    code = models.CharField(max_length=6, unique=True, help_text="GB/T 2260 code.")
    name = models.CharField(max_length=50, help_text="Full name, as the gazetteer gives it.")
    short_name = models.CharField(max_length=50, help_text="Name without its suffix (宁波市 → 宁波).")
    pinyin = models.CharField(max_length=100, blank=True)
    level = models.CharField(max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    longitude = models.FloatField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    names = models.JSONField(default=list, help_text="Normalised keys it answers to (full, short, pinyin).")
    source = models.ForeignKey(GazetteerSource, on_delete=models.PROTECT, related_name="places")

    objects = CodeManager.from_queryset(PlaceQuerySet)()
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["short_name"]), models.Index(fields=["name"])]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)

    natural_key.dependencies = ["pilots.gazetteersource"]

    def get_absolute_url(self):
        return reverse("lookup:place", args=[self.code])

    @property
    def ancestors(self):
        """Parents, nearest first."""
        chain, place = [], self.parent
        while place is not None:
            chain.append(place)
            place = place.parent
        return chain

    @property
    def province(self):
        return (self.ancestors[-1] if self.ancestors else self)

    @property
    def full_label(self):
        """北京市通州区: the name with its parents, for telling namesakes apart."""
        return "".join(p.name for p in reversed(self.ancestors)) + self.name

    def is_within(self, other):
        return other == self or other in self.ancestors


class MembershipManager(models.Manager):
    def get_by_natural_key(self, region_slug, place_code):
        return self.get(region__slug=region_slug, place__code=place_code)


class MembershipKind(models.TextChoices):
    MEMBER = "member", "属于"
    UNSETTLED = "unsettled", "未有定论"


class Membership(models.Model):
    """A place belongs to a region, on some basis; places inside it belong too. A region of one
    district covers only part of its city: the city is told so, not given the region whole.

    ``unsettled`` marks a province whose places outside the region's named core may or may not
    count (四川 for 成德绵): the sources do not say, and the lookup says that rather than guess."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="memberships")
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="memberships")
    kind = models.CharField(max_length=10, choices=MembershipKind.choices, default=MembershipKind.MEMBER)
    basis = models.TextField(help_text="The public source of the membership, in Chinese.")
    basis_en = models.TextField(blank=True, help_text="The same, in English, for the English interface.")
    to_confirm = models.BooleanField(default=False)

    objects = MembershipManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["region", "place__code"]
        constraints = [models.UniqueConstraint(fields=["region", "place"], name="unique_membership")]

    def __str__(self):
        return f"{self.place} ∈ {self.region}"

    def natural_key(self):
        return (self.region.slug, self.place.code)

    natural_key.dependencies = ["pilots.region", "pilots.place"]
