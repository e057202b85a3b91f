"""What a user's query means, independent of the database.

A query is whitespace-separated terms; every term must match and ``-term`` excludes. A term
matches a measure whose text contains it verbatim (compared after normalising both: width, case,
script), however jieba segments either; or, failing that, that has its words. Punctuation inside a
term separates the runs of characters that must each be found: it never joins them. Quotes, ``*``,
``NEAR``, ``OR`` and other operator syntax of FTS5 or tsquery are plain text here: only the word
characters of a term are searched for, and they reach the database as quoted tokens or bound
parameters, never as syntax.
"""
import functools
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .segment import Segmenter
from .text import fold_width_and_case, ideographs, query_forms, trimmed, word_pieces

# Long enough for a sentence pasted from a policy text; a query is not a document.
MAX_QUERY_LENGTH = 200
MAX_TERMS = 10


class QueryError(ValueError):
    """A query the catalogue will not run; the message is for the user."""


@dataclass(frozen=True)
class Word:
    """A token of the full-text index."""
    text: str


@dataclass(frozen=True)
class Contains:
    """A string the normalised text contains verbatim: the searchable text (names included), or,
    with ``own``, the measure's own title and text only."""
    text: str
    own: bool = False


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
    forms: list  # normalised forms, punctuation inside kept, e.g. ["知识产权质押", "知識產權質押"]
    expr: object
    runs: list = field(default_factory=list)  # the forms' runs of word characters


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
        """For each term, what to mark in order of preference: the whole term as typed
        (punctuation included), its runs of characters, its words, then the sub-words that stood
        in for a word. Marking 技术 all over a text that contains 技术经理人 would bury the match."""
        return self._levels

    @functools.cached_property
    def _levels(self):
        levels = []
        for term in self.terms:
            texts = list(dict.fromkeys(leaf.text for leaf in leaves(term.expr) if isinstance(leaf, Word)))
            subs = [t for t in texts if any(t != other and t in other for other in texts)]
            words = [t for t in texts if t not in subs]
            levels.append([term.forms, term.runs, words, subs])
        return levels


def _word_expr(word, segmenter):
    """A word, or the dictionary words that make it up (知识产权: 知识 and 产权)."""
    subs = segmenter.sub_words(word)
    return any_of([Word(word), all_of([Word(s) for s in subs])]) if subs else Word(word)


def _run_expr(run, segmenter):
    """A run of characters: its words wherever they stand (知识产权质押: 知识产权 and 质押 apart; a
    long word also by its sub-words), or the run verbatim. The words come first: the index alone
    answers them. A run that falls apart into single characters is looked for verbatim only."""
    words = segmenter.query_words(run)
    if all(len(word) == 1 for word in words):
        return Contains(run)
    parts = [_word_expr(word, segmenter) if len(word) > 1 else Word(word)
             for word in words if len(word) > 1 or ideographs(word)]
    return any_of([all_of(parts), Contains(run)])


def _term(raw, segmenter):
    forms, runs, exprs = [], [], []
    for form in query_forms(raw):
        pieces = word_pieces(form)
        if not pieces:
            continue
        forms.append(trimmed(form))
        runs += pieces
        exprs.append(all_of([_run_expr(piece, segmenter) for piece in pieces]))
    if not exprs:
        return None
    return Term(raw=raw, forms=list(dict.fromkeys(forms)), expr=any_of(exprs), runs=list(dict.fromkeys(runs)))


def _excluded_term(raw):
    """An exclusion: the measures whose own text contains the phrase, in any of its forms."""
    forms = [trimmed(form) for form in query_forms(raw) if word_pieces(form)]
    if not forms:
        return None
    forms = list(dict.fromkeys(forms))
    return Term(raw=raw, forms=forms, expr=any_of([Contains(form, own=True) for form in forms]),
                runs=list(dict.fromkeys(piece for form in forms for piece in word_pieces(form))))


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
        if piece.startswith("-") and len(piece) > 1:
            term = _excluded_term(piece[1:])
            if term is not None:
                query.excluded.append(term)
        elif (term := _term(piece, segmenter)) is not None:
            query.terms.append(term)
    return query
