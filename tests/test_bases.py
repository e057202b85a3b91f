"""Every fact from outside the seeds names its public source, in the page's language, and no
page or answer shows where the repository keeps things."""
import re

import pytest

from measures.models import Category, Department, Document, Measure
from pilots.models import Membership, Programme, Region

pytestmark = pytest.mark.django_db

LANGUAGES = ["zh-hans", "zh-hant", "en"]
# Paths of the repository and of the folder beside it, and the seed files' names.
REPOSITORY_PATH = re.compile(r"fixtures/|\.\./shared|shared/(?:reference|seeds)|FACTS\.md|facts\.toml|/work/|"
                             r"\.py\b|000_58b910e9af42e5cf|004_d4bba65b7ace5609")


def every_page_type():
    urls = ["/", "/measures/", "/measures/?q=知识产权", "/measures/?region=chengdu", "/departments/", "/pilots/",
            "/map/", "/places/", "/places/?place=通州", "/places/?place=火星市", "/about/", "/no/such/page/",
            "/measures/999999/", "/measures/?page=abc", "/api/measures/?q=质押", "/api/schema/",
            "/api/applies/?place=火星市", "/api/measures/?page=0"]
    urls += [obj.get_absolute_url() for model in (Document, Category, Department, Programme, Region)
             for obj in model.objects.all()]
    urls += [m.get_absolute_url() for m in Measure.objects.all()[::5]]
    for place in ("330200", "510100", "511500", "340100", "110112", "441900", "110000"):
        urls += [f"/places/{place}/", f"/api/applies/?place={place}"]
    return urls


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_page_shows_a_repository_path(client, language):
    for url in every_page_type():
        response = client.get(url, {"lang": language} if "?" not in url else None,
                              HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code < 500, url
        body = response.content.decode()
        assert not REPOSITORY_PATH.search(body), (url, REPOSITORY_PATH.search(body)[0])


def basis_shown(client, url, language):
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_bases_are_shown_in_the_pages_language(client):
    for region in Region.objects.all():
        assert region.basis and region.basis_en and region.basis != region.basis_en
        chinese = basis_shown(client, region.get_absolute_url(), "zh-hans")
        english = basis_shown(client, region.get_absolute_url(), "en")
        assert region.basis in chinese and region.basis_en not in chinese
        assert region.basis_en.replace("'", "&#x27;") in english and region.basis not in english
    for department in Department.objects.all():
        english = basis_shown(client, department.get_absolute_url(), "en")
        assert department.basis_en.replace("'", "&#x27;") in english
        assert department.basis in basis_shown(client, department.get_absolute_url(), "zh-hans")


@pytest.mark.parametrize("place, language", [("宁波", "zh-hans"), ("宁波", "en"), ("宜宾", "zh-hans"), ("宜宾", "en")])
def test_a_places_answer_gives_each_basis_in_the_requests_language(client, place, language):
    data = client.get("/api/applies/", {"place": place}, HTTP_ACCEPT_LANGUAGE=language).json()
    assert data["regions"]
    for region in data["regions"]:
        membership = Membership.objects.get(region__slug=region["slug"], place__code__in=[
            data["place"]["code"], data["place"]["code"][:2] + "0000"])
        assert region["basis"] == (membership.basis_en if language == "en" else membership.basis)
        if language != "en":
            assert not re.search(r"[A-Za-z]{4,}", region["basis"]), region["basis"]  # no English on a Chinese answer


def test_every_fact_from_outside_the_seeds_has_a_chinese_and_an_english_basis():
    for model in (Programme, Region, Membership, Department):
        for obj in model.objects.all():
            assert obj.basis and obj.basis_en, obj
            assert re.search(r"[\u4e00-\u9fff]", obj.basis), obj


@pytest.mark.parametrize("url", ["/measures/999999/", "/documents/nope/", "/regions/nope/", "/places/999999/"])
def test_the_404_page_speaks_the_pages_language(client, url):
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No such" in english and "No Measure matches" not in english
    traditional = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hant").content.decode()
    assert "沒有這" in traditional
    assert "没有这" in client.get(url).content.decode()
