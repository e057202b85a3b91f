"""Normalising text so that script, width and case do not matter.

``normalize`` keeps length: position i of its output is position i of its input, which is what
lets highlighting mark the original text (in its own script) from matches in the normalised one.
"""
import functools
import re

from opencc import OpenCC

FULLWIDTH_OFFSET = 0xFEE0


@functools.cache
def _converter(config):
    return OpenCC(config)


def _fold_char(ch):
    code = ord(ch)
    if 0xFF01 <= code <= 0xFF5E:
        ch = chr(code - FULLWIDTH_OFFSET)
    elif code == 0x3000:
        ch = " "
    lower = ch.lower()
    # A few letters lowercase to two characters (İ); keep those as they are so lengths hold.
    return lower if len(lower) == 1 else ch


# Letters with a lowercase form all lie in the first two planes of Unicode.
CASED_PLANES_END = 0x20000


@functools.cache
def _fold_table():
    """``_fold_char`` of every character it changes, for ``str.translate``: one pass in C instead
    of a Python call per character (a tenth of the cost of indexing)."""
    changed = [ch for ch in map(chr, range(CASED_PLANES_END)) if ch.lower() != ch]
    changed += [chr(code) for code in range(0xFF01, 0xFF5F)] + ["\u3000"]
    return {ord(ch): folded for ch in changed if (folded := _fold_char(ch)) != ch}


def fold_width_and_case(text):
    return text.translate(_fold_table())


class FastTraditionalToSimplified:
    """OpenCC's t2s, with the same result, at the speed of ``str.translate`` where it can.

    opencc-python-reimplemented converts by trying every substring of up to 14 characters against
    its phrase table, then every character against its character table, in pure Python: most of
    the cost of indexing. Where no phrase of the table occurs in a text (one
    regular expression search tells), that conversion is exactly a per-character mapping to each
    character's first listed reading, which is what this does; anything else goes to OpenCC.
    ``tests/test_text.py`` checks the two agree on every source text and on generated ones.
    """

    def __init__(self):
        self.opencc = _converter("t2s")  # its tables are loaded by the constructor
        # t2s is one group: the phrase table, then the character table, each (longest key, shortest, dict).
        [[(*_, phrases), (*_, characters)]] = self.opencc._dict_chain_data
        self.phrases = tuple(sorted(phrases))
        self.phrase_re = re.compile("|".join(map(re.escape, self.phrases)))
        self.characters = str.maketrans({key: value.split(" ")[0] for key, value in characters.items()})

    def convert(self, text):
        if self.phrase_re.search(text):
            return self.opencc.convert(text)
        return text.translate(self.characters)


@functools.cache
def _to_simplified():
    return FastTraditionalToSimplified()


@functools.lru_cache(maxsize=65536)
def normalize(text):
    """Half-width, lowercase, Simplified; same length as ``text``.

    Cached: highlighting normalises the same measure texts on every request, and OpenCC's
    conversion is pure Python."""
    folded = fold_width_and_case(text)
    converted = _to_simplified().convert(folded)
    if len(converted) != len(folded):  # not expected with opencc's t2s tables; never misalign
        converted = "".join(c2 if len(c2 := _converter("t2s").convert(c)) == 1 else c for c in folded)
    return converted


# Sentence ends: no OpenCC phrase and no jieba word spans one, so a text can be converted and
# segmented a sentence at a time, and a sentence seen before costs nothing.
SENTENCE_RE = re.compile(r"[^。；;！？!?\n]*[。；;！？!?\n]?")


def sentences(text):
    return [piece for piece in SENTENCE_RE.findall(text) if piece]


def normalize_text(text):
    """``normalize`` for long texts: sentence by sentence, each cached."""
    if len(text) <= 80:
        return normalize(text)
    return "".join(normalize(piece) for piece in sentences(text))


def query_forms(text):
    """The normalised forms a query is matched in: its own, and its readings across the
    Taiwan/Hong Kong–mainland vocabulary divide.

    Regional vocabulary (智慧財產權 → 知识产权, 軟體 → 软件) is an extra form OR-ed with the first,
    never the canonical one: tw2sp rewrites phrases, changes lengths and can misread context. The
    forms are taken both ways (tw2sp of the query, and the Taiwan rendering of its Simplified
    reading), so that a phrase typed in Simplified, in Traditional or in Taiwan usage (运行 / 運行 /
    執行) is matched in the same set of forms and finds the same measures.
    """
    folded = fold_width_and_case(text)
    base = normalize(folded)
    forms = [base]
    traditional = _converter("s2t").convert(base)
    candidates = (
        _converter("tw2sp").convert(folded),
        _converter("tw2sp").convert(_converter("s2t").convert(folded)),
        _converter("tw2sp").convert(traditional),
        _converter("s2twp").convert(base),
    )
    for candidate in candidates:
        form = normalize(candidate)
        if form not in forms:
            forms.append(form)
    return forms


WORD_RE = re.compile(r"[^\W_]+")
# CJK ideographs (the basic block, extension A and the compatibility block): what a single
# character a user types (甬, 粤, 沪) usually is.
IDEOGRAPH_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def ideographs(text):
    """The distinct ideographs of ``text``, in order of first appearance."""
    return list(dict.fromkeys(IDEOGRAPH_RE.findall(text)))


def word_pieces(token):
    """Letters/digits/CJK runs of a token: the part both FTS engines index the same way."""
    return WORD_RE.findall(token)


def bigrams(text):
    """The distinct pairs of adjacent characters within each run of word characters of ``text``
    (punctuation, spaces and line ends end a run): a text contains a two-character string
    exactly when the pair is among its bigrams."""
    pairs = {}
    for piece in word_pieces(text):
        for i in range(len(piece) - 1):
            pairs[piece[i:i + 2]] = None
    return list(pairs)


def trimmed(text):
    """``text`` without the punctuation and spaces around it (“质押” → 质押); inside it, kept."""
    pieces = word_pieces(text)
    if not pieces:
        return ""
    return text[text.index(pieces[0]):text.rindex(pieces[-1]) + len(pieces[-1])]
