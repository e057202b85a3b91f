"""One FilterSet for the measure list page and the JSON API: every filter state lives in the URL."""
import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from pilots.models import Region

from .models import Category, Department, Document, Measure, Scope


class MeasureFilterSet(django_filters.FilterSet):
    document = django_filters.ModelChoiceFilter(
        queryset=Document.objects.all(), to_field_name="slug", label=_("文件"),
        error_messages={"invalid_choice": _("没有这个文件：%(value)s")},
    )
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.select_related("document"), to_field_name="slug", label=_("类别"),
        error_messages={"invalid_choice": _("没有这个类别：%(value)s")},
    )
    department = django_filters.ModelMultipleChoiceFilter(
        queryset=Department.objects.all(), to_field_name="slug", field_name="departments__slug",
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

    class Meta:
        model = Measure
        fields = ["document", "category", "department", "scope", "region"]

    def filter_region(self, queryset, name, region):
        return queryset.for_regions([region])

    def filter_queryset(self, queryset):
        # Several departments match any of them; the join can repeat a measure.
        queryset = super().filter_queryset(queryset)
        if len(self.form.cleaned_data.get("department") or []) > 1:
            queryset = queryset.distinct()
        return queryset

    def error_message(self):
        """The form's errors as one sentence for the user."""
        parts = []
        for field, errors in self.errors.items():
            label = self.filters[field].label if field in self.filters else field
            parts.append(f"{label}：{'；'.join(errors)}")
        return "；".join(parts)
