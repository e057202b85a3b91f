"""Reading options and titles: official titles and names keep their words under the 台灣/香港
readings (only their characters follow the script); body text takes the regional vocabulary; a
pilot region's task carries its region wherever its title stands alone."""
import re
from html import unescape

import pytest
from django.template import Context, Template, TemplateSyntaxError

from catalogue.reading import convert
from measures.models import Department, Document, Measure
from pilots.models import Region

pytestmark = pytest.mark.django_db

FIRST_LIST = "第二批支持创新相关改革举措推广清单"


def html(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return unescape(response.content.decode())


def tag_text(page, tag):
    """The text of the first ``<tag …>…</tag>`` of a page, markup removed."""
    match = re.search(rf"<{tag}\b[^>]*>(.*?)</{tag}>", page, re.S)
    assert match, tag
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


# --- titles and names vs body text -----------------------------------------------------------

def test_the_taiwan_reading_converts_a_title_in_characters_only():
    assert convert(FIRST_LIST, "tw", name=True) == "第二批支持創新相關改革舉措推廣清單"
    assert convert(FIRST_LIST, "tw") == "第二批支援創新相關改革舉措推廣清單"  # body text: 支持 → 支援
    assert convert("国家知识产权局", "tw", name=True) == "國家知識產權局"
    assert convert("国家知识产权局", "hk", name=True) == "國家知識產權局"
    assert convert("國務院", "hans", name=True) == "国务院"  # Traditional → Simplified still converts


def test_the_reading_filter_takes_name_or_nothing():
    with pytest.raises(TemplateSyntaxError):
        Template('{% load reading %}{{ t|reading:"title" }}').render(Context({"t": FIRST_LIST}))


@pytest.mark.parametrize("script", ["tw", "hk"])
def test_a_measure_title_keeps_zhichi_while_its_text_follows_the_reading(client, script):
    measure = Measure.objects.get(number=11)
    measure.title = "支持软件企业开展知识产权质押融资"
    measure.text = "支持软件企业开展知识产权质押融资，完善信息披露。"
    measure.save()
    page = html(client, measure.get_absolute_url(), script=script)
    h1 = tag_text(page, "h1")
    assert "支持軟件企業開展知識產權質押融資" in h1 and "支援" not in h1
    assert "支持軟件企業" in tag_text(page, "title")
    body = re.search(r'<section class="text"[^>]*>(.*?)</section>', page, re.S).group(1)
    if script == "tw":
        assert "支援軟體企業開展智慧財產權質押融資" in body and "資訊" in body
    else:  # 香港 (s2hk) converts characters only, so the body reads as the title does
        assert "支持軟件企業開展知識產權質押融資" in body
    listed = html(client, "/measures/", script=script, document=measure.document.slug)
    titles = " ".join(re.findall(r'<li class="measure-item">\s*<h3>(.*?)</h3>', listed, re.S))
    assert "支持軟件企業開展知識產權質押融資" in titles and "支援軟體" not in titles


def test_document_titles_department_and_region_names_keep_their_words_under_taiwan(client):
    home = html(client, "/", script="tw")
    assert "第二批支持創新相關改革舉措推廣清單" in home and "支援創新" not in home
    assert "國家知識產權局" in home and "智慧財產權局" not in home
    document = Document.objects.get(title=FIRST_LIST)
    page = html(client, document.get_absolute_url(), script="tw")
    assert tag_text(page, "h1") == "第二批支持創新相關改革舉措推廣清單"
    department = Department.objects.get(name="国家知识产权局")
    page = html(client, department.get_absolute_url(), script="tw")
    assert tag_text(page, "h1") == "國家知識產權局"
    region = Region.objects.filter(tasks__isnull=False).first()
    assert tag_text(html(client, region.get_absolute_url(), script="tw"), "h1") == convert(region.name, "tw", name=True)


def item_titles(page):
    """The titles of a list's items, their highlighting removed."""
    return [re.sub(r"<[^>]+>", "", t).strip()
            for t in re.findall(r'<li class="measure-item">\s*<h3>(.*?)</h3>', page, re.S)]


# --- a task's title stands with its region -----------------------------------------------------

def repeated_task():
    """A task whose title several regions share (健全職務科技成果產權制度。)."""
    titles = Measure.objects.filter(region__isnull=False).values_list("title", flat=True)
    title = next(t for t in titles if list(titles).count(t) > 1)
    return Measure.objects.filter(title=title).select_related("region").order_by("position")


def test_a_tasks_page_names_its_region_in_the_tab_and_the_heading(client):
    tasks = repeated_task()
    assert tasks.count() > 1
    for task in tasks:
        page = html(client, task.get_absolute_url())
        assert tag_text(page, "title").startswith(f"{task.region.name}｜{task.title}"[:39])
        assert tag_text(page, "h1") == f"{task.region.name}｜{task.title}"
    titled = {tag_text(html(client, t.get_absolute_url()), "h1") for t in tasks}
    assert len(titled) == tasks.count()  # no two tabs or headings alike


def test_previous_and_next_links_name_the_region_of_a_task(client):
    task = repeated_task()[0]
    siblings = Measure.objects.filter(document=task.document).order_by("position")
    previous = siblings.filter(position__lt=task.position).last()
    following = siblings.filter(position__gt=task.position).first()
    page = html(client, task.get_absolute_url())
    nav = re.search(r'<nav class="prev-next".*?</nav>', page, re.S).group(0)
    for rel, other in (("prev", previous), ("next", following)):
        if other is None:
            continue
        link = re.search(rf'<a rel="{rel}"[^>]*>(.*?)</a>', nav, re.S).group(1)
        if other.region_id:
            assert link.strip("← →").startswith(f"{other.region.name}｜")


def test_list_items_name_the_region_unless_it_heads_the_list(client):
    task = repeated_task()[0]
    label = f"{task.region.name}｜{task.title}"
    assert label in item_titles(html(client, "/measures/", document=task.document.slug))
    assert label in item_titles(html(client, "/measures/", q=task.title.rstrip("。")))  # highlighted
    region_page = html(client, task.region.get_absolute_url())
    assert task.title in region_page and label not in region_page  # the region is the page's heading
    document_page = html(client, task.document.get_absolute_url())
    assert task.title in document_page and label not in document_page  # grouped under region headings
