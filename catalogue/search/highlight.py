"""Marking matches in the original text, in its own script.

Matches are found in the normalised text (same length as the original, see ``text.normalize``),
then the original's characters at those positions are marked. Each piece is escaped before the
marks are added, so stored or typed markup is shown as text.
"""
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .text import normalize_text as normalize


def choose_needles(normalized, levels):
    """Per term, the first level of needles (whole term, words, sub-words) found in the text."""
    chosen = []
    for term_levels in levels:
        for level in term_levels:
            found = [n for n in level if n and n in normalized]
            if found:
                chosen += found
                break
    return chosen


def match_spans(normalized, needles):
    spans = []
    for needle in needles:
        if not needle:
            continue
        start = normalized.find(needle)
        while start >= 0:
            spans.append((start, start + len(needle)))
            start = normalized.find(needle, start + 1)
    spans.sort()
    merged = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _render(text, spans, start=0, end=None):
    end = len(text) if end is None else end
    out, cursor = [], start
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if s >= e:
            continue
        out.append(escape(text[cursor:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        cursor = e
    out.append(escape(text[cursor:end]))
    return "".join(out)


def _spans(text, levels):
    normalized = normalize(text)
    return match_spans(normalized, choose_needles(normalized, levels))


def highlight(text, levels):
    """The whole text, escaped, with every match marked."""
    return mark_safe(_render(text, _spans(text, levels)))


def snippet(text, levels, width=110):
    """A window of about ``width`` characters around the first match, escaped and marked."""
    spans = _spans(text, levels)
    if not spans:
        cut = text[:width]
        return mark_safe(escape(cut) + ("…" if len(text) > width else ""))
    first = spans[0][0]
    start = max(0, min(first - width // 3, len(text) - width))
    end = min(len(text), start + width)
    body = _render(text, spans, start, end)
    return mark_safe(("…" if start > 0 else "") + body + ("…" if end < len(text) else ""))
