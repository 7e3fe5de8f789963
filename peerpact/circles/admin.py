from __future__ import annotations

from django.contrib import admin

from peerpact.circles.models import Circle, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user", "invited_by")
    fields = ("user", "role", "status", "charter_accepted_at", "joined_at")


@admin.register(Circle)
class CircleAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "community",
        "purpose",
        "status",
        "visibility",
        "join_policy",
        "size_cap",
        "pilot_tag",
    )
    list_filter = ("status", "purpose", "visibility", "join_policy", "community")
    search_fields = ("name", "slug", "pilot_tag", "community__name")
    raw_id_fields = ("created_by",)
    list_select_related = ("community",)
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "circle", "role", "status", "joined_at", "charter_accepted_at")
    list_filter = ("status", "role", "circle__community")
    search_fields = ("user__email", "user__display_name", "circle__name")
    raw_id_fields = ("user", "circle", "invited_by")
    list_select_related = ("user", "circle")
