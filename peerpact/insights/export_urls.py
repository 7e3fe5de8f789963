from __future__ import annotations

from django.urls import path

from peerpact.insights import export_views

app_name = "insights"

urlpatterns = [path("", export_views.community_export, name="community-export")]
