"""Programs: organizers author; the cohort's learners (bob, and pia who is no persona) and its
facilitator (alice) see the cohort; dave sees published programs and his own cohort only."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from peerpact.communities import services as community_services
from peerpact.programs import services
from peerpact.programs.models import (
    Calibration,
    CalibrationAttempt,
    Cohort,
    Enrollment,
    Highlight,
    Module,
    Program,
    Review,
    ReviewAssignment,
    Submission,
)
from tests.matrix_kit import HIDDEN, MANAGERS, POST_ONLY, Effect, fresh, get, person, post

LEVELS = [{"score": 1, "label": "Tried"}, {"score": 2, "label": "Strong"}]


def extend(w: Any) -> None:
    olivia, bob, dave = w.users["olivia"], w.users["bob"], w.users["dave"]
    now = timezone.now()
    program = services.program_create(community=w.community, actor=olivia, title="Lead with feedback")
    module = services.module_create(
        program=program, actor=olivia, title="Ask", action_challenge="Ask.", reviews_k=1
    )
    services.criterion_add(module=module, actor=olivia, name="Action", levels=LEVELS)
    quiet = services.module_create(
        program=program, actor=olivia, title="Give", action_challenge="Give.", reviews_k=1
    )
    services.program_set_status(program=program, actor=olivia, status="published")
    draft = services.program_create(community=w.community, actor=olivia, title="Secret draft")
    draft_module = services.module_create(program=draft, actor=olivia, title="Hidden", action_challenge="x")
    cohort = services.cohort_create(
        program=program, actor=olivia, name="Spring", starts_on=now.date(), huddles=[w.circle], now=now
    )
    pia = person("pia@example.com", "Pia")
    community_services.community_member_add(community=w.community, user=pia)
    services.enrollment_add(cohort=cohort, actor=olivia, user=pia, now=now)
    pdf = SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan")
    bob_sub = services.submission_save(
        cohort=cohort, module=module, actor=bob, text="Bob's action", files=[pdf], now=now
    )
    pia_sub = services.submission_save(cohort=cohort, module=module, actor=pia, text="Pia's action", now=now)
    services.submission_save(cohort=cohort, module=quiet, actor=pia, text="Pia's second action", now=now)
    services.reviews_allocate(module=module, cohort=cohort, now=now)
    pias_task = ReviewAssignment.objects.get(submission=bob_sub, reviewer=pia)
    services.review_submit(
        assignment=pias_task,
        actor=pia,
        scores={c.pk: 2 for c in module.criteria.all()},
        feedback="Good",
        now=now,
    )
    other = services.cohort_create(
        program=program, actor=olivia, name="Autumn", starts_on=now.date(), huddles=[w.other_circle], now=now
    )
    dave_sub = services.submission_save(
        cohort=other,
        module=module,
        actor=dave,
        text="Dave's action",
        files=[SimpleUploadedFile("d.txt", b"dave")],
        now=now,
    )
    # A module whose calibration round is live (olivia wrote the reference); bob has not calibrated yet.
    listen = services.module_create(
        program=program, actor=olivia, title="Listen", action_challenge="Listen.", reviews_k=1
    )
    services.criterion_add(module=listen, actor=olivia, name="Listening", levels=LEVELS)
    calibration = services.calibration_configure(
        cohort=cohort, module=listen, actor=olivia, is_on=True, example="An example to calibrate on", now=now
    )
    services.calibration_set_reference(
        calibration=calibration,
        actor=olivia,
        scores={c.pk: 1 for c in listen.criteria.all()},
        explanation="Tried once.",
        now=now,
    )
    w.pg_cal, w.pg_calibration = listen, calibration
    w.pg = program
    w.pg_module, w.pg_quiet = module, quiet
    w.pg_quiet_criterion = services.criterion_add(module=quiet, actor=olivia, name="Care", levels=LEVELS)
    w.pg_draft, w.pg_draft_module = draft, draft_module
    w.pg_cohort, w.pg_other = cohort, other
    w.pg_bob_enrollment = Enrollment.objects.get(cohort=cohort, user=bob)
    w.pg_dave_enrollment = Enrollment.objects.get(cohort=other, user=dave)
    w.pg_bob_file, w.pg_dave_file = bob_sub.attachments.get(), dave_sub.attachments.get()
    w.pg_pia_sub, w.pg_dave_sub = pia_sub, dave_sub
    w.pg_bob_task = ReviewAssignment.objects.get(submission=pia_sub, reviewer=bob)
    w.pg_pias_review = pias_task
    w.pg_bob_followup = services.followup_create(enrollment=w.pg_bob_enrollment, module=module, now=now)
    w.pg_dave_followup = services.followup_create(enrollment=w.pg_dave_enrollment, module=module, now=now)


def _c(w: Any, **extra: Any) -> dict[str, Any]:
    return {"community": w.community.slug, **extra}


def _p(w: Any, program: Any = None, **extra: Any) -> dict[str, Any]:
    return _c(w, program=(program or w.pg).slug, **extra)


def _h(w: Any, cohort: Any = None, **extra: Any) -> dict[str, Any]:
    return _c(w, cohort=(cohort or w.pg_cohort).pk, **extra)


TARGETS = {
    "pg-community": _c,
    "pg-program": _p,
    "pg-draft": lambda w: _p(w, w.pg_draft),
    "pg-module-edit": lambda w: _p(w, module_id=w.pg_module.pk),
    "pg-module-foreign": lambda w: _p(w, module_id=w.pg_draft_module.pk),
    "pg-quiet": lambda w: _p(w, module_id=w.pg_quiet.pk),
    "pg-draft-rubric": lambda w: _p(w, module_id=w.pg_draft_module.pk),
    "pg-foreign-crit": lambda w: _p(w, module_id=w.pg_quiet.pk, criterion_id=w.pg_module.criteria.get().pk),
    "pg-criterion": lambda w: _p(w, module_id=w.pg_quiet.pk, criterion_id=w.pg_quiet_criterion.pk),
    "pg-cohort": _h,
    "pg-other-cohort": lambda w: _h(w, w.pg_other),
    "pg-bob-enrollment": lambda w: _h(w, enrollment_id=w.pg_bob_enrollment.pk),
    "pg-dave-enrollment": lambda w: _h(w, enrollment_id=w.pg_dave_enrollment.pk),
    "pg-module": lambda w: _h(w, module_id=w.pg_module.pk),
    "pg-cohort-quiet": lambda w: _h(w, module_id=w.pg_quiet.pk),
    "pg-foreign-mod": lambda w: _h(w, module_id=w.pg_draft_module.pk),
    "pg-cal": lambda w: _h(w, module_id=w.pg_cal.pk),
    "pg-other-cal": lambda w: _h(w, w.pg_other, module_id=w.pg_cal.pk),
    "pg-bob-file": lambda w: _h(w, attachment_id=w.pg_bob_file.pk),
    "pg-dave-file": lambda w: _h(w, attachment_id=w.pg_dave_file.pk),
    "pg-pia-sub": lambda w: _h(w, submission_id=w.pg_pia_sub.pk),
    "pg-dave-sub": lambda w: _h(w, submission_id=w.pg_dave_sub.pk),
    "pg-bob-task": lambda w: _h(w, assignment_id=w.pg_bob_task.pk),
    "pg-pias-review": lambda w: _h(w, assignment_id=w.pg_pias_review.pk),
    "pg-bob-followup": lambda w: _h(w, followup_id=w.pg_bob_followup.pk),
    "pg-dave-followup": lambda w: _h(w, followup_id=w.pg_dave_followup.pk),
}

MODULE_FORM = {
    "title": "Matrix module",
    "action_challenge": "Do it.",
    "due_days": "7",
    "reviews_k": "2",
    "review_days": "5",
    "followup_weeks": "3",
}
NEW_PROGRAM = Effect({"title": "Matrix program"}, lambda w: Program.objects.count(), MANAGERS)
EDIT_PROGRAM = Effect({"title": "Renamed program"}, lambda w: fresh(w.pg, "title"), MANAGERS)
ARCHIVE = Effect({"status": "archived"}, lambda w: fresh(w.pg, "status"), MANAGERS)
DUPLICATE = Effect({}, lambda w: Program.objects.count(), MANAGERS)
NEW_MODULE = Effect(MODULE_FORM, lambda w: Module.objects.filter(program=w.pg).count(), MANAGERS)
EDIT_MODULE = Effect({**MODULE_FORM, "title": "Renamed"}, lambda w: fresh(w.pg_module, "title"), MANAGERS)
MODULES_SAME = Effect(
    MODULE_FORM, lambda w: list(Module.objects.order_by("pk").values_list("title", "program"))
)
NEW_CRITERION = Effect(
    {"name": "Depth", "levels": "1 | Thin\n2 | Deep"}, lambda w: w.pg_quiet.criteria.count(), MANAGERS
)
REMOVE_CRITERION = Effect({}, lambda w: w.pg_quiet.criteria.count(), MANAGERS)
NEW_COHORT = Effect(
    {"name": "Matrix cohort", "starts_on": "2026-03-02", "timezone": "UTC"},
    lambda w: Cohort.objects.count(),
    MANAGERS,
)
ENROLL_RITA = Effect({"email": "rita@example.com"}, lambda w: w.pg_cohort.enrollments.count(), MANAGERS)
DROP_BOB = Effect({}, lambda w: fresh(w.pg_bob_enrollment, "state"), "bob otto olivia")
DAVE_STAYS = Effect({}, lambda w: fresh(w.pg_dave_enrollment, "state"))
SUBMIT = Effect(
    {"text": "Matrix action"}, lambda w: Submission.objects.filter(module=w.pg_quiet).count(), "bob"
)
ALLOCATE = Effect(
    {}, lambda w: ReviewAssignment.objects.filter(submission__module=w.pg_quiet).count(), "alice otto olivia"
)
HIGHLIGHT = Effect(
    {"on": "true"}, lambda w: Highlight.objects.filter(submission=w.pg_pia_sub).count(), "alice otto olivia"
)
DAVE_SUB_SAME = Effect({"on": "true"}, lambda w: Highlight.objects.filter(submission=w.pg_dave_sub).count())
REVIEW = Effect(
    lambda w: (
        {f"criterion_{c.pk}": "2" for c in w.pg_module.criteria.all()} | {"feedback": "Matrix feedback"}
    ),
    lambda w: Review.objects.filter(assignment=w.pg_bob_task).count(),
    "bob",
)
RATE = Effect(
    {"helpful": "4"}, lambda w: fresh(Review.objects.get(assignment=w.pg_pias_review), "helpful"), "bob"
)
ANSWER = Effect({"applied": "yes", "how": "Did it"}, lambda w: fresh(w.pg_bob_followup, "answered_at"), "bob")
CRITERIA_SAME = Effect(
    {"name": "X", "levels": "1 | a\n2 | b"}, lambda w: sorted(Module.objects.values_list("pk", "criteria"))
)
NO_SUBMISSION = Effect({"text": "x"}, lambda w: Submission.objects.count())
NO_ASSIGNMENT = Effect({}, lambda w: ReviewAssignment.objects.count())
NO_REVIEW = Effect(
    lambda w: {f"criterion_{c.pk}": "2" for c in w.pg_module.criteria.all()} | {"feedback": "x"},
    lambda w: Review.objects.count(),
)
CALIBRATE = Effect(
    lambda w: {f"criterion_{c.pk}": "2" for c in w.pg_cal.criteria.all()},
    lambda w: CalibrationAttempt.objects.filter(calibration=w.pg_calibration).count(),
    "bob",
)
NO_ATTEMPT = Effect(
    lambda w: {f"criterion_{c.pk}": "2" for c in w.pg_cal.criteria.all()},
    lambda w: CalibrationAttempt.objects.count(),
)
SET_EXAMPLE = Effect(
    {"is_on": "on", "example": "A better example"},
    lambda w: fresh(w.pg_calibration, "example"),
    "alice otto olivia",
)
CALIBRATIONS_SAME = Effect(
    {"is_on": "on", "example": "Sneaky example"},
    lambda w: sorted(Calibration.objects.values_list("pk", "cohort", "module", "is_on", "example")),
)
SET_REFERENCE = Effect(
    lambda w: {f"criterion_{c.pk}": "2" for c in w.pg_cal.criteria.all()} | {"explanation": "Matrix"},
    lambda w: fresh(w.pg_calibration, "reference_scores", "reference_explanation"),
    "alice otto olivia",
)
REFERENCES_SAME = Effect(
    lambda w: {f"criterion_{c.pk}": "2" for c in w.pg_cal.criteria.all()} | {"explanation": "Sneaky"},
    lambda w: sorted(Calibration.objects.values_list("pk", "reference_scores", "reference_explanation")),
)
DAVE_ANSWER_SAME = Effect({"applied": "yes"}, lambda w: fresh(w.pg_dave_followup, "answered_at"))

#                         anon  erin carol dave bob alice otto olivia
ORGANIZERS_ONLY = "login 404 404 403 403 403 200 200"
ORGANIZERS_WRITE = "login 404 404 403 403 403 302 302"
IN_COHORT = "login 404 404 404 200 200 200 200"
ONLY_BOB = "login 404 404 404 200 404 404 404"
BOB_WRITES = "login 404 404 404 302 404 404 404"
MEMBERS = "login 404 404 200 200 200 200 200"
ORGANIZERS_SEE = "login 404 404 404 404 404 200 200"
DAVES_COHORT = "login 404 404 200 404 404 200 200"
ORGANIZERS_ENROLL = "login 404 404 404 403 403 302 302"
SELF_OR_ORGANIZER = "login 404 404 404 302 403 302 302"
LEARNER_WRITES = "login 404 404 404 302 403 403 403"
LEADS_WRITE = "login 404 404 404 403 302 302 302"
LEADS_SEE = "login 404 404 404 403 200 200 200"
LEADS_ONLY = "login 404 404 404 404 200 200 200"
LEADS_ONLY_WRITE = "login 404 404 404 404 302 302 302"

# fmt: off
ROWS = [
    # route                                    target                (expectations: see the constants)
    get("programs:list",                       "pg-community",       MEMBERS),
    get("programs:create",                     "pg-community",       ORGANIZERS_ONLY),
    post("programs:create",                    "pg-community",       ORGANIZERS_WRITE, NEW_PROGRAM),
    get("programs:detail",                     "pg-program",         MEMBERS),
    get("programs:detail[draft]",              "pg-draft",           ORGANIZERS_SEE),
    get("programs:edit",                       "pg-program",         ORGANIZERS_ONLY),
    post("programs:edit",                      "pg-program",         ORGANIZERS_WRITE, EDIT_PROGRAM),
    get("programs:status",                     "pg-program",         POST_ONLY),
    post("programs:status",                    "pg-program",         ORGANIZERS_WRITE, ARCHIVE),
    get("programs:duplicate",                  "pg-program",         POST_ONLY),
    post("programs:duplicate",                 "pg-program",         ORGANIZERS_WRITE, DUPLICATE),
    get("programs:module-create",              "pg-program",         ORGANIZERS_ONLY),
    post("programs:module-create",             "pg-program",         ORGANIZERS_WRITE, NEW_MODULE),
    get("programs:module-edit",                "pg-module-edit",     ORGANIZERS_ONLY),
    post("programs:module-edit",               "pg-module-edit",     ORGANIZERS_WRITE, EDIT_MODULE),
    post("programs:module-edit[foreign]",      "pg-module-foreign",  HIDDEN, MODULES_SAME),
    get("programs:rubric",                     "pg-quiet",           ORGANIZERS_ONLY),
    post("programs:rubric",                    "pg-quiet",           ORGANIZERS_WRITE, NEW_CRITERION),
    post("programs:rubric[foreign]",           "pg-draft-rubric",    HIDDEN, CRITERIA_SAME),
    get("programs:criterion-remove",           "pg-criterion",       POST_ONLY),
    post("programs:criterion-remove",          "pg-criterion",       ORGANIZERS_WRITE, REMOVE_CRITERION),
    post("programs:criterion-remove[foreign]", "pg-foreign-crit",    HIDDEN, CRITERIA_SAME),
    get("programs:cohort-create",              "pg-program",         ORGANIZERS_ONLY),
    post("programs:cohort-create",             "pg-program",         ORGANIZERS_WRITE, NEW_COHORT),
    get("programs:cohort",                     "pg-cohort",          IN_COHORT),
    get("programs:cohort[other]",              "pg-other-cohort",    DAVES_COHORT),
    get("programs:enroll",                     "pg-cohort",          POST_ONLY),
    post("programs:enroll",                    "pg-cohort",          ORGANIZERS_ENROLL, ENROLL_RITA),
    get("programs:drop",                       "pg-bob-enrollment",  POST_ONLY),
    post("programs:drop",                      "pg-bob-enrollment",  SELF_OR_ORGANIZER, DROP_BOB),
    post("programs:drop[foreign]",             "pg-dave-enrollment", HIDDEN, DAVE_STAYS),
    get("programs:module",                     "pg-module",          IN_COHORT),
    get("programs:module[foreign]",            "pg-foreign-mod",     HIDDEN),
    get("programs:submit",                     "pg-cohort-quiet",    POST_ONLY),
    post("programs:submit",                    "pg-cohort-quiet",    LEARNER_WRITES, SUBMIT),
    post("programs:submit[foreign]",           "pg-foreign-mod",     HIDDEN, NO_SUBMISSION),
    get("programs:allocate",                   "pg-cohort-quiet",    POST_ONLY),
    post("programs:allocate",                  "pg-cohort-quiet",    LEADS_WRITE, ALLOCATE),
    post("programs:allocate[foreign]",         "pg-foreign-mod",     HIDDEN, NO_ASSIGNMENT),
    get("programs:feedback",                   "pg-module",          IN_COHORT),
    get("programs:feedback[foreign]",          "pg-foreign-mod",     HIDDEN),
    get("programs:attachment",                 "pg-bob-file",        IN_COHORT),
    get("programs:attachment[foreign]",        "pg-dave-file",       HIDDEN),
    get("programs:highlight",                  "pg-pia-sub",         POST_ONLY),
    post("programs:highlight",                 "pg-pia-sub",         LEADS_WRITE, HIGHLIGHT),
    post("programs:highlight[foreign]",        "pg-dave-sub",        HIDDEN, DAVE_SUB_SAME),
    get("programs:calibration",                "pg-cal",             ONLY_BOB),
    post("programs:calibration",               "pg-cal",             BOB_WRITES, CALIBRATE),
    post("programs:calibration[foreign]",      "pg-foreign-mod",     HIDDEN, NO_ATTEMPT),
    post("programs:calibration[other]",        "pg-other-cal",       HIDDEN, NO_ATTEMPT),
    get("programs:calibration-setup",          "pg-cal",             LEADS_ONLY),
    post("programs:calibration-setup",         "pg-cal",             LEADS_ONLY_WRITE, SET_EXAMPLE),
    post("programs:calibration-setup[foreign]", "pg-foreign-mod",    HIDDEN, CALIBRATIONS_SAME),
    post("programs:calibration-setup[other]",  "pg-other-cal",       "login 404 404 404 404 404 302 302",
         Effect(SET_EXAMPLE.data, lambda w: Calibration.objects.filter(cohort=w.pg_other).count(), MANAGERS)),
    get("programs:calibration-reference",      "pg-cal",             LEADS_ONLY),
    post("programs:calibration-reference",     "pg-cal",             LEADS_ONLY_WRITE, SET_REFERENCE),
    post("programs:calibration-reference[foreign]", "pg-foreign-mod", HIDDEN, REFERENCES_SAME),
    get("programs:reviews",                    "pg-cohort",          IN_COHORT),
    get("programs:review",                     "pg-bob-task",        ONLY_BOB),
    post("programs:review",                    "pg-bob-task",        BOB_WRITES, REVIEW),
    post("programs:review[other]",             "pg-pias-review",     HIDDEN, NO_REVIEW),
    get("programs:review-rate",                "pg-pias-review",     POST_ONLY),
    post("programs:review-rate",               "pg-pias-review",     BOB_WRITES, RATE),
    get("programs:followup",                   "pg-bob-followup",    ONLY_BOB),
    post("programs:followup",                  "pg-bob-followup",    BOB_WRITES, ANSWER),
    post("programs:followup[foreign]",         "pg-dave-followup",   HIDDEN, DAVE_ANSWER_SAME),
    get("programs:insights",                   "pg-cohort",          LEADS_SEE),
    get("programs:insights-csv",               "pg-cohort",          LEADS_SEE),
]
# fmt: on
GET_ONLY = {
    "programs:list",
    "programs:detail",
    "programs:cohort",
    "programs:module",
    "programs:feedback",
    "programs:attachment",
    "programs:reviews",
    "programs:insights",
    "programs:insights-csv",
}
