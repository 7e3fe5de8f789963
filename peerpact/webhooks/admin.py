from __future__ import annotations

from django.contrib import admin

from peerpact.webhooks.models import Delivery, DeliveryAttempt, Endpoint


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ("url", "community", "is_active", "consecutive_failures", "last_success_at")
    list_filter = ("is_active",)
    search_fields = ("url", "description", "community__name")
    exclude = ("secret", "previous_secret")  # organizers reveal secrets on their page, on purpose
    readonly_fields = (
        "disabled_at",
        "disabled_reason",
        "consecutive_failures",
        "failing_since",
        "last_success_at",
    )


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("attempted_at", "status_code", "error", "response_excerpt", "duration_ms")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("event_type", "endpoint", "state", "attempts", "next_attempt_at", "last_status_code")
    list_filter = ("state", "event_type")
    readonly_fields = ("event_id", "payload", "occurred_at", "claimed_by")
    inlines = [AttemptInline]
