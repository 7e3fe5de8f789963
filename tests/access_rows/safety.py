"""Safety: reporting, moderation and its audit trail, concerns, blocks and charter re-acceptance.

World: alice reported bob's check-in (open); bob raised one concern with the facilitators (alice) and one
with the organizers; bob blocked dave; olivia changed the charter, so bob and alice are asked to
re-accept it. Foreign rows live in carol's community: a circle of hers with a check-in, a report, a concern.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Checkin, Cycle
from peerpact.checkins.services import CheckinAnswers, RhythmSpec
from peerpact.circles import services as circle_services
from peerpact.circles.models import Membership
from peerpact.safety import services
from peerpact.safety.models import Block, Concern, ConcernEvent, Report
from tests.matrix_kit import HIDDEN, MANAGERS, POST_ONLY, Effect, fresh, get, post


def extend(w: Any) -> None:
    bob, alice, dave, carol, olivia = (w.users[p] for p in ("bob", "alice", "dave", "carol", "olivia"))
    w.safety_report = services.report_create(
        kind="checkin", obj=w.bob_checkin, reporter=alice, reason="other"
    )
    w.bob_concern = services.concern_raise(
        circle=w.circle, user=bob, addressed_to="facilitator", subject="Overruns", body="We overrun."
    )
    w.bob_org_concern = services.concern_raise(
        circle=w.circle, user=bob, addressed_to="organizer", subject="About alice", body="Private."
    )
    services.block(blocker=bob, blocked=dave)
    circle_services.circle_update(circle=w.circle, actor=olivia, charter="Be kind. Be on time.")
    # Carol's own circle, with a check-in, a report and a concern: reached through our URLs, all 404.
    theirs = circle_services.circle_create(community=w.other_community, creator=carol, name="Carol's Circle")
    checkin_services.rhythm_set(
        circle=theirs, actor=carol, spec=RhythmSpec(weekdays=["FR"]), now=timezone.now() - timedelta(hours=1)
    )
    checkin_services.cycles_ensure(circle=theirs, now=timezone.now())
    w.foreign_checkin = checkin_services.checkin_submit(
        membership=Membership.objects.get(circle=theirs, user=carol),
        cycle=Cycle.objects.get(circle=theirs, index=1),
        actor=carol,
        answers=CheckinAnswers(wins="Carol's win"),
        expected_version=None,
    )
    w.foreign_report = Report.objects.create(
        kind="checkin",
        object_id=w.foreign_checkin.pk,
        circle=theirs,
        community=w.other_community,
        reporter=carol,
        reason="spam",
    )
    w.foreign_concern = Concern.objects.create(
        circle=theirs,
        raised_by=carol,
        addressed_to="organizer",
        subject="Elsewhere",
        body="Not yours",
        updated_at=timezone.now(),
    )


def _c(w: Any, **extra: Any) -> dict[str, Any]:
    return {"community": w.community.slug, **extra}


TARGETS = {
    "bobs-update": lambda w: _c(w, kind="checkin", object_id=w.bob_checkin.pk),
    "carols-update": lambda w: _c(w, kind="checkin", object_id=w.foreign_checkin.pk),
    "alices-report": lambda w: _c(w, report_id=w.safety_report.pk),
    "carols-rep": lambda w: _c(w, report_id=w.foreign_report.pk),
    "ours": lambda w: _c(w),
    "bobs-concern": lambda w: _c(w, concern_id=w.bob_concern.pk),
    "bob-to-orgs": lambda w: _c(w, concern_id=w.bob_org_concern.pk),
    "carols-concern": lambda w: _c(w, concern_id=w.foreign_concern.pk),
    "dave-blocked": lambda w: {"user_id": w.users["dave"].pk},
}


def _open_reporters(w: Any, checkin: Checkin) -> list[Any]:
    rows = Report.objects.open().for_content("checkin", checkin.pk)
    return sorted(rows.values_list("reporter__email", flat=True))


# alice's open report makes hers idempotent: she gets the thanks, nothing new is stored.
REPORT = Effect(
    {"reason": "spam", "details": "matrix"}, lambda w: _open_reporters(w, w.bob_checkin), MANAGERS
)
F_REPORT = Effect({"reason": "spam"}, lambda w: Report.objects.count())
HIDE = Effect(
    {"action": "hide", "note": "matrix"}, lambda w: fresh(w.bob_checkin, "moderation_state"), MANAGERS
)
F_HIDE = Effect({"action": "hide"}, lambda w: fresh(w.foreign_checkin, "moderation_state"))
DISMISS = Effect({"note": "matrix"}, lambda w: fresh(w.safety_report, "state"), MANAGERS)
F_DISMISS = Effect({"note": "matrix"}, lambda w: fresh(w.foreign_report, "state"))
RAISE = Effect(
    {"addressed_to": "organizer", "subject": "Matrix", "body": "Something"},
    lambda w: Concern.objects.count(),
    "bob alice",
)
REPLY = Effect(
    {"action": "reply", "text": "matrix"},
    lambda w: ConcernEvent.objects.filter(concern=w.bob_concern).count(),
    "bob alice otto olivia",
)
ORG_REPLY = Effect(
    {"action": "reply", "text": "matrix"},
    lambda w: ConcernEvent.objects.filter(concern=w.bob_org_concern).count(),
    "bob otto olivia",
)
F_REPLY = Effect(
    {"action": "reply", "text": "matrix"},
    lambda w: ConcernEvent.objects.filter(concern=w.foreign_concern).count(),
)
# Only people who share a circle with alice may pick her: bob. Everyone else gets the form back (400).
BLOCK = Effect(lambda w: {"user": w.users["alice"].pk}, lambda w: Block.objects.count(), "bob")
UNBLOCK = Effect({}, lambda w: Block.objects.filter(blocked=w.users["dave"]).count(), "bob")
REACCEPT = Effect(
    {"accept_charter": "on"},
    lambda w: sorted(
        Membership.objects.filter(circle=w.circle).values_list("user__email", "charter_accepted_at")
    ),
    "bob alice",
)

# fmt: off
ROWS = [
    #   route                                target         anon  erin carol dave bob alice otto olivia
    get("safety:report",                     "bobs-update",  "login 404 404 404 403 200 200 200"),
    post("safety:report",                    "bobs-update",  "login 404 404 404 403 302 302 302", REPORT),
    get("safety:report[foreign]",            "carols-update", HIDDEN),
    post("safety:report[foreign]",           "carols-update", HIDDEN, F_REPORT),
    get("safety:moderation",                 "ours",         "login 404 404 403 403 403 200 200"),
    get("safety:audit",                      "ours",         "login 404 404 403 403 403 200 200"),
    get("safety:moderation-content",         "bobs-update",  "login 404 404 403 403 403 200 200"),
    post("safety:moderation-content",        "bobs-update",  "login 404 404 403 403 403 302 302", HIDE),
    get("safety:moderation-content[foreign]", "carols-update", "login 404 404 403 403 403 404 404"),
    post("safety:moderation-content[foreign]", "carols-update", "login 404 404 403 403 403 404 404", F_HIDE),
    get("safety:report-dismiss",             "alices-report", POST_ONLY),
    post("safety:report-dismiss",            "alices-report", "login 404 404 403 403 403 302 302", DISMISS),
    post("safety:report-dismiss[foreign]",   "carols-rep",   "login 404 404 403 403 403 404 404", F_DISMISS),
    # Concerns: raised by seated members; seen by the raiser and the addressees (organizers always).
    get("safety:concern-raise",              "circle",       "login 404 404 404 200 200 403 403"),
    post("safety:concern-raise",             "circle",       "login 404 404 404 302 302 403 403", RAISE),
    get("safety:concerns",                   "-",            "login 200 200 200 200 200 200 200"),
    get("safety:concern-inbox",              "-",            "login 200 200 200 200 200 200 200"),
    get("safety:concern-detail",             "bobs-concern", "login 404 404 404 200 200 200 200"),
    post("safety:concern-detail",            "bobs-concern", "login 404 404 404 302 302 302 302", REPLY),
    get("safety:concern-detail[orgs]",       "bob-to-orgs",  "login 404 404 404 200 404 200 200"),
    post("safety:concern-detail[orgs]",      "bob-to-orgs",  "login 404 404 404 302 404 302 302", ORG_REPLY),
    get("safety:concern-detail[foreign]",    "carols-concern", HIDDEN),
    post("safety:concern-detail[foreign]",   "carols-concern", HIDDEN, F_REPLY),
    # Blocks are personal: everyone has the page; only bob has a block (of dave) to lift.
    get("safety:blocks",                     "-",            "login 200 200 200 200 200 200 200"),
    post("safety:blocks",                    "-",            "login 400 400 400 302 400 400 400", BLOCK),
    get("safety:unblock",                    "dave-blocked", POST_ONLY),
    post("safety:unblock",                   "dave-blocked", "login 404 404 404 302 404 404 404", UNBLOCK),
    # The charter changed after bob and alice accepted it; organizers hold no seat.
    get("safety:charter",                    "circle",       "login 404 404 404 200 200 200 200"),
    post("safety:charter",                   "circle",       "login 404 404 404 302 302 403 403", REACCEPT),
]
# fmt: on

GET_ONLY = {"safety:moderation", "safety:audit", "safety:concerns", "safety:concern-inbox"}
