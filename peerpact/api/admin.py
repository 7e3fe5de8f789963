from __future__ import annotations

from django.contrib import admin

from peerpact.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "user",
        "prefix",
        "scope",
        "community",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("scope",)
    search_fields = ("name", "prefix", "user__email")
    raw_id_fields = ("user", "community")
    readonly_fields = ("prefix", "secret_hash", "created_at", "last_used_at")
    list_select_related = ("user", "community")
