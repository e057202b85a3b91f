"""The place banner of the measure list (``lookup/_place_banner.html``): the measures floor
recognises a place's name (pilots.places.places_named) and this floor, above it, counts what the
place page lists, so that the list needs no import from here."""
from django import template

from lookup.selectors import place_total

register = template.Library()


@register.simple_tag
def place_measure_count(place):
    """``(count, exact)``: the measures the place's page lists, each once."""
    return place_total(place)
