"""Admin of circle formation. The private self-identification answers (`Application.identity`) are
excluded everywhere: no form field, no column, no search, not even loaded."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from peerpact.formation.models import Application, FormationRun, Intake, IntakeQuestion


class IntakeQuestionInline(admin.StackedInline):
    model = IntakeQuestion
    extra = 0
    fields = (
        "position",
        "kind",
        "prompt",
        "help_text",
        "options",
        "protected_options",
        ("scale_min", "scale_max", "scale_min_label", "scale_max_label"),
        ("weight", "direction", "required"),
    )


@admin.register(Intake)
class IntakeAdmin(admin.ModelAdmin):
    list_display = ("title", "community", "cohort", "status", "closes_at", "created_at")
    list_filter = ("status",)
    search_fields = ("title", "community__name")
    raw_id_fields = ("community", "cohort", "created_by")
    readonly_fields = ("token", "opened_at", "closed_at", "applied_at", "proposal_version")
    exclude = ("proposal",)  # edited on the proposal page, under a version check
    inlines = [IntakeQuestionInline]
    list_select_related = ("community", "cohort")


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    fields = (
        "intake",
        "user",
        "timezone",
        "availability",
        "languages",
        "stage",
        "intentions",
        "skills_have",
        "skills_want",
        "preferred_size",
        "answers",
        "with_emails",
        "not_with_emails",
        "note",
        "withdrawn_at",
    )
    exclude = ("identity",)
    list_display = ("user", "intake", "timezone", "stage", "updated_at", "withdrawn_at")
    list_filter = ("intake__status",)
    search_fields = ("user__email", "user__display_name", "intake__title")
    raw_id_fields = ("intake", "user")
    list_select_related = ("user", "intake")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Application]:
        return super().get_queryset(request).defer("identity")


@admin.register(FormationRun)
class FormationRunAdmin(admin.ModelAdmin):
    """Runs are the worker's: inspect them, don't edit them."""

    list_display = ("intake", "status", "progress", "requested_at", "finished_at", "attempts")
    list_filter = ("status",)
    raw_id_fields = ("intake", "requested_by")
    fields = (
        "intake",
        "status",
        "progress",
        "seed",
        "requested_by",
        "requested_at",
        "started_at",
        "heartbeat_at",
        "finished_at",
        "attempts",
        "error",
    )
    readonly_fields = fields
    list_select_related = ("intake",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
