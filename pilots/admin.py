from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import GazetteerSource, Membership, Place, Programme, Region


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["place"]


class RegionInline(admin.TabularInline):
    model = Region
    extra = 0
    fields = ["name", "slug", "composition", "to_confirm", "position"]


@admin.register(Programme)
class ProgrammeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "position"]
    inlines = [RegionInline]


@admin.register(Region)
class RegionAdmin(SimpleHistoryAdmin):
    list_display = ["name", "programme", "composition", "to_confirm"]
    list_filter = ["programme", "to_confirm"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["region", "place", "kind", "to_confirm"]
    list_filter = ["region", "kind", "to_confirm"]
    raw_id_fields = ["place"]
    list_select_related = ["region", "place"]


@admin.register(Place)
class PlaceAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "short_name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name", "short_name", "pinyin"]
    raw_id_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(GazetteerSource)
class GazetteerSourceAdmin(SimpleHistoryAdmin):
    list_display = ["package", "version", "rows", "license"]
