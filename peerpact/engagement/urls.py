from __future__ import annotations

from django.urls import path

from peerpact.engagement import views

app_name = "engagement"

# Mounted under /c/<community>/circles/<circle>/engagement/
urlpatterns = [
    path("pulse/", views.pulse, name="pulse"),
    path("pulse/<int:pulse_id>/", views.pulse_detail, name="pulse-detail"),
    path("health/", views.circle_health, name="health"),
]
