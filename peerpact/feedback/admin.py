"""Operator views of feedback data. The admin shows authors of anonymous feedback: it is for staff."""

from __future__ import annotations

from django.contrib import admin

from peerpact.feedback.models import Comment, Feedback, HelpOffer, HelpResolution, Kudos, PeerActivity


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("pk", "checkin", "author", "created_at", "edited_at", "moderation_state")
    list_filter = ("moderation_state",)
    search_fields = ("body", "author__email")
    raw_id_fields = ("checkin", "author")


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ("pk", "checkin", "author", "anonymous", "helpful_at", "created_at", "moderation_state")
    list_filter = ("anonymous", "moderation_state")
    search_fields = ("worked", "suggestion", "question", "author__email")
    raw_id_fields = ("checkin", "author")


@admin.register(Kudos)
class KudosAdmin(admin.ModelAdmin):
    list_display = ("pk", "circle", "author", "target_kind", "target_id", "reaction", "created_at")
    list_filter = ("target_kind", "reaction")
    raw_id_fields = ("circle", "author")


@admin.register(HelpOffer)
class HelpOfferAdmin(admin.ModelAdmin):
    list_display = ("pk", "checkin", "helper", "created_at")
    raw_id_fields = ("checkin", "helper")


@admin.register(HelpResolution)
class HelpResolutionAdmin(admin.ModelAdmin):
    list_display = ("pk", "checkin", "resolved_by", "resolved_at")
    raw_id_fields = ("checkin", "resolved_by")


@admin.register(PeerActivity)
class PeerActivityAdmin(admin.ModelAdmin):
    list_display = ("pk", "recipient", "kind", "anonymous", "created_at", "batch_key", "sent_at")
    list_filter = ("kind", "anonymous")
    raw_id_fields = ("recipient", "actor", "circle")
