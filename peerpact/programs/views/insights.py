"""Organizer and facilitator insights per cohort and module, and the CSV export."""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy

from peerpact.accounts.http import AuthedRequest
from peerpact.lib.csv import Cell, csv_response
from peerpact.lib.views import forbidden
from peerpact.programs import access, selectors
from peerpact.programs.views.common import cohort_or_404

NOT_LEAD = gettext_lazy("Only the cohort's facilitators and the community's organizers see its insights.")


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


@login_required
def insights(request: AuthedRequest, community: str, cohort: int) -> HttpResponse:
    found = cohort_or_404(request, community, cohort)
    if not access.can_lead_cohort(request.user, found):
        return forbidden(request, str(NOT_LEAD))
    data = selectors.cohort_insights(cohort=found, now=timezone.now())
    return render(
        request,
        "programs/insights.html",
        {"community": found.program.community, "program": found.program, "cohort": found, "insights": data},
    )


@login_required
def insights_csv(request: AuthedRequest, community: str, cohort: int) -> HttpResponse | StreamingHttpResponse:
    found = cohort_or_404(request, community, cohort)
    if not access.can_lead_cohort(request.user, found):
        return forbidden(request, str(NOT_LEAD))
    modules = list(found.program.modules.all())
    now = timezone.now()
    header = [
        "learner",
        "huddle",
        "enrollment",
        "module",
        "status",
        "viewed",
        "reviews_done",
        "reviews_received",
        "applied",
        "risk",
        "calibration_difference",
        "calibration_difference_all_modules",
    ]

    def rows() -> Iterator[list[Cell]]:
        # The page's figures per learner, read in batches: memory stays flat for any cohort size.
        for learner, viewed in selectors.cohort_learners_streamed(cohort=found, now=now, modules=modules):
            e = learner.enrollment
            for m in modules:
                yield [
                    e.user.display_name or e.user.email,
                    e.circle.name if e.circle else "",
                    e.state,
                    f"{m.position}. {m.title}",
                    learner.statuses[m.pk],
                    "yes" if m.pk in viewed else "no",
                    learner.reviews_done,
                    learner.reviews_received,
                    learner.applied.get(m.pk, ""),
                    learner.risk,
                    _number(learner.calibration_by_module.get(m.pk)),
                    _number(learner.calibration_difference),
                ]

    return csv_response(filename=f"cohort-{found.pk}-insights.csv", header=header, rows=rows())
