from django.db import models


class SlugManager(models.Manager):
    """Natural keys by slug, for the models that have one (fixtures load by it)."""

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class SearchIndexState(models.Model):
    """What the search index of a model was built with. Queries are segmented with the same
    dictionary (``words``), so a search stays right while a rebuild with a new dictionary runs:
    the index and its dictionary change together, when the rebuild commits."""

    name = models.CharField(max_length=50, unique=True)
    dictionary_version = models.CharField(max_length=80)
    words = models.JSONField(default=list, blank=True, help_text="The dictionary the index was built with.")
    vocabulary = models.CharField(
        max_length=64, blank=True,
        help_text="Digest of the names the index was built from; a rebuild with the same names has nothing to do.",
    )
    rows = models.PositiveIntegerField(default=0)
    built_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.name} ({self.dictionary_version})"


class CacheVersion(models.Model):
    """A counter per kind of data that processes hold in memory (the place names): bumped on
    every edit, so each process notices at its next request that its copy is stale."""

    name = models.CharField(max_length=50, unique=True)
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"{self.name} v{self.version}"
