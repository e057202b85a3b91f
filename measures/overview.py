"""Counts behind the overview charts (catalogue.templatetags.charts): one query per chart, each
bar linking to the measure list filtered to exactly what it counts, so the bar and the list agree."""
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from catalogue.charts import Bar
from pilots.models import Region

from .models import Category, Department, Measure, Scope


def list_url(**params):
    return reverse("measures:list") + "?" + urlencode(params)


def by_department():
    departments = Department.objects.annotate(n=Count("measures")).filter(n__gt=0).order_by("-n", "position")
    return [Bar(d.name, d.n, list_url(department=d.slug)) for d in departments]


def by_category():
    categories = Category.objects.select_related("document").annotate(n=Count("measures"))
    return [Bar(f"{c.numeral}、{c.name}", c.n, list_url(category=c.slug)) for c in categories]


def _count_of(measures, key, outer):
    counted = measures.filter(**{key: OuterRef(outer)}).order_by().values(key).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def by_region():
    """Measures that apply to each pilot region as the list's region filter reads it: its own
    tasks and the measures rolled out across its programme's areas."""
    regions = Region.objects.select_related("programme").annotate(
        own=_count_of(Measure.objects.filter(scope=Scope.REGION), "region", "pk"),
        programme_wide=_count_of(Measure.objects.filter(scope=Scope.PROGRAMME), "scope_programme", "programme_id"),
    )
    return [Bar(r.name, r.own + r.programme_wide, list_url(region=r.slug)) for r in regions]


def department_by_category(department):
    """A department's measures by category (by document for those without one)."""
    rows = (department.measures.order_by("document__position", "category__ordinal")
            .values("document__slug", "document__title", "category__slug", "category__numeral", "category__name")
            .annotate(n=Count("pk")))
    bars = []
    for row in rows:
        if row["category__slug"]:
            label = f"{row['category__numeral']}、{row['category__name']}"
            bars.append(Bar(label, row["n"], list_url(department=department.slug, category=row["category__slug"])))
        else:
            bars.append(Bar(row["document__title"], row["n"],
                            list_url(department=department.slug, document=row["document__slug"])))
    return bars


def department_by_scope(department):
    counts = dict(department.measures.order_by().values_list("scope").annotate(n=Count("pk")))
    return [Bar(_(label), counts[scope], list_url(department=department.slug, scope=scope))
            for scope, label in Scope.choices if counts.get(scope)]


def region_by_kind(region):
    """A region's own tasks and the measures rolled out across its programme's areas."""
    counts = Measure.objects.aggregate(
        own=Count("pk", filter=Q(scope=Scope.REGION, region=region)),
        programme_wide=Count("pk", filter=Q(scope=Scope.PROGRAMME, scope_programme=region.programme_id)),
    )
    return [
        Bar(_("本地区的任务"), counts["own"], list_url(region=region.slug, scope=Scope.REGION)),
        Bar(_("在%(programme)s区域推广的举措") % {"programme": region.programme.name}, counts["programme_wide"],
            list_url(region=region.slug, scope=Scope.PROGRAMME)),
    ]
