from django.core.exceptions import BadRequest
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

MAX_PAGE_DIGITS = 9
COUNT_CAP = 10_000


def capped_count(queryset):
    """Exact up to COUNT_CAP, then COUNT_CAP + 1: counting every one of 500,000 matches costs
    more than the page itself, and nobody pages past the 500th page."""
    return queryset.order_by()[: COUNT_CAP + 1].count()  # no ORDER BY: nothing to sort to count


class CappedPaginator(Paginator):
    def __init__(self, object_list, per_page, count=None):
        super().__init__(object_list, per_page)
        if count is not None:
            self.__dict__["count"] = count  # counted already, on the cheaper unranked query

    @cached_property
    def count(self):
        return capped_count(self.object_list) if hasattr(self.object_list, "query") else len(self.object_list)

    @property
    def count_is_exact(self):
        return self.count <= COUNT_CAP

    @property
    def shown_count(self):
        return min(self.count, COUNT_CAP)


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
