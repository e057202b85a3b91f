"""What a user's query means, independent of the database.

A query is whitespace-separated terms; every term must match and ``-term`` excludes. Quotes,
``*``, ``NEAR``, ``OR`` and other operator syntax of FTS5 or tsquery are plain text here: only the
word characters of a term are searched for, and they reach the database as quoted tokens or bound
parameters, never as syntax.
"""
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .segment import Segmenter
from .text import fold_width_and_case, query_forms, word_pieces

MAX_QUERY_LENGTH = 100
MAX_TERMS = 10


class QueryError(ValueError):
    """A query the catalogue will not run; the message is for the user."""


@dataclass(frozen=True)
class Word:
    """A token of the full-text index."""
    text: str


@dataclass(frozen=True)
class Contains:
    """A substring of the normalised text: for single characters, which no word token holds."""
    text: str


@dataclass(frozen=True)
class All:
    children: tuple


@dataclass(frozen=True)
class Any:
    children: tuple


def all_of(children):
    children = tuple(dict.fromkeys(children))
    return children[0] if len(children) == 1 else All(children)


def any_of(children):
    children = tuple(dict.fromkeys(children))
    return children[0] if len(children) == 1 else Any(children)


def leaves(node):
    if isinstance(node, (Word, Contains)):
        return [node]
    return [leaf for child in node.children for leaf in leaves(child)]


def narrowest(node):
    """What matches a subset of what ``node`` matches, with fewer index lookups: the first
    alternative of every choice (the form as typed, the word whole rather than its pieces)."""
    if isinstance(node, Any):
        return narrowest(node.children[0])
    if isinstance(node, All):
        return all_of([narrowest(child) for child in node.children])
    return node


def is_pure_index(node):
    return all(isinstance(leaf, Word) for leaf in leaves(node))


@dataclass
class Term:
    raw: str
    forms: list  # normalised forms, word characters only, e.g. ["知识产权质押"]
    expr: object


@dataclass
class ParsedQuery:
    text: str
    terms: list = field(default_factory=list)
    excluded: list = field(default_factory=list)

    @property
    def is_empty(self):
        return not self.terms and not self.excluded

    def narrowed(self):
        """This query with every term narrowed (``narrowest``), exclusions kept: its matches are a
        subset of this query's, found for less (measures.facets uses it to learn cheaply that a
        search has too many matches to count)."""
        return ParsedQuery(self.text, [Term(t.raw, t.forms, narrowest(t.expr)) for t in self.terms],
                           list(self.excluded))

    def highlight_levels(self):
        """For each term, what to mark in order of preference: the whole term, its words, then
        the sub-words that stood in for a word. Marking 技术 all over a text that contains
        技术经理人 would bury the match."""
        levels = []
        for term in self.terms:
            texts = list(dict.fromkeys(leaf.text for leaf in leaves(term.expr)))
            subs = [t for t in texts if any(t != other and t in other for other in texts)]
            words = [t for t in texts if t not in subs]
            levels.append([term.forms, words, subs])
        return levels


def _form_expr(form, segmenter):
    words = segmenter.query_words(form)
    if not words:
        return None
    if all(len(w) == 1 for w in words):
        # The term fell apart into single characters (杭甬, 甬): no index token holds it, so look
        # for each unbroken run of it as a substring.
        return all_of([Contains(piece) for piece in word_pieces(form)])
    parts, run = [], []

    def flush():
        if run:
            parts.append(Contains("".join(run)))
            run.clear()

    for word in words:
        if len(word) == 1:
            run.append(word)
            continue
        flush()
        subs = segmenter.sub_words(word)
        parts.append(any_of([Word(word), all_of([Word(s) for s in subs])]) if subs else Word(word))
    flush()
    return all_of(parts)


def _term(raw, segmenter):
    forms, exprs = [], []
    for form in query_forms(raw):
        expr = _form_expr(form, segmenter)
        if expr is not None:
            forms.append("".join(word_pieces(form)))
            exprs.append(expr)
    if not exprs:
        return None
    return Term(raw=raw, forms=list(dict.fromkeys(forms)), expr=any_of(exprs))


def parse(text, segmenter):
    """Parse a user's query. Raises QueryError for a query too long to be meant.

    ``segmenter`` may be a callable returning one: it is only called when the query has words,
    so an empty or punctuation-only query costs nothing (no dictionary, no database).
    """
    text = (text or "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(_("搜索词太长：最多 %(max)d 个字符，现在是 %(n)d 个。") % {"max": MAX_QUERY_LENGTH, "n": len(text)})
    query = ParsedQuery(text=text)
    pieces = fold_width_and_case(text).split()
    if len(pieces) > MAX_TERMS:
        raise QueryError(_("搜索词太多：最多 %(max)d 个，现在是 %(n)d 个。") % {"max": MAX_TERMS, "n": len(pieces)})
    if not any(word_pieces(piece) for piece in pieces):
        return query
    if callable(segmenter) and not isinstance(segmenter, Segmenter):
        segmenter = segmenter()
    for piece in pieces:
        negative = piece.startswith("-") and len(piece) > 1
        term = _term(piece[1:] if negative else piece, segmenter)
        if term is not None:
            (query.excluded if negative else query.terms).append(term)
    return query
