from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext_lazy as _, ngettext
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import MeasureLink, State

# Suggestions waiting for a decision come first, the most similar at the top; then the decided.
STATE_FIRST = Case(When(state=State.SUGGESTED, then=Value(0)), When(state=State.ACCEPTED, then=Value(1)),
                   default=Value(2), output_field=IntegerField())


@admin.register(MeasureLink)
class MeasureLinkAdmin(SimpleHistoryAdmin):
    list_display = ["source_title", "kind", "target_title", "state", "score", "basis", "decided_by"]
    list_display_links = ["source_title"]
    list_editable = ["kind"]
    list_filter = ["state", "kind"]
    list_select_related = ["source", "target", "decided_by"]
    search_fields = ["source__title", "target__title", "basis"]
    ordering = [STATE_FIRST.asc(), "-score", "pk"]
    autocomplete_fields = ["source", "target"]
    fields = ["source", "kind", "target", "basis", "basis_en", "state", "score", "shared_terms", "decided_by",
              "decided_at"]
    readonly_fields = ["state", "score", "shared_terms", "decided_by", "decided_at"]
    actions = ["accept_links", "reject_links"]

    @admin.display(description=_("来源举措"), ordering="source__title")
    def source_title(self, link):
        return link.source.title

    @admin.display(description=_("关联举措"), ordering="target__title")
    def target_title(self, link):
        return link.target.title

    def save_model(self, request, obj, form, change):
        # A link a curator adds is their decision: accepted, by them. Edits keep the state.
        if change:
            obj.save()
        else:
            services.create_link(obj, request.user)

    @admin.action(description=_("采纳所选关联"), permissions=["change"])
    def accept_links(self, request, queryset):
        accepted = 0
        for link in queryset.select_related("source", "target"):
            try:
                services.accept(link, request.user)
            except ValidationError as error:
                self.message_user(request, f"{link}: {'; '.join(error.messages)}", messages.ERROR)
            else:
                accepted += 1
        self.message_user(request, ngettext("已采纳 %(count)d 条关联。", "已采纳 %(count)d 条关联。", accepted)
                          % {"count": accepted}, messages.SUCCESS)

    @admin.action(description=_("驳回所选关联"), permissions=["change"])
    def reject_links(self, request, queryset):
        rejected = 0
        for link in queryset:
            services.reject(link, request.user)
            rejected += 1
        self.message_user(request, ngettext("已驳回 %(count)d 条关联。", "已驳回 %(count)d 条关联。", rejected)
                          % {"count": rejected}, messages.SUCCESS)
