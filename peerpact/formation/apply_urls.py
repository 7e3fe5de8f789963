from __future__ import annotations

from django.urls import path

from peerpact.formation import views

app_name = "intake"

# Mounted under /apply/: the public link applicants get (login required).
urlpatterns = [
    path("<str:token>/", views.apply, name="apply"),
    path("<str:token>/withdraw/", views.withdraw, name="withdraw"),
]
