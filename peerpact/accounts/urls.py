from __future__ import annotations

from django.urls import path

from peerpact.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("data/", views.your_data, name="data"),
    path("data/download/", views.data_download, name="data-download"),
    path("data/delete/", views.account_delete, name="delete"),
    path("sessions/<int:session_id>/sign-out/", views.session_revoke, name="session-revoke"),
    path("sessions/sign-out-others/", views.sessions_revoke_others, name="sessions-revoke-others"),
]
