"""GET /api/v1/me: who the API acts for, and what the credentials allow."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from peerpact.lib.apikit import auth_summary, caller

router = Router(tags=["me"])


class AuthOut(Schema):
    method: str  # "token" or "session"
    scope: str  # "read" or "write"
    community_id: int | None  # the one community a limited token may reach


class MeOut(Schema):
    id: int
    email: str
    name: str
    display_name: str
    pronouns: str
    timezone: str
    language: str
    date_joined: datetime
    auth: AuthOut


@router.get("/me", response=MeOut, url_name="me", summary="The signed-in person")
def me(request: HttpRequest) -> dict[str, object]:
    user = caller(request)
    return {
        "id": user.pk,
        "email": user.email,
        "name": user.name,
        "display_name": user.display_name,
        "pronouns": user.pronouns,
        "timezone": user.timezone,
        "language": user.language,
        "date_joined": user.date_joined,
        "auth": auth_summary(request),
    }
