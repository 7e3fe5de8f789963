"""Admin for pulses and re-engagement cases.

Pulse answers are shown (scores and open text, for moderation and support) but never with the person
who gave them: `membership` is excluded from the list, the change form, search and filters, and the
list is ordered by pulse and then by score — not by id or time — so the order cannot be matched to who
answered when. Answers are read-only here: nobody edits someone else's pulse.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from peerpact.engagement.models import LadderScan, Pulse, PulseAnswer, ReengagementCase


@admin.register(Pulse)
class PulseAdmin(admin.ModelAdmin):
    list_display = ("circle", "cycle", "opens_at", "closes_at")
    list_filter = ("circle__community",)
    search_fields = ("circle__name",)
    raw_id_fields = ("circle", "cycle")
    list_select_related = ("circle", "cycle")


@admin.register(PulseAnswer)
class PulseAnswerAdmin(admin.ModelAdmin):
    list_display = ("pulse", "safe", "checkins", "feedback", "rhythm", "open_answer")
    fields = ("pulse", "safe", "checkins", "feedback", "rhythm", "open_answer")
    readonly_fields = fields
    list_filter = ("pulse__circle__community",)
    ordering = ("pulse", "safe", "checkins", "feedback", "rhythm", "open_answer")
    list_select_related = ("pulse__circle", "pulse__cycle")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReengagementCase)
class ReengagementCaseAdmin(admin.ModelAdmin):
    list_display = ("membership", "step", "step_at", "created_at", "resolved_at", "resolution")
    list_filter = ("step", "resolution")
    raw_id_fields = ("membership", "started_cycle", "peer")
    list_select_related = ("membership__user", "membership__circle")


@admin.register(LadderScan)
class LadderScanAdmin(admin.ModelAdmin):
    list_display = ("cycle", "scanned_at")
    raw_id_fields = ("cycle",)
