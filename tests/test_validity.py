"""Whether a document, and so each of its measures, is in force: read from the term as written and
the date, marked in results, on pages and in the API, and filterable."""
import datetime
import re
from unittest import mock

import pytest

from measures.models import Document, Measure
from measures.validity import Status, end_of_term, parse_term, validity_of

pytestmark = pytest.mark.django_db

APPROVAL, LIST = "guohan-2025-86", "innovation-reform-list-2"
LAST_DAY = datetime.date(2027, 9, 7)  # 2025-09-08 + 2 years, the day before
FIRST_DAY_EXPIRED = datetime.date(2027, 9, 8)


def on(day):
    """Today is ``day`` (Asia/Shanghai) for everything that asks measures.validity."""
    return mock.patch("django.utils.timezone.localdate", return_value=day)


def page(client, url, expect=200, **params):
    response = client.get(url, params)
    assert response.status_code == expect, (url, response.status_code)
    return response.content.decode()


def api(client, expect=200, **params):
    response = client.get("/api/measures/", params)
    assert response.status_code == expect, response.content
    return response.json()


def count_on_list(html):
    found = re.search(r"共 (\d+) 项", html)
    return int(found[1]) if found else 0


def measures_of(slug):
    return Measure.objects.filter(document__slug=slug).count()


# --- reading terms -----------------------------------------------------------------------------

@pytest.mark.parametrize("term, years, months", [
    ("自即日起2年內", 2, 0),            # as the approval writes it (Traditional)
    ("自即日起2年内", 2, 0),
    ("自即日起２年内", 2, 0),           # full-width digit
    ("自即日起两年内", 2, 0),
    ("自即日起兩年內", 2, 0),
    ("自印发之日起3年", 3, 0),
    ("自印發之日起三年內有效", 3, 0),
    ("有效期5年", 5, 0),
    ("有效期為二年", 2, 0),
    ("试行两年", 2, 0),
    ("試行二年", 2, 0),
    ("试行期为1年", 1, 0),
    ("试行6个月", 0, 6),
    ("自即日起十二個月內", 0, 12),
    ("有效期二十年", 20, 0),
    ("自印发之日起施行，有效期5年", 5, 0),
])
def test_terms_are_read_in_either_script_and_any_numeral(term, years, months):
    parsed = parse_term(term)
    assert (parsed.years, parsed.months, parsed.until) == (years, months, None)


@pytest.mark.parametrize("term", ["有效期至2027年9月7日", "有效期至2027年9月7日止"])
def test_a_written_last_day_is_the_last_day(term):
    assert end_of_term(term, None) == end_of_term(term, datetime.date(2020, 1, 1)) == LAST_DAY


@pytest.mark.parametrize("term", [
    "", "长期有效", "自发布之日起2年",   # counted from a day the document's date need not be
    "自施行之日起2年", "有效期至2027年2月30日", "自即日起0年", "有效期若干年", "2年",
])
def test_a_term_we_cannot_read_gives_no_end_date(term):
    assert parse_term(term) is None
    assert end_of_term(term, datetime.date(2025, 9, 8)) is None


@pytest.mark.parametrize("term, start, last_day", [
    ("自即日起2年內", datetime.date(2025, 9, 8), LAST_DAY),
    ("试行6个月", datetime.date(2025, 9, 8), datetime.date(2026, 3, 7)),
    ("试行1个月", datetime.date(2025, 1, 31), datetime.date(2025, 2, 28)),   # no 31 February
    ("试行1个月", datetime.date(2025, 3, 31), datetime.date(2025, 4, 30)),   # no 31 April
    ("有效期1年", datetime.date(2024, 2, 29), datetime.date(2025, 2, 28)),    # no 29 February in 2025
    ("有效期1年", datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)),
])
def test_a_term_counts_its_first_day_and_ends_the_day_before_the_same_date(term, start, last_day):
    assert end_of_term(term, start) == last_day


def test_a_relative_term_without_a_date_has_no_end():
    assert end_of_term("自即日起2年內", None) is None


# --- the documents as loaded --------------------------------------------------------------------

def test_the_approval_keeps_its_term_as_written_and_ends_on_2027_09_07():
    approval = Document.objects.get(slug=APPROVAL)
    assert approval.term == "自即日起2年內" and approval.date == datetime.date(2025, 9, 8)
    assert approval.expires_on == LAST_DAY


def test_the_approval_is_in_force_through_its_last_day_and_expired_the_day_after():
    approval = Document.objects.get(slug=APPROVAL)
    with on(LAST_DAY):
        assert approval.validity.code == Status.IN_FORCE
    with on(FIRST_DAY_EXPIRED):
        assert approval.validity.code == Status.EXPIRED
    assert approval.validity.basis == "《國務院關于全國部分地區要素市場化配置綜合改革試點實施方案的批復》（國函〔2025〕86號）：自即日起2年內（2025年9月8日起）"


def test_the_list_states_no_term_so_its_status_is_not_stated():
    listed = Document.objects.get(slug=LIST)
    assert listed.date is None and listed.term == "" and listed.expires_on is None
    validity = listed.validity
    assert validity.code == Status.NOT_STATED and validity.expires_on is None
    assert validity.basis == "来源未写明有效期限。"


def test_saving_a_document_reads_its_term_again():
    listed = Document.objects.get(slug=LIST)
    listed.date, listed.term = datetime.date(2024, 1, 1), "试行两年"
    listed.save()
    assert Document.objects.get(slug=LIST).expires_on == datetime.date(2025, 12, 31)
    listed.term = "长期有效"
    listed.save()
    listed.refresh_from_db()
    assert listed.expires_on is None
    assert listed.validity.code == Status.NOT_STATED
    assert "长期有效" in listed.validity.basis  # shown as written


# --- on the pages -------------------------------------------------------------------------------

def test_the_approvals_page_shows_in_force_until_its_last_day_then_expired(client):
    with on(LAST_DAY):
        html = page(client, f"/documents/{APPROVAL}/")
        assert 'class="status status-in_force">有效</span>' in html and "有效期至 2027-09-07" in html
        assert "自即日起2年內（2025年9月8日起）" in html
    with on(FIRST_DAY_EXPIRED):
        html = page(client, f"/documents/{APPROVAL}/")
        assert 'class="status status-expired caveat">已失效</span>' in html and "有效期至 2027-09-07" in html


def test_an_approval_tasks_page_shows_its_status_in_the_readers_language(client):
    task = Measure.objects.filter(document__slug=APPROVAL).first()
    with on(FIRST_DAY_EXPIRED):
        assert "已失效" in page(client, task.get_absolute_url())
        english = page(client, task.get_absolute_url(), lang="en")
    assert ">Expired</span>" in english and "In force through 2027-09-07" in english
    assert "(國函〔2025〕86號): 自即日起2年內 (from 2025-09-08)" in english


def test_expired_measures_are_marked_in_the_results_with_text(client):
    with on(FIRST_DAY_EXPIRED):
        html = page(client, "/measures/", document=APPROVAL)
    items = html.split('class="measure-item"')[1:]
    assert len(items) == min(measures_of(APPROVAL), 20)
    assert all("已失效（有效期至 2027-09-07）" in item for item in items)


def test_by_default_the_list_shows_everything_expired_ones_marked(client):
    with on(FIRST_DAY_EXPIRED):
        html = page(client, "/measures/")
        assert count_on_list(html) == Measure.objects.count()
        assert "已失效（有效期至 2027-09-07）" not in page(client, "/measures/", document=LIST)
    # The "all" choice is an empty value: the form's link drops it and lists everything.
    response = client.get("/measures/", {"status": ""}, follow=True)
    assert response.redirect_chain == [("/measures/", 302)]
    assert count_on_list(response.content.decode()) == Measure.objects.count()


# --- filtering ----------------------------------------------------------------------------------

def test_the_status_filter_follows_the_date(client):
    approval, listed = measures_of(APPROVAL), measures_of(LIST)
    with on(LAST_DAY):
        assert count_on_list(page(client, "/measures/", status="in_force")) == approval
        assert count_on_list(page(client, "/measures/", status="expired")) == 0
        assert api(client, status="in_force")["count"] == approval
    with on(FIRST_DAY_EXPIRED):
        assert count_on_list(page(client, "/measures/", status="expired")) == approval
        assert count_on_list(page(client, "/measures/", status="in_force")) == 0
        assert api(client, status="expired")["count"] == approval
        assert count_on_list(page(client, "/measures/", status="not_stated")) == listed
        both = page(client, "/measures/?status=expired&status=not_stated")
        assert count_on_list(both) == approval + listed


def test_the_status_facet_counts_each_status(client):
    with on(FIRST_DAY_EXPIRED):
        html = page(client, "/measures/")
        expired = re.search(r'name="status" value="expired"[^>]*> 已失效 <span class="count">(\d+)</span>', html)
        not_stated = re.search(r'name="status" value="not_stated"[^>]*> 效力未说明 <span class="count">(\d+)</span>', html)
        assert int(expired[1]) == measures_of(APPROVAL) and int(not_stated[1]) == measures_of(LIST)
        assert 'value="in_force"' not in html  # nothing to choose: no measure is in force
        chosen = page(client, "/measures/", status="expired")
        assert re.search(r'value="expired" checked> 已失效', chosen)
        assert re.search(r'value="not_stated"[^>]*> 效力未说明 <span class="count">', chosen)  # still offered
        assert '<span class="chip-kind">效力</span> 已失效' in chosen


def test_the_status_filter_combines_with_search_and_exports(client):
    with on(FIRST_DAY_EXPIRED):
        searched = api(client, q="知识产权", status="expired")["results"]
        assert searched and all(r["document"]["slug"] == APPROVAL for r in searched)
        csv = client.get("/measures/export.csv", {"status": "not_stated"})
        assert csv.status_code == 200
        body = b"".join(csv.streaming_content if csv.streaming else [csv.content]).decode("utf-8-sig")
        listed = Measure.objects.filter(document__slug=LIST)
        assert all(m.title in body for m in listed)
        assert not any(m.title in body for m in Measure.objects.filter(document__slug=APPROVAL)[:5])


def test_every_exported_row_states_its_status_on_the_day_of_the_export(client):
    import csv
    import io

    def status_column(day, lang):
        with on(day):  # the rows are written as the response streams
            response = client.get("/measures/export.csv", {"document": APPROVAL}, HTTP_ACCEPT_LANGUAGE=lang)
            rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        column = rows[0].index({"en": "Validity", "zh-Hans": "效力"}[lang])
        return {row[column] for row in rows[1:]}

    assert status_column(LAST_DAY, "zh-Hans") == {"有效"}
    assert status_column(FIRST_DAY_EXPIRED, "zh-Hans") == {"已失效"}
    assert status_column(FIRST_DAY_EXPIRED, "en") == {"Expired"}


@pytest.mark.parametrize("value", ["bogus", "EXPIRED", "in force"])
def test_an_unknown_status_is_a_400_saying_which_value(client, value):
    html = page(client, "/measures/", 400, status=value)
    assert f"没有这种效力状态：{value}" in html
    data = api(client, 400, status=value)
    assert f"没有这种效力状态：{value}" in data["error"] and "status" in data["fields"]
    english = client.get("/api/measures/", {"status": value}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert f"No such status: {value}" in english["error"]
    assert client.get("/measures/export.csv", {"status": value}).status_code == 400


# --- in the API ---------------------------------------------------------------------------------

def test_the_api_gives_each_measure_its_status(client):
    with on(LAST_DAY):
        task = api(client, document=APPROVAL)["results"][0]
        assert task["status"] == {
            "code": "in_force", "label": "有效", "expires_on": "2027-09-07",
            "basis": "《國務院關于全國部分地區要素市場化配置綜合改革試點實施方案的批復》（國函〔2025〕86號）：自即日起2年內（2025年9月8日起）",
            "superseded_by": None,
        }
    with on(FIRST_DAY_EXPIRED):
        task = api(client, document=APPROVAL)["results"][0]
        assert task["status"]["code"] == "expired" and task["status"]["expires_on"] == "2027-09-07"
        english = client.get("/api/measures/", {"document": APPROVAL}, HTTP_ACCEPT_LANGUAGE="en").json()
        assert english["results"][0]["status"]["label"] == "Expired"
    listed = api(client, document=LIST)["results"][0]["status"]
    assert listed == {"code": "not_stated", "label": "效力未说明", "expires_on": None,
                      "basis": "来源未写明有效期限。", "superseded_by": None}


def test_a_citys_answer_carries_the_status_too(client):
    with on(FIRST_DAY_EXPIRED):
        data = client.get("/api/applies/", {"place": "東莞"}).json()
    codes = {m["document"]["slug"]: m["status"]["code"] for m in data["measures"]}
    assert codes == {APPROVAL: "expired", LIST: "not_stated"}


# --- superseded -----------------------------------------------------------------------------------

@pytest.fixture
def replaced_list():
    """The list, marked as replaced by a document made up for this test (no such fact is known)."""
    replacement = Document.objects.create(
        slug="test-replacement", position=3, title="测试用替代文件", script="hans", source_file="none.txt")
    listed = Document.objects.get(slug=LIST)
    listed.superseded_by, listed.superseded_basis = replacement, "测试用依据：并非真实来源"
    listed.superseded_basis_en = "Test basis: not a real source"
    listed.full_clean()
    listed.save()
    return replacement


def test_a_superseded_documents_measures_are_superseded_marked_and_filterable(client, replaced_list):
    listed = measures_of(LIST)
    with on(LAST_DAY):
        assert Document.objects.get(slug=LIST).validity.code == Status.SUPERSEDED
        html = page(client, "/measures/", status="superseded")
        assert count_on_list(html) == listed
        items = html.split('class="measure-item"')[1:]
        assert items and all('class="status status-superseded caveat">已被替代</span>' in item for item in items)
        assert count_on_list(page(client, "/measures/", status="not_stated")) == 0
        assert count_on_list(page(client, "/measures/", status="in_force")) == measures_of(APPROVAL)
        results = api(client, status="superseded")
        assert results["count"] == listed
        assert results["results"][0]["status"] == {
            "code": "superseded", "label": "已被替代", "expires_on": None, "basis": "测试用依据：并非真实来源",
            "superseded_by": {"slug": "test-replacement", "title": "测试用替代文件"},
        }


def test_a_superseded_measure_links_to_what_replaces_it(client, replaced_list):
    measure = Measure.objects.filter(document__slug=LIST).first()
    html = page(client, measure.get_absolute_url())
    assert '由<a href="/documents/test-replacement/">《测试用替代文件》</a>替代' in html
    assert "测试用依据：并非真实来源" in html
    english = page(client, measure.get_absolute_url(), lang="en")
    assert ">Superseded</span>" in english and "Test basis: not a real source" in english
    document_page = page(client, f"/documents/{LIST}/", lang="zh-hans")
    assert 'href="/documents/test-replacement/"' in document_page and "已被替代" in document_page


def test_superseded_wins_over_expired():
    replacement = Document.objects.get(slug=LIST)
    approval = Document.objects.get(slug=APPROVAL)
    approval.superseded_by, approval.superseded_basis = replacement, "测试用依据"
    approval.save()
    assert validity_of(approval, FIRST_DAY_EXPIRED).code == Status.SUPERSEDED
    assert Document.objects.with_status([Status.SUPERSEDED], FIRST_DAY_EXPIRED).get() == approval


def test_a_replacement_needs_its_basis_and_cannot_be_the_document_itself():
    from django.core.exceptions import ValidationError

    listed = Document.objects.get(slug=LIST)
    listed.superseded_by = Document.objects.get(slug=APPROVAL)
    with pytest.raises(ValidationError) as error:
        listed.full_clean()
    assert "superseded_basis" in error.value.message_dict
    listed.superseded_by, listed.superseded_basis = listed, "测试用依据"
    with pytest.raises(ValidationError) as error:
        listed.full_clean()
    assert "superseded_by" in error.value.message_dict


def test_curators_edit_the_replacement_and_its_basis_in_the_admin(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("curator", "c@example.org", "pw"))
    listed = Document.objects.get(slug=LIST)
    html = page(client, f"/admin/measures/document/{listed.pk}/change/")
    for field in ("superseded_by", "superseded_basis", "superseded_basis_en", "in_force_basis", "in_force_basis_en"):
        assert f'name="{field}"' in html, field
    assert 'name="expires_on"' not in html  # read from the term, not typed
    assert "效力未说明" in page(client, "/admin/measures/document/")


# --- the database and Python agree ----------------------------------------------------------------

@pytest.mark.parametrize("day", [datetime.date(2025, 1, 1), LAST_DAY, FIRST_DAY_EXPIRED])
def test_the_database_and_the_pages_agree_on_every_status(day):
    approval = Document.objects.get(slug=APPROVAL)
    Document.objects.create(slug="test-vouched", position=4, title="测试：有日期和有效依据", script="hans",
                            source_file="none.txt", date=datetime.date(2020, 1, 1), in_force_basis="测试用依据")
    Document.objects.create(slug="test-undated", position=5, title="测试：有依据但无日期", script="hans",
                            source_file="none.txt", in_force_basis="测试用依据")
    Document.objects.create(slug="test-unread", position=6, title="测试：无法换算的期限", script="hans",
                            source_file="none.txt", date=datetime.date(2020, 1, 1), term="长期有效")
    Document.objects.create(slug="test-replaced", position=7, title="测试：已被替代", script="hans",
                            source_file="none.txt", date=datetime.date(2020, 1, 1), term="试行1年",
                            superseded_by=approval, superseded_basis="测试用依据")
    in_python = {d.pk: validity_of(d, day).code for d in Document.objects.all()}
    assert Document.objects.status_codes(day) == in_python
    for code in Status:
        assert set(Document.objects.with_status([code], day).values_list("pk", flat=True)) == \
            {pk for pk, found in in_python.items() if found == code}
    by_slug = {d.slug: in_python[d.pk] for d in Document.objects.all()}
    assert by_slug["test-vouched"] == Status.IN_FORCE
    assert by_slug["test-undated"] == by_slug["test-unread"] == Status.NOT_STATED
    assert by_slug["test-replaced"] == Status.SUPERSEDED
