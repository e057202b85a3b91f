import functools

from django.db import models


def reversed_once(key):
    """For ``get_absolute_url``: the URL is kept on the instance while ``key`` (the field it is
    made of) keeps its value. A list's measures share one prefetched instance of their document,
    category and region, and reversing their links again for every measure was a fifth of a
    list item's rendering."""
    def decorate(method):
        kept_as = f"_{method.__name__}_for"

        @functools.wraps(method)
        def once(self):
            value = getattr(self, key)
            kept = self.__dict__.get(kept_as)
            if kept is None or kept[0] != value:
                kept = self.__dict__[kept_as] = (value, method(self))
            return kept[1]
        return once
    return decorate


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
