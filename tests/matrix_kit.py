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
from typing import Any

from allauth.account.models import EmailAddress

from peerpact.accounts.models import User
from peerpact.circles import services as circle_services
from peerpact.circles.models import Circle, Membership
from peerpact.communities import services as community_services

PERSONAS = ("anonymous", "erin", "carol", "dave", "bob", "alice", "otto", "olivia")
LOGIN = "login"


def person(email: str, name: str) -> User:
    user = User.objects.create_user(email=email, password="correct horse battery staple", display_name=name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def seat(circle: Circle, user: User, actor: User) -> Membership:
    """As in conftest: join the community, get invited to the circle, accept the charter."""
    community_services.community_member_add(community=circle.community, user=user)
    circle_services.circle_invite(circle=circle, actor=actor, email=user.email)
    return circle_services.membership_accept_invitation(circle=circle, user=user, charter_accepted=True)


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
