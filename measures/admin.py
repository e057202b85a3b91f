from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Category, Department, Document, Measure, Provision


class ProvisionInline(admin.TabularInline):
    model = Provision
    extra = 0


@admin.register(Document)
class DocumentAdmin(SimpleHistoryAdmin):
    list_display = ["title", "number", "issuer", "date", "script"]
    inlines = [ProvisionInline]


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
