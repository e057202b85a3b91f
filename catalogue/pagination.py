from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from .shortcuts import Invalid, NotFound

MAX_PAGE_DIGITS = 9
# Counts are exact up to here. Counting matches means reading every matching row: for a common
# word, most of the table, on every request, for a figure nobody needs exactly ("more than
# 1,000" says what matters: narrow the search).
COUNT_CAP = 1_000


def capped_count(queryset, cap=COUNT_CAP):
    """Exact up to ``cap``, then ``cap + 1``."""
    return queryset.order_by()[: cap + 1].count()  # no ORDER BY: nothing to sort to count


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


def page_number(raw):
    """The page a ``?page=`` value asks for: ASCII digits only (no sign, space or other script's
    digits); 400 for anything else, 404 for a number too long to be a page."""
    if not (raw.isascii() and raw.isdigit()):
        raise Invalid(_("页码必须是正整数。"))
    if len(raw) > MAX_PAGE_DIGITS:
        raise NotFound(_("没有这一页。"))
    number = int(raw)
    if number < 1:
        raise Invalid(_("页码必须是正整数。"))
    return number


def paginate(request, object_list, per_page, count=None):
    """The page the request asks for; 400 for a page that is not a number, 404 past the end."""
    number = page_number(request.GET.get("page", "1"))
    try:
        return CappedPaginator(object_list, per_page, count=count).page(number)
    except PageNotAnInteger:
        raise Invalid(_("页码必须是正整数。")) from None
    except EmptyPage:
        raise NotFound(_("没有这一页。")) from None
