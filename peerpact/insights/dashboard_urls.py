from __future__ import annotations

from django.urls import path

from peerpact.insights import dashboard_views

app_name = "dashboard"

# Mounted under /c/<slug>/insights/
urlpatterns = [
    path("", dashboard_views.dashboard, name="overview"),
    path("export/<slug:kind>.csv", dashboard_views.community_csv, name="export"),
]
