"""One FilterSet for the measure list page and the JSON API: every filter state lives in the URL."""
import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from catalogue.search import QueryError, backend_for
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


class ChoicesField(forms.MultipleChoiceField):
    """Several choices; empty values (the form's "all" option) are no choice rather than an error."""

    def clean(self, value):
        if isinstance(value, (list, tuple)):
            value = [v for v in value if v not in ("", None)]
        return super().clean(value)


class ChoicesFilter(django_filters.MultipleChoiceFilter):
    field_class = ChoicesField


SORTS = {"relevance": _("相关度"), "source": _("来源顺序"), "newest": _("文件（最新在前）")}


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
    department = SlugsFilter(
        queryset=Department.objects.all(), to_field_name="slug", method="filter_departments",
        label=_("指导部门"), widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("没有这个指导部门：%(value)s"), "invalid_list": _("指导部门参数无效")},
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
        fields = ["q", "document", "category", "department", "scope", "region", "status", "sort"]

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
        if not departments:  # django-filter passes an empty queryset through a method filter
            return queryset
        if self.form.cleaned_data.get("q"):
            # With a search, through the department tags in the index: the search and the
            # departments are intersected in one index scan.
            tags = backend_for(Measure).tagged(search.DEPARTMENT_TAG, [d.pk for d in departments])
            return queryset.filter(tags)
        # Alone, through the links (a walk in source order stops at a page's worth); any of them,
        # and a subquery rather than a join, so no measure is listed twice.
        links = Measure.departments.through.objects.filter(department__in=departments)
        return queryset.filter(pk__in=links.values("measure_id"))

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
