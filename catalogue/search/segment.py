"""jieba segmentation with the catalogue's own dictionary.

Documents are segmented in search mode (every dictionary sub-word as well as the word), queries in
accurate mode; HMM is off on both so that unknown words split the same way every time.
"""
import hashlib
import logging
import threading

import jieba

from .text import bigrams, ideographs, normalize, sentences, word_pieces

SENTENCE_CACHE_SIZE = 65536

jieba.setLogLevel(logging.WARNING)

_default_tokenizer = None
_lock = threading.Lock()


def _base_tokenizer():
    """jieba's main dictionary, loaded once per process (about a second)."""
    global _default_tokenizer
    with _lock:
        if _default_tokenizer is None:
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            _default_tokenizer = tokenizer
        return _default_tokenizer


def warm_up():
    """Load jieba's main dictionary and the conversion tables now rather than on the first search."""
    _base_tokenizer()
    normalize("")


# Raised when what an index holds changes, so that indexes built the old way are rebuilt
# (the version is recorded with the index; see measures.search.check_index_version).
# 2: every ideograph is a token too; 3: tags (below), and measures' department keys; 4: every pair
# of adjacent characters (bigram) is a token too.
INDEX_FORMAT = 4

# A tag is an index token saying that a row has a value of a filter (a measure's department), so
# that a search and that filter are answered together inside the index: one scan intersecting two
# lists of rows, where a filter outside the index has each of its rows' texts tested against the
# search. A tag opens with a Traditional character: every query is normalised to Simplified, so no
# word a user types can ever be a tag. Both engines keep it whole: tests/test_pages.py compares
# what tags find with the links, and tests/test_search.py types tags as queries.
TAG_MARK = "標"


def tag(name, key):
    return f"{TAG_MARK}{name}{key}"


def dictionary_version(words):
    digest = hashlib.sha256("\n".join(sorted(set(words))).encode()).hexdigest()[:12]
    return f"jieba-{jieba.__version__}-f{INDEX_FORMAT}-{digest}"


class Segmenter:
    def __init__(self, words=()):
        base = _base_tokenizer()
        tokenizer = jieba.Tokenizer()
        # Share the loaded main dictionary, then add our words to a private copy of the frequencies.
        tokenizer.FREQ = dict(base.FREQ)
        tokenizer.total = base.total
        tokenizer.initialized = True
        self.words = sorted({normalize(w).strip() for w in words if w and w.strip()})
        for word in self.words:
            tokenizer.add_word(word)
        self.tokenizer = tokenizer
        self.version = dictionary_version(self.words)
        self._sentence_tokens = {}

    def _tokens_of(self, sentence):
        cached = self._sentence_tokens.get(sentence)
        if cached is None:
            cached = []
            for token in self.tokenizer.cut_for_search(sentence, HMM=False):
                cached.extend(word_pieces(token))
            if len(self._sentence_tokens) >= SENTENCE_CACHE_SIZE:
                self._sentence_tokens.clear()
            self._sentence_tokens[sentence] = cached
        return cached

    def index_tokens(self, normalized_text):
        """Every token a document is found by: words and their dictionary sub-words, then each
        ideograph and each bigram of the text once. With them the index answers a search for
        any string the text contains, however the words fall: a character (甬) or a pair by its
        token alone, a longer string by its pairs, then checked in the text."""
        tokens = []
        for sentence in sentences(normalized_text):
            tokens.extend(self._tokens_of(sentence))
        return tokens + ideographs(normalized_text) + bigrams(normalized_text)

    def query_words(self, normalized_text):
        """The words of a query, in order, punctuation dropped."""
        words = []
        for token in self.tokenizer.cut(normalized_text, HMM=False):
            words.extend(word_pieces(token))
        return words

    def sub_words(self, word):
        """Dictionary words inside ``word`` (知识产权 → 知识, 产权), without the word itself."""
        if len(word) < 3:
            return []
        parts = [w for w in self.tokenizer.cut_for_search(word, HMM=False) if w != word]
        # Only a set of parts that covers the whole word stands in for it.
        covered = set()
        for part in parts:
            start = word.find(part)
            while start >= 0:
                covered.update(range(start, start + len(part)))
                start = word.find(part, start + 1)
        return sorted(set(parts), key=word.find) if len(covered) == len(word) else []
