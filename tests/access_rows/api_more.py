"""Access rows for the API's feedback, notification and program endpoints (session-authenticated).

Comments and kudos act on bob's check-in in the private circle: seated members write (bob may not
cheer himself), organizers without a seat read but are refused writes with a JSON 403 that says why.
The program objects are this part's own: a published program with a cohort on the private circle (bob
learns, alice leads), a draft, dave's cohort on his circle and a program of carol's community.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from peerpact.communities import services as community_services
from peerpact.feedback.models import Comment, Kudos
from peerpact.programs import services as program_services
from tests.matrix_kit import Effect, fresh, get, person, post

LEVELS = [{"score": 1, "label": "Tried"}, {"score": 2, "label": "Strong"}]


def _program(community: Any, actor: Any, title: str, *, publish: bool = True) -> Any:
    program = program_services.program_create(community=community, actor=actor, title=title)
    for n, name in enumerate(["API ask", "API give"], start=1):
        module = program_services.module_create(
            program=program, actor=actor, title=name, action_challenge=f"Try {n}.", reviews_k=1
        )
        program_services.criterion_add(module=module, actor=actor, name="Action", levels=LEVELS)
    if publish:
        program_services.program_set_status(program=program, actor=actor, status="published")
    return program


def extend(w: Any) -> None:
    olivia, bob, dave, carol = (w.users[p] for p in ("olivia", "bob", "dave", "carol"))
    now = timezone.now()
    program = _program(w.community, olivia, "API program")
    ask, give = program.modules.order_by("position")
    w.api2_program = program
    w.api2_draft = _program(w.community, olivia, "API draft", publish=False)
    w.api2_foreign_program = _program(w.other_community, carol, "Carol's program")
    w.api2_cohort = program_services.cohort_create(
        program=program, actor=olivia, name="API spring", starts_on=now.date(), huddles=[w.circle], now=now
    )
    lee = person("lee@example.com", "Lee")
    community_services.community_member_add(community=w.community, user=lee)
    program_services.enrollment_add(cohort=w.api2_cohort, actor=olivia, user=lee, now=now)
    # Lee's solution for a module bob has not done yet: the gallery keeps it from bob.
    w.api2_lee_sub = program_services.submission_save(
        cohort=w.api2_cohort, module=ask, actor=lee, text="Lee's action", now=now
    )
    w.api2_bob_sub = program_services.submission_save(
        cohort=w.api2_cohort, module=give, actor=bob, text="Bob's action", now=now
    )
    w.api2_other_cohort = program_services.cohort_create(
        program=program,
        actor=olivia,
        name="API autumn",
        starts_on=now.date(),
        huddles=[w.other_circle],
        now=now,
    )
    w.api2_dave_sub = program_services.submission_save(
        cohort=w.api2_other_cohort, module=ask, actor=dave, text="Dave's action", now=now
    )


TARGETS = {
    "api2-community": lambda w: {"community_id": w.community.pk},
    "api2-foreign-community": lambda w: {"community_id": w.other_community.pk},
    "api2-circle": lambda w: {"circle_id": w.circle.pk},
    "api2-bobs-checkin": lambda w: {"circle_id": w.circle.pk, "checkin_id": w.bob_checkin.pk},
    # bob's check-in asked for through dave's circle: an object of another circle.
    "api2-foreign-checkin": lambda w: {"circle_id": w.other_circle.pk, "checkin_id": w.bob_checkin.pk},
    "api2-bob-notice": lambda w: {"message_id": w.bob_notice.pk},
    "api2-program": lambda w: {"program_id": w.api2_program.pk},
    "api2-draft": lambda w: {"program_id": w.api2_draft.pk},
    "api2-foreign-program": lambda w: {"program_id": w.api2_foreign_program.pk},
    "api2-cohort": lambda w: {"cohort_id": w.api2_cohort.pk},
    "api2-other-cohort": lambda w: {"cohort_id": w.api2_other_cohort.pk},
    "api2-bob-sub": lambda w: {"cohort_id": w.api2_cohort.pk, "submission_id": w.api2_bob_sub.pk},
    "api2-lee-sub": lambda w: {"cohort_id": w.api2_cohort.pk, "submission_id": w.api2_lee_sub.pk},
    # dave's submission (his own cohort) asked for through the cohort of the private circle.
    "api2-foreign-sub": lambda w: {"cohort_id": w.api2_cohort.pk, "submission_id": w.api2_dave_sub.pk},
}

GET_ONLY = {
    "api:feedback-received",
    "api:feedback-given",
    "api:help-requests",
    "api:wins",
    "api:notifications",
    "api:community-programs",
    "api:program",
    "api:program-cohorts",
    "api:cohort",
    "api:enrollments",
    "api:cohort-submissions",
    "api:cohort-submission",
    "api:reviews-received",
    "api:reviews-assigned",
}

SIGNED_IN = "401 200 200 200 200 200 200 200"
COMMUNITY = "401 404 404 200 200 200 200 200"  # dave is in Northwind through his own circle
CAROLS = "401 404 200 404 404 404 404 404"
INSIDE = "401 404 404 404 200 200 200 200"  # the private circle (or its cohort): members, leads, organizers
NOBODY = "401 404 404 404 404 404 404 404"
GET_ON_POST_ONLY = "405 405 405 405 405 405 405 405"


def _comments(w: Any) -> int:
    return Comment.objects.filter(checkin=w.bob_checkin).count()


def _kudos(w: Any) -> int:
    return Kudos.objects.filter(target_kind="checkin", target_id=w.bob_checkin.pk).count()


COMMENT = Effect({"body": "Matrix API comment"}, _comments, "bob alice")
NO_COMMENT = Effect({"body": "Not allowed"}, _comments)
KUDOS = Effect(
    lambda w: {"target_kind": "checkin", "target_id": str(w.bob_checkin.pk), "reaction": "clap"},
    _kudos,
    "alice",
)
READ_ALL = Effect({}, lambda w: fresh(w.bob_notice, "read_at"), "bob")
READ_ONE = Effect({}, lambda w: fresh(w.bob_notice, "read_at"), "bob")

ROWS = [
    # Feedback
    get("api:checkin-comments", "api2-bobs-checkin", INSIDE),
    get("api:checkin-comments[foreign]", "api2-foreign-checkin", NOBODY),
    post("api:checkin-comments", "api2-bobs-checkin", "401 404 404 404 201 201 403 403", COMMENT),
    post("api:checkin-comments[foreign]", "api2-foreign-checkin", NOBODY, NO_COMMENT),
    get("api:feedback-received", "-", SIGNED_IN),
    get("api:feedback-given", "-", SIGNED_IN),
    get("api:kudos", "api2-circle", INSIDE),
    post("api:kudos", "api2-circle", "401 404 404 404 403 201 403 403", KUDOS),
    get("api:help-requests", "api2-circle", INSIDE),
    get("api:wins", "api2-circle", INSIDE),
    # Notifications: personal; only bob has one to mark read.
    get("api:notifications", "-", SIGNED_IN),
    get("api:notifications-read-all", "-", GET_ON_POST_ONLY),
    post("api:notifications-read-all", "-", SIGNED_IN, READ_ALL),
    get("api:notification-read", "api2-bob-notice", GET_ON_POST_ONLY),
    post("api:notification-read", "api2-bob-notice", "401 404 404 404 200 404 404 404", READ_ONE),
    # Programs
    get("api:community-programs", "api2-community", COMMUNITY),
    get("api:community-programs[foreign]", "api2-foreign-community", CAROLS),
    get("api:program", "api2-program", COMMUNITY),
    get("api:program[draft]", "api2-draft", "401 404 404 404 404 404 200 200"),
    get("api:program[foreign]", "api2-foreign-program", CAROLS),
    get("api:program-cohorts", "api2-program", COMMUNITY),
    get("api:cohort", "api2-cohort", INSIDE),
    get("api:cohort[other]", "api2-other-cohort", "401 404 404 200 404 404 200 200"),
    get("api:enrollments", "-", SIGNED_IN),
    get("api:cohort-submissions", "api2-cohort", INSIDE),
    get("api:cohort-submission", "api2-bob-sub", INSIDE),
    get("api:cohort-submission[gallery]", "api2-lee-sub", "401 404 404 404 404 200 200 200"),
    get("api:cohort-submission[foreign]", "api2-foreign-sub", NOBODY),
    get("api:reviews-received", "api2-cohort", INSIDE),
    get("api:reviews-assigned", "api2-cohort", INSIDE),
]
