"""Fixtures are a pure function of the sources, and loading them is idempotent."""
import json

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from measures import services


def test_building_twice_gives_identical_output():
    first = services.render_fixture(services.build_fixture_objects())
    second = services.render_fixture(services.build_fixture_objects())
    assert first == second


def test_committed_fixtures_are_what_the_sources_give():
    for name, content in services.rendered_fixtures().items():
        assert services.fixture_path(name).read_text(encoding="utf-8") == content, name
    call_command("build_fixtures", "--check")


def _snapshot():
    rows = {}
    for model in [*apps.get_app_config("measures").get_models(), *apps.get_app_config("pilots").get_models()]:
        rows[model._meta.label] = sorted(map(repr, model.objects.order_by("pk").values()))
    rows["measure_departments"] = sorted(
        apps.get_model("measures", "Measure").departments.through.objects.values_list("measure_id", "department_id")
    )
    return rows


@pytest.mark.django_db
def test_loading_twice_changes_nothing():
    before = _snapshot()
    call_command("load_catalogue", verbosity=0)
    call_command("load_catalogue", verbosity=0)
    assert _snapshot() == before
    assert len(before["measures.Measure"]) == 45
    assert len(before["pilots.Place"]) > 3000 and len(before["pilots.Membership"]) == 60


def test_a_source_the_parser_does_not_understand_is_refused(tmp_path, settings):
    for name in (services.read_facts()["documents"]["list2"]["source_file"],
                 services.read_facts()["documents"]["approval"]["source_file"]):
        (tmp_path / name).write_text(services.read_source(name), encoding="utf-8")
    approval = tmp_path / "004_d4bba65b7ace5609.txt"
    approval.write_text(approval.read_text(encoding="utf-8").replace("促進科技成果轉化。", "促進科技成果。"),
                        encoding="utf-8")
    with pytest.raises(services.SourceFormatError, match="促進科技成果轉化"):
        services.build_fixture_objects(sources_dir=tmp_path)


def test_an_unknown_department_is_refused_not_dropped(tmp_path):
    name = "000_58b910e9af42e5cf.txt"
    (tmp_path / name).write_text(services.read_source(name).replace("\t科技部\n", "\t科技部、新部门\n"), encoding="utf-8")
    (tmp_path / "004_d4bba65b7ace5609.txt").write_text(services.read_source("004_d4bba65b7ace5609.txt"),
                                                      encoding="utf-8")
    with pytest.raises(services.SourceFormatError, match="新部门"):
        services.build_fixture_objects(sources_dir=tmp_path)


def test_check_mode_fails_on_a_stale_fixture(tmp_path, settings):
    stale = tmp_path / "catalogue.json"
    stale.write_text(json.dumps([]), encoding="utf-8")
    settings.FIXTURE_DIRS = [tmp_path]
    with pytest.raises(CommandError, match="out of date"):
        call_command("build_fixtures", "--check")
