"""The overview: charts whose bars agree with the list they link to, named for assistive
technology; the favicon; the home page's counts shown once; map labels with the same places
listed beside the map; what's new, a page at a time."""
import datetime
import re
from html import unescape

import pytest
from django.utils import timezone

from measures.models import Document, Measure
from pilots.models import Membership

pytestmark = pytest.mark.django_db

BAR = re.compile(r'<a href="(?P<url>[^"]+)" class="bar" aria-label="(?P<name>[^"]+)">.*?'
                 r'<text class="bar-value"[^>]*>(?P<value>\d+)</text>', re.S)
LIST_COUNT = re.compile(r'class="result-count"[^>]*>(?:[^<]*：)?共 (\d+) 项')


def html_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def charts_of(html):
    """Each chart's title and bars (url, accessible name, value shown)."""
    found = []
    for svg in re.findall(r'<svg class="bar-chart".*?</svg>', html, re.S):
        title = re.search(r'<title id="([^"]+)">([^<]+)</title>', svg)
        assert f'aria-labelledby="{title.group(1)}"' in svg and 'role="group"' in svg
        assert re.search(r"<desc id=\"[^\"]+\">[^<]+</desc>", svg)
        found.append((title.group(2), [(unescape(m["url"]), m["name"], int(m["value"])) for m in BAR.finditer(svg)]))
    return found


def list_count(client, url):
    match = LIST_COUNT.search(html_of(client, url))
    assert match, url
    return int(match.group(1))


@pytest.mark.parametrize("page, charts", [("/", 3), ("/departments/cnipa/", 2), ("/regions/hang-yong-wen/", 1)])
def test_every_bar_shows_the_count_its_list_shows(client, page, charts):
    found = charts_of(html_of(client, page))
    assert len(found) == charts
    for title, bars in found:
        assert bars, title
        for url, name, value in bars:
            assert name.endswith(f"：{value}项"), name
            assert list_count(client, url) == value, (title, url)


def test_home_charts_cover_departments_categories_and_regions(client):
    titles = [title for title, _ in charts_of(html_of(client, "/"))]
    assert titles == ["各指导部门指导的举措", "各类别的举措", "适用于各试点地区的举措"]
    (_, departments), (_, categories), (_, regions) = charts_of(html_of(client, "/"))
    assert sum(v for _, _, v in categories) == Measure.objects.exclude(category=None).count()
    assert len(regions) == 18


def test_charts_use_no_inline_style(client):
    for page in ("/", "/departments/cnipa/", "/regions/hang-yong-wen/", "/map/"):
        assert " style=" not in html_of(client, page), page


def test_the_favicon_answers_with_an_image(client):
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/")
    assert b"".join(response.streaming_content if response.streaming else [response.content])[:4] == b"\x00\x00\x01\x00"
    assert 'rel="icon"' in html_of(client, "/")


def test_home_shows_each_category_count_once(client):
    html = html_of(client, "/")
    section = html[html.index('id="docs"'):html.index('id="overview"')]
    text = re.sub(r"<[^>]+>", " ", section)
    assert "（共5项）" in text
    assert not re.search(r"共(\d+)项）\s+共\1项", text)
    assert "第15–20项来源中一项也没有" in text  # the missing measures still said


def test_map_labels_regions_and_their_cities_and_lists_them(client):
    html = html_of(client, "/map/")
    labels = re.findall(r'<text class="(region-label|place-label)[^"]*"[^>]*>([^<]+)</text>', html)
    assert any(kind == "region-label" and text == "京津冀" for kind, text in labels)
    assert sum(kind == "place-label" for kind, _ in labels) >= 15  # where they fit; the list has all
    listed = html[html.index('class="map-lists"'):]
    for membership in Membership.objects.filter(kind="member").select_related("place", "region"):
        assert membership.place.get_absolute_url() in listed, membership.place.name
        assert membership.region.get_absolute_url() in listed


def test_map_labels_do_not_overlap():
    from lookup.views import map_context
    from pilots.models import Region

    labels = map_context(list(Region.objects.all()))["labels"]
    from pilots.maps import PLACE_FONT, REGION_FONT, _box, _overlaps

    boxes = [_box(l.x, l.y, l.text, REGION_FONT if "region" in l.css else PLACE_FONT, l.anchor) for l in labels]
    assert not any(_overlaps(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def entries_on(page):
    documents = re.findall(r'<ul class="new-documents">(.*?)</ul>', page, re.S)
    return len(re.findall(r'<li class="measure-item">', page)) + sum(d.count("<li>") for d in documents)


def test_whats_new_pages_by_twenty_newest_first_grouped_by_day(client):
    today = timezone.now()
    newest = Measure.objects.order_by("pk").first()
    Measure.objects.update(added_at=today - datetime.timedelta(days=3))
    Document.objects.update(added_at=today - datetime.timedelta(days=3))
    Measure.objects.filter(pk=newest.pk).update(added_at=today)
    first = html_of(client, "/new/")
    assert entries_on(first) == 20
    assert first.index(newest.get_absolute_url()) < first.index("<time", first.index("<time") + 1)
    days = re.findall(r'<time datetime="([\d-]+)">', first)
    assert days == [timezone.localdate(today).isoformat(), timezone.localdate(today - datetime.timedelta(days=3)).isoformat()]
    total = Measure.objects.count() + Document.objects.count()
    pages = -(-total // 20)
    shown = 0
    for number in range(1, pages + 1):
        page = html_of(client, f"/new/?page={number}")
        shown += entries_on(page)
    assert shown == total
    assert f"第 {pages} 页，共 {pages} 页" in page
    assert client.get(f"/new/?page={pages + 1}").status_code == 404
    assert client.get("/new/?page=x").status_code == 400
    assert "新收录" in html_of(client, "/")
