from __future__ import annotations

from django.urls import path

from peerpact.checkins.views import board, checkin, feeds, rhythm, tracker

app_name = "checkins"

# Mounted under /c/<community>/circles/<circle>/
urlpatterns = [
    path("board/", board.circle_board, name="board"),
    path("checkin/", checkin.checkin_edit, name="checkin"),
    path("checkin/<int:index>/", checkin.checkin_edit, name="checkin-cycle"),
    path("checkin/<int:index>/draft/", checkin.checkin_draft, name="checkin-draft"),
    path("checkins/<int:checkin_id>/", checkin.checkin_detail, name="checkin-detail"),
    path("schedule/", rhythm.rhythm_edit, name="rhythm"),
    path("schedule/preview/", rhythm.rhythm_preview, name="rhythm-preview"),
    path("schedule/blackouts/", rhythm.blackout_add, name="blackout-add"),
    path("schedule/blackouts/<int:blackout_id>/delete/", rhythm.blackout_delete, name="blackout-delete"),
    path("pause/", rhythm.pause_edit, name="pause"),
    path("members/<int:membership_id>/pause/", rhythm.pause_member, name="pause-member"),
    path("tracker/", tracker.tracker, name="tracker"),
    path("tracker.csv", tracker.tracker_csv, name="tracker-csv"),
    path("members/<int:membership_id>/history/", tracker.member_history, name="member-history"),
    path("calendar/", feeds.calendar_settings, name="calendar"),
]
