"""The catalogue holds exactly what the seed files say: counts, numbers and every text verbatim."""
import hashlib
import re

import pytest

from measures.models import Category, Department, Document, Measure
from pilots.models import Programme, Region

from .seeds import APPROVAL_FILE, LIST_FILE, SOURCES, region_paragraph, source_text

pytestmark = pytest.mark.django_db

LIST = "innovation-reform-list-2"
APPROVAL = "guohan-2025-86"


@pytest.mark.parametrize("name", [LIST_FILE, APPROVAL_FILE])
def test_sources_are_the_seed_files_byte_for_byte(name):
    # SHA256SUMS holds the digests of the seed files as published, next to the copies.
    published = dict(line.split()[::-1] for line in (SOURCES / "SHA256SUMS").read_text().splitlines())
    assert hashlib.sha256((SOURCES / name).read_bytes()).hexdigest() == published[name]


def test_two_documents():
    assert list(Document.objects.values_list("slug", flat=True)) == [LIST, APPROVAL]


def test_five_categories_with_their_declared_counts():
    categories = Category.objects.filter(document__slug=LIST)
    assert [(c.numeral, c.declared_count) for c in categories] == [
        ("一", 5), ("二", 4), ("三", 5), ("四", 6), ("五", 3)
    ]
    for category in categories:
        assert f"\t{category.heading}\n" in source_text(LIST_FILE)


def test_seventeen_list_measures_numbered_1_to_14_and_21_to_23():
    numbers = list(Measure.objects.filter(document__slug=LIST).values_list("number", flat=True))
    assert numbers == list(range(1, 15)) + [21, 22, 23]


def test_category_four_is_declared_but_empty():
    four = Category.objects.get(document__slug=LIST, numeral="四")
    assert four.name == "军民深度融合方面"
    assert list(four.declared_numbers) == [15, 16, 17, 18, 19, 20]
    assert four.measures.count() == 0
    assert not Measure.objects.filter(number__in=range(15, 21)).exists()


def test_list_measures_are_verbatim_rows_of_the_source():
    text = source_text(LIST_FILE)
    for m in Measure.objects.filter(document__slug=LIST):
        row = f"\t{m.number}\n\t{m.title}\n\t{m.text}\n\t{m.departments_as_written}\n\t{m.scope_as_written}\n"
        assert row in text, m.number


def test_list_measures_sit_under_their_source_category():
    text = source_text(LIST_FILE)
    for m in Measure.objects.filter(document__slug=LIST).select_related("category"):
        heading_at = text.index(m.category.heading)
        row_at = text.index(f"\t{m.number}\n\t{m.title}")
        later_headings = [text.index(c.heading) for c in Category.objects.all() if text.index(c.heading) > heading_at]
        assert heading_at < row_at < min(later_headings, default=len(text))


def test_every_department_of_the_list_is_linked_to_its_measures():
    for m in Measure.objects.filter(document__slug=LIST).prefetch_related("departments"):
        assert {d.name for d in m.departments.all()} == set(m.departments_as_written.split("、"))
    named = {n for s in Measure.objects.values_list("departments_as_written", flat=True) if s for n in s.split("、")}
    assert named == set(Department.objects.filter(measures__isnull=False).values_list("name", flat=True))


def test_scope_follows_the_source():
    for m in Measure.objects.filter(document__slug=LIST):
        expected = {"全国": "nationwide", "8个改革试验区域": "programme"}[m.scope_as_written]
        assert m.scope == expected
    areas = Programme.objects.get(slug="comprehensive-innovation-reform")
    assert set(Measure.objects.filter(scope="programme").values_list("number", flat=True)) == {6, 10, 21}
    assert areas.regions.count() == 8


def test_ten_pilot_regions_in_source_order():
    regions = Region.objects.filter(programme__slug="factor-market-reform-pilots")
    names = [r.name for r in regions]
    assert len(names) == 10
    listed = re.search(r"開展(.+?)等10個", source_text(APPROVAL_FILE))[1].split("、")
    assert names == listed


def test_region_tasks_rejoin_to_their_source_paragraph_exactly():
    regions = list(Region.objects.filter(programme__slug="factor-market-reform-pilots"))
    labels = [f"{r.name}:" for r in regions[1:]] + ["國務院關于全國部分地區要素市場化配置綜合改革試點實施方案的批復 國函"]
    total = 0
    for region, next_label in zip(regions, labels):
        tasks = list(region.tasks.order_by("position"))
        total += len(tasks)
        assert tasks, region.name
        assert "".join(t.title + t.text + t.separator for t in tasks) == region_paragraph(region.name, next_label)
    assert total == Measure.objects.filter(document__slug=APPROVAL).count() == 28


def test_task_titles_are_short_heading_sentences():
    for task in Measure.objects.filter(document__slug=APPROVAL):
        assert task.title.endswith("。") and "," not in task.title and len(task.title) <= 20
        assert task.scope == "region" and task.region_id


def test_the_heading_without_text_is_kept_as_a_heading():
    task = Measure.objects.get(title="優化知識產權交易服務市場。")
    assert task.region.name == "粵港澳大灣區內地九市"
    assert task.text == ""


def test_approval_document_as_the_source_gives_it():
    doc = Document.objects.get(slug=APPROVAL)
    text = source_text(APPROVAL_FILE)
    assert doc.number == "國函〔2025〕86號"
    assert doc.issuer == "國務院"
    assert doc.date.isoformat() == "2025-09-08"
    assert doc.term == "自即日起2年內"
    assert doc.addressees.startswith("北京市、江蘇省") and doc.addressees.endswith("國家發展改革委")
    provisions = list(doc.provisions.all())
    assert [p.text[:2] for p in provisions] == ["一、", "二、", "三、", "四、"]
    for field in [doc.title, doc.addressees, doc.opening, doc.attachments, doc.context,
                  *[p.text for p in provisions]]:
        assert field and field in text
    assert " ".join(p.text for p in provisions) in text


def test_the_list_does_not_claim_a_number_or_date_the_seed_lacks():
    doc = Document.objects.get(slug=LIST)
    assert doc.number == "" and doc.date is None and doc.issuer == ""
    assert doc.title == "第二批支持创新相关改革举措推广清单"


def test_reference_facts_carry_their_basis():
    for model in (Department, Programme):
        assert not model.objects.filter(basis="").exists()
    assert not Region.objects.filter(basis="").exists()
    hefei = Region.objects.get(name="合肥都市圈")
    assert hefei.to_confirm
    cbirc = Department.objects.get(name="中国银保监会")
    assert cbirc.full_name == "中国银行保险监督管理委员会"
    assert cbirc.successor.name == "国家金融监督管理总局"
    assert "发改委" in Department.objects.get(name="国家发展改革委").aliases
