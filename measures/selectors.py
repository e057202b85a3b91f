"""Reads that pages, exports and the API share: the list's filtered and ordered measures, and the
gaps a source declares but does not fill."""
import datetime
import zoneinfo
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from catalogue.pagination import COUNT_CAP, capped_count

from . import search
from .filters import MeasureFilterSet
from .models import Category, Document, Measure, Scope
from .validity import Status

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




# --- what an export or a briefing says about itself ------------------------------------------

@dataclass(frozen=True)
class DataVersion:
    """Which state of the catalogue a file or a printout was made from: the last time a measure
    or a document was added, edited or deleted (their edit history: a deletion leaves a record
    too), and how many of each there were. Two files with the same version hold the same data."""

    changed_at: object  # an aware datetime, or None when nothing has been recorded yet
    measures: int
    documents: int

    @property
    def label(self):
        counts = _("%(measures)s 项举措，%(documents)s 份文件") % {
            "measures": self.measures, "documents": self.documents}
        if self.changed_at is None:
            return counts
        when = timezone.localtime(self.changed_at, EXPORT_ZONE).strftime("%Y-%m-%d %H:%M:%S")
        return _("%(when)s 更新（%(counts)s）") % {"when": when, "counts": counts}


def data_version():
    """The catalogue's ``DataVersion``, read in one query (the pages' print header shows it)."""
    tables = [connection.ops.quote_name(model._meta.db_table) for model in
              (Measure.history.model, Document.history.model, Measure, Document)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX(history_date) FROM {tables[0]}), (SELECT MAX(history_date) FROM {tables[1]}), "
            f"(SELECT COUNT(*) FROM {tables[2]}), (SELECT COUNT(*) FROM {tables[3]})")
        measures_changed, documents_changed, measures, documents = cursor.fetchone()
    changed = []
    for value in (measures_changed, documents_changed):
        if isinstance(value, str):  # SQLite hands back a subquery's date as text, in UTC
            value = parse_datetime(value)
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        if value is not None:
            changed.append(value)
    return DataVersion(max(changed) if changed else None, measures, documents)


EXPORT_ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")  # the catalogue's dates are Beijing's


@dataclass(frozen=True)
class ActiveFilter:
    kind: str    # the filter's label: 指导部门
    label: str   # the value, as a reader knows it: 科学技术部
    short: str   # as short as it is still clear, for a file name: the 文号 rather than the title
    ascii: str   # the value as given in the URL when it is plain ASCII (a slug), else ""


def active_filters(filterset):
    """The filters a valid ``filterset`` applies, in the list's order, with readable labels (the
    list's chips, the exports' file names and notes, the briefings' headers)."""
    data = filterset.form.cleaned_data
    found = []

    def add(name, label, short=None, raw=""):
        raw = raw if raw.isascii() and raw.replace("-", "").replace("_", "").isalnum() else ""
        found.append(ActiveFilter(str(filterset.filters[name].label), str(label), str(short or label), raw))

    if data.get("q") is not None and data["q"].text:
        add("q", data["q"].text, raw=data["q"].text)
    if data.get("document"):
        document = data["document"]
        add("document", document.title, document.number or document.title, document.slug)
    if data.get("category"):
        add("category", data["category"].name, raw=data["category"].slug)
    if data.get("region"):
        add("region", data["region"].name, raw=data["region"].slug)
    for department in data.get("department") or []:
        add("department", department.name, raw=department.slug)
    if data.get("scope"):
        add("scope", dict(Scope.choices)[data["scope"]], raw=data["scope"])
    for code in data.get("status") or []:
        add("status", Status(code).label, raw=code)
    return found
