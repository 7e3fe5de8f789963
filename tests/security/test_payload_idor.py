"""IDOR through ids inside request bodies (issue 10, "Access and abuse").

The access matrix tries every id in a URL across tenants; this file tries every id that travels in a
form field or a JSON body. Each case is one route and the body fields that carry ids, sent by a
legitimate member of *their own* circle or community, with ids of another circle or community. The
documented behaviour of each route is asserted (a 400 with the form re-rendered when the id is a
choice the form offers, the field ignored when the form builds its fields from the member's own rows,
a 404 when the API looks the object up), and always: the other tenant's rows are unchanged and their
text is not in the response.

Discovery keeps the table complete: every id-carrying property of every API request body (the ninja
OpenAPI schema) and every form class with a field that names rows must be in CASES.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone

import peerpact
from peerpact.api.models import ApiToken
from peerpact.checkins.models import Checkin, Cycle
from peerpact.communities.models import CommunityMembership
from peerpact.feedback.models import Kudos
from peerpact.formation.models import Application, Intake
from peerpact.goals import services as goal_services
from peerpact.goals.models import Commitment, Goal, GoalProgress
from peerpact.programs import services as program_services
from peerpact.programs.models import (
    Attachment,
    Calibration,
    CalibrationAttempt,
    Cohort,
    Review,
    RubricCriterion,
)
from peerpact.roles.models import SwapRequest
from peerpact.safety.models import Block
from tests.access_rows.formation import INTAKE_FORM
from tests.security.matrix_world import TARGETS, world

__all__ = ["world"]
pytestmark = pytest.mark.django_db

# What the other tenants wrote: never in a response to the member who sent their ids.
DAVE_COMMITMENT = "Dave's secret commitment"
FOREIGN_TEXT = (
    DAVE_COMMITMENT,
    "Ten applications",
    "Carol's Circle",
    "Carol's cohort",
    "Theirs?",
    "Foreign review",
)


@dataclass(frozen=True)
class Case:
    id: str
    persona: str
    route: str  # URL name
    target: str  # a key of the matrix's TARGETS
    fields: tuple[str, ...]  # the body fields that carry foreign ids (the pairs counted)
    data: Callable[[Any], dict[str, Any]]
    snapshot: Callable[[Any], Any]  # the foreign rows the request must leave alone
    status: frozenset[int]
    method: str = "POST"
    api: bool = False
    form: str = ""  # the form class whose id fields this case covers ("module.Class")
    after: Callable[[Any], None] | None = None  # more checks on the acting member's own rows
    revisit: tuple[str, str] | None = None  # a page of the member's to GET afterwards, must not echo
    kinds: tuple[str, ...] = field(default=())  # API: the schema properties covered ("Op.path")


def _dave(w: Any) -> Any:
    """Everything of dave's that a check-in could touch: his commitments, goals and progress."""
    seat = w.foreign_seat
    return (
        list(Commitment.objects.filter(membership=seat).order_by("pk").values_list("pk", "status", "note")),
        list(GoalProgress.objects.filter(goal__membership=seat).values_list("goal", "cycle", "value")),
        list(Goal.objects.filter(membership=seat).order_by("pk").values_list("pk", "title", "status")),
        sorted(Commitment.objects.filter(goal__membership=seat).values_list("pk", "membership")),
    )


def _checkin_form(w: Any, **extra: Any) -> dict[str, Any]:
    version = Checkin.objects.get(pk=w.bob_checkin.pk).version
    return {"visibility": "circle", "version": str(version), "wins": "IDOR win", **extra}


def _dc(w: Any) -> int:
    return int(w.idor_commitment.pk)


def _own_goals_only(w: Any) -> None:
    """Commitments bob made point at his own goals or none."""
    owners = Commitment.objects.filter(membership=w.bob, goal__isnull=False).values_list(
        "goal__membership", flat=True
    )
    assert set(owners) <= {w.bob.pk}


def _carol_circle(w: Any) -> Any:
    return w.foreign_checkin.cycle.circle


def _foreign_criterion(w: Any) -> Any:
    return RubricCriterion.objects.filter(module__program=w.api2_foreign_program).first()


def _criteria(w: Any, module: Any) -> dict[str, str]:
    own = {f"criterion_{c.pk}": "2" for c in module.criteria.all()}
    return own | {f"criterion_{_foreign_criterion(w).pk}": "1"}


def _no_foreign_scores(scores: Any, w: Any) -> None:
    assert str(_foreign_criterion(w).pk) not in {str(k) for k in (scores or {})}, scores


def _bobs_attempt(w: Any) -> Any:
    return CalibrationAttempt.objects.get(calibration=w.pg_calibration, enrollment__user=w.users["bob"])


def _reference(w: Any) -> Any:
    return Calibration.objects.get(pk=w.pg_calibration.pk).reference_scores


def _criterion_rows(w: Any) -> Any:
    return sorted(
        RubricCriterion.objects.filter(module__program=w.api2_foreign_program).values_list("pk", "name")
    )


def _no_answer_to(question: Any, application: Any) -> None:
    fresh = Application.objects.get(pk=application.pk)
    assert question.key not in (fresh.answers or {}) and question.key not in (fresh.identity or {})


def _proposals(w: Any) -> Any:
    return (
        sorted(Intake.objects.values_list("pk", "proposal", "proposal_version")),
        list(Application.objects.filter(pk=w.fm_foreign_application.pk).values()),
    )


def _version(w: Any) -> int:
    return int(Intake.objects.get(pk=w.rv_intake.pk).proposal_version)


def _api_checkin(w: Any, **extra: Any) -> dict[str, Any]:
    return {
        "wins": "IDOR API win",
        "reviews": [{"commitment_id": _dc(w), "status": "done", "note": "hijack", "carry_forward": True}],
        "next_commitments": [{"text": "Steal his goal", "goal_id": w.dave_goal.pk}],
        **extra,
    }


def _kudos_on(w: Any) -> Any:
    return sorted(Kudos.objects.values_list("target_kind", "target_id", "author"))


CHECKIN_FORM = "peerpact.checkins.forms.checkin.CheckinForm"
RUBRIC = "peerpact.programs.forms.RubricScoresForm"
CHECKIN_API = ("reviews[].commitment_id", "next_commitments[].goal_id")
HIDDEN_OR_GONE = frozenset({404})

# fmt: off
CASES = [
    # --- Forms whose fields are built from the member's own rows: foreign keys are ignored ----------
    Case("checkin-commitment", "bob", "checkins:checkin", "circle",
         ("c<id>_status", "c<id>_note", "c<id>_carry"),
         lambda w: _checkin_form(w, **{f"c{_dc(w)}_status": "done", f"c{_dc(w)}_note": "hijack",
                                       f"c{_dc(w)}_carry": "on"}),
         _dave, frozenset({302}), form=CHECKIN_FORM),
    Case("checkin-progress", "bob", "checkins:checkin", "circle", ("g<id>",),
         lambda w: _checkin_form(w, **{f"g{w.dave_goal.pk}": "9"}), _dave, frozenset({302}),
         form=CHECKIN_FORM),
    # A choice the form offers: someone else's goal is not one of them (400, the form again).
    Case("checkin-next-goal", "bob", "checkins:checkin", "circle", ("n0_goal",),
         lambda w: _checkin_form(w, n0_text="Steal his goal", n0_goal=str(w.dave_goal.pk)),
         _dave, frozenset({400}), form=CHECKIN_FORM, after=_own_goals_only),
    # A draft keeps what was typed (nothing shared); reopening the form shows none of dave's rows.
    Case("checkin-draft", "bob", "checkins:checkin-draft", "cycle-1", ("c<id>_status", "g<id>", "n0_goal"),
         lambda w: {f"c{_dc(w)}_status": "done", f"g{w.dave_goal.pk}": "9", "n0_text": "x",
                    "n0_goal": str(w.dave_goal.pk)},
         _dave, frozenset({200}), form=CHECKIN_FORM, revisit=("checkins:checkin", "circle")),
    Case("swap-offered-to", "bob", "roles:swap-request", "bob-lead", ("offered_to",),
         lambda w: {"offered_to": w.foreign_seat.pk},
         lambda w: sorted(SwapRequest.objects.values_list("pk", "assignment", "offered_to", "state")),
         frozenset({400}), form="peerpact.roles.forms.SwapRequestForm"),
    Case("transfer-new-owner", "olivia", "communities:transfer", "community", ("new_owner",),
         lambda w: {"new_owner": w.users["carol"].pk, "confirm": "on"},
         lambda w: sorted(CommunityMembership.objects.filter(role="owner").values_list("community", "user")),
         frozenset({400}), form="peerpact.communities.forms.TransferOwnershipForm"),
    Case("token-community", "bob", "api_tokens:create", "-", ("community",),
         lambda w: {"name": "IDOR", "scope": "write", "community": w.other_community.pk, "expires_in": "30"},
         lambda w: ApiToken.objects.filter(community=w.other_community).count(),
         frozenset({400}), form="peerpact.api.forms.TokenCreateForm"),
    Case("cohort-huddles", "olivia", "programs:cohort-create", "pg-program", ("huddles",),
         lambda w: {"name": "IDOR cohort", "starts_on": "2026-03-02", "timezone": "UTC",
                    "huddles": [_carol_circle(w).pk]},
         lambda w: (Cohort.objects.count(), Cohort.objects.filter(huddles=_carol_circle(w)).count()),
         frozenset({400}), form="peerpact.programs.forms.CohortForm"),
    Case("submit-remove-attachment", "bob", "programs:submit", "pg-cohort-quiet", ("remove_attachments",),
         lambda w: {"text": "IDOR action", "remove_attachments": [w.pg_dave_file.pk]},
         lambda w: list(Attachment.objects.filter(pk=w.pg_dave_file.pk).values_list("pk", "file")),
         frozenset({302, 400}), form="peerpact.programs.forms.SubmissionForm"),
    Case("review-criterion", "bob", "programs:review", "pg-bob-task", ("criterion_<id>",),
         lambda w: _criteria(w, w.pg_module) | {"feedback": "IDOR feedback"}, _criterion_rows,
         frozenset({302}), form=RUBRIC,
         after=lambda w: _no_foreign_scores(Review.objects.get(assignment=w.pg_bob_task).scores, w)),
    Case("calibration-criterion", "bob", "programs:calibration", "pg-cal", ("criterion_<id>",),
         lambda w: _criteria(w, w.pg_cal), _criterion_rows, frozenset({302}), form=RUBRIC,
         after=lambda w: _no_foreign_scores(_bobs_attempt(w).scores, w)),
    Case("reference-criterion", "alice", "programs:calibration-reference", "pg-cal", ("criterion_<id>",),
         lambda w: _criteria(w, w.pg_cal) | {"explanation": "IDOR"}, _criterion_rows, frozenset({302}),
         form=RUBRIC,
         after=lambda w: _no_foreign_scores(_reference(w), w)),
    Case("block-user", "bob", "safety:blocks", "-", ("user",),
         lambda w: {"user": w.users["carol"].pk},
         lambda w: sorted(Block.objects.values_list("blocker", "blocked")),
         frozenset({400}), form="peerpact.safety.forms.BlockForm"),
    Case("apply-foreign-question", "bob", "intake:apply", "fm-token", ("q_<id>",),
         lambda w: {"timezone": "UTC", "availability": ["20", "21"], "languages": ["en"], "stage": "0",
                    f"q_{w.fm_foreign_question.pk}": "A"},
         lambda w: list(Application.objects.filter(intake=w.fm_foreign).values()),
         frozenset({302}), form="peerpact.formation.forms.ApplicationForm",
         after=lambda w: _no_answer_to(w.fm_foreign_question, w.fm_bob_application)),
    Case("move-foreign-application", "olivia", "formation:move", "rv-intake", ("application",),
         lambda w: {"application": w.fm_foreign_application.pk, "to": "new", "version": _version(w)},
         _proposals, frozenset({400}), form="peerpact.formation.views.review.MoveForm"),
    Case("intake-cohort", "olivia", "formation:create", "fm-community", ("cohort",),
         lambda w: {**INTAKE_FORM, "title": "IDOR pool", "cohort": w.idor_carols_cohort.pk},
         lambda w: sorted(Intake.objects.filter(cohort__isnull=False).values_list("pk", "cohort")),
         frozenset({400}), form="peerpact.formation.forms.IntakeForm"),
    # Proposal circles are positions in the proposal (0, 1, …), not ids: bounds-checked.
    Case("lock-circle-index", "olivia", "formation:lock", "rv-intake", ("circle",),
         lambda w: {"circle": 99, "locked": "true", "version": _version(w)}, _proposals, frozenset({400}),
         form="peerpact.formation.views.review.LockForm"),
    Case("rename-circle-index", "olivia", "formation:rename", "rv-intake", ("circle",),
         lambda w: {"circle": 99, "name": "Hijacked", "version": _version(w)}, _proposals, frozenset({400}),
         form="peerpact.formation.views.review.RenameForm"),
    # --- The JSON API: unknown-to-you ids in a check-in are ignored; a kudos target is looked up (404) --
    Case("api-checkin-create", "bob", "api:checkins", "api-quiet-circle", CHECKIN_API, _api_checkin, _dave,
         frozenset({201}), api=True, after=_own_goals_only,
         kinds=("CheckinCreateIn.reviews[].commitment_id", "CheckinCreateIn.next_commitments[].goal_id")),
    Case("api-checkin-replace", "bob", "api:checkin", "api-bobs-checkin", CHECKIN_API,
         lambda w: _api_checkin(w, version=Checkin.objects.get(pk=w.bob_checkin.pk).version), _dave,
         frozenset({200}), method="PUT", api=True, after=_own_goals_only,
         kinds=("CheckinReplaceIn.reviews[].commitment_id", "CheckinReplaceIn.next_commitments[].goal_id")),
    Case("api-checkin-patch", "bob", "api:checkin", "api-bobs-checkin", CHECKIN_API,
         lambda w: _api_checkin(w, version=Checkin.objects.get(pk=w.bob_checkin.pk).version), _dave,
         frozenset({200}), method="PATCH", api=True, after=_own_goals_only,
         kinds=("CheckinPatchIn.reviews[].commitment_id", "CheckinPatchIn.next_commitments[].goal_id")),
    Case("api-kudos-checkin", "alice", "api:kudos", "api2-circle", ("target_id",),
         lambda w: {"target_kind": "checkin", "target_id": w.foreign_checkin_fb.pk, "reaction": "clap"},
         _kudos_on, HIDDEN_OR_GONE, api=True, kinds=("KudosIn.target_id",)),
    Case("api-kudos-carols-checkin", "alice", "api:kudos", "api2-circle", ("target_id",),
         lambda w: {"target_kind": "checkin", "target_id": w.foreign_checkin.pk, "reaction": "clap"},
         _kudos_on, HIDDEN_OR_GONE, api=True, kinds=("KudosIn.target_id",)),
    Case("api-kudos-goal", "alice", "api:kudos", "api2-circle", ("target_id",),
         lambda w: {"target_kind": "goal", "target_id": w.dave_goal.pk, "reaction": "clap"},
         _kudos_on, HIDDEN_OR_GONE, api=True, kinds=("KudosIn.target_id",)),
    Case("api-kudos-milestone", "alice", "api:kudos", "api2-circle", ("target_id",),
         lambda w: {"target_kind": "milestone", "target_id": w.dave_milestone.pk, "reaction": "clap"},
         _kudos_on, HIDDEN_OR_GONE, api=True, kinds=("KudosIn.target_id",)),
]
# fmt: on
PAIRS = {(c.method, c.route, f) for c in CASES for f in c.fields}
# Counted by hand when this file was written; the discovery tests below keep it honest.
PAIRS_FOUND = 29


@pytest.fixture
def foreign_rows(world: Any) -> Any:
    """A commitment of dave's (tied to his goal) and a cohort of carol's community."""
    world.idor_carols_cohort = program_services.cohort_create(
        program=world.api2_foreign_program,
        actor=world.users["carol"],
        name="Carol's cohort",
        starts_on=timezone.now().date(),
        now=timezone.now(),
    )
    cycle = Cycle.objects.get(circle=world.other_circle, index=1)
    world.idor_commitment = goal_services.commitment_add(
        membership=world.foreign_seat, cycle=cycle, text=DAVE_COMMITMENT, goal=world.dave_goal
    )
    return world.idor_commitment


def _send(client: Any, case: Case, url: str, data: dict[str, Any]) -> Any:
    if case.api:
        return client.generic(case.method, url, json.dumps(data), content_type="application/json")
    return client.post(url, data)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_foreign_ids_in_the_body_change_nothing_of_theirs(client, world, foreign_rows, case: Case) -> None:
    client.force_login(world.users[case.persona])
    url = reverse(case.route, kwargs=TARGETS[case.target](world))
    before = case.snapshot(world)
    response = _send(client, case, url, case.data(world))
    assert response.status_code in case.status, response.content.decode()[:2000]
    assert case.snapshot(world) == before, "a foreign row changed"
    body = response.content.decode()
    if case.revisit:
        page = client.get(reverse(case.revisit[0], kwargs=TARGETS[case.revisit[1]](world)))
        assert page.status_code == 200
        body += page.content.decode()
    assert not [text for text in FOREIGN_TEXT if text in body], "another tenant's text was sent back"
    if case.after:
        case.after(world)


def test_the_table_counts_every_pair_found() -> None:
    assert len(PAIRS) >= PAIRS_FOUND, sorted(PAIRS)


# --- Discovery: a new id field without a case fails here --------------------------------------------

ID_PROPERTY = re.compile(r"(^|_)ids?$")


def _id_properties(schema: dict[str, Any]) -> Iterator[str]:
    """Request-body schema properties that carry ids, as "Schema.path" (arrays as `name[]`)."""
    components = schema["components"]["schemas"]

    def walk(node: dict[str, Any], path: str, owner: str) -> Iterator[str]:
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            sub = components[name]
            yield from walk(sub, path, owner or name)
            return
        for option in node.get("anyOf", []) + node.get("allOf", []):
            yield from walk(option, path, owner)
        if node.get("type") == "array" and "items" in node:
            yield from walk(node["items"], f"{path}[]", owner)
        for name, prop in node.get("properties", {}).items():
            here = f"{path}.{name}" if path else name
            if ID_PROPERTY.search(name):
                yield f"{owner}.{here}"
            yield from walk(prop, here, owner)

    for operations in schema["paths"].values():
        for method, operation in operations.items():
            if method in {"post", "put", "patch", "delete"} and "requestBody" in operation:
                for content in operation["requestBody"]["content"].values():
                    yield from walk(content["schema"], "", "")


def test_every_api_body_id_is_tried(client, db) -> None:
    schema = client.get(reverse("api:openapi-json")).json()
    found = set(_id_properties(schema))
    assert "KudosIn.target_id" in found, found
    tried = {kind for case in CASES for kind in case.kinds}
    assert found <= tried, f"API body ids without an IDOR case: {sorted(found - tried)}"


ID_FIELD_NAMES = {"application", "circle", "member", "membership", "user", "goal", "offered_to", "new_owner"}


def _our_form_classes() -> Iterator[type[forms.BaseForm]]:
    for info in pkgutil.walk_packages(peerpact.__path__, "peerpact."):
        if re.search(r"\.(tests|migrations|management)(\.|$)", info.name):
            continue
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if inspect.isclass(obj) and issubclass(obj, forms.BaseForm) and obj.__module__ == info.name:
                yield obj


def _names_rows(form_class: type[forms.BaseForm]) -> bool:
    """A form with a field that takes a row's id: a model choice, a field keyed or filled by `.pk`
    (built in __init__), or a field named after a row."""
    fields = form_class.base_fields
    if any(isinstance(f, forms.ModelChoiceField) for f in fields.values()):
        return True
    if any(name in ID_FIELD_NAMES or ID_PROPERTY.search(name) for name in fields):
        return True
    own_source = inspect.getsource(form_class)
    return "fields[" in own_source and bool(re.search(r"(?<!instance)\.pk\b", own_source))


# Forms that take ids only as query filters (GET) or whose `.pk` use is not a field.
NOT_BODY_IDS = {
    "peerpact.insights.forms.DashboardFilterForm": "GET filters of the dashboard; circles of the community",
    "peerpact.checkins.views.tracker.TrackerFilterForm": "GET filter of the tracker; members of the circle",
}


def test_every_form_with_id_fields_is_tried() -> None:
    found = {f"{cls.__module__}.{cls.__qualname__}" for cls in _our_form_classes() if _names_rows(cls)}
    assert CHECKIN_FORM in found and RUBRIC in found, sorted(found)
    covered = {case.form for case in CASES} | set(NOT_BODY_IDS)
    # Subclasses of a covered form (ReviewForm, CalibrationForm, … of RubricScoresForm) are covered.
    missing = {
        name
        for name in found - covered
        if not any(
            f"{base.__module__}.{base.__qualname__}" in covered
            for base in importlib.import_module(name.rsplit(".", 1)[0])
            .__dict__[name.rsplit(".", 1)[1]]
            .__mro__[1:]
        )
    }
    assert not missing, f"forms with id fields and no IDOR case: {sorted(missing)}"
