"""The JSON API's shapes, defined once: responses are checked against them and the OpenAPI
description (/api/schema/) is generated from them by django-ninja. Plain Pydantic models (ninja's
``Schema`` adds a validator that reads Django objects, which these responses, built as dicts, do
not need, and which costs more than the rest of a city's answer)."""
from typing import Literal

from pydantic import BaseModel as Schema, Field

from catalogue.search.query import MAX_QUERY_LENGTH, MAX_TERMS

Scope = Literal["nationwide", "programme", "region"]


class DocumentRef(Schema):
    slug: str
    title: str


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
    department: list[str] = Field(default_factory=list, description="Department slug; repeat for several (any of them).")
    scope: str | None = Field(None, json_schema_extra={"enum": ["nationwide", "programme", "region"]})
    region: str | None = Field(None, description="Region slug: its tasks, and measures rolled out in its "
                                                 "programme's areas.")
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
