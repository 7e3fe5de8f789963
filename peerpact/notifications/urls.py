from __future__ import annotations

from django.urls import path

from peerpact.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.center, name="center"),
    path("badge/", views.badge, name="badge"),
    path("settings/", views.preferences, name="preferences"),
    path("chat/", views.chat, name="chat"),
    path("chat/<int:target_id>/test/", views.chat_test, name="chat-test"),
    path("chat/<int:target_id>/remove/", views.chat_remove, name="chat-remove"),
    path("read/", views.mark_all_read, name="read-all"),
    path("<int:message_id>/open/", views.open_notice, name="open"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
