from django import template

from catalogue import i18n
from catalogue.reading import convert

register = template.Library()


@register.filter
def reading(value, kind=None):
    """Show a stored text in the reader's chosen script (display only). ``reading:"name"`` for an
    official title or name: its characters follow the script, its words stay as issued (支持 is
    never 支援, 知识产权局 never 智慧財產權局); body text takes the regional vocabulary too."""
    if kind not in (None, "name"):
        raise template.TemplateSyntaxError(f'reading takes no argument or "name", not {kind!r}')
    return convert(value, name=kind == "name")


@register.filter(is_safe=True)
def clip(value, length):
    """``truncatechars`` for the catalogue's texts: the first ``length`` characters, the last
    one an ellipsis when cut. Django's filter walks every character through unicodedata to keep
    combining marks whole; Chinese text has none to split.
    """
    value = str(value)
    length = int(length)
    return value if len(value) <= length else value[:length - 1] + "…"


@register.filter
def localized(obj, field):
    """A curated text (a basis, a note) in the interface's language; see catalogue.i18n."""
    return i18n.localized(obj, field)
