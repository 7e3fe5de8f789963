from __future__ import annotations

from django.urls import path

from peerpact.webhooks import views

app_name = "webhooks"

# Mounted under /c/<community>/webhooks/ (organizers only).
urlpatterns = [
    path("", views.endpoint_list, name="list"),
    path("new/", views.endpoint_create, name="create"),
    path("<int:endpoint>/", views.endpoint_detail, name="detail"),
    path("<int:endpoint>/edit/", views.endpoint_edit, name="edit"),
    path("<int:endpoint>/secret/", views.endpoint_secret, name="secret"),
    path("<int:endpoint>/secret/rotate/", views.endpoint_rotate, name="rotate"),
    path("<int:endpoint>/test/", views.endpoint_test, name="test"),
    path("<int:endpoint>/state/", views.endpoint_state, name="state"),
    path("<int:endpoint>/delete/", views.endpoint_delete, name="delete"),
    path("<int:endpoint>/deliveries/<int:delivery>/retry/", views.delivery_retry, name="retry"),
]
