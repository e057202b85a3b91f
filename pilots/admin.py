from django.contrib import admin

from .models import Programme, Region


class RegionInline(admin.TabularInline):
    model = Region
    extra = 0
    fields = ["name", "slug", "composition", "to_confirm", "position"]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "document"]
    inlines = [RegionInline]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "programme", "composition", "to_confirm"]
    list_filter = ["programme", "to_confirm"]
