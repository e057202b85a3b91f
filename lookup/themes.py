"""A theme across a programme's pilot regions: which tasks of each region speak of it, with the
figures they state (不低于70%, 50%以上) pulled out as written, so that regions can be read side by side.

Tasks are found by the catalogue's own search (either script, any segmentation), then kept only
when their own title or text holds the words: a task found through its region's name alone (合肥
finds every task of 合肥都市圈) says nothing about the theme.
"""
import re
from dataclasses import dataclass, field

from django import forms
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from catalogue.search import backend_for
from catalogue.shortcuts import Invalid, NotFound
from measures import search
from measures.filters import SearchQueryField
from measures.models import Measure
from pilots.models import Programme

THEME_LISTED = 20  # tasks shown per region; a link lists the rest

# A figure a task states: a comparator, a number, a unit ("不低于70%", "最高500万元"), or a number
# and unit with 以上/以下 after it ("50%以上"). Both scripts (不低於, 萬元). Chinese numerals count
# too (不少于三年); 万 is both a numeral and the start of 万元, and the pattern backtracks to give
# the unit its 万.
_NUMBER = r"(?:[0-9０-９]+(?:[.．][0-9０-９]+)?|[零〇一二两兩三四五六七八九十百千万萬亿億]+)"
_UNIT = r"(?:%|％|万元|萬元|亿元|億元|年|个|個|项|項)"
_COMPARATOR = r"(?:不低[于於]|不少[于於]|不超[过過]|最高|至少)"
_AFTER = r"(?:以上|以下)"
FIGURE_RE = re.compile(rf"{_COMPARATOR}\s*{_NUMBER}\s*{_UNIT}{_AFTER}?|{_NUMBER}\s*{_UNIT}{_AFTER}")


def figures(*texts):
    """The figures stated in ``texts``, each exactly as written, once, in order."""
    return list(dict.fromkeys(match.group(0) for text in texts if text for match in FIGURE_RE.finditer(text)))


def parse_theme(text):
    """The parsed query of a theme, or Invalid (400) with a message: a theme needs words."""
    try:
        parsed = SearchQueryField(required=False).clean(text or "")
    except forms.ValidationError as exc:
        raise Invalid("；".join(exc.messages)) from None
    if parsed is None or not parsed.terms:
        raise Invalid(_("请输入要比较的主题词（不能只有标点或排除词），例如“职务科技成果所有权”。"))
    return parsed


def default_programme():
    """The programme of the latest dated document that establishes one (the 2025 approval's
    要素市场化配置综合改革试点), else the first programme."""
    latest = (Programme.objects.filter(documents__date__isnull=False)
              .order_by("-documents__date", "position").first())
    return latest or Programme.objects.first()


SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,50}")


def find_programme(slug):
    """The programme ``slug`` names (the default one when it is blank), or NotFound (404)."""
    if not slug:
        programme = default_programme()
    else:
        # Anything that cannot be a slug (a NUL, a page of text) is simply not one, unread.
        programme = Programme.objects.filter(slug=slug).first() if SLUG_RE.fullmatch(slug) else None
    if programme is None:
        raise NotFound(_("没有这个试点项目。"))
    return programme


@dataclass
class Task:
    key: int
    figures: list
    measure: object = None  # the model instance, with highlights, when loaded for a page


@dataclass
class Row:
    region: object
    tasks: list = field(default_factory=list)  # the first THEME_LISTED
    count: int = 0                             # every matching task of the region
    list_url: str = ""

    @property
    def complete(self):
        return self.count <= len(self.tasks)


def theme_matrix(programme, parsed, listed=THEME_LISTED, *, load=False):
    """A row per region of ``programme`` (every one, in order, matching tasks or not), each with
    its tasks matching ``parsed`` in source order and the figures they state. ``load`` also
    reads the listed tasks as model instances, their whole text marked."""
    regions = list(programme.regions.all())
    rows = {region.pk: Row(region, list_url=reverse("measures:list") + "?" + urlencode(
        {"q": parsed.text, "region": region.slug, "scope": "region"})) for region in regions}
    candidates = search.matching(Measure.objects.filter(region__in=regions), parsed).in_source_order()
    for pk, region_id, title, text in candidates.values_list("pk", "region_id", "title", "text"):
        if search.needs_names(parsed, title, text):
            continue  # found only through a name (its region's, a department's)
        row = rows[region_id]
        row.count += 1
        if len(row.tasks) < listed:
            row.tasks.append(Task(pk, figures(title, text)))
    if load:
        keys = [task.key for row in rows.values() for task in row.tasks]
        loaded = {m.pk: m for m in backend_for(Measure).by_keys(Measure.objects.with_related(), keys)}
        for row in rows.values():
            row.tasks = [task for task in row.tasks if task.key in loaded]  # (unless deleted meanwhile)
            for task in row.tasks:
                task.measure = loaded[task.key]
                task.measure.title_highlight, task.measure.highlight = search.highlighted(
                    task.measure.title, task.measure.text, parsed, whole_text=True)
    return list(rows.values())
