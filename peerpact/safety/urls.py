from __future__ import annotations

from django.urls import path

from peerpact.safety import views

app_name = "safety"

# Mounted at the site root: personal pages under safety/, the rest inside a community or circle.
urlpatterns = [
    path("safety/concerns/", views.concern_list, name="concerns"),
    path("safety/concerns/inbox/", views.concern_inbox, name="concern-inbox"),
    path("safety/blocks/", views.block_list, name="blocks"),
    path("safety/blocks/<int:user_id>/unblock/", views.unblock, name="unblock"),
    path("c/<slug:community>/report/<slug:kind>/<int:object_id>/", views.report_content, name="report"),
    path("c/<slug:community>/moderation/", views.moderation_queue, name="moderation"),
    path("c/<slug:community>/moderation/audit/", views.audit_trail, name="audit"),
    path(
        "c/<slug:community>/moderation/reports/<int:report_id>/dismiss/",
        views.report_dismiss,
        name="report-dismiss",
    ),
    path(
        "c/<slug:community>/moderation/<slug:kind>/<int:object_id>/",
        views.moderation_content,
        name="moderation-content",
    ),
    path("c/<slug:community>/concerns/<int:concern_id>/", views.concern_detail, name="concern-detail"),
    path("c/<slug:community>/circles/<slug:circle>/concern/", views.concern_raise, name="concern-raise"),
    path("c/<slug:community>/circles/<slug:circle>/charter/", views.charter, name="charter"),
]
