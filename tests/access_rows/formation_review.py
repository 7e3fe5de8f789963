"""Circle formation, the organizer's review of the proposal: only organizers (otto, olivia) see it, run
the solver, move, lock, rename and apply; other members of the community (dave, bob, alice) are told
why not (403); people outside it get a 404, and so does an intake of another community (or a run of
another intake) reached through our URLs."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from peerpact.formation.models import FormationRun, Intake, RunStatus
from peerpact.formation.services import intakes as services
from peerpact.formation.services.intakes import ApplicationInput
from tests.matrix_kit import HIDDEN, MANAGERS, POST_ONLY, Effect, fresh, get, person, post


def extend(w: Any) -> None:
    """Adds (prefix rv_): `rv_intake`, open, with four applicants proposed as one circle and a finished
    run (`rv_run`); `rv_foreign`, an intake of carol's community with its own finished run
    (`rv_foreign_run`)."""
    olivia, carol = w.users["olivia"], w.users["carol"]
    now = timezone.now()
    intake = services.intake_create(
        community=w.community, actor=olivia, title="Matrix review", language_options=["en"]
    )
    services.intake_open(intake=intake, actor=olivia, now=now)
    answers = ApplicationInput(timezone="UTC", availability=[18, 19, 20, 42, 43], languages=["en"], stage=1)
    applications = [
        services.application_save(
            intake=intake, user=person(f"rv{i}@example.com", f"Reviewee {i}"), data=answers, now=now
        )
        for i in range(4)
    ]
    w.rv_run = FormationRun.objects.create(
        intake=intake, status=RunStatus.DONE, progress=1.0, requested_by=olivia, requested_at=now
    )
    intake.proposal = {
        "circles": [{"name": "Matrix circle", "members": [a.pk for a in applications], "locked": False}],
        "run": w.rv_run.pk,
    }
    intake.proposal_version = 1
    intake.save(update_fields=["proposal", "proposal_version"])
    w.rv_intake, w.rv_application = intake, applications[0]
    foreign = services.intake_create(community=w.other_community, actor=carol, title="Foreign review")
    w.rv_foreign = foreign
    w.rv_foreign_run = FormationRun.objects.create(
        intake=foreign, status=RunStatus.DONE, progress=1.0, requested_by=carol, requested_at=now
    )


def _i(w: Any, intake: Any = None, **extra: Any) -> dict[str, Any]:
    return {"community": w.community.slug, "intake": (intake or w.rv_intake).pk, **extra}


TARGETS = {
    "rv-intake": _i,
    "rv-foreign": lambda w: _i(w, w.rv_foreign),  # another community's intake through our URL
    "rv-run": lambda w: _i(w, run=w.rv_run.pk),
    "rv-foreign-run": lambda w: _i(w, run=w.rv_foreign_run.pk),  # a run of another intake
    "rv-foreign-run-there": lambda w: _i(w, w.rv_foreign, run=w.rv_foreign_run.pk),
}


def _version(w: Any) -> int:
    return int(Intake.objects.get(pk=w.rv_intake.pk).proposal_version)


def _proposal(w: Any) -> Any:
    return fresh(w.rv_intake, "proposal", "proposal_version")


def _everything(w: Any) -> Any:
    return sorted(Intake.objects.values_list("pk", "proposal_version", "status"))


RUN = Effect({}, lambda w: w.rv_intake.runs.count(), MANAGERS)
RUNS_SAME = Effect({}, lambda w: FormationRun.objects.count())
MOVE = Effect(
    lambda w: {"application": w.rv_application.pk, "to": "new", "version": _version(w)}, _proposal, MANAGERS
)
LOCK = Effect(lambda w: {"circle": 0, "locked": "true", "version": _version(w)}, _proposal, MANAGERS)
RENAME = Effect(
    lambda w: {"circle": 0, "name": "Renamed circle", "version": _version(w)}, _proposal, MANAGERS
)
APPLY = Effect(
    lambda w: {"version": _version(w), "message": "Welcome", "accept_violations": "on"},
    lambda w: fresh(w.rv_intake, "status"),
    MANAGERS,
)
# Through our URL, with a version that would match anything of theirs: nothing of any intake changes.
FOREIGN_SAME = Effect(
    {"application": 1, "to": "new", "circle": 0, "locked": "true", "name": "X", "version": 0},
    _everything,
)

#                          anon  erin carol dave bob alice otto olivia
ORGANIZERS_ONLY = "login 404 404 403 403 403 200 200"
ORGANIZERS_WRITE = "login 404 404 403 403 403 302 302"

# fmt: off
ROWS = [
    # route                                target                   expectations
    get("formation:proposal",              "rv-intake",             ORGANIZERS_ONLY),
    get("formation:proposal[foreign]",     "rv-foreign",            HIDDEN),
    get("formation:run",                   "rv-intake",             POST_ONLY),
    post("formation:run",                  "rv-intake",             ORGANIZERS_WRITE, RUN),
    post("formation:run[foreign]",         "rv-foreign",            HIDDEN, RUNS_SAME),
    get("formation:run-progress",          "rv-run",                ORGANIZERS_ONLY),
    get("formation:run-progress[foreign]", "rv-foreign-run",        HIDDEN),
    get("formation:run-progress[foreign-intake]", "rv-foreign-run-there", HIDDEN),
    get("formation:move",                  "rv-intake",             POST_ONLY),
    post("formation:move",                 "rv-intake",             ORGANIZERS_WRITE, MOVE),
    post("formation:move[foreign]",        "rv-foreign",            HIDDEN, FOREIGN_SAME),
    get("formation:lock",                  "rv-intake",             POST_ONLY),
    post("formation:lock",                 "rv-intake",             ORGANIZERS_WRITE, LOCK),
    post("formation:lock[foreign]",        "rv-foreign",            HIDDEN, FOREIGN_SAME),
    get("formation:rename",                "rv-intake",             POST_ONLY),
    post("formation:rename",               "rv-intake",             ORGANIZERS_WRITE, RENAME),
    post("formation:rename[foreign]",      "rv-foreign",            HIDDEN, FOREIGN_SAME),
    get("formation:apply",                 "rv-intake",             POST_ONLY),
    post("formation:apply",                "rv-intake",             ORGANIZERS_WRITE, APPLY),
    post("formation:apply[foreign]",       "rv-foreign",            HIDDEN, FOREIGN_SAME),
]
# fmt: on
GET_ONLY = {"formation:proposal", "formation:run-progress"}
