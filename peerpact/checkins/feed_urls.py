from __future__ import annotations

from django.urls import path

from peerpact.checkins.views import feeds

app_name = "feeds"

urlpatterns = [
    path("<str:token>.ics", feeds.feed, name="ical"),
    path("", feeds.calendar_settings_personal, name="settings"),
]
