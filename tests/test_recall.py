"""Every phrase that is in a measure's text finds it, whatever jieba makes of it; a sentence pasted
from a measure finds that measure first; an exclusion removes only what contains it; a match
through a name says so. Checked on the 45 real measures, in both scripts, on either database."""
import re

import pytest
from django.http import QueryDict
from opencc import OpenCC

from catalogue.search import normalize
from catalogue.search.text import IDEOGRAPH_RE, trimmed
from measures import search
from measures.models import Measure
from measures.selectors import filtered_measures

pytestmark = pytest.mark.django_db

S2T = OpenCC("s2t")
SENTENCE = re.compile(r"[^。；]+[。；]?")


def own_texts():
    """Each measure's own title and text, normalised, as the index holds them."""
    return {pk: plain[:own] for pk, plain, own in Measure.objects.values_list("pk", "search_plain", "own_length")}


def found(query):
    return set(search.matching(Measure.objects.all(), search.parse_query(query)).values_list("pk", flat=True))


def ideograph_runs(text):
    return re.findall(f"(?:{IDEOGRAPH_RE.pattern})+", text)


def test_every_two_to_four_character_string_finds_every_measure_containing_it():
    owns = own_texts()
    substrings = set()
    for title, text in Measure.objects.values_list("title", "text"):
        for run in ideograph_runs(normalize(title)) + ideograph_runs(normalize(text)):
            substrings.update(run[i:i + n] for n in (2, 3, 4) for i in range(len(run) - n + 1))
    assert len(substrings) > 5000
    missed = []
    for simplified in sorted(substrings):
        containing = {pk for pk, own in owns.items() if simplified in own}
        for query in {simplified, S2T.convert(simplified)}:
            if not containing <= found(query):
                missed.append((query, sorted(containing - found(query))))
    assert not missed, missed[:10]


def ranked_keys(query):
    params = QueryDict(mutable=True)
    params["q"] = query
    results = filtered_measures(params)
    return list(results.queryset.values_list("pk", flat=True)) if results.queryset is not None else None


def test_a_pasted_sentence_ranks_its_measure_first_in_either_script():
    owns = own_texts()
    checked = 0
    for measure in Measure.objects.all():
        for sentence in SENTENCE.findall(measure.title) + SENTENCE.findall(measure.text):
            sentence = sentence.strip()
            phrase = trimmed(normalize(sentence))
            if len(phrase) < 2:
                continue
            for pasted in {sentence, S2T.convert(normalize(sentence)), normalize(sentence)}:
                keys = ranked_keys(pasted)
                assert keys, (measure.pk, pasted)
                verbatim = [pk for pk in keys if phrase in owns[pk]]
                # the measures that contain the sentence come first; this one among them, and
                # first when no other measure has the same sentence
                assert keys[:len(verbatim)] == verbatim and measure.pk in verbatim, (measure.pk, pasted, keys[:5])
                if len(verbatim) == 1:
                    assert keys[0] == measure.pk
                checked += 1
    assert checked > 300


@pytest.mark.parametrize("query, excluded", [
    ("科技成果 -科技部", "科技部"),             # 科技部 guides many, but few texts name it
    ("知识产权 -知识产权保险", "知识产权保险"),  # its words apart are no reason to exclude
    ("试点 -質押", "质押"),                      # in the other script
    ("知识产权 -“质押”", "质押"),                # quoted
])
def test_an_exclusion_removes_only_the_measures_whose_own_text_contains_it(query, excluded):
    owns = own_texts()
    base = found(query.split(" -")[0])
    remaining = found(query)
    assert remaining == {pk for pk in base if excluded not in owns[pk]}
    assert remaining != base and remaining  # the case is a real one


def test_punctuation_separates_the_runs_it_stands_between():
    owns = own_texts()
    for query, runs in [("知识产权，质押", ["知识产权", "质押"]), ("“三合一”审判", ["三合一", "审判"]),
                        ("成果转化、知识产权", ["成果转化", "知识产权"]), ("科,融", ["科", "融"])]:
        containing = {pk for pk, own in owns.items() if all(run in own for run in runs)}
        assert containing and containing <= found(query), query


@pytest.mark.parametrize("query, name", [("国家知识产权局", "国家知识产权局"), ("证监会", "中国证监会"),
                                         ("杭甬温", "杭甬溫"), ("發改委", "国家发展改革委")])
def test_a_match_through_a_name_only_is_labelled_with_the_name(client, query, name):
    """Labelled, with the name as its source writes it, exactly when the measure's own title and
    text contain nothing of the search; not when they contain it, or its words."""
    owns = own_texts()
    [levels] = search.parse_query(query).highlight_levels()
    needles = [needle for level in levels for needle in level if needle]
    results = client.get("/api/measures/", {"q": query, "sort": "source"}).json()["results"]
    labelled = [r["id"] for r in results if r["matched_via"]]
    assert labelled, query
    for result in results:
        own = owns[result["id"]]
        expected = [] if any(needle in own for needle in needles) else [name]
        assert result["matched_via"] == expected, (query, result["id"], result["matched_via"])
    page = client.get("/measures/", {"q": query}).content.decode()
    assert "经由名称匹配" in page and name in page


def test_a_name_is_not_a_verbatim_match_of_the_text():
    # 产权保护 is in a category's name (知识产权保护方面), not in its measures' own words: they are
    # found through the name, after every measure whose own text has the phrase.
    owns = own_texts()
    keys = ranked_keys("产权保护")
    verbatim = [pk for pk in keys if "产权保护" in owns[pk]]
    through_the_name = set(Measure.objects.filter(category__name="知识产权保护方面").values_list("pk", flat=True))
    assert verbatim and keys[:len(verbatim)] == verbatim
    assert through_the_name & set(keys[len(verbatim):])
