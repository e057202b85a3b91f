"""What a printed page says about itself, as a briefing does (measures.briefings): the
catalogue's data version, and each measure's address in full."""
from django import template
from django.utils.translation import gettext as _

from catalogue.reading import convert

from ..selectors import data_version as read_data_version

register = template.Library()


@register.simple_tag
def data_version():
    return read_data_version()


@register.simple_tag(takes_context=True)
def absolute_url(context, obj):
    request = context.get("request")
    url = obj.get_absolute_url()
    return request.build_absolute_uri(url) if request is not None else url


@register.simple_tag
def list_briefing_title(chips):
    """The title a briefing of this list has (measures.briefings.for_list)."""
    labels = [convert(str(chip["label"]), name=True) for chip in chips or ()]
    return _("举措简报：%(what)s") % {"what": "；".join(labels) if labels else _("全部举措")}


@register.filter
def chip_facts(chips):
    """The list's filter chips as the (kind, label) pairs a briefing's header lists."""
    return [(str(chip["kind"]), convert(str(chip["label"]), name=True)) for chip in chips or ()]


@register.filter
def pair(kind, label):
    """One (kind, label) fact: ``kind|pair:label``."""
    return [(kind, label)]
