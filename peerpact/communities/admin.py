from __future__ import annotations

from django.contrib import admin

from peerpact.communities.models import Community, CommunityInvitation, CommunityMembership


class CommunityMembershipInline(admin.TabularInline):
    model = CommunityMembership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "members_can_create_circles", "created_at")
    search_fields = ("name", "slug")
    list_filter = ("members_can_create_circles",)
    prepopulated_fields = {"slug": ("name",)}
    inlines = [CommunityMembershipInline]


@admin.register(CommunityMembership)
class CommunityMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "community", "role", "joined_at")
    list_filter = ("role", "community")
    search_fields = ("user__email", "user__display_name", "community__name")
    raw_id_fields = ("user",)
    list_select_related = ("user", "community")


@admin.register(CommunityInvitation)
class CommunityInvitationAdmin(admin.ModelAdmin):
    list_display = (
        "community",
        "kind",
        "email",
        "role",
        "circle",
        "use_count",
        "max_uses",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("kind", "role", "community")
    search_fields = ("email", "community__name")
    raw_id_fields = ("created_by", "circle")
    readonly_fields = ("token", "use_count", "created_at")
    list_select_related = ("community", "circle")
