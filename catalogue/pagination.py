from django.core.exceptions import BadRequest
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404
from django.utils.translation import gettext as _

MAX_PAGE_DIGITS = 9


def paginate(request, object_list, per_page):
    """The page the request asks for; 400 for a page that is not a number, 404 past the end."""
    raw = request.GET.get("page", "1")
    if len(raw) > MAX_PAGE_DIGITS:
        raise Http404(_("没有这一页。")) from None
    if raw.lstrip("-").isdigit() and int(raw) < 1:
        raise BadRequest(_("页码必须是正整数。")) from None
    try:
        return Paginator(object_list, per_page).page(raw)
    except PageNotAnInteger:
        raise BadRequest(_("页码必须是正整数。")) from None
    except EmptyPage:
        raise Http404(_("没有这一页。")) from None
