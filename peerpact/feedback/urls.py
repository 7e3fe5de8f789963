from __future__ import annotations

from django.urls import path

from peerpact.feedback import views

app_name = "feedback"

# Mounted under /c/<community>/circles/<circle>/feedback/
urlpatterns = [
    path("checkins/<int:checkin_id>/comments/", views.comment_add, name="comment-add"),
    path("comments/<int:comment_id>/edit/", views.comment_edit, name="comment-edit"),
    path("checkins/<int:checkin_id>/feedback/", views.feedback_give, name="feedback-give"),
    path("given/<int:feedback_id>/helpful/", views.feedback_helpful, name="feedback-helpful"),
    path("kudos/<str:kind>/<int:target_id>/", views.kudos_toggle, name="kudos-toggle"),
    path("checkins/<int:checkin_id>/help/", views.help_offer, name="help-offer"),
    path("checkins/<int:checkin_id>/resolve/", views.help_resolve, name="help-resolve"),
    path("help/", views.help_page, name="help"),
    path("wins/", views.wins, name="wins"),
]
