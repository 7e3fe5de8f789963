from __future__ import annotations

from django.contrib import admin

from peerpact.checkins.models import Blackout, CalendarFeed, Checkin, Cycle, Pause, Rhythm


@admin.register(Rhythm)
class RhythmAdmin(admin.ModelAdmin):
    list_display = (
        "circle",
        "preset",
        "deadline_rule",
        "deadline_time",
        "grace_hours",
        "review_rule",
        "updated_at",
    )
    list_filter = ("preset",)
    search_fields = ("circle__name",)
    raw_id_fields = ("circle", "updated_by")


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ("circle", "index", "opens_at", "deadline_at", "grace_until", "closes_at")
    list_filter = ("circle__community",)
    search_fields = ("circle__name",)
    raw_id_fields = ("circle",)
    list_select_related = ("circle",)


@admin.register(Checkin)
class CheckinAdmin(admin.ModelAdmin):
    list_display = ("membership", "cycle", "submitted_at", "confidence", "visibility", "version")
    list_filter = ("visibility", "confidence")
    search_fields = ("membership__user__email", "membership__circle__name")
    raw_id_fields = ("membership", "cycle")
    list_select_related = ("membership__user", "cycle__circle")


@admin.register(Blackout)
class BlackoutAdmin(admin.ModelAdmin):
    list_display = ("circle", "starts_on", "ends_on", "reason")
    search_fields = ("circle__name", "reason")
    raw_id_fields = ("circle",)


@admin.register(Pause)
class PauseAdmin(admin.ModelAdmin):
    list_display = ("membership", "starts_on", "ends_on", "resumed_at")
    search_fields = ("membership__user__email",)
    raw_id_fields = ("membership", "created_by")


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ("user", "circle", "created_at")
    search_fields = ("user__email",)
    raw_id_fields = ("user", "circle")
    readonly_fields = ("token",)
