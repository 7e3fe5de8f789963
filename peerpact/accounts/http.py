from __future__ import annotations

from django.http import HttpRequest

from peerpact.accounts.models import User


class AuthedRequest(HttpRequest):
    """The request type of views behind @login_required: `user` is a real User."""

    user: User
