"""Who gets what on every URL of the site: the access-control matrix.

Each row is one route and method with the expected status for every persona, in this column order:

    anonymous  erin (outsider)  carol (other community)  dave (another circle)
    bob (member)  alice (facilitator)  otto (organizer)  olivia (owner)

"login" means a 302 to the login page with ?next=. Rules (circles/access.py): a community you are not in,
or a private circle you have no business with, is a 404; a refused action inside something you can see is
a 403 that says why. POST rows also name a snapshot of what the request would change, and who may change it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest
from django.db import transaction
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.html import escape

from peerpact.accounts.models import User
from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Blackout, CalendarFeed, Checkin, Cycle, Pause, Rhythm
from peerpact.checkins.services import CheckinAnswers, RhythmSpec
from peerpact.circles import services as circle_services
from peerpact.circles.models import Circle, JoinPolicy, MemberRole, Membership, Visibility
from peerpact.communities import services as community_services
from peerpact.communities.models import (
    Community,
    CommunityInvitation,
    CommunityMembership,
    CommunityRole,
    InvitationKind,
)
from peerpact.goals import services as goal_services
from peerpact.goals.models import Goal
from peerpact.notifications import outbox
from peerpact.notifications.models import Channel, ChatTarget, Message, Preference
from peerpact.notifications.unsubscribe import unsubscribe_token
from tests import access_rows
from tests.matrix_kit import (
    ALL_PERSONAS,
    CIRCLE_MANAGERS,
    HIDDEN,
    HIDDEN_TO_ALL,
    LOGGED_IN,
    LOGIN,
    MANAGERS,
    PERSONAS,
    POST_ONLY,
    SAME_AS,
    Effect,
    Row,
    c,
    expected,
    fresh,
    get,
    k,
    lapsed_personas_add,
    may_change,
    person,
    post,
    seat,
)

pytestmark = pytest.mark.django_db
PARTS = access_rows.parts()

SECRETS = ("Northwind", "Weekly Wins")  # names a 404 page must never show
# Routes whose views only read; every other route needs a POST row too.
GET_ONLY = {
    "home",
    "healthz",
    "liveness",
    "communities:detail",
    "communities:members",
    "circles:detail",
    "checkins:board",
    "checkins:checkin-detail",
    "checkins:tracker",
    "checkins:tracker-csv",
    "checkins:member-history",
    "feeds:ical",
    "goals:list",
    "goals:detail",
    "notifications:center",
    "notifications:badge",
}


def build_world() -> SimpleNamespace:
    """conftest's personas, plus what the rows act on: rita's join request, invitations, foreign rows."""
    users = {p: person(f"{p}@example.com", p.title()) for p in PERSONAS[1:]}
    carol, dave, bob, alice, otto, olivia = (users[p] for p in PERSONAS[2:])  # erin is in nothing
    community = community_services.community_create(creator=olivia, name="Northwind")
    community_services.community_member_add(community=community, user=otto, role=CommunityRole.ORGANIZER)
    circle = circle_services.circle_create(
        community=community, creator=olivia, name="Weekly Wins", facilitate=False, charter="Be kind."
    )
    seat(circle, alice, olivia)
    alice_seat = Membership.objects.get(circle=circle, user=alice)
    circle_services.membership_set_role(actor=olivia, membership=alice_seat, role=MemberRole.FACILITATOR)
    seat(circle, bob, alice)
    other_circle = circle_services.circle_create(
        community=community, creator=olivia, name="Job Search", facilitate=False
    )
    seat(other_circle, dave, olivia)
    other_community = community_services.community_create(creator=carol, name="Elsewhere")
    rita = person("rita@example.com", "Rita")
    community_services.community_member_add(community=community, user=rita)
    # Only a listed circle takes requests: open it briefly, then make it private and invite-only again.
    opened = {"visibility": Visibility.LISTED, "join_policy": JoinPolicy.REQUEST}
    circle_services.circle_update(circle=circle, actor=olivia, **opened)
    circle_services.membership_request_join(circle=circle, user=rita, answers=[], charter_accepted=True)
    closed = {"visibility": Visibility.PRIVATE, "join_policy": JoinPolicy.INVITE}
    circle_services.circle_update(circle=circle, actor=olivia, **closed)
    link = {"kind": InvitationKind.LINK, "max_uses": 25}
    # A rhythm set an hour ago: cycle 1 is open, bob has checked in, there is a blackout to delete.
    checkin_services.rhythm_set(
        circle=circle, actor=olivia, spec=RhythmSpec(weekdays=["FR"]), now=timezone.now() - timedelta(hours=1)
    )
    checkin_services.cycles_ensure(circle=circle, now=timezone.now())
    bob_seat = Membership.objects.get(circle=circle, user=bob)
    bob_checkin = checkin_services.checkin_submit(
        membership=bob_seat,
        cycle=Cycle.objects.get(circle=circle, index=1),
        actor=bob,
        answers=CheckinAnswers(wins="Bob's win"),
        expected_version=None,
    )
    bob_goal = goal_services.goal_create(
        membership=bob_seat, actor=bob, title="Run 100 km", target=100, milestones=["First 10 km"]
    )
    dave_seat = Membership.objects.get(circle=other_circle, user=dave)
    dave_goal = goal_services.goal_create(
        membership=dave_seat, actor=dave, title="Ten applications", target=10, milestones=["CV"]
    )
    bob_notice, _created = outbox.message_enqueue(
        recipient=bob,
        kind="test.notice",
        channel=Channel.INAPP,
        template="emails/notice",
        context={"title": "Hi", "body": "Hello"},
        due_at=timezone.now(),
        dedupe_key="matrix-notice",
    )
    outbox.outbox_deliver_batch(now=timezone.now())
    # Made directly, past the URL checks: a loopback target that a test send refuses without any network.
    bob_chat = ChatTarget.objects.create(owner=bob, url="json://127.0.0.1:9/matrix", label="Bob's chat")
    world = SimpleNamespace(
        bob_notice=bob_notice,
        bob_chat=bob_chat,
        bob_goal=bob_goal,
        bob_milestone=bob_goal.milestones.get(),
        bob_private_goal=goal_services.goal_create(
            membership=bob_seat, actor=bob, title="Private goal", target=5, visibility="private"
        ),
        dave_goal=dave_goal,
        dave_milestone=dave_goal.milestones.get(),
        bob_checkin=bob_checkin,
        blackout=checkin_services.blackout_add(
            circle=circle, actor=olivia, starts_on=date(2031, 1, 1), ends_on=date(2031, 1, 2)
        ),
        bob_feed=checkin_services.calendar_feed_get(user=bob, circle=circle),
        users=users,
        community=community,
        circle=circle,
        invitation=community_services.invitation_create(community=community, actor=olivia, **link),
        rita=CommunityMembership.objects.get(community=community, user=rita),
        rita_request=Membership.objects.get(circle=circle, user=rita),
        bob=Membership.objects.get(circle=circle, user=bob),
        # Rows of someone else's community or circle, reached through a URL of ours.
        foreign_member=CommunityMembership.objects.get(community=other_community, user=carol),
        foreign_invitation=community_services.invitation_create(
            community=other_community, actor=carol, **link
        ),
        foreign_seat=Membership.objects.get(circle=other_circle, user=dave),
        other_circle=other_circle,
        other_community=other_community,
    )
    lapsed_personas_add(world)  # dina and ivy (SAME_AS): tried on every row
    for part in PARTS:
        part.extend(world)
    return world


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[SimpleNamespace]:
    """Built once, not per case (that took a minute); each test runs in a rolled-back savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


# --- What each row points at, sends and may change -----------------------------------------------

TARGETS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "-": lambda w: {},
    "token": lambda w: {"token": w.invitation.token},
    "bad-token": lambda w: {"token": "no-such-token"},
    "expired-token": lambda w: {"token": w.expired_invitation.token},
    "revoked-token": lambda w: {"token": w.revoked_invitation.token},
    "community": c,
    "rita": lambda w: c(w, member_id=w.rita.pk),
    "invitation": lambda w: c(w, invitation_id=w.invitation.pk),
    "circle": k,
    "rita-asks": lambda w: k(w, membership_id=w.rita_request.pk),
    "bob-seat": lambda w: k(w, membership_id=w.bob.pk),
    # Rows of another community or circle, reached through a URL of ours: 404 for everyone.
    "carol": lambda w: c(w, member_id=w.foreign_member.pk),
    "carols-link": lambda w: c(w, invitation_id=w.foreign_invitation.pk),
    "dave-seat": lambda w: k(w, membership_id=w.foreign_seat.pk),
    "cycle-1": lambda w: k(w, index=1),
    "bobs-checkin": lambda w: k(w, checkin_id=w.bob_checkin.pk),
    "blackout": lambda w: k(w, blackout_id=w.blackout.pk),
    "feed": lambda w: {"token": w.bob_feed.token},
    "bob-notice": lambda w: {"message_id": w.bob_notice.pk},
    "bob-chat": lambda w: {"target_id": w.bob_chat.pk},
    "unsub": lambda w: {"token": unsubscribe_token(user_id=w.users["bob"].pk, kind="checkin.late")},
    "unsub-forged": lambda w: {"token": "forged-token"},
    "bob-goal": lambda w: k(w, goal_id=w.bob_goal.pk),
    "bob-private-goal": lambda w: k(w, goal_id=w.bob_private_goal.pk),
    "dave-goal": lambda w: k(w, goal_id=w.dave_goal.pk),
    "bob-milestone": lambda w: k(w, goal_id=w.bob_goal.pk, milestone_id=w.bob_milestone.pk),
    "dave-milestone": lambda w: k(w, goal_id=w.dave_goal.pk, milestone_id=w.dave_milestone.pk),
}


def seats(w: Any) -> list[tuple[int, str, str]]:
    return list(
        Membership.objects.filter(circle=w.circle).order_by("pk").values_list("user", "status", "role")
    )


def circle_form(name: str) -> dict[str, str]:
    return {
        "name": name,
        "purpose": "study",
        "size_cap": "8",
        "timezone": "UTC",
        "status": "active",
        "visibility": "private",
        "join_policy": "invite",
    }


PROFILE = Effect(
    {"display_name": "Renamed", "timezone": "UTC"},
    lambda w: User.objects.filter(display_name="Renamed").count(),
    LOGGED_IN,
)
# The footer's language switcher is for everyone; signed-in people keep the choice on their profile.
LANGUAGE = Effect(
    {"language": "es", "next": "/"}, lambda w: User.objects.filter(language="es").count(), LOGGED_IN
)
# An incomplete form: nobody is signed in, and no failed attempt is counted against the address.
NO_LOGIN = Effect(
    {"login": "nobody@example.com"}, lambda w: User.objects.filter(last_login__isnull=False).count()
)
REDEEM = Effect({}, lambda w: fresh(w.invitation, "use_count"), "erin carol")  # members use nothing up
NO_REDEEM = Effect({}, lambda w: fresh(w.invitation, "use_count"))
LAPSED = Effect(
    {},
    lambda w: (
        [fresh(i, "use_count") for i in (w.expired_invitation, w.revoked_invitation)],
        w.community.memberships.count(),
    ),
)
CREATE = Effect({"name": "Fresh Start"}, lambda w: Community.objects.count(), LOGGED_IN)
RENAME = Effect({"name": "Renamed"}, lambda w: fresh(w.community, "name"), MANAGERS)
TRANSFER = Effect(
    lambda w: {"new_owner": w.users["otto"].pk, "confirm": "on"},
    lambda w: list(w.community.memberships.filter(role="owner").values_list("user")),
    "olivia",
)
# The owner is sent back with a message (transfer ownership first), so her membership stays.
LEAVE = Effect({}, lambda w: w.community.memberships.count(), "dave bob alice otto")
PROMOTE_RITA = Effect({"role": "organizer"}, lambda w: fresh(w.rita, "role"), "olivia")
CAROL_ROLE = Effect({"role": "organizer"}, lambda w: fresh(w.foreign_member, "role"))
REMOVE_RITA = Effect({}, lambda w: fresh(w.rita, "pk"), MANAGERS)
CAROL_STAYS = Effect({}, lambda w: fresh(w.foreign_member, "pk"))
NEW_LINK = Effect(
    {"action": "link", "days_valid": "7", "max_uses": "5"},
    lambda w: CommunityInvitation.objects.count(),
    MANAGERS,
)
REVOKE = Effect({}, lambda w: fresh(w.invitation, "revoked_at"), MANAGERS)
CAROLS_LINK = Effect({}, lambda w: fresh(w.foreign_invitation, "revoked_at"))
NEW_CIRCLE = Effect(circle_form("Night Owls"), lambda w: Circle.objects.count(), MANAGERS)
EDIT = Effect(circle_form("Renamed Circle"), lambda w: fresh(w.circle, "name"), CIRCLE_MANAGERS)
INVITE = Effect(
    {"email": "newbie@example.com"},
    lambda w: CommunityInvitation.objects.filter(email="newbie@example.com").count(),
    CIRCLE_MANAGERS,
)
SEATS_SAME = Effect({"accept_charter": "on"}, seats)  # nobody holds an invitation or may join
# alice is the only facilitator and organizers hold no seat: both get a message, nothing changes.
LEAVE_CIRCLE = Effect({}, seats, "bob")
APPROVE_RITA = Effect({"decision": "approve"}, seats, CIRCLE_MANAGERS)
REMOVE_BOB = Effect({}, seats, CIRCLE_MANAGERS)
PROMOTE_BOB = Effect({"role": "facilitator"}, seats, CIRCLE_MANAGERS)
DAVE_SAME = Effect(
    {"decision": "approve", "role": "facilitator"}, lambda w: fresh(w.foreign_seat, "status", "role")
)


def checkins_of(w: Any) -> list[tuple[str, str, Any]]:
    rows = Checkin.objects.filter(cycle__circle=w.circle).order_by("membership__user__email")
    return [
        (email, wins, draft)
        for email, wins, draft in rows.values_list("membership__user__email", "wins", "draft")
    ]


RHYTHM_FORM = {
    "preset": "weekly",
    "weekdays": ["MO"],
    "nth": "1",
    "custom_rule": "",
    "deadline_time": "09:00",
    "grace_hours": "12",
    "review_weekday": "",
    "review_time": "19:00",
    "review_duration_minutes": "45",
    "review_location": "",
}
CHECK_IN = Effect(
    lambda w: {"visibility": "circle", "version": str(w.bob_checkin.version), "wins": "Matrix win"},
    checkins_of,
    "bob alice",
)
DRAFT = Effect({"wins": "a draft"}, checkins_of, "bob alice")
RESCHEDULE = Effect(
    lambda w: {**RHYTHM_FORM, "starts_on": timezone.localdate().isoformat()},
    lambda w: fresh(Rhythm.objects.get(circle=w.circle), "deadline_rule"),
    CIRCLE_MANAGERS,
)
PREVIEW = Effect(
    lambda w: {**RHYTHM_FORM, "starts_on": timezone.localdate().isoformat()},
    lambda w: fresh(Rhythm.objects.get(circle=w.circle), "deadline_rule"),
)
ADD_BLACKOUT = Effect(
    {"blackout-starts_on": "2032-05-01", "blackout-ends_on": "2032-05-02", "blackout-reason": "Trip"},
    lambda w: Blackout.objects.filter(circle=w.circle).count(),
    CIRCLE_MANAGERS,
)
UNBLACKOUT = Effect({}, lambda w: Blackout.objects.filter(circle=w.circle).count(), CIRCLE_MANAGERS)
PAUSE_ME = Effect(
    lambda w: {"starts_on": timezone.localdate().isoformat(), "reason": "Rest"},
    lambda w: sorted(
        Pause.objects.filter(membership__circle=w.circle).values_list("membership__user__email")
    ),
    "bob alice",
)
PAUSE_BOB = Effect(
    lambda w: {"starts_on": timezone.localdate().isoformat(), "reason": "Rest"},
    lambda w: Pause.objects.filter(membership=w.bob).count(),
    CIRCLE_MANAGERS,
)
CIRCLE_FEEDS = Effect(
    {},
    lambda w: sorted(CalendarFeed.objects.filter(circle=w.circle).values_list("user__email", "token")),
    "bob alice otto olivia",
)
MY_FEEDS = Effect(
    {},
    lambda w: sorted(CalendarFeed.objects.filter(circle__isnull=True).values_list("user__email", "token")),
    LOGGED_IN,
)

# Everyone with unread in-app notices: invitations (alice, bob, dave) and rita's request (alice).
READ_ALL = Effect({}, lambda w: Message.objects.filter(read_at__isnull=False).count(), "dave bob alice")
PREFS = Effect(
    {"daily_cap": "3"},
    lambda w: sorted(Preference.objects.filter(daily_cap=3).values_list("user__email", flat=True)),
    LOGGED_IN,
)
UNSUBSCRIBE = Effect(
    {},
    lambda w: list(Preference.objects.filter(user=w.users["bob"]).values_list("muted", flat=True)),
    "anonymous erin carol dave bob alice otto olivia",
)
NO_UNSUBSCRIBE = Effect({}, lambda w: list(Preference.objects.values_list("muted", flat=True)))
OPEN_NOTICE = Effect({}, lambda w: fresh(w.bob_notice, "read_at"), "bob")
ADD_CHAT = Effect(
    {"url": "discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js", "label": "Matrix chat"},
    lambda w: sorted(ChatTarget.objects.filter(label="Matrix chat").values_list("owner__email", flat=True)),
    LOGGED_IN,
)
TEST_CHAT = Effect({}, lambda w: fresh(w.bob_chat, "last_error", "last_success_at"), "bob")
REMOVE_CHAT = Effect({}, lambda w: fresh(w.bob_chat, "pk"), "bob")

GOAL_FORM = {
    "title": "Matrix goal",
    "direction": "increase",
    "baseline": "0",
    "target": "10",
    "starts_on": "2026-01-05",
    "status": "active",
    "visibility": "circle",
}
NEW_GOAL = Effect(GOAL_FORM, lambda w: Goal.objects.count(), "bob alice")
EDIT_GOAL = Effect({**GOAL_FORM, "title": "Renamed goal"}, lambda w: fresh(w.bob_goal, "title"), "bob")
MORE_STEPS = Effect(
    {"title": "Halfway"}, lambda w: list(w.bob_goal.milestones.values_list("title", flat=True)), "bob"
)
TICK = Effect({"done": "true"}, lambda w: fresh(w.bob_milestone, "done_at"), "bob")
DAVE_GOAL_SAME = Effect(
    {**GOAL_FORM, "done": "true"},
    lambda w: (
        fresh(w.dave_goal, "title"),
        fresh(w.dave_milestone, "done_at"),
        w.dave_goal.milestones.count(),
    ),
)


# fmt: off
ROWS = [
    #     route                              target        anon  erin carol dave bob alice otto olivia
    get("home",                              "-",          "200   200 200 200 200 200 200 200"),
    get("healthz",                           "-",          "200   200 200 200 200 200 200 200"),
    get("liveness",                          "-",          "200   200 200 200 200 200 200 200"),
    # allauth's login page through our view (429 when failed logins are limited); signed-in people go home.
    get("account_login",                     "-",          "200   302 302 302 302 302 302 302"),
    post("account_login",                    "-",          "200   302 302 302 302 302 302 302", NO_LOGIN),
    get("accounts:profile",                  "-",          "login 200 200 200 200 200 200 200"),
    post("accounts:profile",                 "-",          "login 302 302 302 302 302 302 302", PROFILE),
    get("language",                          "-",          "405   405 405 405 405 405 405 405"),
    post("language",                         "-",          "302   302 302 302 302 302 302 302", LANGUAGE),
    get("invitation-accept",                 "token",      "200   200 200 200 200 200 200 200"),
    post("invitation-accept",                "token",      "200   302 302 302 302 302 302 302", REDEEM),
    get("invitation-accept[unknown]",        "bad-token",  "404   404 404 404 404 404 404 404"),
    post("invitation-accept[unknown]",       "bad-token",  "404   404 404 404 404 404 404 404", NO_REDEEM),
    # ivy's personal invitation expired and a link was revoked: they refuse (410) all who are not in yet.
    get("invitation-accept[expired]",        "expired-token", "410 410 410 200 200 200 200 200"),
    post("invitation-accept[expired]",       "expired-token", "410 410 410 302 302 302 302 302", LAPSED),
    get("invitation-accept[revoked]",        "revoked-token", "410 410 410 200 200 200 200 200"),
    post("invitation-accept[revoked]",       "revoked-token", "410 410 410 302 302 302 302 302", LAPSED),
    # Communities
    get("communities:create",                "-",          "login 200 200 200 200 200 200 200"),
    post("communities:create",               "-",          "login 302 302 302 302 302 302 302", CREATE),
    get("communities:detail",                "community",  "login 404 404 200 200 200 200 200"),
    get("communities:settings",              "community",  "login 404 404 403 403 403 200 200"),
    post("communities:settings",             "community",  "login 404 404 403 403 403 302 302", RENAME),
    get("communities:transfer",              "community",  POST_ONLY),
    post("communities:transfer",             "community",  "login 404 404 403 403 403 403 302", TRANSFER),
    get("communities:leave",                 "community",  "login 404 404 200 200 200 200 200"),
    post("communities:leave",                "community",  "login 404 404 302 302 302 302 302", LEAVE),
    get("communities:members",               "community",  "login 404 404 200 200 200 200 200"),
    get("communities:member-role",           "rita",       POST_ONLY),
    post("communities:member-role",          "rita",       "login 404 404 403 403 403 403 302", PROMOTE_RITA),
    post("communities:member-role[foreign]", "carol",      HIDDEN, CAROL_ROLE),
    get("communities:member-remove",         "rita",       POST_ONLY),
    post("communities:member-remove",        "rita",       "login 404 404 403 403 403 302 302", REMOVE_RITA),
    post("communities:member-remove[foreign]", "carol",    HIDDEN, CAROL_STAYS),
    get("communities:invitations",           "community",  "login 404 404 403 403 403 200 200"),
    post("communities:invitations",          "community",  "login 404 404 403 403 403 302 302", NEW_LINK),
    get("communities:invitation-revoke",     "invitation", POST_ONLY),
    post("communities:invitation-revoke",    "invitation", "login 404 404 403 403 403 302 302", REVOKE),
    post("communities:invitation-revoke[foreign]", "carols-link", HIDDEN, CAROLS_LINK),
    get("communities:circle-create",         "community",  "login 404 404 403 403 403 200 200"),
    post("communities:circle-create",        "community",  "login 404 404 403 403 403 302 302", NEW_CIRCLE),
    # Circles: `circle` is private and invite-only; alice facilitates it and bob sits in it.
    get("circles:detail",                    "circle",     "login 404 404 404 200 200 200 200"),
    get("circles:edit",                      "circle",     "login 404 404 404 403 200 200 200"),
    post("circles:edit",                     "circle",     "login 404 404 404 403 302 302 302", EDIT),
    get("circles:members",                   "circle",     "login 404 404 404 200 200 200 200"),
    post("circles:members",                  "circle",     "login 404 404 404 403 302 302 302", INVITE),
    # Seated members are sent back to the circle; organizers are told it is invitation only.
    get("circles:join",                      "circle",     "login 404 404 404 302 302 403 403"),
    post("circles:join",                     "circle",     "login 404 404 404 302 302 403 403", SEATS_SAME),
    get("circles:accept",                    "circle",     POST_ONLY),
    post("circles:accept",                   "circle",     "login 404 404 404 403 403 403 403", SEATS_SAME),
    get("circles:decline",                   "circle",     POST_ONLY),
    post("circles:decline",                  "circle",     "login 404 404 404 403 403 403 403", SEATS_SAME),
    get("circles:leave",                     "circle",     "login 404 404 404 200 200 200 200"),
    post("circles:leave",                    "circle",     "login 404 404 404 302 302 302 302", LEAVE_CIRCLE),
    get("circles:decide",                    "rita-asks",  POST_ONLY),
    post("circles:decide",                   "rita-asks",  "login 404 404 404 403 302 302 302", APPROVE_RITA),
    post("circles:decide[foreign]",          "dave-seat",  HIDDEN, DAVE_SAME),
    get("circles:remove",                    "bob-seat",   POST_ONLY),
    post("circles:remove",                   "bob-seat",   "login 404 404 404 403 302 302 302", REMOVE_BOB),
    post("circles:remove[foreign]",          "dave-seat",  HIDDEN, DAVE_SAME),
    get("circles:role",                      "bob-seat",   POST_ONLY),
    post("circles:role",                     "bob-seat",   "login 404 404 404 403 302 302 302", PROMOTE_BOB),
    post("circles:role[foreign]",            "dave-seat",  HIDDEN, DAVE_SAME),
    # Check-ins: the circle keeps a weekly rhythm; cycle 1 is open and bob has checked in.
    get("checkins:board",                    "circle",     "login 404 404 404 200 200 200 200"),
    get("checkins:checkin",                  "circle",     "login 404 404 404 200 200 403 403"),
    post("checkins:checkin",                 "circle",     "login 404 404 404 302 302 403 403", CHECK_IN),
    get("checkins:checkin-cycle",            "cycle-1",    "login 404 404 404 200 200 403 403"),
    post("checkins:checkin-cycle",           "cycle-1",    "login 404 404 404 302 302 403 403", CHECK_IN),
    get("checkins:checkin-draft",            "cycle-1",    POST_ONLY),
    post("checkins:checkin-draft",           "cycle-1",    "login 404 404 404 200 200 403 403", DRAFT),
    get("checkins:checkin-detail",           "bobs-checkin", "login 404 404 404 200 200 200 200"),
    get("checkins:rhythm",                   "circle",     "login 404 404 404 200 200 200 200"),
    post("checkins:rhythm",                  "circle",     "login 404 404 404 403 302 302 302", RESCHEDULE),
    get("checkins:rhythm-preview",           "circle",     "login 404 404 404 403 200 200 200"),
    post("checkins:rhythm-preview",          "circle",     "login 404 404 404 403 200 200 200", PREVIEW),
    get("checkins:blackout-add",             "circle",     POST_ONLY),
    post("checkins:blackout-add",            "circle",     "login 404 404 404 403 302 302 302", ADD_BLACKOUT),
    get("checkins:blackout-delete",          "blackout",   POST_ONLY),
    post("checkins:blackout-delete",         "blackout",   "login 404 404 404 403 302 302 302", UNBLACKOUT),
    get("checkins:pause",                    "circle",     "login 404 404 404 200 200 403 403"),
    post("checkins:pause",                   "circle",     "login 404 404 404 302 302 403 403", PAUSE_ME),
    # bob opening his own row is sent to his own pause page.
    get("checkins:pause-member",             "bob-seat",   "login 404 404 404 302 200 200 200"),
    post("checkins:pause-member",            "bob-seat",   "login 404 404 404 302 302 302 302", PAUSE_BOB),
    get("checkins:pause-member[foreign]",    "dave-seat",  HIDDEN),
    get("checkins:tracker",                  "circle",     "login 404 404 404 200 200 200 200"),
    get("checkins:tracker-csv",              "circle",     "login 404 404 404 200 200 200 200"),
    get("checkins:member-history",           "bob-seat",   "login 404 404 404 200 200 200 200"),
    get("checkins:member-history[foreign]",  "dave-seat",  HIDDEN),
    get("checkins:calendar",                 "circle",     "login 404 404 404 200 200 200 200"),
    post("checkins:calendar",                "circle",     "login 404 404 404 302 302 302 302", CIRCLE_FEEDS),
    # Calendar feeds: the token is the secret, so anyone holding it gets the feed.
    get("feeds:settings",                    "-",          "login 200 200 200 200 200 200 200"),
    post("feeds:settings",                   "-",          "login 302 302 302 302 302 302 302", MY_FEEDS),
    get("feeds:ical",                        "feed",       "200   200 200 200 200 200 200 200"),
    get("feeds:ical[unknown]",               "bad-token",  "404   404 404 404 404 404 404 404"),
    # Notifications: only bob has one (in-app, unread).
    get("notifications:center",              "-",          "login 200 200 200 200 200 200 200"),
    get("notifications:badge",               "-",          "login 200 200 200 200 200 200 200"),
    get("notifications:preferences",         "-",          "login 200 200 200 200 200 200 200"),
    post("notifications:preferences",        "-",          "login 302 302 302 302 302 302 302", PREFS),
    # Unsubscribe links need no login: the signed token is the proof, so anyone holding it may use it.
    get("notifications:unsubscribe",         "unsub",      "200   200 200 200 200 200 200 200"),
    post("notifications:unsubscribe",        "unsub",      "200   200 200 200 200 200 200 200", UNSUBSCRIBE),
    post("notifications:unsubscribe[forged]", "unsub-forged", HIDDEN_TO_ALL, NO_UNSUBSCRIBE),
    get("notifications:read-all",            "-",          POST_ONLY),
    post("notifications:read-all",           "-",          "login 302 302 302 302 302 302 302", READ_ALL),
    get("notifications:open",                "bob-notice", POST_ONLY),
    post("notifications:open",               "bob-notice", "login 404 404 404 302 404 404 404", OPEN_NOTICE),
    # Chat targets are personal: everyone has the page; only bob may test or remove his own target.
    get("notifications:chat",                "-",          "login 200 200 200 200 200 200 200"),
    post("notifications:chat",               "-",          "login 302 302 302 302 302 302 302", ADD_CHAT),
    get("notifications:chat-test",           "bob-chat",   POST_ONLY),
    post("notifications:chat-test",          "bob-chat",   "login 404 404 404 302 404 404 404", TEST_CHAT),
    get("notifications:chat-remove",         "bob-chat",   POST_ONLY),
    post("notifications:chat-remove",        "bob-chat",   "login 404 404 404 302 404 404 404", REMOVE_CHAT),
    # Goals: bob has a shared goal with a milestone and a private one; organizers see both.
    get("goals:list",                        "circle",     "login 404 404 404 200 200 200 200"),
    get("goals:create",                      "circle",     "login 404 404 404 200 200 403 403"),
    post("goals:create",                     "circle",     "login 404 404 404 302 302 403 403", NEW_GOAL),
    get("goals:detail",                      "bob-goal",   "login 404 404 404 200 200 200 200"),
    get("goals:detail[private]",             "bob-private-goal", "login 404 404 404 200 404 200 200"),
    get("goals:detail[foreign]",             "dave-goal",  HIDDEN),
    get("goals:edit",                        "bob-goal",   "login 404 404 404 200 403 403 403"),
    post("goals:edit",                       "bob-goal",   "login 404 404 404 302 403 403 403", EDIT_GOAL),
    post("goals:edit[foreign]",              "dave-goal",  HIDDEN, DAVE_GOAL_SAME),
    get("goals:milestone-add",               "bob-goal",   POST_ONLY),
    post("goals:milestone-add",              "bob-goal",   "login 404 404 404 302 403 403 403", MORE_STEPS),
    post("goals:milestone-add[foreign]",     "dave-goal",  HIDDEN, DAVE_GOAL_SAME),
    get("goals:milestone-toggle",            "bob-milestone", POST_ONLY),
    post("goals:milestone-toggle",           "bob-milestone", "login 404 404 404 302 403 403 403", TICK),
    post("goals:milestone-toggle[foreign]",  "dave-milestone", HIDDEN, DAVE_GOAL_SAME),
]
# fmt: on
for _part in PARTS:
    ROWS.extend(_part.ROWS)
    TARGETS.update(_part.TARGETS)
    GET_ONLY.update(_part.GET_ONLY)


def log_in(client: Any, world: Any, persona: str) -> None:
    if persona != "anonymous":
        client.force_login(world.users[persona])


@pytest.mark.parametrize(
    ("entry", "persona"),
    [pytest.param(r, p, id=f"{r.id}-{r.method}-{p}") for r in ROWS for p in ALL_PERSONAS],
)
def test_access(client, world, entry: Row, persona: str) -> None:
    log_in(client, world, persona)
    url = reverse(entry.name, kwargs=TARGETS[entry.target](world))
    effect = entry.effect
    before = effect.snapshot(world) if effect else None
    if entry.method == "GET":
        response = client.get(url)
    else:
        assert effect, "every POST row names what it may change"
        response = client.post(url, effect.data(world) if callable(effect.data) else effect.data)
    want, got = expected(entry, persona), response.status_code
    if want == LOGIN:
        location = response.get("Location", "")
        assert (got, location) == (302, f"{reverse('account_login')}?next={quote(url)}"), (
            f"expected a login redirect got {got} {location}"
        )
    else:
        assert got == want, f"expected {want} got {got}"
    body = (
        b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    ).decode()
    if got == 403:
        if response.get("Content-Type", "").startswith("application/json"):
            reason = response.json()["error"]["message"]
            assert reason, "a 403 must say why"
        else:
            reason = response.context["reason"] if response.context else None
            assert reason and escape(reason) in body, "a 403 must say why"
    if got == 404:
        assert not [name for name in SECRETS if name in body], "a 404 page names what it hides"
    if effect:
        after = effect.snapshot(world)
        if may_change(effect, persona):
            assert after != before, f"{persona} should have changed {before!r}"
        else:
            assert after == before, f"{persona} changed {before!r} to {after!r}"


def test_healthz_is_public_json(client, db) -> None:
    response = client.get(reverse("healthz"))
    assert response.json()["status"] == "ok" and response.json()["database"] == "ok"


@pytest.mark.parametrize("persona", ["dave", "erin", "carol"])
def test_private_circle_is_not_listed_to_those_outside_it(client, world, persona: str) -> None:
    log_in(client, world, persona)
    pages = [reverse("home")] + (
        [reverse("communities:detail", kwargs=c(world))] if persona == "dave" else []
    )
    for page in pages:
        assert "Weekly Wins" not in client.get(page).content.decode(), page


@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_admin_sends_non_staff_to_the_admin_login(client, world, persona: str) -> None:
    log_in(client, world, persona)
    response = client.get("/admin/")
    assert (response.status_code, response["Location"]) == (302, "/admin/login/?next=/admin/")


def our_routes(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[str]:
    """Every route served by a view of ours (allauth, MFA and the admin are not ours)."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from our_routes(pattern, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix)
        elif pattern.callback.__module__.startswith("peerpact."):
            yield f"{prefix}{pattern.name}" if pattern.name else f"<unnamed {pattern.pattern}>"


def test_every_route_is_in_the_matrix() -> None:
    routes = set(our_routes())
    assert {"home", "healthz", "invitation-accept", "accounts:profile", "communities:detail"} <= routes
    get_rows = {r.name for r in ROWS if r.method == "GET"}
    post_rows = {r.name for r in ROWS if r.method == "POST"}
    missing_get, missing_post = sorted(routes - get_rows), sorted(routes - GET_ONLY - post_rows)
    assert not missing_get, f"routes without a GET row in the access matrix: {missing_get}"
    assert not missing_post, f"routes without a POST row in the access matrix: {missing_post}"


def test_every_row_is_tried_for_the_lapsed_personas_too(world) -> None:
    """dina (deactivated) and ivy (lapsed invitations) have no column: every row tries them as the persona
    they stand for (SAME_AS), so a new row covers them without anyone writing a cell."""
    assert set(SAME_AS.values()) <= set(PERSONAS) and not set(SAME_AS) & set(PERSONAS)
    cases = {
        (param.values[0].id, param.values[0].method, param.values[1])
        for mark in test_access.pytestmark  # type: ignore[attr-defined]
        if mark.name == "parametrize"
        for param in mark.args[1]
    }
    assert cases, "test_access is parametrized over rows and personas"
    assert cases == {(r.id, r.method, p) for r in ROWS for p in ALL_PERSONAS}
    dina, ivy = world.users["dina"], world.users["ivy"]
    assert not dina.is_active and Membership.objects.filter(circle=world.circle, user=dina).exists()
    assert not CommunityMembership.objects.filter(user=ivy).exists()
    assert not world.expired_invitation.is_usable(timezone.now())
    assert not world.revoked_invitation.is_usable(timezone.now())
