"""Demo data built through the services, so it obeys every rule real data does."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from peerpact.accounts.models import User
from peerpact.circles import services as circle_services
from peerpact.circles.models import Circle, JoinPolicy, MemberRole, Membership, Purpose, Visibility
from peerpact.communities import services as community_services
from peerpact.communities.models import Community, CommunityRole
from peerpact.engagement import demo as engagement_demo
from peerpact.feedback import demo as feedback_demo
from peerpact.formation import demo as formation_demo
from peerpact.insights import demo_replay
from peerpact.insights.demo_history import build_history
from peerpact.notifications.models import Channel, Message, MessageState
from peerpact.programs import demo as programs_demo
from peerpact.roles import demo as roles_demo
from peerpact.safety import demo as safety_demo
from peerpact.webhooks import demo as webhooks_demo

DEMO_PASSWORD = "peerpact-demo"
COMMUNITY_SLUG = "northwind-collective"

# email, display name, pronouns, time zone
PEOPLE = [
    ("olivia@example.com", "Olivia Organizer", "she/her", "Europe/London"),
    ("alice@example.com", "Alice Nakamura", "she/her", "Europe/Madrid"),
    ("bob@example.com", "Bob Okafor", "he/him", "America/New_York"),
    ("chen@example.com", "Chen Wei", "", "Asia/Shanghai"),
    ("dana@example.com", "Dana Levi", "they/them", "Asia/Jerusalem"),
    ("emeka@example.com", "Emeka Eze", "he/him", "Africa/Lagos"),
    ("farah@example.com", "Farah Haddad", "she/her", "Asia/Dubai"),
    ("gita@example.com", "Gita Sharma", "she/her", "Asia/Kolkata"),
    ("hugo@example.com", "Hugo Martín", "he/him", "Europe/Madrid"),
    ("ines@example.com", "Inês Costa", "she/her", "America/Sao_Paulo"),
    ("jon@example.com", "Jon Berg", "", "Europe/Oslo"),
    ("kemal@example.com", "Kemal Aydın", "he/him", "Europe/Istanbul"),
    ("lena@example.com", "Lena Fischer", "she/her", "Europe/Berlin"),
    ("mateo@example.com", "Mateo Rojas", "he/him", "America/Bogota"),
    ("nora@example.com", "Nora Kelly", "she/her", "Australia/Sydney"),
    ("priya@example.com", "Priya Nair", "she/her", "Asia/Kathmandu"),
]

CHARTER = """## Our agreements

1. **Show up.** Post your update before the deadline, even when the week went badly.
2. **Be honest.** Say what you did, not what you wish you had done.
3. **Be kind and specific.** Feedback names one thing that worked and one thing to try.
4. **Keep it here.** What members share stays in the circle.
5. **Ask for help early.** A blocker shared on Monday is easier than one found on Friday.
"""


@dataclass(frozen=True)
class CircleSpec:
    name: str
    purpose: str
    facilitator: str
    members: tuple[str, ...]
    description: str
    join_policy: str
    visibility: str
    questions: tuple[str, ...] = ()
    pilot_tag: str = ""


CIRCLES = [
    CircleSpec(
        "Weekly Wins",
        Purpose.WEEKLY_GOALS,
        "alice@example.com",
        ("bob@example.com", "chen@example.com", "dana@example.com", "emeka@example.com", "farah@example.com"),
        "Founders and freelancers who set three goals every Monday and report back every Friday.",
        JoinPolicy.REQUEST,
        Visibility.LISTED,
        ("What are you working on right now?", "What would make this circle worth your time?"),
        pilot_tag="spring-pilot",
    ),
    CircleSpec(
        "Job Search Sprint",
        Purpose.JOB_SEARCH,
        "gita@example.com",
        ("hugo@example.com", "ines@example.com", "jon@example.com", "kemal@example.com"),
        "Applications, interviews and follow-ups: a weekly push with people in the same boat.",
        JoinPolicy.OPEN,
        Visibility.LISTED,
    ),
    CircleSpec(
        "Data Skills Study Group",
        Purpose.STUDY,
        "lena@example.com",
        ("mateo@example.com", "nora@example.com", "priya@example.com"),
        "Learning SQL and statistics together, one chapter and one small project per fortnight.",
        JoinPolicy.INVITE,
        Visibility.PRIVATE,
    ),
]


def _person(email: str, name: str, pronouns: str, tz: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=DEMO_PASSWORD, display_name=name, pronouns=pronouns, timezone=tz
        )
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


@transaction.atomic
def seed_demo() -> tuple[Community, bool]:
    """Create the demo community; return it and whether anything was created."""
    existing = Community.objects.filter(slug=COMMUNITY_SLUG).first()
    users = {email: _person(email, name, pronouns, tz) for email, name, pronouns, tz in PEOPLE}
    if existing is not None:
        return existing, False
    olivia = users["olivia@example.com"]
    community = community_services.community_create(
        creator=olivia,
        name="Northwind Collective",
        description="A network of people who help each other grow: founders, job seekers and learners.",
    )
    assert community.slug == COMMUNITY_SLUG
    for email, user in users.items():
        if email != olivia.email:
            community_services.community_member_add(community=community, user=user, role=CommunityRole.MEMBER)
    for spec in CIRCLES:
        facilitator = users[spec.facilitator]
        circle = circle_services.circle_create(
            community=community,
            creator=olivia,
            name=spec.name,
            facilitate=False,
            purpose=spec.purpose,
            description=spec.description,
            charter=CHARTER,
            join_policy=spec.join_policy,
            visibility=spec.visibility,
            application_questions=list(spec.questions),
            pilot_tag=spec.pilot_tag,
            timezone=facilitator.timezone,
            status="active",
        )
        for email in (spec.facilitator, *spec.members):
            _seat(circle, users[email], olivia)
        facilitator_membership = Membership.objects.get(circle=circle, user=facilitator)
        circle_services.membership_set_role(
            actor=olivia, membership=facilitator_membership, role=MemberRole.FACILITATOR
        )
    circles = list(Circle.objects.filter(community=community).order_by("pk"))
    facilitators = {spec.name: users[spec.facilitator] for spec in CIRCLES}
    now = timezone.now()
    build_history(circles=circles, facilitator_of={c.slug: facilitators[c.name] for c in circles}, now=now)
    # What circles do together, on top of the check-in history. The engagement seed goes first: it
    # removes a drifting member's last check-ins, before anyone comments on them.
    seeds = (
        engagement_demo.seed,
        roles_demo.seed,
        feedback_demo.seed,
        safety_demo.seed,
        programs_demo.seed,
        formation_demo.seed,
        webhooks_demo.seed,
    )
    for seed in seeds:
        seed(circles=circles, now=now)
    # The notices a running worker would have delivered over the last days (emails withdrawn).
    demo_replay.replay(circles=circles, now=now)
    # One open invitation and one pending request, so the facilitator pages have something to act on.
    study = Circle.objects.get(community=community, slug="data-skills-study-group")
    circle_services.circle_invite(
        circle=study, actor=olivia, email="jon@example.com", message="We'd love a fifth!"
    )
    wins = Circle.objects.get(community=community, slug="weekly-wins")
    circle_services.membership_request_join(
        circle=wins,
        user=users["nora@example.com"],
        charter_accepted=True,
        answers=["A podcast about urban gardening.", "A weekly deadline and people who notice."],
    )
    # The demo people are fictional: their queued emails are withdrawn (in-app notifications stay).
    Message.objects.filter(channel=Channel.EMAIL, state=MessageState.PENDING).update(
        state=MessageState.CANCELLED, last_error="demo data: fictional people get no email"
    )
    return community, True


def _seat(circle: Circle, user: User, organizer: User) -> None:
    circle_services.circle_invite(circle=circle, actor=organizer, email=user.email)
    circle_services.membership_accept_invitation(circle=circle, user=user, charter_accepted=True)
