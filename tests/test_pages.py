"""Every page answers, links onward, shows gaps, and answers bad input with a clear message."""
import re

import pytest
from django.db.models import Q

from measures.models import Category, Department, Document, Measure
from pilots.models import Programme, Region

from .helpers import api_every_page

pytestmark = pytest.mark.django_db

GAP = "第15–20项：来源未列出"


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def test_home_says_what_the_catalogue_holds(client):
    html = get(client, "/")
    for document in Document.objects.all():
        assert document.title in html and document.get_absolute_url() in html
    assert "四、军民深度融合方面（共6项）" in html and "来源中一项也没有" in html
    for region in Region.objects.all():
        assert region.get_absolute_url() in html
    assert Department.objects.get(slug="ndrc").get_absolute_url() in html


def test_every_object_page_answers_and_links_back(client):
    for obj in [*Document.objects.all(), *Category.objects.all(), *Department.objects.all(),
                *Programme.objects.all(), *Region.objects.all(), *Measure.objects.all()]:
        html = get(client, obj.get_absolute_url())
        assert 'href="/"' in html


@pytest.mark.parametrize("url", [
    "/measures/999999/", "/documents/no-such-document/", "/categories/nope/", "/departments/nope/",
    "/regions/nope/", "/pilots/nope/", "/no/such/page/",
])
def test_unknown_ids_are_a_404_page(client, url):
    html = get(client, url, 404)
    assert "找不到" in html and 'href="/"' in html


def test_measure_page_shows_its_facts_verbatim(client):
    measure = Measure.objects.get(number=6)
    html = get(client, measure.get_absolute_url())
    assert measure.title in html and measure.text in html
    assert "8个改革试验区域" in html and "全面创新改革试验" in html
    for name in measure.departments_as_written.split("、"):
        assert name in html
    assert measure.category.heading in html


def test_measure_pages_link_previous_and_next_in_source_order(client):
    five, six, seven = (Measure.objects.get(number=n) for n in (5, 6, 7))
    html = get(client, six.get_absolute_url())
    assert f'rel="prev" href="{five.get_absolute_url()}"' in html
    assert f'rel="next" href="{seven.get_absolute_url()}"' in html


def test_the_gap_shows_between_14_and_21(client):
    fourteen, twenty_one = Measure.objects.get(number=14), Measure.objects.get(number=21)
    html = get(client, fourteen.get_absolute_url())
    assert GAP in html and f'rel="next" href="{twenty_one.get_absolute_url()}"' in html
    assert GAP in get(client, twenty_one.get_absolute_url())
    assert GAP not in get(client, Measure.objects.get(number=13).get_absolute_url())


@pytest.mark.parametrize("url", [
    "/documents/innovation-reform-list-2/",
    "/categories/innovation-reform-list-2-4/",
    "/measures/?category=innovation-reform-list-2-4",
    "/measures/?document=innovation-reform-list-2",
])
def test_the_gap_shows_wherever_category_four_or_the_numbering_appears(client, url):
    html = get(client, url)
    assert GAP in html and "来源中一项也没有" in html


def test_document_page_reads_in_source_order(client):
    html = get(client, "/documents/innovation-reform-list-2/")
    positions = [html.index(m.title) for m in Measure.objects.filter(document__slug="innovation-reform-list-2")]
    assert positions == sorted(positions)
    assert html.index("三、科技金融创新方面") < html.index(GAP) < html.index("五、管理体制创新方面")


def test_approval_page_shows_regions_tasks_then_the_approval(client):
    doc = Document.objects.get(slug="guohan-2025-86")
    html = get(client, doc.get_absolute_url())
    assert "國函〔2025〕86號" in html and "2025年9月8日" in html
    cursor = 0
    for task in Measure.objects.filter(document=doc).order_by("position"):
        cursor = html.index(task.title, cursor)  # raises if a task is missing or out of order
    assert cursor < html.index("批复原文")
    for provision in doc.provisions.all():
        assert provision.text in html
    assert "來源只給出" not in html  # stays in the interface's Simplified


def test_heading_only_task_is_shown_as_such(client):
    task = Measure.objects.get(title="優化知識產權交易服務市場。")
    assert "来源只给出这一标题，没有正文" in get(client, task.get_absolute_url())


def test_region_page_lists_its_tasks_and_basis(client):
    region = Region.objects.get(slug="hang-yong-wen")
    html = get(client, region.get_absolute_url())
    for task in region.tasks.all():
        assert task.title in html
    assert region.basis in html and "杭州、宁波（甬）、温州" in html


def test_to_confirm_facts_are_shown_with_their_caveat(client):
    assert "待核实" in get(client, Region.objects.get(name="合肥都市圈").get_absolute_url())
    assert "待核实" not in get(client, Region.objects.get(name="杭甬溫").get_absolute_url())


def test_reform_area_page_lists_the_measures_rolled_out_there(client):
    html = get(client, "/regions/jing-jin-ji/")
    for number in (6, 10, 21):
        assert Measure.objects.get(number=number).title in html


def test_department_page_lists_its_measures_and_history(client):
    html = get(client, "/departments/cbirc/")
    assert "中国银行保险监督管理委员会" in html and "国家金融监督管理总局" in html
    for m in Measure.objects.filter(departments__slug="cbirc"):
        assert m.title in html


def result_count(html):
    return int(re.search(r"共 (\d+) 项", html)[1])


def test_list_filters_combine_and_stay_in_the_url(client):
    html = get(client, "/measures/?department=ndrc&scope=nationwide")
    expected = Measure.objects.filter(departments__slug="ndrc", scope="nationwide").count()
    assert result_count(html) == expected == 3
    assert 'value="ndrc" checked' in html and 'value="nationwide" checked' in html


def test_several_departments_match_any_of_them(client):
    html = get(client, "/measures/?department=ndrc&department=csrc")
    expected = Measure.objects.filter(departments__slug__in=["ndrc", "csrc"]).distinct().count()
    assert result_count(html) == expected == 5


@pytest.mark.parametrize("query", ["知识产权", "科技成果", "甬", "試點", "质押 -银行"])
def test_a_search_with_departments_finds_exactly_their_measures_that_match(client, query):
    # A search and departments are intersected through the index's department tags; the links
    # are the truth they must agree with, for every department alone and for pairs.
    from measures import search

    matching = set(search.matching(Measure.objects.all(), search.parse_query(query)).values_list("pk", flat=True))
    assert matching
    slugs = list(Department.objects.values_list("slug", flat=True))
    for chosen in [[slug] for slug in slugs] + [slugs[:2], slugs[-3:]]:
        # a body that took over from another (国家金融监督管理总局) finds its measures too
        linked = set(Measure.objects.filter(Q(departments__slug__in=chosen) | Q(departments__successor__slug__in=chosen))
                     .values_list("pk", flat=True))
        found = api_every_page(client, q=query, department=chosen, sort="source")
        assert {m["id"] for m in found} == matching & linked, (query, chosen)
        if matching & linked:
            assert result_count(get(client, f"/measures/?q={query}&" + "&".join(f"department={d}" for d in chosen))) \
                == len(matching & linked)


def test_an_edit_of_a_measures_departments_moves_it_between_their_searches(client):
    measure = Measure.objects.filter(departments__slug="ndrc").exclude(departments__slug="cnipa").first()
    words = measure.title[:4]

    def found(department):
        return {m["id"] for m in api_every_page(client, q=words, department=department)}

    assert measure.pk in found("ndrc")
    measure.departments.set([Department.objects.get(slug="cnipa")])
    assert measure.pk not in found("ndrc") and measure.pk in found("cnipa")


@pytest.mark.parametrize("limit", [1, 3, 10_000])
@pytest.mark.parametrize("query", ["知识产权", "甬", "科技部 成果", "&department=ndrc", "&scope=nationwide"])
def test_the_list_counts_its_matches_whatever_limit_its_facets_count_to(client, monkeypatch, query, limit):
    # The page takes its count from its facets where they counted the same matches.
    from measures import facets

    monkeypatch.setattr(facets, "FACET_COUNT_LIMIT", limit)
    expected = client.get(f"/api/measures/?q={query}").json()["count"]
    # an empty ``q=`` is redirected away (a clean link): the page is asked for without it
    assert result_count(get(client, f"/measures/?q={query}".replace("?q=&", "?"))) == expected > 0


def test_region_filter_gives_its_tasks_and_the_areas_measures(client):
    assert result_count(get(client, "/measures/?region=hang-yong-wen")) == 3
    assert result_count(get(client, "/measures/?region=shanghai")) == 3
    assert result_count(get(client, "/measures/?document=guohan-2025-86&region=shanghai")) == 0


def test_facet_counts_reflect_the_other_filters(client):
    html = get(client, "/measures/?scope=programme")
    facet = re.search(r'value="most"[^>]*> 科技部 <span class="count">(\d+)</span>', html)
    assert int(facet[1]) == Measure.objects.filter(scope="programme", departments__slug="most").count() == 1
    # the scope facet itself counts without the scope filter, so the other choice stays visible
    nationwide = re.search(r'value="nationwide"[^>]*> 全国 <span class="count">(\d+)</span>', html)
    assert int(nationwide[1]) == Measure.objects.filter(scope="nationwide").count()


def scope_facet_count(client, url, scope_label):
    found = re.search(rf'> {scope_label} <span class="count">(\d+)</span>', get(client, url))
    return int(found[1]) if found else 0


def test_facet_counts_follow_every_edit_at_once(client):
    """Facet counts are remembered between requests; an edit, a deletion or a document change
    must never leave a stale number on the page."""
    url = "/measures/?q=知识产权"
    nationwide = scope_facet_count(client, url, "全国")
    assert nationwide == scope_facet_count(client, url, "全国") > 0  # the second answer is the remembered one
    measure = Measure.objects.filter(scope="nationwide", search_plain__contains="知识产权").first()
    measure.scope, measure.scope_as_written, measure.scope_programme = "programme", "8个改革试验区域", Programme.objects.get(
        slug="comprehensive-innovation-reform")
    measure.save()
    assert scope_facet_count(client, url, "全国") == nationwide - 1
    Measure.objects.filter(scope="nationwide", search_plain__contains="知识产权").first().delete()
    assert scope_facet_count(client, url, "全国") == nationwide - 2
    document = Document.objects.get(slug="innovation-reform-list-2")
    old_title, document.title = document.title, "改过的标题"
    assert old_title in get(client, url)
    document.save()
    html = get(client, url)
    assert "改过的标题" in html and old_title not in html


def test_a_search_too_broad_to_count_still_offers_every_filter(client, monkeypatch):
    from measures import facets

    broad_url, narrow_url = "/measures/?q=知识产权", "/measures/?q=知识产权&document=guohan-2025-86"
    narrow = result_count(get(client, narrow_url))
    assert result_count(get(client, broad_url)) > narrow
    monkeypatch.setattr(facets, "FACET_COUNT_LIMIT", narrow)  # the broad search is over it, the narrow one not
    broad = get(client, broad_url)
    assert f"匹配超过 {narrow} 项，各选项不计数" in broad
    assert 'value="nationwide"' in broad and 'value="cnipa"' in broad and '<span class="count">' not in broad
    narrowed = get(client, narrow_url)
    scope = re.search(r'value="region"[^>]*> 试点地区 <span class="count">(\d+)</span>', narrowed)
    assert int(scope[1]) == narrow  # the approval's measures are all tasks of a region
    assert "各选项不计数" in narrowed  # the document facet counts the whole search: still too broad
    # without a search every facet counts, however many measures there are
    monkeypatch.setattr(facets, "FACET_COUNT_LIMIT", 1)
    assert "各选项不计数" not in get(client, "/measures/")


@pytest.mark.parametrize("query, message", [
    ("category=nope", "没有这个类别：nope"),
    ("department=ndrc&department=%3Cscript%3E", "没有这个指导部门：&lt;script&gt;"),
    ("scope=mars", "没有这种推广范围：mars"),
    ("document=1", "没有这个文件：1"),
    ("region=atlantis", "没有这个试点地区：atlantis"),
    ("page=abc", "页码必须是正整数"),
])
def test_bad_filter_values_get_a_clear_400(client, query, message):
    html = get(client, f"/measures/?{query}", 400)
    assert message in html and "<script>" not in html


def test_a_page_past_the_end_is_a_404(client):
    assert "没有这一页" in get(client, "/measures/?page=99", 404)


def test_pagination_keeps_the_filters(client, settings):
    settings.MEASURES_PAGE_SIZE = 5
    html = get(client, "/measures/?document=guohan-2025-86")
    assert 'href="?document=guohan-2025-86&amp;page=2"' in html
    assert result_count(html) == 28


def test_past_the_count_cap_every_page_is_still_reachable(client, monkeypatch):
    """Above the cap the count says "more than", and the pages go on to the last measure."""
    monkeypatch.setattr("catalogue.pagination.COUNT_CAP", 10)
    first = client.get("/api/measures/").json()
    assert (first["count"], first["count_is_exact"]) == (10, False)
    seen = [m["id"] for m in api_every_page(client)]
    assert seen == list(Measure.objects.in_source_order().values_list("pk", flat=True))
    last_page = -(-len(seen) // 20)
    assert client.get("/api/measures/", {"page": last_page + 1}).status_code == 404
    html = get(client, "/measures/?page=2")
    assert "超过 10 项" in html and "第 2 页" in html and 'rel="next"' in html and "共 3 页" not in html
    assert 'rel="next"' not in get(client, f"/measures/?page={-(-len(seen) // 20)}")


def test_admin_is_for_staff_only(client, django_user_model):
    assert client.get("/admin/measures/measure/").status_code == 302
    admin = django_user_model.objects.create_superuser("curator", "c@example.org", "pw")
    client.force_login(admin)
    for model in ["measures/measure", "measures/document", "measures/category", "measures/department",
                  "measures/provision", "pilots/programme", "pilots/region"]:
        assert client.get(f"/admin/{model}/").status_code == 200, model
    measure = Measure.objects.get(number=1)
    assert client.get(f"/admin/measures/measure/{measure.pk}/change/").status_code == 200


def test_a_long_facet_lists_the_largest_and_the_chosen_and_says_how_many_it_left_out(client, monkeypatch):
    from django.db.models import Count

    from measures import facets

    def listed(html):
        return re.findall(r'name="category" value="([^"]+)"', html)

    monkeypatch.setattr(facets, "FACET_LIMIT", 2)
    every = list(Category.objects.values_list("slug", flat=True))  # Category's own order: the source's
    with_measures = list(Category.objects.annotate(n=Count("measures")).filter(n__gt=0))
    largest = sorted(with_measures, key=lambda c: (-c.n, every.index(c.slug)))  # ties: the first in the source
    in_order = [slug for slug in every if slug in {c.slug for c in with_measures}]
    assert len(with_measures) > 2 and largest[1].n > largest[2].n  # the two largest are not a tie
    page = get(client, "/measures/")
    assert listed(page) == [s for s in in_order if s in {largest[0].slug, largest[1].slug}]
    assert f"另有 {len(with_measures) - 2} 项未列出" in page
    smallest = largest[-1]
    page = get(client, f"/measures/?category={smallest.slug}")
    assert listed(page) == [s for s in in_order if s in {largest[0].slug, smallest.slug}]  # the chosen one stays
    # uncounted (a search over the count limit): the first values in source order, and the chosen one
    monkeypatch.setattr(facets, "FACET_COUNT_LIMIT", 1)
    assert listed(get(client, "/measures/?q=知识产权")) == every[:2]
    assert listed(get(client, f"/measures/?q=知识产权&category={every[-1]}")) == [every[0], every[-1]]
