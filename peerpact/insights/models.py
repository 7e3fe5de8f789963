"""Summaries the organizer dashboard reads instead of recomputing every circle on every request.

Both tables are derived data: `manage.py insights_summaries --rebuild` recreates them from scratch, and
nothing else reads them. When they are refreshed is written in docs/insights.md ("Cost and freshness").
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from peerpact.checkins.models import Cycle
from peerpact.circles.models import Circle
from peerpact.communities.models import Community


class CycleSummary(models.Model):
    """On time / late / missed / excused member-cycles of one finished cycle (grace period over), as
    insights.selectors counts them live. Written by the worker (insights.summaries), refreshed when stale."""

    cycle = models.OneToOneField(Cycle, on_delete=models.CASCADE, related_name="insights_summary")
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="+")
    deadline_at = models.DateTimeField()
    deadline_on = models.DateField()  # in the circle's zone: what blackouts are compared with
    # The cycle's times when counted: a rhythm change that moves them makes the row invalid.
    grace_until = models.DateTimeField()
    closes_at = models.DateTimeField()
    on_time = models.PositiveIntegerField(default=0)
    late = models.PositiveIntegerField(default=0)
    missed = models.PositiveIntegerField(default=0)
    excused = models.PositiveIntegerField(default=0)
    blacked_out = models.BooleanField(default=False)
    # Counted after the cycle closed: only an event (a late edit, a seat change) can change it now.
    is_final = models.BooleanField(default=False)
    is_stale = models.BooleanField(default=False)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("cycle summary")
        verbose_name_plural = _("cycle summaries")
        # circle+deadline: the dashboard's weekly sums; is_stale: insights.summaries.cycle_summaries_update.
        indexes = [
            models.Index(fields=["circle", "deadline_at"]),
            models.Index(fields=["is_stale"], name="insights_cs_stale"),
            models.Index(fields=["is_final", "closes_at"], name="insights_cs_final"),
        ]

    def __str__(self) -> str:
        return f"summary of cycle {self.cycle_id}"


class CircleStanding(models.Model):
    """A circle's health label and the figures that rank it on the dashboard (worst first), computed
    by the same code as the live dashboard. Read for ordering and community totals only: the rows the
    page shows are recomputed live."""

    circle = models.OneToOneField(
        Circle, on_delete=models.CASCADE, primary_key=True, related_name="insights_standing"
    )
    label = models.CharField(max_length=20)
    label_order = models.PositiveSmallIntegerField()
    rate_sort = models.FloatField()  # the recent rate, 2.0 when unknown (sorts after every rate)
    sort_name = models.CharField(max_length=200)  # name.casefold(): SQL lower() is ASCII-only
    members = models.PositiveIntegerField(default=0)
    # Of `members`, those also seated in another (not archived) circle of the community: the page counts
    # distinct people as sum(members - shared) plus the distinct shared ones (a few rows, read live).
    shared = models.PositiveIntegerField(default=0)
    goals_achieved = models.PositiveIntegerField(default=0)
    goals_on_track = models.PositiveIntegerField(default=0)
    goals_behind = models.PositiveIntegerField(default=0)
    help_open = models.PositiveIntegerField(default=0)
    # Seated members who gave and received feedback, per dashboard period (4, 12, 26, 52 weeks).
    reciprocal_4 = models.PositiveIntegerField(default=0)
    reciprocal_12 = models.PositiveIntegerField(default=0)
    reciprocal_26 = models.PositiveIntegerField(default=0)
    reciprocal_52 = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()
    # When time alone changes the figures: the next cycle to finish, or the next day (goals, periods).
    valid_until = models.DateTimeField()
    is_stale = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("circle standing")
        verbose_name_plural = _("circle standings")
        # Read by the dashboard (ORDER BY ... LIMIT) and insights.summaries.circle_standings_refresh.
        indexes = [
            models.Index(fields=["label_order", "rate_sort", "sort_name", "circle"], name="insights_st_rank"),
            models.Index(fields=["valid_until"], name="insights_st_valid"),
            models.Index(fields=["computed_at"], name="insights_st_age"),
        ]

    def __str__(self) -> str:
        return f"standing of circle {self.circle_id}: {self.label}"


class SummaryState(models.Model):
    """Per community: what lets the dashboard skip work that grows with the data.

    - `version` changes whenever a cycle summary of the community is written or marked stale, or one of
      its circles changes; the page caches its check-in sums (weekly charts, pilot counts) under it.
    - `caught_up_at` / `cycles_upto`: the worker found every finished cycle (grace over at that time,
      ids up to `cycles_upto`) summarized. The page then only looks for cycles finished or created since,
      and for summaries marked stale. `next_due_at`: the first grace period to end after that."""

    community = models.OneToOneField(
        Community, on_delete=models.CASCADE, primary_key=True, related_name="insights_state"
    )
    version = models.UUIDField(default=uuid.uuid4)
    caught_up_at = models.DateTimeField(null=True, blank=True)
    cycles_upto = models.BigIntegerField(default=0)
    next_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("insights summary state")
        verbose_name_plural = _("insights summary states")

    def __str__(self) -> str:
        return f"summary state of community {self.community_id}"
