"""Demo data for programs: a published three-module program and a cohort running over the demo circles.

Module 1 is done (a calibration round, submissions, reviews, ratings and follow-ups, some applied and
some not), module 2 is in peer review, module 3 is still ahead; so learners have every kind of page to
visit and the organizer sees real implementation-gap figures. Built through the services; a second run
adds nothing.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError

from peerpact.circles.models import Circle
from peerpact.communities.models import CommunityMembership, CommunityRole
from peerpact.notifications.models import Channel, Message, MessageState
from peerpact.programs import services
from peerpact.programs.models import Enrollment, Program, ReviewAssignment, Submission

SLUG = "lead-with-feedback"
LEVELS = {
    "Action taken": [
        {"score": 1, "label": "Planned", "description": "Wrote down what to do, did not try it yet."},
        {"score": 2, "label": "Tried once", "description": "Tried it once, in a low-stakes setting."},
        {"score": 3, "label": "Practised", "description": "Tried it more than once and adjusted."},
    ],
    "Reflection": [
        {"score": 1, "label": "Describes", "description": "Says what happened."},
        {"score": 2, "label": "Explains", "description": "Says why it went that way."},
        {"score": 3, "label": "Plans ahead", "description": "Says what to change next time."},
    ],
}
MODULES = [
    {
        "title": "Ask for feedback",
        "content": (
            "## Why ask first\n\nPeople who **ask** for feedback get more of it, and more useful feedback, "
            "than people who wait for it.\n\n- Ask about one specific thing.\n- Ask soon after it happened.\n"
            "- Say thank you, then decide what to do with it.\n\nFurther reading: "
            "[The feedback fallacy](https://hbr.org/2019/03/the-feedback-fallacy)."
        ),
        "video_url": "https://www.youtube.com/watch?v=wtl5UrrgU8c",
        "video_title": "How to ask for feedback (8 minutes)",
        "action_challenge": "This week, ask two people for feedback on one specific piece of your work. "
        "Write down what you asked, what they said, and what you will do with it.",
        "due_days": 7,
        "separate_circles": True,
        "calibration_example": "I asked my colleague whether my weekly report was clear. She said the "
        "numbers were fine but the summary was too long. Next week I will put three bullet points on top.",
        "calibration_review": "Action taken: 2 (one person, once). Reflection: 3 (a concrete change for next "
        "time). Feedback: ask a second person, ideally someone who reads the report differently.",
    },
    {
        "title": "Give feedback that lands",
        "content": "## Situation, behaviour, impact\n\nDescribe the **situation**, the observable "
        "**behaviour**, and its **impact** on you. Then ask, do not tell.",
        "action_challenge": "Give one piece of appreciative and one piece of developmental feedback using "
        "situation-behaviour-impact. How did the other person respond?",
        "due_days": 28,
        "review_days": 7,
    },
    {
        "title": "Make feedback a habit",
        "content": "## Small and often\n\nA habit needs a trigger, a tiny action and a reward. Pick a "
        "recurring moment (the end of a meeting, Friday afternoon) and attach one feedback question to it.",
        "action_challenge": "Pick one recurring moment and ask one feedback question there, three times. "
        "What changed by the third time?",
        "due_days": 49,
    },
]
TEXTS = [
    "I asked my manager and a peer about my project update. Both said the risks came too late in the "
    "document. I moved them to the top and got two replies within an hour.",
    "Asked a customer how our onboarding call felt. Hard to hear: too much talking from me. Next call I "
    "will ask three questions before showing anything.",
    "I asked two people in my circle to read my cover letter. One loved it, one found it generic. I "
    "rewrote the opening with a concrete story.",
    "Asked my study partner to check my SQL exercise. She showed me a simpler join. I redid two "
    "exercises the new way.",
    "I asked my team for feedback on how I run stand-ups. They want them shorter; we now stop at 10 "
    "minutes and it works.",
]
FEEDBACK = [
    "You asked about something specific, which is why you got useful answers. Next time, tell us what "
    "you will stop doing as well.",
    "Brave to ask a customer! I would love to hear how the three-questions call goes.",
    "Clear write-up. One idea: ask the person who found it generic what would make it memorable.",
    "Nice that you acted on it straight away. Consider asking again in a month to see if it stuck.",
]
HOW = {
    "yes": "I now ask one question at the end of every one-to-one, and I write the answer down.",
    "partly": "I asked once more, but I forget when the week gets busy.",
    "no": "Not yet: the project deadline took over. I want to try again next month.",
}


def _organizer(circles: list[Circle]) -> object:
    community = circles[0].community
    owner = CommunityMembership.objects.filter(community=community, role=CommunityRole.OWNER).first()
    assert owner is not None
    return owner.user


def seed(*, circles: list[Circle], now: datetime) -> None:
    """A published program with 3 modules and a cohort five weeks in, over the demo circles."""
    if not circles:
        return
    community = circles[0].community
    if Program.objects.filter(community=community, slug=SLUG).exists():
        return
    organizer = _organizer(circles)
    program = services.program_create(
        community=community,
        actor=organizer,
        title="Lead with feedback",
        description="Three short modules on asking for, giving and keeping up feedback. "
        "Every module ends in something you try at work, then share with your peers.",
    )
    modules = []
    for spec in MODULES:
        module = services.module_create(program=program, actor=organizer, **spec)
        for name, levels in LEVELS.items():
            services.criterion_add(module=module, actor=organizer, name=name, levels=levels)
        modules.append(module)
    services.program_set_status(program=program, actor=organizer, status="published")
    starts_on = (now - timedelta(days=35)).date()
    start = datetime.combine(starts_on, time(9, 0), tzinfo=now.tzinfo)
    cohort = services.cohort_create(
        program=program,
        actor=organizer,
        name="Spring cohort",
        starts_on=starts_on,
        huddles=circles,
        now=start,
    )
    learners = list(Enrollment.objects.filter(cohort=cohort).select_related("user").order_by("pk"))
    first, second, _third = modules

    # Module 1: 11 of 12 opened it, 9 shared an action (the last one late), all reviewed and followed up.
    due = cohort.due_at(first)
    for i, enrollment in enumerate(learners):
        if i < 11:
            services.module_view_record(
                enrollment=enrollment, module=first, now=start + timedelta(hours=5 + i)
            )
        if i < 9:
            at = due + timedelta(days=1) if i == 8 else start + timedelta(days=2 + i % 5, hours=i)
            services.submission_save(
                cohort=cohort, module=first, actor=enrollment.user, text=TEXTS[i % len(TEXTS)], now=at
            )
    # Calibration on module 1: the organizer's reference review, then every submitter calibrates
    # (their peer reviews are locked until they have), some closer to the reference than others.
    round_ = services.calibration_configure(
        cohort=cohort, module=first, actor=organizer, is_on=True, example=first.calibration_example, now=start
    )
    action, reflection = list(first.criteria.all())
    services.calibration_set_reference(
        calibration=round_,
        actor=organizer,
        scores={action.pk: 2, reflection.pk: 3},
        explanation=first.calibration_review,
        now=start,
    )
    for i, enrollment in enumerate(learners[:9]):
        services.calibration_submit(
            calibration=round_,
            actor=enrollment.user,
            scores={action.pk: (2, 3, 2, 1)[i % 4], reflection.pk: (3, 3, 2, 1)[i % 4]},
            now=due + timedelta(hours=2 + i),
        )
    services.reviews_allocate(module=first, cohort=cohort, now=due)
    late = Submission.objects.get(module=first, enrollment=learners[8])
    services.reviews_allocate(module=first, cohort=cohort, now=late.submitted_at)
    for n, assignment in enumerate(ReviewAssignment.objects.filter(submission__module=first).order_by("pk")):
        done_at = max(assignment.assigned_at, due) + timedelta(hours=20 + 7 * (n % 6))
        review = services.review_submit(
            assignment=assignment,
            actor=assignment.reviewer,
            scores={c.pk: 2 + (n % 2) for c in first.criteria.all()},
            feedback=FEEDBACK[n % len(FEEDBACK)],
            now=done_at,
        )
        if n % 3:
            services.review_rate(
                review=review,
                actor=assignment.submission.enrollment.user,
                helpful=4 + (n % 2),
                now=done_at + timedelta(hours=3),
            )
    asked_at = cohort.followup_at(first)
    services.followups_send(now=asked_at)
    answers = ["yes", "partly", "yes", "no", "yes", "partly", "no"]
    for enrollment, applied in zip(learners, answers, strict=False):
        followup = enrollment.followups.get(module=first)
        try:
            services.followup_answer(
                followup=followup,
                actor=enrollment.user,
                applied=applied,
                how=HOW[applied],
                now=asked_at + timedelta(days=1),
            )
        except ValidationError:
            continue

    # Module 2: due six days ago; 8 opened it, 6 shared an action; peer review opened yesterday, half done.
    due2 = cohort.due_at(second)
    for i, enrollment in enumerate(learners):
        if i < 8:
            services.module_view_record(
                enrollment=enrollment, module=second, now=due2 - timedelta(days=10 - i)
            )
        if i < 6:
            services.submission_save(
                cohort=cohort,
                module=second,
                actor=enrollment.user,
                text=TEXTS[(i + 2) % len(TEXTS)],
                now=due2 - timedelta(days=3, hours=i),
            )
    opened = now - timedelta(days=1)
    services.reviews_allocate(module=second, cohort=cohort, now=opened)
    first_learner = learners[0].user_id
    for n, assignment in enumerate(ReviewAssignment.objects.filter(submission__module=second).order_by("pk")):
        # The first learner's own review tasks stay open, so a demo login has reviews to do.
        if n % 2 or assignment.reviewer_id == first_learner:
            continue
        services.review_submit(
            assignment=assignment,
            actor=assignment.reviewer,
            scores={c.pk: 2 for c in second.criteria.all()},
            feedback=FEEDBACK[(n + 1) % len(FEEDBACK)],
            now=opened + timedelta(hours=6 + n),
        )
    # Module 3 is still ahead. The demo people are fictional: no email for them.
    Message.objects.filter(
        channel=Channel.EMAIL, state=MessageState.PENDING, kind__startswith="program."
    ).update(state=MessageState.CANCELLED, last_error="demo data: fictional people get no email")
