"""Forms of the schedule page (rhythm editor, blackout dates) and of pausing a membership.

Also the way back from a saved rule to the editor's fields, and a rule said in plain words.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from django import forms
from django.utils.dateformat import time_format
from django.utils.dates import WEEKDAYS as WEEKDAY_NAMES
from django.utils.text import get_text_list
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from peerpact.checkins import schedule
from peerpact.checkins.models import NextSteps, Rhythm
from peerpact.checkins.schedule import Preset
from peerpact.checkins.services import RhythmSpec

# HTML date and time inputs always send ISO values, whatever the page's language.
DATE_FORMATS = ["%Y-%m-%d"]
TIME_FORMATS = ["%H:%M", "%H:%M:%S"]

WEEKDAY_CHOICES = [(code, WEEKDAY_NAMES[i]) for i, code in enumerate(schedule.WEEKDAYS)]
PRESET_CHOICES = [
    (Preset.WEEKLY, _("Every week, on one day")),
    (Preset.BIWEEKLY, _("Every two weeks, on one day")),
    (Preset.WEEKDAYS, _("Every week, on the weekdays I choose")),
    (Preset.MONTHLY, _("Once a month, such as “the first Monday”")),
    (Preset.CUSTOM, _("A custom rule (RFC 5545 RRULE)")),
]
NTH_CHOICES = [
    ("1", _("first")),
    ("2", _("second")),
    ("3", _("third")),
    ("4", _("fourth")),
    ("-1", _("last")),
]
DEFAULT_DEADLINE = time(18, 0)
DEFAULT_REVIEW = time(19, 0)
DEFAULT_REVIEW_MINUTES = 45


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class RhythmForm(forms.Form):
    preset = forms.ChoiceField(
        label=_("How often are updates due?"),
        choices=PRESET_CHOICES,
        initial=Preset.WEEKLY,
        widget=forms.RadioSelect,
    )
    weekdays = forms.MultipleChoiceField(
        label=_("On which weekdays?"),
        choices=WEEKDAY_CHOICES,
        required=False,
        initial=["FR"],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every week, every two weeks and once a month: choose one day. Chosen weekdays: any."),
    )
    nth = forms.TypedChoiceField(
        label=_("Which one in the month?"),
        choices=NTH_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
        initial="1",
        help_text=_("Only for once a month: the first Monday, the last Friday, …"),
    )
    custom_rule = forms.CharField(
        label=_("Custom rule"),
        required=False,
        max_length=200,
        help_text=_("Only for a custom rule. For example: FREQ=WEEKLY;BYDAY=MO,TH"),
    )
    deadline_time = forms.TimeField(
        label=_("Deadline time"),
        initial=DEFAULT_DEADLINE,
        input_formats=TIME_FORMATS,
        widget=_time_input(),
        help_text=_("In the circle's time zone."),
    )
    starts_on = forms.DateField(
        label=_("First week starts"),
        required=False,
        input_formats=DATE_FORMATS,
        widget=_date_input(),
        help_text=_("No deadline falls before this date; every two weeks counts from it. Empty: today."),
    )
    grace_hours = forms.IntegerField(
        label=_("Grace period (hours)"),
        min_value=0,
        max_value=schedule.MAX_GRACE_HOURS,
        initial=24,
        help_text=_("Updates in this window after the deadline count as late, not missed."),
    )
    review_weekday = forms.ChoiceField(
        label=_("Review session day"),
        choices=[("", _("No review sessions")), *WEEKDAY_CHOICES],
        required=False,
        initial="",
        help_text=_("Every two weeks when updates are due every two weeks; otherwise every week."),
    )
    review_time = forms.TimeField(
        label=_("Review session time"),
        required=False,
        initial=DEFAULT_REVIEW,
        input_formats=TIME_FORMATS,
        widget=_time_input(),
    )
    review_duration_minutes = forms.IntegerField(
        label=_("Length (minutes)"),
        required=False,
        min_value=5,
        max_value=480,
        initial=DEFAULT_REVIEW_MINUTES,
    )
    review_location = forms.CharField(
        label=_("Place or video link"),
        required=False,
        max_length=300,
        help_text=_("A video link (https://…) or a place, such as “Library, room 2”."),
    )

    next_steps = forms.ChoiceField(
        label=_("Next steps are decided"),
        choices=NextSteps.choices,
        initial=NextSteps.REVIEW,
        widget=forms.RadioSelect,
        required=False,
    )

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        if data.get("preset") == Preset.CUSTOM and not (data.get("custom_rule") or "").strip():
            self.add_error("custom_rule", _("Enter a rule, or choose one of the other options."))
        return data

    def spec(self) -> RhythmSpec:
        data = self.cleaned_data
        return RhythmSpec(
            preset=data["preset"],
            weekdays=list(data.get("weekdays") or []),
            nth=data.get("nth") or 1,
            custom_rule=data.get("custom_rule") or "",
            deadline_time=data["deadline_time"],
            starts_on=data.get("starts_on"),
            grace_hours=data["grace_hours"],
            review_weekday=data.get("review_weekday") or "",
            review_time=data.get("review_time") or DEFAULT_REVIEW,
            review_duration_minutes=data.get("review_duration_minutes") or DEFAULT_REVIEW_MINUTES,
            review_location=data.get("review_location") or "",
            next_steps=data.get("next_steps") or NextSteps.REVIEW,
        )


def _rule_parts(rule: str) -> dict[str, str]:
    body = rule.strip().upper().removeprefix("RRULE:")
    return dict(part.split("=", 1) for part in body.split(";") if "=" in part)


_NTH_DAY = re.compile(r"^([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)$")


def _days(parts: dict[str, str]) -> list[tuple[int | None, str]] | None:
    """BYDAY as (nth, day) pairs; None when the rule has no readable BYDAY."""
    found = []
    for item in filter(None, parts.get("BYDAY", "").split(",")):
        match = _NTH_DAY.match(item)
        if match is None:
            return None
        found.append((int(match.group(1)) if match.group(1) else None, match.group(2)))
    return found or None


def _preset_of(rhythm: Rhythm) -> tuple[str, list[str], int]:
    """The editor preset, weekdays and nth a saved rule came from; custom if it fits no preset."""
    parts = _rule_parts(rhythm.deadline_rule)
    days = _days(parts)
    known = set(parts) <= {"FREQ", "INTERVAL", "BYDAY"}
    if rhythm.preset != Preset.CUSTOM and days and known:
        interval = parts.get("INTERVAL", "1")
        weekly = parts.get("FREQ") == "WEEKLY" and all(nth is None for nth, _day in days)
        if rhythm.preset == Preset.WEEKLY and weekly and interval == "1" and len(days) == 1:
            return Preset.WEEKLY, [days[0][1]], 1
        if rhythm.preset == Preset.BIWEEKLY and weekly and interval == "2" and len(days) == 1:
            return Preset.BIWEEKLY, [days[0][1]], 1
        if rhythm.preset == Preset.WEEKDAYS and weekly and interval == "1":
            return Preset.WEEKDAYS, [day for _nth, day in days], 1
        nth = days[0][0]
        if (
            rhythm.preset == Preset.MONTHLY
            and parts.get("FREQ") == "MONTHLY"
            and interval == "1"
            and len(days) == 1
            and nth in (1, 2, 3, 4, -1)
        ):
            return Preset.MONTHLY, [days[0][1]], nth or 1
    return Preset.CUSTOM, [], 1


def rhythm_initial(rhythm: Rhythm | None) -> dict[str, Any]:
    """The editor's starting values: the saved schedule, or sensible defaults."""
    if rhythm is None:
        return {}
    preset, weekdays, nth = _preset_of(rhythm)
    review_days = _days(_rule_parts(rhythm.review_rule)) if rhythm.review_rule else None
    return {
        "preset": preset,
        "weekdays": weekdays or ["FR"],
        "nth": str(nth),
        "custom_rule": rhythm.deadline_rule if preset == Preset.CUSTOM else "",
        "deadline_time": rhythm.deadline_time,
        "starts_on": rhythm.starts_on,
        "grace_hours": rhythm.grace_hours,
        "review_weekday": review_days[0][1] if review_days else "",
        "review_time": rhythm.review_time,
        "review_duration_minutes": rhythm.review_duration_minutes,
        "review_location": rhythm.review_location,
        "next_steps": rhythm.next_steps,
    }


def _day_name(code: str) -> str:
    return str(WEEKDAY_NAMES[schedule.WEEKDAYS.index(code)])


def _hm(value: time) -> str:
    return time_format(value, "H:i")


def describe_deadlines(rhythm: Rhythm) -> str:
    """When updates are due, in plain words (wall-clock time of the circle's zone)."""
    at = _hm(rhythm.deadline_time)
    preset, weekdays, nth = _preset_of(rhythm)
    if preset == Preset.WEEKLY:
        return gettext("Every %(day)s at %(time)s") % {"day": _day_name(weekdays[0]), "time": at}
    if preset == Preset.BIWEEKLY:
        return gettext("Every other %(day)s at %(time)s") % {"day": _day_name(weekdays[0]), "time": at}
    if preset == Preset.WEEKDAYS:
        days = get_text_list([_day_name(d) for d in weekdays], gettext("and"))
        return gettext("Every %(days)s at %(time)s") % {"days": days, "time": at}
    if preset == Preset.MONTHLY:
        sentences = {
            1: gettext("The first %(day)s of every month at %(time)s"),
            2: gettext("The second %(day)s of every month at %(time)s"),
            3: gettext("The third %(day)s of every month at %(time)s"),
            4: gettext("The fourth %(day)s of every month at %(time)s"),
            -1: gettext("The last %(day)s of every month at %(time)s"),
        }
        return sentences[nth] % {"day": _day_name(weekdays[0]), "time": at}
    return gettext("Custom rule %(rule)s, at %(time)s") % {"rule": rhythm.deadline_rule, "time": at}


def describe_reviews(rhythm: Rhythm) -> str:
    """When review sessions happen, in plain words; empty when the circle has none."""
    days = _days(_rule_parts(rhythm.review_rule)) if rhythm.review_rule else None
    if not days:
        return ""
    values = {
        "day": _day_name(days[0][1]),
        "time": _hm(rhythm.review_time),
        "minutes": rhythm.review_duration_minutes,
    }
    if _rule_parts(rhythm.review_rule).get("INTERVAL") == "2":
        return gettext("Every other %(day)s at %(time)s, for %(minutes)s minutes") % values
    return gettext("Every %(day)s at %(time)s, for %(minutes)s minutes") % values


class BlackoutForm(forms.Form):
    prefix = "blackout"

    starts_on = forms.DateField(label=_("From"), input_formats=DATE_FORMATS, widget=_date_input())
    ends_on = forms.DateField(
        label=_("Until"),
        input_formats=DATE_FORMATS,
        widget=_date_input(),
        help_text=_("The last day without an update. It can be the same day."),
    )
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=200,
        help_text=_("Everyone in the circle sees this, such as “Winter holidays”."),
    )

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        starts_on: date | None = data.get("starts_on")
        ends_on: date | None = data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The last day cannot come before the first."))
        return data


class PauseForm(forms.Form):
    starts_on = forms.DateField(label=_("From"), input_formats=DATE_FORMATS, widget=_date_input())
    ends_on = forms.DateField(
        label=_("Until (optional)"),
        required=False,
        input_formats=DATE_FORMATS,
        widget=_date_input(),
        help_text=_("The last day of the break. Leave it empty to stay paused until you resume."),
    )
    reason = forms.CharField(
        label=_("Reason (private, optional)"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Only the circle's facilitators and the community's organizers can read this. "
            "Other members only see that the membership is paused."
        ),
    )

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        starts_on: date | None = data.get("starts_on")
        ends_on: date | None = data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The pause cannot end before it starts."))
        return data
