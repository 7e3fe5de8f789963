from __future__ import annotations

from django.urls import path

from peerpact.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.center, name="center"),
    path("badge/", views.badge, name="badge"),
    path("settings/", views.preferences, name="preferences"),
    path("read/", views.mark_all_read, name="read-all"),
    path("<int:message_id>/open/", views.open_notice, name="open"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
