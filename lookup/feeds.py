"""Atom feeds for a pilot region and for a place (measures.feeds has the rest)."""
from django.db.models import Q
from django.utils.translation import gettext as _

from catalogue.shortcuts import get_object_or_404
from measures.feeds import FEED_SIZE, Channel, MeasureFeed, newest_added
from measures.models import Measure
from pilots.models import Place, Region

from .selectors import applies_to, load_measures


class RegionFeed(MeasureFeed):
    """What the region page lists: its own tasks and the measures rolled out across its programme."""

    def get_object(self, request, slug):
        region = get_object_or_404(Region.objects.select_related("programme"), _("没有这个试点地区。"), slug=slug)
        measures = Measure.objects.filter(Q(region=region) | Q(scope_programme=region.programme_id))
        return Channel(_("%(region)s的举措与任务") % {"region": region.name}, region.get_absolute_url(),
                       newest_added(measures.with_related()))


class PlaceFeed(MeasureFeed):
    """The measures that apply to a place, whatever the reason (lookup.selectors.applies_to)."""

    def get_object(self, request, code):
        place = get_object_or_404(Place.objects.all(), _("没有这个地方。"), code=code)
        groups = applies_to(place).groups
        load_measures(groups)
        unique = {m.pk: m for group in groups for m in group.measures}
        newest = sorted(unique.values(), key=lambda m: (m.added_at, m.pk), reverse=True)[:FEED_SIZE]
        return Channel(_("适用于%(place)s的举措") % {"place": place.name}, place.get_absolute_url(), newest)
