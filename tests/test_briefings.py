"""Briefings (PDF and Word) of a list view and of a place, read back as a reader would: title,
date, data version, filters, every measure's full text, citation and address, the cap's note."""
import datetime
import io
import os
import re
import subprocess
import zoneinfo
from urllib.parse import unquote

import pytest
from docx import Document as WordDocument

from lookup.selectors import applies_to
from measures.models import Measure
from measures.selectors import data_version, filtered_measures
from pilots.models import Place

IN_CI = os.environ.get("CI") == "true"


def cjk_font_installed():
    try:
        listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "CJK" in listed


def squeeze(text):
    """Text without white space: a PDF breaks lines (and addresses) where the page ends."""
    return re.sub(r"\s+", "", text)


def pdf_text(response):
    from pypdf import PdfReader

    if not cjk_font_installed():
        if IN_CI:
            pytest.fail("no CJK font (fonts-noto-cjk): the PDF cannot show Chinese")
        pytest.skip("no CJK font installed (Debian: fonts-noto-cjk; `make install` adds it as root)")
    assert response.content.startswith(b"%PDF-")
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]
    for number, page in enumerate(pages, 1):
        assert page.rstrip().endswith(f"{number} / {len(pages)}")  # the page's footer
    # Without the footers, a text running on from one page to the next reads as one.
    return squeeze("\n".join(re.sub(r"\d+ / \d+\s*$", "", page) for page in pages))


def docx_text(response):
    document = WordDocument(io.BytesIO(response.content))
    return squeeze("\n".join(p.text for p in document.paragraphs)), document


def beijing_today():
    return datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d")


def file_name(response):
    return unquote(re.search(r"filename\*=UTF-8''(\S+)$", response["Content-Disposition"]).group(1))


def check(text, measures, title, facts):
    assert squeeze(title) in text
    assert beijing_today() in text
    assert squeeze(data_version().label) in text
    for fact in facts:
        assert squeeze(fact) in text, fact
    for measure in measures:
        if measure.text:
            assert squeeze(measure.text) in text, measure.pk  # whole, never clipped
        assert squeeze(measure.citation) in text, measure.pk
        assert f"http://testserver/measures/{measure.pk}/" in text, measure.pk
    assert "…" not in text.replace("……", "")


LIST_PARAMS = {"document": "guohan-2025-86", "status": "in_force"}


def list_measures(params=LIST_PARAMS):
    from django.http import QueryDict
    from django.utils.http import urlencode

    return list(filtered_measures(QueryDict(urlencode(params))).queryset)


@pytest.fixture
def longest():
    """The longest text of the list, made longer still: a full text far beyond any snippet."""
    measure = max(list_measures(), key=lambda m: len(m.text))
    Measure.objects.filter(pk=measure.pk).update(text=measure.text + "（以下为补充段落）" + "推进要素市场化配置改革，" * 40 + "完。")
    return Measure.objects.get(pk=measure.pk)


@pytest.mark.django_db
def test_a_list_briefing_as_pdf_holds_every_measure_in_full(client, longest):
    response = client.get("/measures/briefing.pdf", LIST_PARAMS)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert file_name(response) == f"举措简报_國函〔2025〕86號_有效_{beijing_today()}.pdf"
    measures = list_measures()
    assert longest.pk in {m.pk for m in measures}
    text = pdf_text(response)
    check(text, measures, "举措简报：", ["文件：國務院關于", "效力：有效", "共28项举措"])
    assert squeeze(longest.text) in text and "完。" in text


@pytest.mark.django_db
def test_a_list_briefing_as_word_holds_every_measure_in_full(client, longest):
    response = client.get("/measures/briefing.docx", LIST_PARAMS)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    text, document = docx_text(response)
    measures = list_measures()
    check(text, measures, "举措简报：", ["文件：國務院關于", "效力：有效"])
    assert squeeze(longest.text) in text
    assert document.core_properties.title.startswith("举措简报：")
    links = [link.address for p in document.paragraphs for link in p.hyperlinks]
    assert links == [f"http://testserver/measures/{m.pk}/" for m in measures]


def place_measures(place):
    groups = applies_to(place, listed=500).groups
    keys = {pk for group in groups for pk in group.keys}
    return list(Measure.objects.with_related().filter(pk__in=keys))


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_a_place_briefing_holds_its_groups_and_every_measure(client, fmt):
    place = Place.objects.get(code="330200")
    response = client.get(f"/places/330200/briefing.{fmt}")
    assert response.status_code == 200
    assert file_name(response) == f"举措简报_宁波市_{beijing_today()}.{fmt}"
    text = pdf_text(response) if fmt == "pdf" else docx_text(response)[0]
    measures = place_measures(place)
    assert len(measures) > 10
    check(text, measures, "宁波市适用的举措", ["地方", "浙江省宁波市（330200）", "全国推广的举措", "杭甬"])


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_a_place_briefing_lists_each_measure_once_as_its_page_does(client, fmt):
    # 成都's own tasks include one whose text names 成都: the page shows it once, so does the briefing.
    place = Place.objects.get(code="510100")
    response = client.get(f"/places/510100/briefing.{fmt}")
    text = pdf_text(response) if fmt == "pdf" else docx_text(response)[0]
    measures = place_measures(place)
    named_twice = [m.pk for m in measures if text.count(f"http://testserver/measures/{m.pk}/") != 1]
    assert measures and named_twice == []


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_past_the_cap_the_briefing_says_where_it_stops(client, settings, fmt):
    settings.BRIEFING_MAX_MEASURES = 3
    response = client.get(f"/measures/briefing.{fmt}", {"scope": "nationwide"})
    text = pdf_text(response) if fmt == "pdf" else docx_text(response)[0]
    first = list_measures({"scope": "nationwide"})
    check(text, first[:3], "举措简报：全国", [])
    assert "已达上限（3项）" in text
    assert f"http://testserver/measures/{first[3].pk}/" not in text
    response = client.get(f"/places/330200/briefing.{fmt}")
    text = pdf_text(response) if fmt == "pdf" else docx_text(response)[0]
    assert "已达上限（3项）" in text and text.count("http://testserver/measures/") == 3


@pytest.mark.django_db
def test_english_briefing_speaks_english(client):
    response = client.get("/measures/briefing.docx", {"scope": "nationwide", "lang": "en"})
    text, _document = docx_text(response)
    assert "Date" in text and "Dataversion" in text


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_bad_filters_are_a_400_with_a_message_and_nothing_else(client, fmt):
    for params, words in [({"scope": "mars"}, "mars"), ({"document": "no-such-document"}, "no-such-document"),
                          ({"sort": "sideways"}, "sideways")]:
        response = client.get(f"/measures/briefing.{fmt}", params)
        assert response.status_code == 400, params
        assert response["Content-Type"].startswith("text/html") and not response.has_header("Content-Disposition")
        assert words in response.content.decode()
    response = client.get(f"/measures/briefing.{fmt}", {"scope": "mars", "lang": "en"})
    assert response.status_code == 400 and "mars" in response.content.decode()
    assert client.get("/measures/briefing.odt").status_code == 404
    assert client.get(f"/places/999999/briefing.{fmt}").status_code == 404
    assert client.get("/places/330200/briefing.txt").status_code == 404


@pytest.mark.django_db
def test_briefings_are_rate_limited_like_exports(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "export": (2, 60)}
    assert client.get("/measures/briefing.docx", {"scope": "region"}).status_code == 200
    assert client.get("/places/330200/briefing.docx").status_code == 200
    response = client.get("/measures/briefing.docx", {"scope": "region"})
    assert response.status_code == 429 and response.has_header("Retry-After")


@pytest.mark.django_db
def test_the_pages_link_to_their_briefings(client):
    html = client.get("/measures/", {"scope": "nationwide"}).content.decode()
    assert 'href="/measures/briefing.pdf?scope=nationwide"' in html
    assert 'href="/measures/briefing.docx?scope=nationwide"' in html
    html = client.get("/places/330200/").content.decode()
    assert 'href="/places/330200/briefing.pdf"' in html and 'href="/places/330200/briefing.docx"' in html
