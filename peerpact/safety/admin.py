from __future__ import annotations

from typing import Any

from django.contrib import admin

from peerpact.safety.models import Block, Concern, ConcernEvent, ModerationAction, Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("kind", "object_id", "community", "circle", "reason", "state", "created_at")
    list_filter = ("state", "reason", "kind")
    raw_id_fields = ("circle", "community", "reporter", "handled_by")
    list_select_related = ("community", "circle")


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    """The audit trail is append-only: readable here, never changed or deleted."""

    list_display = ("at", "action", "kind", "object_id", "community", "actor")
    list_filter = ("action", "kind")
    list_select_related = ("community", "actor")

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class ConcernEventInline(admin.TabularInline):
    model = ConcernEvent
    extra = 0
    raw_id_fields = ("author",)


@admin.register(Concern)
class ConcernAdmin(admin.ModelAdmin):
    list_display = ("subject", "circle", "addressed_to", "state", "updated_at")
    list_filter = ("state", "addressed_to")
    raw_id_fields = ("circle", "raised_by")
    inlines = [ConcernEventInline]


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ("blocker", "blocked", "created_at")
    raw_id_fields = ("blocker", "blocked")
