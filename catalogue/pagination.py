from django.core.exceptions import BadRequest
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import F
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

MAX_PAGE_DIGITS = 9
# Counts are exact up to here. Counting matches means reading every matching row: for a word in
# most of 100,000 measures that is most of the table, on every request, for a figure nobody
# needs exactly ("more than 1,000" says what matters: narrow the search).
COUNT_CAP = 1_000


def capped_count(queryset, cap=COUNT_CAP):
    """Exact up to ``cap``, then ``cap + 1``."""
    return queryset.order_by()[: cap + 1].count()  # no ORDER BY: nothing to sort to count


def capped_group_counts(queryset, groupings, cap):
    """Among the first ``cap + 1`` rows of ``queryset``, how many have each combination of values
    of each grouping's fields: ``(rows read, [[(*values, n), …] for each grouping])``, exact when
    the rows read are ``cap`` or fewer. A count and its guard in one read of at most ``cap + 1``
    rows, where counting first reads them twice. Fields that vary together go in one grouping,
    independent ones in separate groupings: grouped together, a search's matches come back
    nearly one row per match (5,000 rows turned into counts in Python took longer than reading
    them); grouped apart, one row per value (hundreds)."""
    fields = [field for grouping in groupings for field in grouping]
    aliases = {field: f"c{i}" for i, field in enumerate(fields)}
    matches = queryset.order_by().values(**{aliases[field]: F(field) for field in fields})[: cap + 1]
    sql, params = matches.query.get_compiler(queryset.db).as_sql()
    connection = connections[queryset.db]
    # All the fields in every SELECT, a NULL of the field's type where a grouping leaves it out
    # (PostgreSQL types a bare NULL as text, and a UNION's columns keep one type); the first
    # column says which grouping a row belongs to. A CTE read more than once is computed once,
    # on PostgreSQL and SQLite alike.
    nulls = {field: f"CAST(NULL AS {queryset.model._meta.get_field(field).cast_db_type(connection)})" for field in fields}
    selects = []
    for i, grouping in enumerate(groupings):
        columns = ", ".join(aliases[field] if field in grouping else nulls[field] for field in fields)
        keys = ", ".join(aliases[field] for field in grouping)
        selects.append(f"SELECT {i}, {columns}, COUNT(*) FROM matches GROUP BY {keys}")
    per_grouping = [[] for _ in groupings]
    with connection.cursor() as cursor:
        cursor.execute(f"WITH matches AS ({sql}) {' UNION ALL '.join(selects)}", params)
        for which, *values, n in cursor.fetchall():
            per_grouping[which].append((*(values[fields.index(field)] for field in groupings[which]), n))
    return sum(row[-1] for row in per_grouping[0]), per_grouping


def recapped(count, cap):
    """A count capped at ``cap`` as a count capped at COUNT_CAP, or None where it cannot tell."""
    if count <= cap:
        return min(count, COUNT_CAP + 1)
    return COUNT_CAP + 1 if cap >= COUNT_CAP else None


def is_exact(count):
    """Whether a capped count is the real number (else there are more than COUNT_CAP)."""
    return count <= COUNT_CAP


def shown(count):
    """A capped count as it is shown: the number, or COUNT_CAP for "more than COUNT_CAP"."""
    return min(count, COUNT_CAP)


class OpenEndedPage(Page):
    """A page of a result set counted only as "more than COUNT_CAP": whether a next page exists is
    known from one extra row fetched with this one, not from a total."""

    def __init__(self, object_list, number, paginator, has_more):
        super().__init__(object_list, number, paginator)
        self.has_more = has_more

    def has_next(self):
        return self.has_more

    def end_index(self):
        return self.start_index() + len(self.object_list) - 1


class CappedPaginator(Paginator):
    """Django's paginator, with a capped count: past the cap the pages go on as long as there are
    measures (page 300 of a broad search still answers), without a total number of pages."""

    def __init__(self, object_list, per_page, count=None):
        super().__init__(object_list, per_page)
        if count is not None:
            self.__dict__["count"] = count  # counted already, on the cheaper unranked query

    @cached_property
    def count(self):
        return capped_count(self.object_list) if hasattr(self.object_list, "query") else len(self.object_list)

    @property
    def count_is_exact(self):
        return is_exact(self.count)

    @property
    def shown_count(self):
        return shown(self.count)

    def validate_number(self, number):
        if self.count_is_exact:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(_("页码必须是正整数。")) from None
        if number < 1:
            raise EmptyPage(_("没有这一页。"))
        return number

    def page(self, number):
        if self.count_is_exact:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom: bottom + self.per_page + 1])
        if not rows:
            raise EmptyPage(_("没有这一页。"))
        return OpenEndedPage(rows[: self.per_page], number, self, has_more=len(rows) > self.per_page)


def paginate(request, object_list, per_page, count=None):
    """The page the request asks for; 400 for a page that is not a number, 404 past the end."""
    raw = request.GET.get("page", "1")
    if len(raw) > MAX_PAGE_DIGITS:
        raise Http404(_("没有这一页。"))
    if raw.lstrip("-").isdigit() and int(raw) < 1:
        raise BadRequest(_("页码必须是正整数。")) from None
    try:
        return CappedPaginator(object_list, per_page, count=count).page(raw)
    except PageNotAnInteger:
        raise BadRequest(_("页码必须是正整数。")) from None
    except EmptyPage:
        raise Http404(_("没有这一页。")) from None
