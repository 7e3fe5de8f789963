from __future__ import annotations

from django.urls import path

from peerpact.circles import views

app_name = "circles"

urlpatterns = [
    path("<slug:circle>/", views.circle_detail, name="detail"),
    path("<slug:circle>/edit/", views.circle_edit, name="edit"),
    path("<slug:circle>/members/", views.circle_members, name="members"),
    path("<slug:circle>/join/", views.circle_join, name="join"),
    path("<slug:circle>/accept/", views.circle_accept_invitation, name="accept"),
    path("<slug:circle>/decline/", views.circle_decline_invitation, name="decline"),
    path("<slug:circle>/leave/", views.circle_leave, name="leave"),
    path("<slug:circle>/members/<int:membership_id>/decide/", views.membership_decide, name="decide"),
    path("<slug:circle>/members/<int:membership_id>/remove/", views.membership_remove, name="remove"),
    path("<slug:circle>/members/<int:membership_id>/role/", views.membership_role, name="role"),
    path("<slug:circle>/chat/", views.circle_chat, name="chat"),
    path("<slug:circle>/chat/<int:target_id>/test/", views.circle_chat_test, name="chat-test"),
    path("<slug:circle>/chat/<int:target_id>/remove/", views.circle_chat_remove, name="chat-remove"),
]
