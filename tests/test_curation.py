"""Curators: staff-only admin, throttled logins, every change recorded, imports all-or-nothing."""
import pytest
from django.core.management import call_command

from catalogue.models import SearchIndexState
from measures import services
from measures.models import Department, Measure

from .helpers import api_every_page, api_keys
from .test_fixtures import _snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator(django_user_model):
    return django_user_model.objects.create_user("curator", "c@example.org", "right-password", is_staff=True,
                                                 is_superuser=True)


def login(client, password, username="curator"):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password},
                       REMOTE_ADDR="203.0.113.9")


def test_the_admin_is_for_staff_only(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("reader", "r@example.org", "pw"))
    response = client.get("/admin/measures/measure/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_failed_logins_are_throttled(client, curator):
    for _ in range(4):
        assert login(client, "wrong").status_code == 200  # the form again, with an error
    assert login(client, "wrong").status_code == 429  # the fifth failure locks
    locked = login(client, "right-password")
    assert locked.status_code == 429  # even the right password, for the cool-off time
    assert "_auth_user_id" not in client.session


def test_a_good_login_still_works_below_the_limit(client, curator):
    for _ in range(3):
        login(client, "wrong")
    assert login(client, "right-password").status_code == 302


def measure_form(measure, **changes):
    data = {
        "document": measure.document_id, "position": measure.position, "number": measure.number or "",
        "category": measure.category_id or "", "region": measure.region_id or "", "title": measure.title,
        "text": measure.text, "separator": measure.separator, "departments": [d.pk for d in measure.departments.all()],
        "departments_as_written": measure.departments_as_written, "scope": measure.scope,
        "scope_as_written": measure.scope_as_written, "scope_programme": measure.scope_programme_id or "",
    }
    data.update(changes)
    return data


def test_an_admin_edit_is_recorded_and_searchable(client, curator):
    client.force_login(curator)
    measure = Measure.objects.get(number=9)
    response = client.post(f"/admin/measures/measure/{measure.pk}/change/",
                           measure_form(measure, text=measure.text + "新增试点内容量子计算"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert api_keys(client, "量子计算") == ["#9"]
    latest = measure.history.latest()
    assert latest.history_user == curator and latest.history_type == "~"
    delta = latest.diff_against(latest.prev_record)
    assert [change.field for change in delta.changes] == ["text"]
    assert "量子计算" in delta.changes[0].new and "量子计算" not in delta.changes[0].old


def test_an_admin_department_edit_is_recorded_and_searchable(client, curator):
    client.force_login(curator)
    department = Department.objects.get(slug="csrc")
    response = client.post(f"/admin/measures/department/{department.pk}/change/", {
        "slug": "csrc", "name": department.name, "full_name": department.full_name,
        "aliases": '["证监会", "中国证券监管机构"]', "successor": "", "changes": "", "basis": department.basis,
        "position": department.position,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert api_keys(client, "中国证券监管机构") == ["#10"]
    assert department.history.latest().history_user == curator


def test_a_failed_import_leaves_the_database_as_it_was(monkeypatch):
    measure = Measure.objects.get(number=1)
    measure.title = "馆员改过的标题"
    measure.save()
    before = _snapshot()
    state = SearchIndexState.objects.get().dictionary_version

    def fail_midway(*args, **kwargs):
        raise RuntimeError("injected failure after loading")

    monkeypatch.setattr(services, "rebuild_search_index", fail_midway)
    with pytest.raises(RuntimeError, match="injected"):
        services.load_catalogue()
    assert _snapshot() == before
    assert Measure.objects.get(number=1).title == "馆员改过的标题"
    assert SearchIndexState.objects.get().dictionary_version == state


def test_a_dry_run_changes_nothing(capsys):
    Measure.objects.filter(number=1).update(title="改过")
    before = _snapshot()
    call_command("load_catalogue", "--dry-run")
    out = capsys.readouterr().out
    assert "dry run: nothing was written" in out
    assert _snapshot() == before
    call_command("reindex", "--dry-run")
    assert "rolled back" in capsys.readouterr().out
    assert _snapshot() == before


def test_reloading_restores_the_source_text():
    Measure.objects.filter(number=1).update(title="改过")
    services.load_catalogue()
    assert Measure.objects.get(number=1).title == "知识产权民事、刑事、行政案件“三合一”审判"



def test_moving_a_document_or_a_measure_moves_it_in_every_list(client):
    from measures.models import Document

    def titles(**params):
        return [m["title"] for m in api_every_page(client, sort="source", **params)]

    approval = Document.objects.get(categories__isnull=True)
    tasks = list(Measure.objects.filter(document=approval).order_by("position"))
    assert titles()[0] != tasks[0].title
    approval.position = 0  # a curator puts the approval first
    approval.save()
    assert titles()[0] == tasks[0].title

    tasks[0].position = 10_000  # and moves its first task to the end
    tasks[0].save()
    listed = titles(document=approval.slug)
    assert listed[0] == tasks[1].title and listed[-1] == tasks[0].title
