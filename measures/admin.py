from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import Category, Department, Document, Measure, Provision


class ProvisionInline(admin.TabularInline):
    model = Provision
    extra = 0


@admin.register(Document)
class DocumentAdmin(SimpleHistoryAdmin):
    list_display = ["title", "number", "issuer", "date", "script", "status"]
    list_select_related = ["superseded_by"]
    # The last day in force is read from the term and the date on save (measures.validity).
    readonly_fields = ["expires_on", "status", "status_basis"]
    autocomplete_fields = ["superseded_by"]
    search_fields = ["title", "number"]
    inlines = [ProvisionInline]

    @admin.display(description=_("效力"))
    def status(self, document):
        return document.validity.label

    @admin.display(description=_("效力依据"))
    def status_basis(self, document):
        return document.validity.basis


@admin.register(Category)
class CategoryAdmin(SimpleHistoryAdmin):
    list_display = ["heading", "document", "declared_count", "first_number"]
    list_filter = ["document"]


@admin.register(Department)
class DepartmentAdmin(SimpleHistoryAdmin):
    list_display = ["name", "full_name", "aliases", "successor"]
    search_fields = ["name", "full_name"]


@admin.register(Measure)
class MeasureAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "number", "document", "category", "region", "scope"]
    list_filter = ["document", "category", "scope", "region", "departments"]
    search_fields = ["title", "text"]
    filter_horizontal = ["departments"]
    list_select_related = ["document", "category", "region"]


@admin.register(Provision)
class ProvisionAdmin(SimpleHistoryAdmin):
    list_display = ["document", "number", "__str__"]
