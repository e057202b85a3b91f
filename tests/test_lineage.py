"""Lineage between measures: the system suggests links from the search index's shared rare terms, a
curator accepts or rejects them, and only accepted links appear on measure pages and in the API."""
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models import F, Q

from lineage import services
from lineage.models import Kind, MeasureLink, State
from measures.models import Measure

from .test_query_counts import queries_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator(django_user_model):
    return django_user_model.objects.create_user("curator", "c@example.org", "right-password", is_staff=True,
                                                 is_superuser=True)


@pytest.fixture
def list_measure():
    """2018 second-batch list, #6: 以事前产权激励为核心的职务科技成果权属改革."""
    measure = Measure.objects.get(document__slug="innovation-reform-list-2", number=6)
    assert "职务科技成果权属改革" in measure.title
    return measure


@pytest.fixture
def entrusting_tasks():
    """The 2025 pilot regions' tasks that give researchers ownership of their service results
    (賦予科研人員職務科技成果所有權, as the approval writes it)."""
    tasks = list(Measure.objects.filter(document__slug="guohan-2025-86", text__contains="賦予科研人員職務科技成果所有權"))
    assert len(tasks) >= 3
    return tasks


def suggest():
    out = StringIO()
    call_command("suggest_links", stdout=out)
    return out.getvalue()


def links_between(measure, others):
    return MeasureLink.objects.filter(Q(source=measure, target__in=others) | Q(source__in=others, target=measure))


def api_links(client, measure, **params):
    response = client.get(f"/api/measures/{measure.pk}/links/", params)
    assert response.status_code == 200, response.content
    return response.json()["links"]


def test_the_words_read_from_the_index_are_words_of_the_measures_own_text(list_measure):
    words = services.index_words(list_measure.search_plain, list_measure.search_tokens, list_measure.own_length)
    assert {"职务", "科技成果", "所有权", "赋予", "科研人员"} <= words
    assert not {"科", "权激", "属改"} & words  # single characters and bigrams are for finding strings
    assert "科学技术部" not in words  # a guiding department's name: indexed, but not the measure's text


def test_a_suggestion_pairs_the_2018_measure_with_the_2025_entrusting_tasks(list_measure, entrusting_tasks):
    output = suggest()
    added = MeasureLink.objects.count()
    assert added > 0 and output.strip() == f"{added} suggestions added"
    suggested = list(links_between(list_measure, entrusting_tasks))
    assert suggested
    for link in suggested:
        assert link.state == State.SUGGESTED
        assert any("职务科技成果" in term for term in link.shared_terms), link.shared_terms
        assert link.basis.startswith("共有词语：") and "职务科技成果" in link.basis
        assert link.basis_en.startswith("Shared terms: ")
        assert link.decided_by is None and link.decided_at is None
    # suggestions only link measures of different documents, and nothing is accepted by itself
    assert not MeasureLink.objects.filter(source__document=F("target__document")).exists()
    assert not MeasureLink.objects.exclude(state=State.SUGGESTED).exists()


def test_a_suggestion_shows_nowhere_until_a_curator_accepts_it(client, curator, list_measure, entrusting_tasks):
    suggest()
    link = links_between(list_measure, entrusting_tasks).order_by("-score").first()
    task = link.target if link.source == list_measure else link.source
    for measure in (list_measure, task):
        page = client.get(measure.get_absolute_url()).content.decode()
        assert "沿革与关联" not in page and link.basis not in page
        assert api_links(client, measure) == []

    services.accept(link, curator)

    link.refresh_from_db()
    assert link.state == State.ACCEPTED and link.decided_by == curator and link.decided_at
    for measure, other in ((list_measure, task), (task, list_measure)):
        page = client.get(measure.get_absolute_url()).content.decode()
        assert "沿革与关联" in page
        assert f'href="{other.get_absolute_url()}"' in page and other.title in page
        assert link.basis in page and "相关" in page
        [entry] = api_links(client, measure)
        assert entry["kind"] == "related" and entry["label"] == "相关" and entry["basis"] == link.basis
        assert entry["measure"]["id"] == other.pk and entry["measure"]["title"] == other.title
        assert entry["measure"]["url"].endswith(other.get_absolute_url())
        assert entry["measure"]["document"]["slug"] == other.document.slug
    # the English interface shows the English basis
    [entry] = api_links(client, list_measure, lang="en")
    assert entry["basis"] == link.basis_en and entry["label"] == "Related"


def test_a_link_reads_from_each_side_by_its_kind(client, curator, list_measure, entrusting_tasks):
    task = entrusting_tasks[0]
    services.create_link(MeasureLink(source=task, target=list_measure, kind=Kind.CONTINUES,
                                     basis="策展人的说明"), curator)
    assert "延续为" in client.get(list_measure.get_absolute_url()).content.decode()
    assert "延续自" in client.get(task.get_absolute_url()).content.decode()
    [entry] = api_links(client, list_measure, lang="en")
    assert (entry["kind"], entry["role"], entry["label"]) == ("continues", "target", "Continued by")
    assert entry["measure"]["region"] == task.region.name
    [entry] = api_links(client, task, lang="zh-hans")  # ?lang=en was remembered
    assert (entry["role"], entry["label"], entry["measure"]["id"]) == ("source", "延续自", list_measure.pk)


def test_accepting_can_set_the_kind_and_the_curators_own_basis(client, curator, list_measure, entrusting_tasks):
    suggest()
    link = links_between(list_measure, entrusting_tasks).first()
    services.accept(link, curator, kind=Kind.CONTINUES, basis="两者都赋予科研人员职务科技成果所有权。")
    page = client.get(list_measure.get_absolute_url()).content.decode()
    assert "两者都赋予科研人员职务科技成果所有权。" in page
    with pytest.raises(ValidationError):
        services.accept(link, curator, kind="invented")


def test_a_rejected_suggestion_stays_off_and_is_not_suggested_again(client, curator, list_measure, entrusting_tasks):
    suggest()
    link = links_between(list_measure, entrusting_tasks).first()
    services.reject(link, curator)
    task = link.target if link.source == list_measure else link.source
    assert api_links(client, list_measure) == [] and api_links(client, task) == []
    assert link.basis not in client.get(list_measure.get_absolute_url()).content.decode()

    assert suggest().strip() == "0 suggestions added"
    [again] = links_between(list_measure, [task])
    assert again.pk == link.pk and again.state == State.REJECTED


def test_a_link_to_itself_or_a_duplicate_is_refused(curator, list_measure, entrusting_tasks):
    task = entrusting_tasks[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        MeasureLink.objects.create(source=list_measure, target=list_measure, basis="同一项")
    with pytest.raises(ValidationError):
        services.create_link(MeasureLink(source=list_measure, target=list_measure, basis="同一项"), curator)
    MeasureLink.objects.create(source=list_measure, target=task, basis="第一条")
    with pytest.raises(IntegrityError), transaction.atomic():
        MeasureLink.objects.create(source=list_measure, target=task, basis="第二条")
    with pytest.raises(ValidationError):
        services.create_link(MeasureLink(source=list_measure, target=task, basis="第二条"), curator)
    assert MeasureLink.objects.count() == 1


def test_curators_decide_in_the_admin_suggestions_first(client, curator, list_measure, entrusting_tasks):
    suggest()
    first, second = links_between(list_measure, entrusting_tasks).order_by("-score")[:2]
    client.force_login(curator)
    response = client.post("/admin/lineage/measurelink/", {"action": "reject_links", "_selected_action": [second.pk]})
    assert response.status_code == 302
    listing = client.get("/admin/lineage/measurelink/")
    assert listing.status_code == 200
    shown = [link.pk for link in listing.context["cl"].result_list]
    assert shown.index(first.pk) < shown.index(second.pk)  # the waiting suggestion before the decided one

    response = client.post("/admin/lineage/measurelink/", {"action": "accept_links", "_selected_action": [first.pk]})
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.decided_by) == (State.ACCEPTED, curator)
    assert (second.state, second.decided_by) == (State.REJECTED, curator)
    assert first.history.first().history_user == curator
    for page in ("change", "history"):
        assert client.get(f"/admin/lineage/measurelink/{first.pk}/{page}/").status_code == 200

    # a link a curator adds is accepted; one to the measure itself is refused with a message
    form = {"source": list_measure.pk, "target": list_measure.pk, "kind": "related", "basis": "同一项", "basis_en": ""}
    response = client.post("/admin/lineage/measurelink/add/", form)
    assert response.status_code == 200 and not MeasureLink.objects.filter(target=list_measure, source=list_measure)
    task = next(t for t in Measure.objects.filter(document__slug="guohan-2025-86")
                if not links_between(list_measure, [t]).exists())
    response = client.post("/admin/lineage/measurelink/add/", {**form, "target": task.pk, "basis": "策展人的说明"})
    assert response.status_code == 302
    added = MeasureLink.objects.get(source=list_measure, target=task)
    assert (added.state, added.decided_by) == (State.ACCEPTED, curator)


def test_the_line_costs_one_query_however_many_links(client, curator, list_measure, entrusting_tasks):
    without = queries_for(client, list_measure.get_absolute_url())
    for task in entrusting_tasks:
        services.create_link(MeasureLink(source=list_measure, target=task, basis="策展人的说明"), curator)
    page = client.get(list_measure.get_absolute_url()).content.decode()
    assert all(task.get_absolute_url() in page for task in entrusting_tasks)
    assert queries_for(client, list_measure.get_absolute_url()) == without


def test_the_links_of_an_unknown_measure_are_a_404_in_the_users_language(client):
    response = client.get("/api/measures/999999/links/")
    assert response.status_code == 404 and response.json() == {"error": "没有这项举措。"}
    response = client.get("/api/measures/999999/links/", {"lang": "en"})
    assert response.status_code == 404 and response.json() == {"error": "No such measure."}
    assert client.get("/api/measures/abc/links/").status_code == 404
