"""Circle formation: organizers (otto, olivia) author intakes and read applications; other members of
the community (dave, bob, alice) are told why not (403); people outside it get a 404. The public link
(/apply/<token>/) takes anyone logged in while the intake is open; a draft's link is only for organizers
(a preview), a closed intake's form refuses changes with a 403."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from peerpact.formation.models import Application, Intake, IntakeQuestion
from peerpact.formation.services import intakes as services
from peerpact.formation.services.intakes import ApplicationInput
from tests.matrix_kit import HIDDEN, MANAGERS, POST_ONLY, Effect, fresh, get, post


def extend(w: Any) -> None:
    """Adds (prefix fm_): `fm_intake`, open, with two questions and bob's application
    (`fm_bob_application`); `fm_draft`; `fm_closed`; and `fm_foreign`, an open intake of carol's other
    community with a question (`fm_foreign_question`) and carol's application (`fm_foreign_application`)."""
    olivia, bob, carol = w.users["olivia"], w.users["bob"], w.users["carol"]
    now = timezone.now()
    intake = services.intake_create(
        community=w.community, actor=olivia, title="Matrix intake", language_options=["en", "es"]
    )
    w.fm_question = services.question_add(
        intake=intake, actor=olivia, kind="choice", prompt="Mornings?", options=["Yes", "No"]
    )
    w.fm_question2 = services.question_add(
        intake=intake, actor=olivia, kind="scale", prompt="Structure?", scale_min=1, scale_max=5
    )
    services.intake_open(intake=intake, actor=olivia, now=now)
    answers = ApplicationInput(timezone="UTC", availability=[18, 19], languages=["en"], stage=1)
    w.fm_bob_application = services.application_save(intake=intake, user=bob, data=answers, now=now)
    w.fm_intake = intake
    w.fm_draft = services.intake_create(community=w.community, actor=olivia, title="Matrix draft")
    closed = services.intake_create(community=w.community, actor=olivia, title="Matrix closed")
    services.intake_open(intake=closed, actor=olivia, now=now)
    services.intake_close(intake=closed, actor=olivia, now=now)
    w.fm_closed = closed
    foreign = services.intake_create(community=w.other_community, actor=carol, title="Foreign intake")
    w.fm_foreign_question = services.question_add(
        intake=foreign, actor=carol, kind="choice", prompt="Theirs?", options=["A", "B"]
    )
    services.intake_open(intake=foreign, actor=carol, now=now)
    w.fm_foreign_application = services.application_save(
        intake=foreign,
        user=carol,
        data=ApplicationInput(timezone="UTC", availability=[1], languages=["en"], stage=0),
        now=now,
    )
    w.fm_foreign = foreign


def _i(w: Any, intake: Any = None, **extra: Any) -> dict[str, Any]:
    return {"community": w.community.slug, "intake": (intake or w.fm_intake).pk, **extra}


TARGETS = {
    "fm-community": lambda w: {"community": w.community.slug},
    "fm-intake": _i,
    "fm-foreign": lambda w: _i(w, w.fm_foreign),  # another community's intake through our URL
    "fm-question": lambda w: _i(w, question=w.fm_question.pk),
    "fm-question2": lambda w: _i(w, question=w.fm_question2.pk),
    "fm-foreign-question": lambda w: _i(w, question=w.fm_foreign_question.pk),
    "fm-token": lambda w: {"token": w.fm_intake.token},
    "fm-draft-token": lambda w: {"token": w.fm_draft.token},
    "fm-closed-token": lambda w: {"token": w.fm_closed.token},
    "fm-bad-token": lambda w: {"token": "no-such-intake"},
}

INTAKE_FORM = {
    "title": "Matrix pool",
    "stage_labels": "New\nSeasoned",
    "language_options": "en",
    "size_min": "4",
    "size_max": "6",
    "min_common_hours": "2",
    "weight_stage": "1",
    "weight_intentions": "1",
    "weight_skills": "1",
    "weight_with": "1",
}
QUESTION_FORM = {
    "kind": "choice",
    "prompt": "Matrix question",
    "options": "One\nTwo",
    "scale_min": "1",
    "scale_max": "5",
    "weight": "1",
    "direction": "similar",
}
APPLY_FORM = {"timezone": "UTC", "availability": ["20", "21"], "languages": ["en"], "stage": "0"}

NEW_INTAKE = Effect(INTAKE_FORM, lambda w: Intake.objects.count(), MANAGERS)
EDIT_INTAKE = Effect({**INTAKE_FORM, "title": "Renamed"}, lambda w: fresh(w.fm_intake, "title"), MANAGERS)
CLOSE = Effect({"action": "close"}, lambda w: fresh(w.fm_intake, "status"), MANAGERS)
INTAKES_SAME = Effect(
    {**INTAKE_FORM, "action": "close"}, lambda w: sorted(Intake.objects.values_list("pk", "title", "status"))
)
NEW_QUESTION = Effect(QUESTION_FORM, lambda w: w.fm_intake.questions.count(), MANAGERS)
EDIT_QUESTION = Effect(
    {**QUESTION_FORM, "prompt": "Renamed?"}, lambda w: fresh(w.fm_question, "prompt"), MANAGERS
)
DELETE_QUESTION = Effect({}, lambda w: w.fm_intake.questions.count(), MANAGERS)
MOVE_QUESTION = Effect({"direction": "up"}, lambda w: fresh(w.fm_question2, "position"), MANAGERS)
QUESTIONS_SAME = Effect(
    {**QUESTION_FORM, "direction": "up"},
    lambda w: sorted(IntakeQuestion.objects.values_list("pk", "prompt", "position")),
)
# Everyone logged in may apply to a community intake; bob changes his application (stage 1 -> 0).
APPLY = Effect(
    APPLY_FORM,
    lambda w: sorted(Application.objects.filter(intake=w.fm_intake).values_list("user", "stage")),
    "erin carol dave bob alice otto olivia",
)
APPLICATIONS_SAME = Effect(
    APPLY_FORM,
    lambda w: sorted(Application.objects.values_list("pk", "intake", "user", "stage", "withdrawn_at")),
)
WITHDRAW = Effect({}, lambda w: fresh(w.fm_bob_application, "withdrawn_at"), "bob")

#                          anon  erin carol dave bob alice otto olivia
ORGANIZERS_ONLY = "login 404 404 403 403 403 200 200"
ORGANIZERS_WRITE = "login 404 404 403 403 403 302 302"
LOGGED_IN_SEE = "login 200 200 200 200 200 200 200"
LOGGED_IN_WRITE = "login 302 302 302 302 302 302 302"
DRAFT_SEE = "login 404 404 404 404 404 200 200"
DRAFT_WRITE = "login 404 404 404 404 404 403 403"
REFUSED = "login 403 403 403 403 403 403 403"
ONLY_BOB_WRITES = "login 403 403 403 302 403 403 403"

# fmt: off
ROWS = [
    # route                               target                 expectations
    get("formation:list",                 "fm-community",        ORGANIZERS_ONLY),
    get("formation:create",               "fm-community",        ORGANIZERS_ONLY),
    post("formation:create",              "fm-community",        ORGANIZERS_WRITE, NEW_INTAKE),
    get("formation:detail",               "fm-intake",           ORGANIZERS_ONLY),
    get("formation:detail[foreign]",      "fm-foreign",          HIDDEN),
    get("formation:edit",                 "fm-intake",           ORGANIZERS_ONLY),
    post("formation:edit",                "fm-intake",           ORGANIZERS_WRITE, EDIT_INTAKE),
    post("formation:edit[foreign]",       "fm-foreign",          HIDDEN, INTAKES_SAME),
    get("formation:status",               "fm-intake",           POST_ONLY),
    post("formation:status",              "fm-intake",           ORGANIZERS_WRITE, CLOSE),
    post("formation:status[foreign]",     "fm-foreign",          HIDDEN, INTAKES_SAME),
    get("formation:question-create",      "fm-intake",           ORGANIZERS_ONLY),
    post("formation:question-create",     "fm-intake",           ORGANIZERS_WRITE, NEW_QUESTION),
    post("formation:question-create[foreign]", "fm-foreign",     HIDDEN, QUESTIONS_SAME),
    get("formation:question-edit",        "fm-question",         ORGANIZERS_ONLY),
    post("formation:question-edit",       "fm-question",         ORGANIZERS_WRITE, EDIT_QUESTION),
    post("formation:question-edit[foreign]", "fm-foreign-question", HIDDEN, QUESTIONS_SAME),
    get("formation:question-delete",      "fm-question",         POST_ONLY),
    post("formation:question-delete",     "fm-question",         ORGANIZERS_WRITE, DELETE_QUESTION),
    post("formation:question-delete[foreign]", "fm-foreign-question", HIDDEN, QUESTIONS_SAME),
    get("formation:question-move",        "fm-question2",        POST_ONLY),
    post("formation:question-move",       "fm-question2",        ORGANIZERS_WRITE, MOVE_QUESTION),
    post("formation:question-move[foreign]", "fm-foreign-question", HIDDEN, QUESTIONS_SAME),
    get("formation:applications",         "fm-intake",           ORGANIZERS_ONLY),
    get("formation:applications[foreign]", "fm-foreign",         HIDDEN),
    # The public link: open to anyone logged in; a draft only previews for its organizers.
    get("intake:apply",                   "fm-token",            LOGGED_IN_SEE),
    post("intake:apply",                  "fm-token",            LOGGED_IN_WRITE, APPLY),
    get("intake:apply[draft]",            "fm-draft-token",      DRAFT_SEE),
    post("intake:apply[draft]",           "fm-draft-token",      DRAFT_WRITE, APPLICATIONS_SAME),
    get("intake:apply[closed]",           "fm-closed-token",     LOGGED_IN_SEE),
    post("intake:apply[closed]",          "fm-closed-token",     REFUSED, APPLICATIONS_SAME),
    get("intake:apply[bad-token]",        "fm-bad-token",        HIDDEN),
    get("intake:withdraw",                "fm-token",            POST_ONLY),
    post("intake:withdraw",               "fm-token",            ONLY_BOB_WRITES, WITHDRAW),
    post("intake:withdraw[draft]",        "fm-draft-token",      DRAFT_WRITE, APPLICATIONS_SAME),
    post("intake:withdraw[bad-token]",    "fm-bad-token",        HIDDEN, APPLICATIONS_SAME),
    # -- Review routes (formation:proposal, run, run-progress, move, lock, rename, apply): the lead adds
    # their rows here, reusing w.fm_intake (open, bob's application w.fm_bob_application) and
    # w.fm_foreign (another community's intake, carol's application w.fm_foreign_application).
]
# fmt: on
GET_ONLY = {"formation:list", "formation:detail", "formation:applications"}
