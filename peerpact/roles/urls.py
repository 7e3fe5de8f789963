from __future__ import annotations

from django.urls import path

from peerpact.roles import views

app_name = "roles"

# Mounted under /c/<community>/circles/<circle>/roles/
urlpatterns = [
    path("", views.roles_index, name="index"),
    path("add/", views.role_add, name="role-add"),
    path("<int:role_id>/edit/", views.role_edit, name="role-edit"),
    path("assignments/<int:assignment_id>/swap/", views.swap_request, name="swap-request"),
    path("swaps/<int:swap_id>/", views.swap_decide, name="swap-decide"),
    path("summaries/<int:index>/", views.summary_view, name="summary"),
    path("summaries/<int:index>/edit/", views.summary_edit, name="summary-edit"),
]
