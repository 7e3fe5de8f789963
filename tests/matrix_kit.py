"""The pieces of the access-control matrix that its parts share (tests/access_rows/*.py).

A part is a module in tests/access_rows/ with:

- `extend(world)`: adds the objects its rows act on to the module-scoped world (a SimpleNamespace with
  users, community, circle, bob (his seat), other_circle, foreign_seat, … — see build_world);
- `TARGETS`: {name: lambda world: URL kwargs};
- `ROWS`: rows made with get()/post() below;
- `GET_ONLY`: route names whose views only read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.utils import timezone

from peerpact.accounts.models import User
from peerpact.circles import services as circle_services
from peerpact.circles.models import Circle, Membership
from peerpact.communities import services as community_services
from peerpact.communities.models import InvitationKind

PERSONAS = ("anonymous", "erin", "carol", "dave", "bob", "alice", "otto", "olivia")
LOGIN = "login"
# Personas tried on every row without a column of their own: each must get exactly what the persona it
# names gets (status and effect). dina was seated in the circle, then her account was deactivated (her
# session cookie still arrives); ivy holds an expired personal invitation and a revoked link.
SAME_AS = {"dina": "anonymous", "ivy": "erin"}
ALL_PERSONAS = PERSONAS + tuple(SAME_AS)


def person(email: str, name: str) -> User:
    user = User.objects.create_user(email=email, password="correct horse battery staple", display_name=name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def seat(circle: Circle, user: User, actor: User) -> Membership:
    """As in conftest: join the community, get invited to the circle, accept the charter."""
    community_services.community_member_add(community=circle.community, user=user)
    circle_services.circle_invite(circle=circle, actor=actor, email=user.email)
    return circle_services.membership_accept_invitation(circle=circle, user=user, charter_accepted=True)


def lapsed_personas_add(w: Any) -> None:
    """Add dina (a deactivated member of w.circle) and ivy (whose invitations lapsed) to w.users."""
    owner = w.community.memberships.get(role="owner").user
    dina = person("dina@example.com", "Dina")
    seat(w.circle, dina, owner)
    dina.is_active = False
    dina.save(update_fields=["is_active"])
    ivy = person("ivy@example.com", "Ivy")
    expired = community_services.invitation_create(
        community=w.community, actor=owner, kind=InvitationKind.EMAIL, email=ivy.email
    )
    expired.expires_at = timezone.now() - timedelta(days=1)
    expired.save(update_fields=["expires_at"])
    revoked = community_services.invitation_create(
        community=w.community, actor=owner, kind=InvitationKind.LINK, max_uses=25
    )
    community_services.invitation_revoke(actor=owner, invitation=revoked)
    w.users.update(dina=dina, ivy=ivy)
    w.expired_invitation, w.revoked_invitation = expired, revoked


def expected(row: Row, persona: str) -> int | str:
    return row.expect[SAME_AS.get(persona, persona)]


def may_change(effect: Effect, persona: str) -> bool:
    return SAME_AS.get(persona, persona) in effect.changes.split()


LOGGED_IN = "erin carol dave bob alice otto olivia"
MANAGERS = "otto olivia"
CIRCLE_MANAGERS = "alice otto olivia"


def c(w: Any, **extra: Any) -> dict[str, Any]:
    return {"slug": w.community.slug, **extra}


def k(w: Any, **extra: Any) -> dict[str, Any]:
    return {"community": w.community.slug, "circle": w.circle.slug, **extra}


def fresh(obj: Any, *fields: str) -> Any:
    return type(obj).objects.filter(pk=obj.pk).values_list(*fields).first()


@dataclass(frozen=True)
class Effect:
    """What a POST sends, a snapshot of what it would change, and the personas who may change it."""

    data: dict[str, Any] | Callable[[Any], dict[str, Any]]
    snapshot: Callable[[Any], Any]
    changes: str = ""


@dataclass(frozen=True)
class Row:
    id: str  # the route name, plus [variant] when a route has several rows
    method: str
    target: str
    expect: dict[str, int | str]
    effect: Effect | None

    @property
    def name(self) -> str:
        return self.id.split("[")[0]


def row(id: str, method: str, target: str, expect: str, effect: Effect | None = None) -> Row:
    cells = [cell if cell == LOGIN else int(cell) for cell in expect.split()]
    assert len(cells) == len(PERSONAS), f"{id} {method}: one cell per persona"
    return Row(id, method, target, dict(zip(PERSONAS, cells, strict=True)), effect)


POST_ONLY = "login 405 405 405 405 405 405 405"
HIDDEN = "login 404 404 404 404 404 404 404"
HIDDEN_TO_ALL = "404 404 404 404 404 404 404 404"


def get(id: str, target: str, expect: str) -> Row:
    return row(id, "GET", target, expect)


def post(id: str, target: str, expect: str, effect: Effect) -> Row:
    return row(id, "POST", target, expect, effect)
