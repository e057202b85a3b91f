from django.db import models


class SlugManager(models.Manager):
    """Natural keys by slug, for the models that have one (fixtures load by it)."""

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class SearchIndexState(models.Model):
    """What the search index of a model was built with, so a change of dictionary is noticed."""

    name = models.CharField(max_length=50, unique=True)
    dictionary_version = models.CharField(max_length=80)
    rows = models.PositiveIntegerField(default=0)
    built_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.name} ({self.dictionary_version})"
