from django import template

from catalogue.reading import convert

register = template.Library()


@register.filter
def reading(value):
    """Show a stored text in the reader's chosen script (display only)."""
    return convert(value)
