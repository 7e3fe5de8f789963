from __future__ import annotations

from django.urls import path

from peerpact.insights import dashboard_views

app_name = "circle-insights"

# Mounted under /c/<community>/circles/<circle>/insights/
urlpatterns = [
    path("", dashboard_views.circle_page, name="circle"),
    path("members/<int:membership_id>/", dashboard_views.member_page, name="member"),
    path("export/<slug:kind>.csv", dashboard_views.circle_csv, name="export"),
]
