from __future__ import annotations

from django.urls import path

from peerpact.programs import views

app_name = "programs"

# Mounted under /c/<community>/programs/
urlpatterns = [
    path("", views.program_list, name="list"),
    path("new/", views.program_create, name="create"),
    path("p/<slug:program>/", views.program_detail, name="detail"),
    path("p/<slug:program>/edit/", views.program_edit, name="edit"),
    path("p/<slug:program>/status/", views.program_status, name="status"),
    path("p/<slug:program>/duplicate/", views.program_duplicate, name="duplicate"),
    path("p/<slug:program>/modules/new/", views.module_create, name="module-create"),
    path("p/<slug:program>/modules/<int:module_id>/edit/", views.module_edit, name="module-edit"),
    path("p/<slug:program>/modules/<int:module_id>/rubric/", views.rubric_edit, name="rubric"),
    path(
        "p/<slug:program>/modules/<int:module_id>/rubric/<int:criterion_id>/remove/",
        views.criterion_remove,
        name="criterion-remove",
    ),
    path("p/<slug:program>/cohorts/new/", views.cohort_create, name="cohort-create"),
    path("cohorts/<int:cohort>/", views.cohort_detail, name="cohort"),
    path("cohorts/<int:cohort>/enroll/", views.enrollment_add, name="enroll"),
    path("cohorts/<int:cohort>/enrollments/<int:enrollment_id>/drop/", views.enrollment_drop, name="drop"),
    path("cohorts/<int:cohort>/modules/<int:module_id>/", views.module_detail, name="module"),
    path("cohorts/<int:cohort>/modules/<int:module_id>/submit/", views.submission_save, name="submit"),
    path("cohorts/<int:cohort>/modules/<int:module_id>/allocate/", views.reviews_allocate, name="allocate"),
    path("cohorts/<int:cohort>/modules/<int:module_id>/feedback/", views.feedback, name="feedback"),
    path("cohorts/<int:cohort>/modules/<int:module_id>/calibration/", views.calibration, name="calibration"),
    path(
        "cohorts/<int:cohort>/modules/<int:module_id>/calibration/setup/",
        views.calibration_setup,
        name="calibration-setup",
    ),
    path(
        "cohorts/<int:cohort>/modules/<int:module_id>/calibration/reference/",
        views.calibration_reference,
        name="calibration-reference",
    ),
    path("cohorts/<int:cohort>/files/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path(
        "cohorts/<int:cohort>/submissions/<int:submission_id>/highlight/", views.highlight, name="highlight"
    ),
    path("cohorts/<int:cohort>/reviews/", views.review_tasks, name="reviews"),
    path("cohorts/<int:cohort>/reviews/<int:assignment_id>/", views.review_form, name="review"),
    path("cohorts/<int:cohort>/reviews/<int:assignment_id>/rate/", views.review_rate, name="review-rate"),
    path("cohorts/<int:cohort>/follow-ups/<int:followup_id>/", views.followup, name="followup"),
    path("cohorts/<int:cohort>/insights/", views.insights, name="insights"),
    path("cohorts/<int:cohort>/insights.csv", views.insights_csv, name="insights-csv"),
]
