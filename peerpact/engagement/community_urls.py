from __future__ import annotations

from django.urls import path

from peerpact.engagement import views

app_name = "circle-health"

# Mounted under /c/<slug>/health/
urlpatterns = [path("", views.community_health, name="overview")]
