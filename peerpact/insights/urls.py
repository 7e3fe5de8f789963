from __future__ import annotations

from django.urls import path

from peerpact.insights import views

urlpatterns = [path("", views.home, name="home")]
