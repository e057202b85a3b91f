"""One FilterSet for the measure list page and the JSON API: every filter state lives in the URL."""
import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from catalogue.search import QueryError, backend_for, tag
from catalogue.search.query import Word, all_of, any_of
from pilots.models import Region

from . import search
from .models import Category, Department, Document, Measure, Scope
from .validity import Status


class SearchQueryField(forms.CharField):
    """Cleans to a parsed query (or None when blank); a query we will not run is a form error."""

    def __init__(self, **kwargs):
        kwargs.setdefault("strip", True)
        super().__init__(**kwargs)

    def to_python(self, value):
        # Control characters (NUL included) can carry no meaning in a search: drop them.
        value = super().to_python(value)
        return "".join(ch for ch in value if ch.isprintable() or ch in " \u3000")

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return search.parse_query(value)
        except QueryError as exc:
            raise forms.ValidationError(str(exc), code="query") from exc


class SearchFilter(django_filters.CharFilter):
    field_class = SearchQueryField


class SlugsField(forms.ModelMultipleChoiceField):
    """Several slugs; empty values (an emptied form field) are no choice rather than an error."""

    def clean(self, value):
        if isinstance(value, (list, tuple)):
            value = [v for v in value if v not in ("", None)]
        return super().clean(value)


class SlugsFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = SlugsField


class DepartmentsField(SlugsField):
    """Departments by slug, each with the bodies it took over from (``Department.successor``):
    choosing 国家金融监督管理总局 finds what 中国银保监会 guided. Every department is read in one
    query (a table of guiding bodies: tens of rows), so the lineage costs nothing more."""

    def clean(self, value):
        if value in self.empty_values:
            return []
        if not isinstance(value, (list, tuple)):
            raise forms.ValidationError(self.error_messages["invalid_list"], code="invalid_list")
        slugs = list(dict.fromkeys(str(v) for v in value if v not in ("", None)))
        if not slugs:
            return []
        everyone = list(self.queryset)
        by_slug = {d.slug: d for d in everyone}
        for slug in slugs:
            if slug not in by_slug:
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                            params={"value": slug})
        lineage = lineages(everyone)
        chosen = [by_slug[slug] for slug in slugs]
        for department in chosen:
            department.predecessor_list = lineage.get(department.pk, [])
            department.predecessor_names = "、".join(p.name for p in department.predecessor_list)
            department.lineage_pks = {department.pk, *(p.pk for p in department.predecessor_list)}
        return chosen


def lineages(departments):
    """For each of ``departments`` that took over from others (``Department.successor``): its pk →
    the bodies it took over from, directly or through another, nearest first."""
    predecessors = {}
    for department in departments:
        if department.successor_id:
            predecessors.setdefault(department.successor_id, []).append(department)
    found = {}
    for department in departments:
        if department.pk not in predecessors:
            continue
        bodies, queue = [], list(predecessors[department.pk])
        while queue:
            body = queue.pop(0)
            if body.pk != department.pk and body not in bodies:
                bodies.append(body)
                queue += predecessors.get(body.pk, [])
        found[department.pk] = bodies
    return found


class DepartmentsFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = DepartmentsField


class ChoicesField(forms.MultipleChoiceField):
    """Several choices; empty values (the form's "all" option) are no choice rather than an error."""

    def clean(self, value):
        if isinstance(value, (list, tuple)):
            value = [v for v in value if v not in ("", None)]
        return super().clean(value)


class ChoicesFilter(django_filters.MultipleChoiceFilter):
    field_class = ChoicesField


SORTS = {"relevance": _("相关度"), "source": _("来源顺序"), "newest": _("文件（最新在前）")}
# Several departments: a measure guided by any of them (the default), or by all of them.
DEPARTMENT_MATCHES = {"any": _("任一部门指导"), "all": _("所选部门共同指导")}


class MeasureFilterSet(django_filters.FilterSet):
    q = SearchFilter(method="filter_search", label=_("搜索"))
    # Ordering is applied after the search ranks (see views.filtered_measures); declared here so
    # that a bad value is reported like any other filter's.
    sort = django_filters.ChoiceFilter(
        choices=list(SORTS.items()), method="keep", label=_("排序"),
        error_messages={"invalid_choice": _("没有这种排序：%(value)s")},
    )
    document = django_filters.ModelChoiceFilter(
        queryset=Document.objects.all(), to_field_name="slug", label=_("文件"),
        error_messages={"invalid_choice": _("没有这个文件：%(value)s")},
    )
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.select_related("document"), to_field_name="slug", label=_("类别"),
        error_messages={"invalid_choice": _("没有这个类别：%(value)s")},
    )
    department = DepartmentsFilter(
        queryset=Department.objects.all(), to_field_name="slug", method="filter_departments",
        label=_("指导部门"), widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("没有这个指导部门：%(value)s"), "invalid_list": _("指导部门参数无效")},
    )
    # Read by filter_departments; declared so that a bad value is reported like any other filter's.
    department_match = django_filters.ChoiceFilter(
        choices=list(DEPARTMENT_MATCHES.items()), method="keep", label=_("部门匹配"),
        error_messages={"invalid_choice": _("没有这种部门匹配方式：%(value)s（可用 any：任一部门；all：全部部门）")},
    )
    scope = django_filters.ChoiceFilter(
        choices=Scope.choices, label=_("推广范围"),
        error_messages={"invalid_choice": _("没有这种推广范围：%(value)s")},
    )
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.select_related("programme"), to_field_name="slug", label=_("试点地区"),
        method="filter_region", error_messages={"invalid_choice": _("没有这个试点地区：%(value)s")},
    )
    # Whether the measure's document is in force today (measures.validity); several = any.
    status = ChoicesFilter(
        choices=Status.choices, method="filter_status", label=_("效力"), widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("没有这种效力状态：%(value)s"), "invalid_list": _("效力参数无效")},
    )

    class Meta:
        model = Measure
        fields = ["q", "document", "category", "department", "department_match", "scope", "region", "status", "sort"]

    def keep(self, queryset, name, value):
        return queryset

    def filter_search(self, queryset, name, parsed):
        return search.matching(queryset, parsed)

    def filter_region(self, queryset, name, region):
        return queryset.for_regions([region])

    def filter_status(self, queryset, name, codes):
        if not codes:
            return queryset
        return queryset.with_status(codes)

    def filter_departments(self, queryset, name, departments):
        if not departments:
            return queryset
        # Each chosen department stands for itself and the bodies it took over from.
        groups = [d.lineage_pks for d in departments]
        every = self.form.cleaned_data.get("department_match") == "all"
        if self.form.cleaned_data.get("q"):
            # With a search, through the department tags in the index: the search and the
            # departments are intersected in one index scan.
            backend = backend_for(Measure)
            if every:
                tags = [any_of([Word(tag(search.DEPARTMENT_TAG, pk)) for pk in sorted(g)]) for g in groups]
                return queryset.filter(backend.index_match(all_of(tags)))
            return queryset.filter(backend.tagged(search.DEPARTMENT_TAG, sorted(set().union(*groups))))
        # Alone, through the links (a walk in source order stops at a page's worth); a subquery
        # rather than a join, so no measure is listed twice; all of them: one subquery each.
        links = Measure.departments.through.objects
        if every:
            for group in groups:
                queryset = queryset.filter(pk__in=links.filter(department__in=group).values("measure_id"))
            return queryset
        return queryset.filter(pk__in=links.filter(department__in=set().union(*groups)).values("measure_id"))

    @property
    def search_query(self):
        """The parsed ``q``, once the form is valid (None when there is no search)."""
        return self.form.cleaned_data.get("q") if self.is_valid() else None

    def error_message(self):
        """The form's errors as one sentence for the user."""
        parts = []
        for field, errors in self.errors.items():
            label = self.filters[field].label if field in self.filters else field
            parts.append(_("%(field)s：%(errors)s") % {"field": label, "errors": "；".join(errors)})
        return "；".join(parts)
