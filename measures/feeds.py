"""Atom feeds of measures, newest added first: for a filtered list, a department and what's new.
(Regions and places have theirs in lookup.feeds, built on the same base.)"""
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import feedgenerator
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _

from catalogue.shortcuts import Invalid, get_object_or_404

from .filters import MeasureFilterSet
from .models import Department, Document, Measure

FEED_SIZE = 50  # entries a feed holds: the newest added


class AtomWithContent(feedgenerator.Atom1Feed):
    """Atom 1.0 with each entry's full text as its <content> (Django's writes only <summary>)."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content", item["content"], {"type": "html"})


def newest_added(measures):
    return measures.order_by("-added_at", "-pk")[:FEED_SIZE]


@dataclass
class Channel:
    """What a feed is about: its title, the page it follows, and its measures (a queryset or list)."""

    title: str
    link: str
    measures: object
    subtitle: str = ""


class MeasureFeed(Feed):
    feed_type = AtomWithContent

    def title(self, channel):
        return _("%(title)s · 改革举措目录") % {"title": channel.title}

    def link(self, channel):
        return channel.link

    def subtitle(self, channel):
        return channel.subtitle or _("最新收录的举措（最多 %(n)d 项），按收录时间排列，最新在前。") % {"n": FEED_SIZE}

    def author_name(self, channel):
        # Atom wants an author for every entry: the catalogue, where the source names no issuer.
        return _("改革举措目录")

    def items(self, channel):
        return channel.measures

    def item_title(self, measure):
        return measure.display_title

    def item_link(self, measure):
        return measure.get_absolute_url()

    def item_description(self, measure):
        # The summary names the source: 《title》（文号）item.
        return escape(measure.citation)

    def item_author_name(self, measure):
        return measure.document.issuer or None

    def item_pubdate(self, measure):
        return measure.added_at

    def item_updateddate(self, measure):
        return measure.added_at

    def item_extra_kwargs(self, measure):
        # The verbatim text; a task given only as a heading has its heading as its text.
        return {"content": linebreaks(measure.text or measure.title, autoescape=True)}


def describe_filters(request, filterset):
    """The active filters as one line, for a feed's title: 指导部门：科技部；推广范围：全国."""
    from .views import filter_chips  # the list page's own wording of its filters

    return "；".join(f"{chip['kind']}：{chip['label']}" for chip in filter_chips(request, filterset))


class MeasureListFeed(MeasureFeed):
    """/measures/feed/?<the list's filters>: the same filters, read by the same FilterSet."""

    def get_object(self, request):
        filterset = MeasureFilterSet(request.GET, queryset=Measure.objects.with_related())
        if not filterset.is_valid():
            raise Invalid(filterset.error_message())
        described = describe_filters(request, filterset)
        title = _("举措（%(filters)s）") % {"filters": described} if described else _("全部举措")
        query = request.GET.copy()
        query.pop("sort", None)
        link = reverse("measures:list") + (f"?{query.urlencode()}" if query else "")
        return Channel(title, link, newest_added(filterset.qs))


class DepartmentFeed(MeasureFeed):
    def get_object(self, request, slug):
        department = get_object_or_404(Department.objects.all(), _("没有这个指导部门。"), slug=slug)
        title = _("%(department)s指导的举措") % {"department": department.name}
        return Channel(title, department.get_absolute_url(), newest_added(department.measures.with_related()))


class WhatsNewFeed(MeasureFeed):
    """/new/feed/: documents and measures together, newest added first."""

    def get_object(self, request):
        from .whatsnew import newest_added_entries

        return Channel(_("新收录"), reverse("measures:new"), newest_added_entries(FEED_SIZE),
                       subtitle=_("最新收录的文件和举措（最多 %(n)d 项），最新在前。") % {"n": FEED_SIZE})

    def item_title(self, item):
        return item.title if isinstance(item, Document) else super().item_title(item)

    def item_author_name(self, item):
        return (item.issuer or None) if isinstance(item, Document) else super().item_author_name(item)

    def item_description(self, item):
        if isinstance(item, Document):
            number = f"（{item.number}）" if item.number else ""
            return escape(f"《{item.title}》{number}")
        return super().item_description(item)

    def item_extra_kwargs(self, item):
        if isinstance(item, Document):
            text = "\n\n".join(t for t in (item.opening, item.context) if t)
            return {"content": linebreaks(text, autoescape=True)} if text else {}
        return super().item_extra_kwargs(item)
