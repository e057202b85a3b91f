"""The OpenAPI description of the JSON API, served at /api/schema/. Kept beside the code it
describes; tests check real responses against it, and schemathesis checks the API against it.

The identifiers a filter accepts (document, category, department, region slugs) are listed from
the database when the description is served, so it says exactly which values are valid.
"""
import copy

from catalogue.jsonapi import json_response
from catalogue.search.query import MAX_QUERY_LENGTH, MAX_TERMS

FILTER_PARAMETERS = [
    {"name": "q", "in": "query",
     "schema": {"type": "string", "maxLength": MAX_QUERY_LENGTH,
                # at most MAX_TERMS words; no NUL (refused: no text can carry one)
                "pattern": rf"^\s*[^\s\x00]*(\s+[^\s\x00]+){{0,{MAX_TERMS - 1}}}\s*$"},
     "description": "Search: words in either script (or Taiwan/HK vocabulary); every word must match; -word excludes."},
    {"name": "document", "in": "query", "schema": {"type": "string"}, "description": "Document slug."},
    {"name": "category", "in": "query", "schema": {"type": "string"}, "description": "Category slug."},
    {"name": "department", "in": "query", "style": "form", "explode": True,
     "schema": {"type": "array", "items": {"type": "string"}},
     "description": "Department slug; repeat for several (any of them)."},
    {"name": "scope", "in": "query", "schema": {"type": "string", "enum": ["nationwide", "programme", "region"]}},
    {"name": "region", "in": "query", "schema": {"type": "string"},
     "description": "Region slug: its tasks, and measures rolled out in its programme's areas."},
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
]

ERROR = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}

MEASURE = {
    "type": "object",
    "required": ["id", "url", "title", "number", "document", "category", "departments", "scope", "regions",
                 "highlight"],
    "properties": {
        "id": {"type": "integer"},
        "url": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "number": {"type": ["integer", "null"], "description": "Its number in its source list, or null."},
        "text": {"type": "string"},
        "document": {"type": "object", "required": ["slug", "title"],
                     "properties": {"slug": {"type": "string"}, "title": {"type": "string"}}},
        "category": {"type": ["string", "null"]},
        "departments": {"type": "array", "items": {"type": "string"}},
        "scope": {"type": "string", "enum": ["nationwide", "programme", "region"]},
        "scope_label": {"type": "string"},
        "regions": {"type": "array", "items": {"type": "string"},
                    "description": "Names of the pilot regions or reform areas it is scoped to."},
        "highlight": {"type": ["string", "null"],
                      "description": "HTML: an escaped excerpt of the text with matches in <mark>."},
        "title_highlight": {"type": ["string", "null"]},
    },
}


PLACE = {
    "type": "object", "required": ["code", "name", "province"],
    "properties": {"code": {"type": "string", "pattern": "^[0-9]{6}$"}, "name": {"type": "string"},
                   "province": {"type": "string"}, "full_name": {"type": "string"},
                   "level": {"type": "string", "enum": ["province", "prefecture", "county"]}},
}

REGION = {
    "type": "object", "required": ["name", "programme", "basis"],
    "properties": {"name": {"type": "string"}, "slug": {"type": "string"}, "programme": {"type": "string"},
                   "basis": {"type": "string"},
                   "coverage": {"type": "string", "enum": ["whole", "part", "unsettled"],
                                "description": "whole: the place lies in the region; part: the region covers "
                                               "part of it; unsettled: the sources do not say."},
                   "to_confirm": {"type": "boolean"}, "explanation": {"type": "string"}},
}

APPLIED_MEASURE = {
    "allOf": [{"$ref": "#/components/schemas/Measure"}, {
        "type": "object", "required": ["reason", "reason_kind", "reasons"],
        "properties": {
            "reason": {"type": "string"},
            "reason_kind": {"type": "string", "enum": ["nationwide", "programme", "region", "partial", "mention"]},
            "reasons": {"type": "array", "items": {"type": "object", "required": ["kind", "reason"],
                                                   "properties": {"kind": {"type": "string"},
                                                                  "reason": {"type": "string"}}}},
        },
    }],
}


def json_error(description):
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


SCHEMA = {
    "openapi": "3.1.0",
    "info": {"title": "改革举措目录 API", "version": "1"},
    "paths": {
        "/api/measures/": {
            "get": {
                "summary": "Measures, filtered and searched as on the list page",
                "parameters": FILTER_PARAMETERS,
                "responses": {
                    "200": {"description": "A page of measures", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["count", "next", "previous", "results"],
                        "properties": {
                            "count": {"type": "integer",
                                      "description": "Exact up to 1,000; beyond that 1,000 and count_is_exact false (next stays non-null while more pages exist)."},
                            "count_is_exact": {"type": "boolean"},
                            "order": {"type": "string", "description": "How the results are ordered."},
                            "next": {"type": ["string", "null"]},
                            "previous": {"type": ["string", "null"]},
                            "results": {"type": "array", "items": {"$ref": "#/components/schemas/Measure"}},
                        },
                    }}}},
                    "400": json_error("A parameter is invalid"),
                    "404": json_error("No such page"),
                },
            }
        },
        "/api/applies/": {
            "get": {
                "summary": "What applies to a place: nationwide measures, through reform areas and pilot regions, "
                           "and measures naming it",
                "parameters": [{"name": "place", "in": "query", "required": True,
                                "schema": {"type": "string", "minLength": 1, "maxLength": 50,
                                           # a character that is neither space nor control; no NUL
                                           "pattern": r"^[^\x00]*[^\s\x00-\x1f\x7f-\x9f][^\x00]*$"},
                                "description": "A place name in either script, with or without suffix, in pinyin, "
                                               "or its GB/T 2260 code."}],
                "responses": {
                    "200": {"description": "The place and what applies there", "content": {"application/json": {
                        "schema": {"type": "object", "required": ["place", "regions", "measures"], "properties": {
                            "place": {"$ref": "#/components/schemas/Place"},
                            "regions": {"type": "array", "items": {"$ref": "#/components/schemas/Region"}},
                            "groups": {"type": "array", "description": "Why measures apply, group by group, with "
                                       "each group's count (exact up to 1,000: count_is_exact says so); a group lists at "
                                       "most 200 measures here (listed) and its list_url shows them all.", "items": {"type": "object"}},
                            "measures": {"type": "array", "items": APPLIED_MEASURE},
                        }}}}},
                    "300": {"description": "The name fits several places", "content": {"application/json": {
                        "schema": {"type": "object", "required": ["candidates"], "properties": {
                            "error": {"type": "string"},
                            "candidates": {"type": "array", "items": {"$ref": "#/components/schemas/Place"}},
                        }}}}},
                    "400": json_error("No place given, or too long"),
                    "404": {"description": "No place of that name", "content": {"application/json": {
                        "schema": {"type": "object", "required": ["error"], "properties": {
                            "error": {"type": "string"},
                            "suggestions": {"type": "array", "items": {"$ref": "#/components/schemas/Place"}},
                        }}}}},
                },
            }
        },
    },
    "components": {"schemas": {"Measure": MEASURE, "Error": ERROR, "Place": PLACE, "Region": REGION}},
}


def build_schema():
    from measures.models import Category, Department, Document
    from pilots.models import Region

    schema = copy.deepcopy(SCHEMA)
    enums = {
        "document": list(Document.objects.values_list("slug", flat=True)),
        "category": list(Category.objects.values_list("slug", flat=True)),
        "department": list(Department.objects.values_list("slug", flat=True)),
        "region": list(Region.objects.values_list("slug", flat=True)),
    }
    for parameter in schema["paths"]["/api/measures/"]["get"]["parameters"]:
        if parameter["name"] in enums:
            target = parameter["schema"]["items"] if parameter["schema"]["type"] == "array" else parameter["schema"]
            target["enum"] = enums[parameter["name"]]
    return schema


def schema(request):
    return json_response(build_schema())
