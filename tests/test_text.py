"""Text normalisation: the fast paths give what the plain definitions give, text for text."""
import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from opencc import OpenCC

from catalogue.search.text import _fold_char, _to_simplified, fold_width_and_case, sentences

from .seeds import SOURCES

OPENCC_T2S = OpenCC("t2s")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150")) * 4


def fast():
    return _to_simplified()


@pytest.mark.parametrize("path", sorted(SOURCES.glob("*.txt")), ids=lambda p: p.name)
def test_every_sentence_of_the_sources_converts_as_opencc_does(path):
    pieces = sentences(path.read_text(encoding="utf-8"))
    assert pieces
    assert [fast().convert(piece) for piece in pieces] == [OPENCC_T2S.convert(piece) for piece in pieces]


PHRASES = list(fast().phrases)
CHARACTERS = sorted(chr(code) for code in fast().characters)
# Texts built from what the tables hold (phrases, characters with one or several readings, their
# neighbours) and anything else: where the shortcut and OpenCC could part, if they ever did.
pieces = st.one_of(
    st.sampled_from(PHRASES), st.sampled_from(CHARACTERS),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=3), st.sampled_from(list("，。 、的国務院發展"))
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(pieces, max_size=12).map("".join))
def test_generated_texts_convert_as_opencc_does(text):
    assert fast().convert(text) == OPENCC_T2S.convert(text)



@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(st.characters(exclude_categories=("Cs",))))
def test_width_and_case_folding_is_the_same_character_by_character(text):
    folded = fold_width_and_case(text)
    assert folded == "".join(map(_fold_char, text))
    assert len(folded) == len(text)  # highlighting maps positions of the folded text back
