"""The organizer's dashboard and a circle's insights in a real browser: the "needs you" list, the charts
with their tables, an htmx filter swap, and the heatmap. Every page and swap is checked by `PageWatch`
(axe, console errors, CSP violations)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PageWatch, log_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_organizer_reads_the_dashboard_and_a_circles_insights(
    page: Page, circle: Any, alice: Any, bob: Any, otto: Any, olivia: Any
) -> None:
    from django.utils import timezone

    from peerpact.checkins import services as checkin_services
    from peerpact.checkins.models import Cycle
    from peerpact.checkins.services import CheckinAnswers, RhythmSpec
    from peerpact.circles import services as circle_services
    from peerpact.circles.models import Membership
    from peerpact.goals import services as goal_services

    began = timezone.now() - timedelta(weeks=4)
    checkin_services.rhythm_set(circle=circle, actor=alice, spec=RhythmSpec(weekdays=["FR"]), now=began)
    checkin_services.cycles_ensure(circle=circle, now=timezone.now())
    Membership.objects.filter(circle=circle).update(joined_at=began - timedelta(days=1))
    alice_seat = Membership.objects.get(circle=circle, user=alice)
    bob_seat = Membership.objects.get(circle=circle, user=bob)
    goal = goal_services.goal_create(membership=bob_seat, actor=bob, title="Run 100 km", target=100)
    for cycle in Cycle.objects.filter(circle=circle, grace_until__lt=timezone.now()).order_by("index"):
        if cycle.index == 2:
            continue  # nobody checked in that week: the rate drops below 60%
        checkin_services.checkin_submit(
            membership=alice_seat,
            cycle=cycle,
            actor=alice,
            answers=CheckinAnswers(wins="ok"),
            expected_version=None,
            now=cycle.deadline_at - timedelta(hours=1),
        )
        if cycle.index == 1:
            checkin_services.checkin_submit(
                membership=bob_seat,
                cycle=cycle,
                actor=bob,
                answers=CheckinAnswers(wins="ok", progress={goal.pk: 20}),
                expected_version=None,
                now=cycle.deadline_at + timedelta(hours=2),
            )
    circle_services.circle_create(
        community=circle.community, creator=olivia, name="Spring pilot", facilitate=False, pilot_tag="spring"
    )

    check = PageWatch(page)
    log_in(page, check, email=otto.email, name="Otto")
    page.goto(f"/c/{circle.community.slug}/")
    check()
    page.get_by_role("link", name="Insights").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{circle.community.name}: insights")
    needs = page.get_by_role("region", name="Needs you this week")
    expect(needs).to_contain_text(circle.name)
    expect(needs).to_contain_text("Check-in rate, last 4 cycles")
    expect(page.get_by_role("img", name="Check-in rate per week")).to_be_visible()
    page.get_by_text("Show as table").first.click()
    expect(page.get_by_role("table", name="Check-ins per week")).to_be_visible()
    expect(page.get_by_role("region", name="Pilots compared with the rest")).to_contain_text("Pilot: spring")
    check()

    # htmx: choosing a pilot tag swaps the results in place.
    page.get_by_label("Pilot tag", exact=True).select_option(label="spring")
    table = page.get_by_role("region", name="Circles, those needing attention first")
    expect(table).to_contain_text("Spring pilot")
    expect(table).not_to_contain_text(circle.name)
    check()

    # The period left alone is the default, 12 weeks (the table below has one row per week).
    expect(page.get_by_label("Period")).to_have_value("12")

    # The circle's insights: heatmap, its table, streaks and the goal chart.
    page.goto(f"/c/{circle.community.slug}/circles/{circle.slug}/insights/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{circle.name}: insights")
    expect(page.get_by_role("img", name="Check-ins per member and cycle")).to_be_visible()
    page.get_by_role("region", name="Check-ins, last 12 cycles").get_by_text("Show as table").click()
    expect(page.get_by_role("table", name="Check-ins per member and cycle")).to_contain_text("Late")
    expect(page.get_by_role("img", name="Progress on “Run 100 km” by cycle")).to_be_visible()
    check()
