"""Reads that views share: facet counts and the gaps a source declares but does not fill."""
from dataclasses import dataclass

from django.db.models import Count
from django.utils.translation import gettext_lazy as _lazy

from pilots.models import Region

from .filters import MeasureFilterSet
from .models import Category, Department, Document, Scope

FACETS = {
    "document": _lazy("文件"),
    "category": _lazy("类别"),
    "department": _lazy("指导部门"),
    "scope": _lazy("推广范围"),
    "region": _lazy("试点地区"),
}


@dataclass(frozen=True)
class SourceGap:
    """Numbers a category declares that its source does not contain."""

    category: Category
    first: int
    last: int

    @property
    def size(self):
        return self.last - self.first + 1

    @property
    def whole_category(self):
        return self.size == self.category.declared_count

    def covers(self, number):
        return self.first <= number <= self.last


def source_gaps(documents=None):
    """Runs of declared-but-absent numbers, in source order."""
    categories = Category.objects.select_related("document").annotate(n=Count("measures"))
    if documents is not None:
        categories = categories.filter(document__in=documents)
    present = {}
    for category in categories:
        if category.n < category.declared_count:
            present[category] = set(category.measures.values_list("number", flat=True))
    gaps = []
    for category, numbers in present.items():
        run = []
        for number in category.declared_numbers:
            if number in numbers:
                if run:
                    gaps.append(SourceGap(category, run[0], run[-1]))
                run = []
            else:
                run.append(number)
        if run:
            gaps.append(SourceGap(category, run[0], run[-1]))
    return gaps


def gaps_between(gaps, document_id, after, before):
    """The gaps of ``document_id`` lying between numbers ``after`` and ``before`` (either may be None)."""
    low = after if after is not None else 0
    high = before if before is not None else 10**9
    return [g for g in gaps if g.category.document_id == document_id and low < g.first and g.last < high]


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    group: str = ""


@dataclass
class Facet:
    name: str
    label: str
    values: list
    multiple: bool = False

    @property
    def any_selected(self):
        return any(v.selected for v in self.values)


def _counts(queryset, field):
    return dict(queryset.order_by().values_list(field).annotate(n=Count("pk", distinct=True)))


def facet_counts(data, queryset):
    """For each facet, the count of each value with every *other* filter (and the search) applied.

    Counting each facet without its own filter is what lets a user see what another choice would give.
    """
    facets = []
    for name, label in FACETS.items():
        others = data.copy()
        others.pop(name, None)
        qs = MeasureFilterSet(others, queryset=queryset).qs
        selected = set(data.getlist(name)) if hasattr(data, "getlist") else {data.get(name)}
        if name == "document":
            counts = _counts(qs, "document__slug")
            options = [(d.slug, d.title, "") for d in Document.objects.all()]
        elif name == "category":
            counts = _counts(qs, "category__slug")
            options = [(c.slug, f"{c.numeral}、{c.name}", "") for c in Category.objects.all()]
        elif name == "department":
            counts = _counts(qs, "departments__slug")
            options = [(d.slug, d.name, "") for d in Department.objects.all()]
        elif name == "scope":
            counts = _counts(qs, "scope")
            options = [(value, label, "") for value, label in Scope.choices]
        else:
            tasks = _counts(qs, "region__slug")
            by_programme = _counts(qs, "scope_programme_id")
            regions = Region.objects.select_related("programme")
            counts = {r.slug: tasks.get(r.slug, 0) + by_programme.get(r.programme_id, 0) for r in regions}
            options = [(r.slug, r.name, r.programme.name) for r in regions]
        values = [
            FacetValue(value, text, counts.get(value, 0), value in selected, group)
            for value, text, group in options
            if counts.get(value, 0) or value in selected
        ]
        facets.append(Facet(name, label, values, multiple=name == "department"))
    return facets
