from __future__ import annotations

from django.urls import path

from peerpact.api import views

app_name = "api_tokens"

# Mounted under /profile/tokens/
urlpatterns = [
    path("", views.token_list, name="list"),
    path("new/", views.token_create, name="create"),
    path("<int:token_id>/revoke/", views.token_revoke, name="revoke"),
]
