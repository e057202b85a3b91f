"""Writing links between measures: suggestions read from the search index, and curators' decisions.

A suggestion is only ever a suggestion: ``suggest_links`` adds pairs as ``suggested`` and never
touches a pair a curator has decided (or that is already suggested); only ``accept`` makes a link
visible.
"""
import itertools
import math
from collections import Counter, defaultdict
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from catalogue.search.segment import TAG_MARK
from catalogue.search.text import bigrams, ideographs
from measures.models import Measure, Scope

from .models import Kind, MeasureLink, State

# Cosine similarity of two measures' rare words (below) from which a pair is worth a curator's
# look. On the seed catalogue the strongest pairs are the 2018 list's #6 and the 2025 tasks that
# give researchers ownership of their service results (职务科技成果所有权), at 0.11 to 0.21; this
# keeps about ten pairs there (`suggest_links --min-score` asks for more or fewer).
MIN_SCORE = 0.1
# Suggestions kept per measure (its best partners): a curator reviews a short list, not every pair.
LIMIT_PER_MEASURE = 5
# A word found in more than this share of the measures (and in more than COMMON_FLOOR of them) is
# not a rare term: it says little about a pair, and counting the pairs that share it would grow
# with the square of the catalogue (the work is the sum of each word's measures squared). It
# still weighs in each measure's length, not in what two measures share.
COMMON_SHARE = 0.02
COMMON_FLOOR = 50
# Terms a generated basis names; all of them are kept in ``shared_terms``.
BASIS_TERMS = 8


def index_words(search_plain, search_tokens, own_length=None):
    """The words the search index holds for a measure's own title and text.

    ``search_tokens`` is what ``catalogue.search.segment.Segmenter.index_tokens`` wrote for the
    indexed text (``search_plain``): the segmenter's words and dictionary sub-words, then every
    single ideograph and every bigram of the text, then department tags. The single characters
    and bigrams are there to find any string, not to say what a text is about, and are computed
    from the text alone, so their count tells where the words end. Kept: words of two characters
    or more, not bare numbers, that the measure's own title and text contain (not only the names
    it is also indexed under, its departments' or regions')."""
    tokens = [t for t in search_tokens.split() if not t.startswith(TAG_MARK)]
    tail = len(ideographs(search_plain)) + len(bigrams(search_plain))
    words = tokens[:len(tokens) - tail] if len(tokens) > tail else []
    own = search_plain[:own_length] if own_length else search_plain
    return frozenset(w for w in words if len(w) >= 2 and not w.isdecimal() and w in own)


class Text(NamedTuple):
    pk: int
    document_id: int
    document_date: object
    source_order: int
    is_list_measure: bool
    is_task: bool
    own: str
    words: frozenset


COLUMNS = ("pk", "document_id", "document__date", "source_order", "number", "region_id", "scope",
           "search_plain", "search_tokens", "own_length")


def _texts():
    texts = []
    for (pk, document_id, date, source_order, number, region_id, scope, plain, tokens,
         own_length) in Measure.objects.order_by("pk").values_list(*COLUMNS).iterator(chunk_size=1000):
        words = index_words(plain, tokens, own_length)
        if words:
            texts.append(Text(pk, document_id, date, source_order,
                              is_list_measure=number is not None and region_id is None
                              and scope in (Scope.NATIONWIDE, Scope.PROGRAMME),
                              is_task=region_id is not None,
                              own=plain[:own_length] if own_length else plain, words=words))
    return texts


def similar_pairs(texts, *, min_score=MIN_SCORE, limit_per_measure=LIMIT_PER_MEASURE):
    """``{(i, j): score}`` for pairs of ``texts`` (indexes, i < j) from different documents:
    the cosine of their words weighted by rarity (inverse document frequency over all the
    measures), so that two texts are alike by the rare terms they share. Each measure keeps its
    ``limit_per_measure`` best partners of at least ``min_score``; a pair stays when either
    end keeps it. Also returns the weights."""
    count = len(texts)
    frequency = Counter(word for text in texts for word in text.words)
    idf = {word: math.log(count / n) for word, n in frequency.items()}
    norms = [math.sqrt(sum(idf[w] ** 2 for w in text.words)) for text in texts]
    common = max(COMMON_FLOOR, COMMON_SHARE * count)
    postings = defaultdict(list)
    for i, text in enumerate(texts):
        for word in text.words:
            if 1 < frequency[word] <= common and idf[word] > 0:
                postings[word].append(i)
    dots = defaultdict(float)
    for word, holders in postings.items():
        weight = idf[word] ** 2
        for i, j in itertools.combinations(holders, 2):
            if texts[i].document_id != texts[j].document_id:
                dots[i, j] += weight
    partners = defaultdict(list)
    for (i, j), dot in dots.items():
        score = dot / (norms[i] * norms[j])
        if score >= min_score:
            partners[i].append((score, j))
            partners[j].append((score, i))
    kept = {}
    for i, candidates in partners.items():
        for score, j in sorted(candidates, reverse=True)[:limit_per_measure]:
            kept[min(i, j), max(i, j)] = score
    return kept, idf


def shared_terms(a, b, idf):
    """The terms two texts share, as the phrases they have in common: runs of shared words that
    stand next to each other in both (职务 + 科技成果 + 所有权 → 职务科技成果所有权), each only
    where no longer one contains it; rarest (heaviest) first."""
    shared = a.words & b.words
    starts, ends = defaultdict(list), defaultdict(list)  # where each shared word starts and ends in a
    for word in sorted(shared, key=len, reverse=True):
        position = a.own.find(word)
        while position >= 0:
            starts[position].append(word)
            ends[position + len(word)].append(word)
            position = a.own.find(word, position + 1)
    found = set()
    for position, here in starts.items():
        for word in here:
            phrase, left, right = word, position, position + len(word)
            while True:  # the longest next word (then previous one) that keeps the phrase in b
                following = next((w for w in starts.get(right, ()) if phrase + w in b.own), None)
                if following:
                    phrase, right = phrase + following, right + len(following)
                    continue
                preceding = next((w for w in ends.get(left, ()) if w + phrase in b.own), None)
                if preceding:
                    phrase, left = preceding + phrase, left - len(preceding)
                    continue
                break
            found.add(phrase)
    maximal = [p for p in found if not any(p != q and p in q for q in found)]

    def weight(phrase):
        return sum(idf[w] for w in shared if w in phrase)

    return sorted(maximal, key=lambda p: (-weight(p), a.own.find(p), p))


def basis_of(terms):
    shown = "、".join(terms[:BASIS_TERMS]) + ("…" if len(terms) > BASIS_TERMS else "")
    shown_en = ", ".join(terms[:BASIS_TERMS]) + (", …" if len(terms) > BASIS_TERMS else "")
    return f"共有词语：{shown}", f"Shared terms: {shown_en}"


def oriented(a, b):
    """(source, target, kind) of a suggested link between two measures.

    A rollout list's measure and a pilot region's task: the list measure is the source, and the
    link is "rolled out from" the task only when the task's document is dated before the list's
    — a rollout list (推广清单) spreads what pilots did before it, never what a later approval
    asks for. Anything else is "related", the earlier measure in source order first; a curator
    changes the kind when accepting."""
    if b.is_list_measure and a.is_task:
        a, b = b, a
    if a.is_list_measure and b.is_task:
        earlier = a.document_date and b.document_date and b.document_date < a.document_date
        return a, b, Kind.ROLLED_OUT_FROM if earlier else Kind.RELATED
    if b.source_order < a.source_order:
        a, b = b, a
    return a, b, Kind.RELATED


def suggest_links(*, min_score=MIN_SCORE, limit_per_measure=LIMIT_PER_MEASURE):
    """Add suggested links between similar measures of different documents (``similar_pairs``),
    each with the terms its measures share as its basis. A pair that already has a link, whatever
    its kind, direction or state (suggested, accepted, rejected), is left as it is. Returns how
    many suggestions were added."""
    texts = _texts()
    pairs, idf = similar_pairs(texts, min_score=min_score, limit_per_measure=limit_per_measure)
    with transaction.atomic():
        linked = {frozenset(pair) for pair in MeasureLink.objects.values_list("source_id", "target_id")}
        new = []
        for (i, j), score in sorted(pairs.items(), key=lambda item: -item[1]):
            source, target, kind = oriented(texts[i], texts[j])
            if frozenset((source.pk, target.pk)) in linked:
                continue
            terms = shared_terms(source, target, idf)
            basis, basis_en = basis_of(terms)
            new.append(MeasureLink(source_id=source.pk, target_id=target.pk, kind=kind, state=State.SUGGESTED,
                                   basis=basis, basis_en=basis_en, score=round(score, 4), shared_terms=terms))
        if new:
            bulk_create_with_history(new, MeasureLink)
    return len(new)


def _decide(link, user, state):
    link.state = state
    link.decided_by = user
    link.decided_at = timezone.now()
    link._history_user = user


def accept(link, user, kind=None, basis=None, basis_en=None):
    """Make ``link`` visible, optionally as another kind or with the curator's own basis. Raises
    ValidationError for an unknown kind, an empty basis, or a kind the pair already has."""
    if kind is not None:
        if kind not in Kind.values:
            raise ValidationError({"kind": f"unknown kind: {kind}"})
        link.kind = kind
    if basis is not None:
        link.basis = basis
    if basis_en is not None:
        link.basis_en = basis_en
    _decide(link, user, State.ACCEPTED)
    link.full_clean()
    link.save()
    return link


def reject(link, user):
    """Keep ``link`` out of sight, and its pair out of later suggestions."""
    _decide(link, user, State.REJECTED)
    link.save()
    return link


def create_link(link, user):
    """A link a curator states (an unsaved MeasureLink): accepted as it is. Raises
    ValidationError for a link to itself or a duplicate."""
    _decide(link, user, State.ACCEPTED)
    link.full_clean()
    link.save()
    return link
