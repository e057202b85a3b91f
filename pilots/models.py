"""Pilot programmes and the regions they name.

A fact the seeds do not state (what a region is made of, why) is stored with its ``basis`` so
a reader can see where it comes from and a curator can correct it.
"""
from django.db import models
from django.urls import reverse


class SlugManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Programme(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    basis = models.TextField(help_text="Where the catalogue's knowledge of this programme comes from.")
    document = models.ForeignKey(
        "measures.Document", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="programmes",
        help_text="The catalogued document that establishes it, if the catalogue holds it.",
    )
    position = models.PositiveIntegerField(default=0)

    objects = SlugManager()

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("pilots:programme", args=[self.slug])


class Region(models.Model):
    """A pilot region of a programme (杭甬温) or one of its reform areas (京津冀)."""

    slug = models.SlugField(unique=True)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="regions")
    name = models.CharField(max_length=100, help_text="As the source writes it.")
    composition = models.TextField(
        blank=True, help_text="What the region is made of, in words, from the reference facts."
    )
    basis = models.TextField(blank=True, help_text="Source of the composition.")
    to_confirm = models.BooleanField(
        default=False, help_text="The reference marks the composition as still to be confirmed."
    )
    position = models.PositiveIntegerField(default=0)

    objects = SlugManager()

    class Meta:
        ordering = ["programme__position", "position"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    natural_key.dependencies = ["pilots.programme"]

    def get_absolute_url(self):
        return reverse("pilots:region", args=[self.slug])
