from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from peerpact.notifications import outbox
from peerpact.notifications.models import ChatTarget, Message, MessageState, WorkerHeartbeat


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("kind", "recipient", "channel", "state", "due_at", "attempts", "sent_at", "short_error")
    list_filter = ("state", "channel", "kind")
    search_fields = ("recipient__email", "kind", "dedupe_key")
    raw_id_fields = ("recipient",)
    readonly_fields = (
        "dedupe_key",
        "claimed_by",
        "lease_until",
        "attempts",
        "sent_at",
        "created_at",
        "last_error",
    )
    list_select_related = ("recipient",)
    actions = ["retry"]

    @admin.display(description=_("last error"))
    def short_error(self, obj: Message) -> str:
        return obj.last_error[:80]

    @admin.action(description=_("Retry the selected failed messages"))
    def retry(self, request: Any, queryset: Any) -> None:
        failed = queryset.filter(state=MessageState.FAILED)
        now = timezone.now()
        count = 0
        for message in failed:
            outbox.message_retry(message=message, now=now)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d message will be retried.", "%(count)d messages will be retried.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "started_at", "seen_at", "processed")
    readonly_fields = ("name", "started_at", "seen_at", "processed")


@admin.register(ChatTarget)
class ChatTargetAdmin(admin.ModelAdmin):
    """Operators see where chat goes and how it went, never the URL itself: it holds the owner's keys."""

    list_display = ("__str__", "owner", "scope", "scope_id", "masked_url", "is_active", "last_success_at")
    list_filter = ("is_active", "scope")
    search_fields = ("label", "owner__email")
    raw_id_fields = ("owner",)
    list_select_related = ("owner",)
    fields = (
        "label",
        "masked_url",
        "owner",
        "scope",
        "scope_id",
        "is_active",
        "last_error",
        "last_success_at",
    )
    readonly_fields = ("masked_url", "owner", "scope", "scope_id", "last_error", "last_success_at")

    def has_add_permission(self, request: Any) -> bool:
        return False  # added by their owners (or a group's managers), through the checks of chat_target_add
