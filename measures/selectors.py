"""Reads that pages, exports and the API share: the list's filtered and ordered measures, and the
gaps a source declares but does not fill."""
from dataclasses import dataclass

from django.db.models import Count, F

from catalogue.pagination import COUNT_CAP, capped_count

from . import search
from .filters import MeasureFilterSet
from .models import Category, Measure

# Above this many matches a search is not ranked: ordering every match by relevance costs more
# than the page, and when thousands of measures contain a word, they all contain it. The list
# says so and comes in source order (read off the index, a page at a time).
RANK_LIMIT = COUNT_CAP  # and the count is exact up to here


def sort_of(filterset, parsed):
    asked = filterset.form.cleaned_data.get("sort")
    if asked:
        return asked
    return "relevance" if parsed is not None and parsed.terms else "source"


@dataclass
class Results:
    filterset: MeasureFilterSet
    queryset: object = None  # None when the parameters are invalid
    parsed: object = None
    count: int = None        # capped; see catalogue.pagination
    ranked: bool = False
    too_many_to_rank: bool = False

    @property
    def order(self):
        if self.ranked:
            return "relevance"
        if self.too_many_to_rank:
            return "source, too many matches to rank"
        return sort_of(self.filterset, self.parsed)


def filtered_measures(params, count=capped_count, queryset=None):
    """The list page's, the API's and the exports' shared reading of the query string: filters,
    search, a capped count of the matches (by ``count``), and the order (relevance for a search,
    unless another order is asked for or the matches are too many to rank; source order
    otherwise)."""
    base = Measure.objects.with_related() if queryset is None else queryset
    filterset = MeasureFilterSet(params, queryset=base.in_source_order())
    if not filterset.is_valid():
        return Results(filterset)
    parsed = filterset.search_query
    matches = filterset.qs
    results = Results(filterset, matches, parsed, count(matches))
    sort = sort_of(filterset, parsed)
    if sort == "relevance" and parsed is not None and parsed.terms:
        if results.count <= RANK_LIMIT:
            results.queryset, results.ranked = search.ranked(matches, parsed), True
        else:
            results.too_many_to_rank = True
    elif sort == "newest":
        results.queryset = matches.order_by(F("document__date").desc(nulls_last=True), "source_order")
    return results


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
    """Runs of declared-but-absent numbers, in source order (two queries, whatever the size)."""
    categories = Category.objects.select_related("document").annotate(n=Count("measures"))
    if documents is not None:
        categories = categories.filter(document__in=documents)
    short = [c for c in categories if c.n < c.declared_count]
    present = {c.pk: set() for c in short}
    numbers = Measure.objects.filter(category__in=short, number__isnull=False).values_list("category_id", "number")
    for category_id, number in numbers:
        present[category_id].add(number)
    gaps = []
    for category in short:
        run = []
        for number in category.declared_numbers:
            if number in present[category.pk]:
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


