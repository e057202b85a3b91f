"""Atom feeds, read back as a feed reader reads them (feedparser): the list with its filters, a
department, a region, a place and what's new; newest added first; bad filters and unknown
names answered 400/404 with a message."""
import datetime
from urllib.parse import urlsplit

import feedparser
import pytest
from django.utils import timezone
from django.utils.html import strip_tags

from measures.feeds import FEED_SIZE
from measures.models import Department, Document, Measure

pytestmark = pytest.mark.django_db


def read_feed(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    return feed


def opens(client, link):
    return client.get(urlsplit(link).path).status_code == 200


def by_link(feed):
    return {int(urlsplit(e.link).path.strip("/").split("/")[-1]): e for e in feed.entries}


def test_the_list_feed_keeps_the_lists_filters_and_says_them(client):
    feed = read_feed(client, "/measures/feed/", department="most", scope="nationwide")
    assert "科技部" in feed.feed.title and "全国" in feed.feed.title
    expected = set(Measure.objects.filter(departments__slug="most", scope="nationwide").values_list("pk", flat=True))
    assert expected and set(by_link(feed)) == expected
    assert all(opens(client, e.link) for e in feed.entries)
    assert opens(client, feed.feed.link) and "department=most" in feed.feed.link


def test_entries_carry_the_full_text_the_source_and_the_issuer(client):
    feed = read_feed(client, "/measures/feed/", document="guohan-2025-86")
    entries = by_link(feed)
    assert len(entries) == Measure.objects.filter(document__slug="guohan-2025-86").count()
    for measure in Measure.objects.filter(pk__in=entries).select_related("document", "region"):
        entry = entries[measure.pk]
        assert entry.title == measure.display_title
        assert strip_tags(entry.content[0].value).replace("\n", "") == (measure.text or measure.title).replace("\n", "")
        assert measure.document.title in entry.summary and measure.document.number in entry.summary
        assert entry.author == measure.document.issuer
        assert entry.published_parsed is not None and entry.updated_parsed is not None


def test_a_search_in_the_list_feed(client):
    feed = read_feed(client, "/measures/feed/", q="知识产权质押")
    assert "知识产权质押" in feed.feed.title
    from django.http import QueryDict

    from measures.selectors import filtered_measures

    matches = filtered_measures(QueryDict("q=知识产权质押")).queryset
    assert feed.entries and set(by_link(feed)) == {m.pk for m in matches}


@pytest.mark.parametrize("params, named", [
    ({"department": "nope"}, "nope"), ({"scope": "everywhere"}, "everywhere"), ({"region": "atlantis"}, "atlantis"),
])
def test_bad_filters_are_refused_with_a_message(client, params, named):
    response = client.get("/measures/feed/", params)
    assert response.status_code == 400
    assert named in response.content.decode()
    english = client.get("/measures/feed/", {**params, "lang": "en"})
    assert english.status_code == 400 and named in english.content.decode()


def test_a_department_feed(client):
    department = Department.objects.get(slug="cnipa")
    feed = read_feed(client, "/departments/cnipa/feed/")
    assert department.name in feed.feed.title
    assert set(by_link(feed)) == set(department.measures.values_list("pk", flat=True))
    assert opens(client, feed.feed.link)


def test_a_region_feed_lists_what_its_page_lists(client):
    feed = read_feed(client, "/regions/hang-yong-wen/feed/")
    page = client.get("/regions/hang-yong-wen/").content.decode()
    assert feed.entries
    for entry in feed.entries:
        assert urlsplit(entry.link).path in page
        assert opens(client, entry.link)


def test_a_place_feed_lists_what_applies_to_the_place(client):
    feed = read_feed(client, "/places/330200/feed/")  # 宁波市
    assert "宁波" in feed.feed.title
    listed = set(by_link(feed))
    nationwide = set(Measure.objects.filter(scope="nationwide").values_list("pk", flat=True))
    assert nationwide <= listed
    assert len(listed) <= FEED_SIZE
    page = client.get("/places/330200/").content.decode()
    assert all(f"/measures/{pk}/" in page for pk in listed)


@pytest.mark.parametrize("url", ["/departments/nope/feed/", "/regions/atlantis/feed/", "/places/999999/feed/"])
def test_unknown_names_are_404_with_a_message(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "没有这" in response.content.decode()


def test_newest_added_comes_first(client):
    now = timezone.now()
    first, second = Measure.objects.filter(departments__slug="most").order_by("pk")[:2]
    Measure.objects.filter(pk=first.pk).update(added_at=now + datetime.timedelta(days=2))
    Measure.objects.filter(pk=second.pk).update(added_at=now + datetime.timedelta(days=1))
    for url in ("/measures/feed/", "/departments/most/feed/", "/new/feed/"):
        feed = read_feed(client, url)
        links = [urlsplit(e.link).path for e in feed.entries]
        assert links[:2] == [first.get_absolute_url(), second.get_absolute_url()], url


def test_feeds_hold_the_newest_fifty(client):
    feed = read_feed(client, "/measures/feed/")
    assert len(feed.entries) == min(FEED_SIZE, Measure.objects.count())


def test_whats_new_feed_has_documents_and_measures(client):
    document = Document.objects.get(slug="guohan-2025-86")
    Document.objects.filter(pk=document.pk).update(added_at=timezone.now() + datetime.timedelta(days=1))
    feed = read_feed(client, "/new/feed/")
    assert feed.entries[0].title == document.title
    assert urlsplit(feed.entries[0].link).path == document.get_absolute_url()
    assert opens(client, feed.entries[0].link)


def test_pages_announce_their_feeds(client):
    for page, feed in [("/measures/?department=most", "/measures/feed/?department=most"),
                       ("/departments/most/", "/departments/most/feed/"),
                       ("/regions/hang-yong-wen/", "/regions/hang-yong-wen/feed/"),
                       ("/places/330200/", "/places/330200/feed/")]:
        html = client.get(page).content.decode()
        assert f'<link rel="alternate" type="application/atom+xml" href="{feed}"' in html, page
        assert f'href="{feed}" type="application/atom+xml">订阅 (Atom)</a>' in html, page


def test_reloading_the_fixtures_keeps_when_rows_were_added(client):
    from django.core.management import call_command

    earlier = timezone.now() - datetime.timedelta(days=30)
    Measure.objects.update(added_at=earlier)
    Document.objects.update(added_at=earlier)
    call_command("load_catalogue", verbosity=0)
    assert set(Measure.objects.values_list("added_at", flat=True)) == {earlier}
    assert set(Document.objects.values_list("added_at", flat=True)) == {earlier}
