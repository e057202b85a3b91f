from django.utils import translation


def localized(obj, field):
    """``obj.<field>`` in the interface's language: the English text (``<field>_en``) on English
    pages where a curator has written one, otherwise the Chinese."""
    if translation.get_language() == "en":
        english = getattr(obj, f"{field}_en", "")
        if english:
            return english
    return getattr(obj, field)
