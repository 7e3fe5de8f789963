from __future__ import annotations

from django.contrib import admin

from peerpact.roles.models import CircleRole, CycleSummary, RoleAssignment, SwapRequest


@admin.register(CircleRole)
class CircleRoleAdmin(admin.ModelAdmin):
    list_display = ("name", "circle", "kind", "position", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "circle__name")
    raw_id_fields = ("circle",)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("role", "cycle", "membership", "assigned_at", "swapped_from", "notified_at")
    raw_id_fields = ("role", "cycle", "membership", "swapped_from")
    list_select_related = ("role", "cycle__circle", "membership__user")


@admin.register(SwapRequest)
class SwapRequestAdmin(admin.ModelAdmin):
    list_display = ("assignment", "requested_by", "offered_to", "state", "created_at", "decided_at")
    list_filter = ("state",)
    raw_id_fields = ("assignment", "requested_by", "offered_to", "created_by")


@admin.register(CycleSummary)
class CycleSummaryAdmin(admin.ModelAdmin):
    list_display = ("cycle", "author", "published_at", "updated_at")
    raw_id_fields = ("cycle", "author")
