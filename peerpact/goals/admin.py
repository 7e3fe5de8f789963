from __future__ import annotations

from django.contrib import admin

from peerpact.goals.models import Commitment, Goal, GoalProgress, Milestone


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ("title", "membership", "direction", "target", "unit", "status", "visibility", "due_on")
    list_filter = ("status", "direction", "visibility")
    search_fields = ("title", "membership__user__email", "membership__circle__name")
    raw_id_fields = ("membership",)
    inlines = [MilestoneInline]
    list_select_related = ("membership__user", "membership__circle")


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin):
    list_display = ("text", "membership", "cycle", "status", "goal")
    list_filter = ("status",)
    search_fields = ("text", "membership__user__email")
    raw_id_fields = ("membership", "cycle", "goal", "carried_from")
    list_select_related = ("membership__user", "cycle__circle")


@admin.register(GoalProgress)
class GoalProgressAdmin(admin.ModelAdmin):
    list_display = ("goal", "cycle", "value", "recorded_at")
    raw_id_fields = ("goal", "cycle")
