from __future__ import annotations

from django.urls import path

from peerpact.goals import views

app_name = "goals"

# Mounted under /c/<community>/circles/<circle>/goals/
urlpatterns = [
    path("", views.goal_list, name="list"),
    path("new/", views.goal_create, name="create"),
    path("<int:goal_id>/", views.goal_detail, name="detail"),
    path("<int:goal_id>/edit/", views.goal_edit, name="edit"),
    path("<int:goal_id>/milestones/", views.milestone_add, name="milestone-add"),
    path(
        "<int:goal_id>/milestones/<int:milestone_id>/toggle/", views.milestone_toggle, name="milestone-toggle"
    ),
]
