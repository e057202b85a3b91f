"""The JSON API's shapes, defined once: responses are checked against them and the OpenAPI
description (/api/schema/) is generated from them by django-ninja. Plain Pydantic models (ninja's
``Schema`` adds a validator that reads Django objects, which these responses, built as dicts, do
not need, and which costs more than the rest of a city's answer)."""
import datetime
from typing import Literal

from pydantic import BaseModel as Schema, ConfigDict, Field

from catalogue.search.query import MAX_QUERY_LENGTH, MAX_TERMS

Scope = Literal["nationwide", "programme", "region"]
StatusCode = Literal["in_force", "expired", "superseded", "not_stated"]


class DocumentRef(Schema):
    slug: str
    title: str


class Validity(Schema):
    code: StatusCode = Field(description="Its document's status today (Asia/Shanghai): superseded (a public source "
                                         "says another document replaces it), expired (past its last day in force), "
                                         "in_force, or not_stated (the source gives no term we can date).")
    label: str = Field(description="The status in the request's language.")
    expires_on: datetime.date | None = Field(description="Last day in force that the document's term implies, or null.")
    basis: str = Field(description="Why, in the request's language: the term as written and the date it counts "
                                   "from, or the public source recorded.")
    superseded_by: DocumentRef | None = Field(description="The document that replaces it, or null.")


class Measure(Schema):
    id: int
    url: str = Field(json_schema_extra={"format": "uri"})
    title: str
    number: int | None = Field(description="Its number in its source list, or null.")
    text: str
    document: DocumentRef
    category: str | None
    departments: list[str]
    scope: Scope
    scope_label: str
    regions: list[str] = Field(description="Names of the pilot regions or reform areas it is scoped to.")
    highlight: str | None = Field(description="HTML: an escaped excerpt of the text with matches in <mark>.")
    title_highlight: str | None = Field(description="HTML: the escaped title with matches in <mark>.")
    matched_via: list[str] = Field(
        default_factory=list,
        description="For a search: the names (a department's, a region's …) through which the measure matched, "
                    "for the words its own title and text do not contain; empty when they contain them all.")
    status: Validity = Field(description="Whether it is in force: its document's status, with the basis.")


class MeasurePage(Schema):
    count: int = Field(description="Exact up to 1,000; beyond that 1,000 and count_is_exact false "
                                   "(next stays non-null while more pages exist).")
    count_is_exact: bool
    order: str = Field(description="How the results are ordered.")
    next: str | None
    previous: str | None
    results: list[Measure]


class Error(Schema):
    error: str = Field(description="What was wrong, in the request's language.")


class FilterError(Error):
    fields: dict[str, list[str]] = Field(default_factory=dict, description="The messages per parameter.")


# Documented here, validated by the FilterSet (measures.filters), whose messages name the wrong value.
QUERY_PATTERN = rf"^\s*[^\s\x00]*(\s+[^\s\x00]+){{0,{MAX_TERMS - 1}}}\s*$"


class MeasureFilters(Schema):
    q: str | None = Field(None, description="Search: words in either script (or Taiwan/HK vocabulary); every "
                                            "word must match; -word excludes.",
                          json_schema_extra={"maxLength": MAX_QUERY_LENGTH, "pattern": QUERY_PATTERN})
    document: str | None = Field(None, description="Document slug.")
    category: str | None = Field(None, description="Category slug.")
    department: list[str] = Field(default_factory=list, description="Department slug; repeat for several (any of "
                                                                   "them, or all of them with department_match=all). "
                                                                   "A body that took over from others (国家金融监督管理总局) "
                                                                   "also finds the measures they guided.")
    department_match: Literal["any", "all"] | None = Field(
        None, description="With several departments: any (the default): guided by any of them; all: guided by "
                          "all of them.")
    scope: str | None = Field(None, json_schema_extra={"enum": ["nationwide", "programme", "region"]})
    region: str | None = Field(None, description="Region slug: its tasks, and measures rolled out in its "
                                                 "programme's areas.")
    status: list[StatusCode] = Field(default_factory=list, description="Its document's status today; repeat for "
                                                                       "several (any of them). Absent: every measure.")
    page: int | None = Field(None, ge=1)


class Place(Schema):
    code: str = Field(pattern="^[0-9]{6}$")
    name: str
    province: str
    full_name: str
    level: Literal["province", "prefecture", "county"]


class RegionMatch(Schema):
    name: str
    slug: str
    programme: str
    basis: str = Field(description="The public source of the membership, in the request's language.")
    coverage: Literal["whole", "part", "unsettled"] = Field(
        description="whole: the place lies in the region; part: the region covers part of it; unsettled: the "
                    "sources do not say.")
    to_confirm: bool
    explanation: str


class Reason(Schema):
    kind: str
    reason: str


class AppliedMeasure(Measure):
    reason: str = Field(description="The strongest reason it applies.")
    reason_kind: Literal["nationwide", "programme", "region", "partial", "mention"]
    reasons: list[Reason]


class Group(Schema):
    kind: str
    title: str
    reason: str
    count: int
    count_is_exact: bool
    listed: int
    list_url: str | None


class Applies(Schema):
    place: Place
    also_named: list[Place] = Field(description="Other places answering to the same name.")
    regions: list[RegionMatch]
    groups: list[Group] = Field(description="Why measures apply, group by group, with how many each has and the "
                                            "list that shows them all.")
    measures: list[AppliedMeasure]


class PlaceQuery(Schema):
    place: str = Field(description="A place name in either script, with or without suffix, in pinyin, or its "
                                   "GB/T 2260 code.",
                       json_schema_extra={"minLength": 1, "maxLength": 50,
                                          # a character that is neither space nor control; no NUL
                                          "pattern": r"^[^\x00]*[^\s\x00-\x1f\x7f-\x9f][^\x00]*$"})


class Ambiguous(Error):
    candidates: list[Place]


class UnknownPlace(Error):
    suggestions: list[Place]


class LinkedMeasure(Schema):
    id: int
    url: str = Field(json_schema_extra={"format": "uri"})
    title: str
    number: int | None = Field(description="Its number in its source list, or null.")
    document: DocumentRef
    region: str | None = Field(description="For a pilot region's task: the region's name.")


class Link(Schema):
    kind: Literal["rolled_out_from", "continues", "replaced_by", "related"] = Field(
        description="The link's kind, read from its source: source rolled_out_from target, source continues "
                    "target, source replaced_by target, or related.")
    role: Literal["source", "target"] = Field(description="Which end of the link this measure is.")
    label: str = Field(description="The kind read from this measure's side (推广自 / 推广为 …), in the "
                                   "request's language.")
    basis: str = Field(description="Why the measures are linked, in the request's language.")
    measure: LinkedMeasure = Field(description="The measure at the other end.")


class MeasureLine(Schema):
    id: int = Field(description="The measure asked about.")
    links: list[Link] = Field(description="The links curators accepted, both directions.")


# --- comparing places (/api/compare/) ----------------------------------------------------------

class ComparedPlace(Place):
    regions: list[RegionMatch] = Field(description="The pilot regions and reform areas it lies in, with the basis.")


class SharedMeasure(Measure):
    reasons: dict[str, list[Reason]] = Field(
        description="Per place (by code): why it applies there, the strongest reason first.")


class OnlyMeasure(AppliedMeasure):
    also_applies_to: list[str] = Field(
        description="Codes of the other compared places it applies to (never all of them: then it is shared).")


class Comparison(Schema):
    places: list[ComparedPlace] = Field(description="The places compared, in the order asked.")
    shared: list[SharedMeasure] = Field(description="Measures that apply to every place, each once.")
    only: dict[str, list[OnlyMeasure]] = Field(
        description="Per place (by code): the measures that apply there but not to every place.")
    complete: bool = Field(description="False when a place has more than 200 measures for one reason: only the "
                                       "first 200 of each reason were compared.")


PLACE_PATTERN = PlaceQuery.model_fields["place"].json_schema_extra["pattern"]


class CompareQuery(Schema):
    # Read by the view itself (lookup.compare.resolve), whose 400 says what is wrong; described
    # here as the request must be.
    model_config = ConfigDict(json_schema_extra={"required": ["place"]})

    place: list[str] = Field(
        default_factory=list,
        description="A place, as /api/applies/ reads it; repeat for each place: 2 to 4 different places "
                    "(?place=合肥&place=成都).",
        json_schema_extra={"minItems": 2, "maxItems": 4, "uniqueItems": True,
                           "items": {"type": "string", "minLength": 1, "maxLength": 50, "pattern": PLACE_PATTERN}})


class AmbiguousName(Schema):
    place: str = Field(description="The name as asked.")
    index: int = Field(description="Its position among the places asked (from 0).")
    candidates: list[Place]


class UnknownName(Schema):
    place: str = Field(description="The name as asked.")
    index: int = Field(description="Its position among the places asked (from 0).")
    suggestions: list[Place]


class CompareAmbiguous(Error):
    ambiguous: list[AmbiguousName]


class CompareUnknown(Error):
    unknown: list[UnknownName]
    ambiguous: list[AmbiguousName] = Field(default_factory=list)


# --- a theme across a programme's regions (/api/themes/) ---------------------------------------

class ThemeTask(Measure):
    figures: list[str] = Field(description="The figures the task states (不低于70%, 50%以上), each exactly as "
                                           "written in its title or text.")


class ThemeRegion(Schema):
    slug: str
    name: str
    url: str = Field(json_schema_extra={"format": "uri"})
    count: int = Field(description="How many of its tasks match (tasks lists the first 20).")
    list_url: str = Field(description="The measure list showing them all.", json_schema_extra={"format": "uri"})
    tasks: list[ThemeTask] = Field(description="Empty when no task of the region matches.")


class ProgrammeRef(Schema):
    slug: str
    name: str
    url: str = Field(json_schema_extra={"format": "uri"})


class Theme(Schema):
    query: str
    programme: ProgrammeRef
    regions: list[ThemeRegion] = Field(description="Every region of the programme, in order, with or without tasks.")


# A theme opens with a word to find: a letter or digit first (so not a -exclusion, nor punctuation
# alone); up to MAX_TERMS words.
THEME_PATTERN = rf"^\s*[^\W_][^\s\x00]*(?:\s+[^\s\x00]+){{0,{MAX_TERMS - 1}}}\s*$"


class ThemeQuery(Schema):
    model_config = ConfigDict(json_schema_extra={"required": ["q"]})  # checked by the view: a 400 saying why

    q: str | None = Field(None, description="The theme: words in either script, as the search reads them; it "
                                            "needs a word to find (not only punctuation or -exclusions).",
                          json_schema_extra={"minLength": 1, "maxLength": MAX_QUERY_LENGTH, "pattern": THEME_PATTERN})
    programme: str | None = Field(None, description="Programme slug; by default the programme of the latest approval.")
