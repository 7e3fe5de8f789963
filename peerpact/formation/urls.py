from __future__ import annotations

from django.urls import path

from peerpact.formation import views

app_name = "formation"

# Mounted under /c/<community>/formation/ (organizers only).
urlpatterns = [
    path("", views.intake_list, name="list"),
    path("new/", views.intake_create, name="create"),
    path("<int:intake>/", views.intake_detail, name="detail"),
    path("<int:intake>/edit/", views.intake_edit, name="edit"),
    path("<int:intake>/status/", views.intake_status, name="status"),
    path("<int:intake>/questions/new/", views.question_create, name="question-create"),
    path("<int:intake>/questions/<int:question>/edit/", views.question_edit, name="question-edit"),
    path("<int:intake>/questions/<int:question>/delete/", views.question_delete, name="question-delete"),
    path("<int:intake>/questions/<int:question>/move/", views.question_move, name="question-move"),
    path("<int:intake>/applications/", views.application_list, name="applications"),
    path("<int:intake>/proposal/", views.proposal, name="proposal"),
    path("<int:intake>/runs/", views.run_request, name="run"),
    path("<int:intake>/runs/<int:run>/", views.run_progress, name="run-progress"),
    path("<int:intake>/proposal/move/", views.proposal_move, name="move"),
    path("<int:intake>/proposal/lock/", views.proposal_lock, name="lock"),
    path("<int:intake>/proposal/rename/", views.proposal_rename, name="rename"),
    path("<int:intake>/proposal/apply/", views.proposal_apply, name="apply"),
]
