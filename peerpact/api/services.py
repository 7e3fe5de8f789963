"""Personal access tokens: create (the secret is returned once), revoke, and authenticate a request."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from peerpact.api.models import PREFIX_CHARS, TOKEN_START, ApiToken, TokenScope
from peerpact.communities import access as community_access
from peerpact.communities.models import Community

# last_used_at is written at most this often per token: a busy script must not turn reads into writes.
LAST_USED_GRANULARITY = timedelta(minutes=1)
MAX_TOKENS_PER_USER = 50


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the whole token string, shown once and never stored


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def token_create(
    *,
    user: Any,
    name: str,
    scope: str = TokenScope.READ,
    community: Community | None = None,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> NewToken:
    """Make a token for `user`; the returned secret is the only copy there will ever be."""
    now = now or timezone.now()
    name = name.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Give the token a name, so you recognize it later.")
    if scope not in TokenScope.values:
        errors["scope"] = _("Choose read only or read and write.")
    if community is not None and not community_access.can_view_community(user, community):
        errors["community"] = _("You can only limit a token to a community you are in.")
    if expires_at is not None and expires_at <= now:
        errors["expires_at"] = _("The expiry date must be in the future.")
    if ApiToken.objects.usable(now).filter(user=user).count() >= MAX_TOKENS_PER_USER:
        errors["name"] = _("You have %(n)s active tokens. Revoke one you no longer use first.") % {
            "n": MAX_TOKENS_PER_USER
        }
    if errors:
        raise ValidationError(errors)
    for _attempt in range(5):
        prefix = secrets.token_hex(PREFIX_CHARS // 2)
        secret = f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    user=user,
                    name=name,
                    scope=scope,
                    community=community,
                    prefix=prefix,
                    secret_hash=_hash(secret),
                    expires_at=expires_at,
                )
        except IntegrityError:  # a prefix collision (48 random bits): draw again
            continue
        return NewToken(token=token, secret=secret)
    raise RuntimeError("could not draw a unique token prefix")


def token_revoke(*, token: ApiToken, actor: Any, now: datetime | None = None) -> ApiToken:
    """Stop the token working at once. Revoking twice changes nothing."""
    if token.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the token's owner can revoke it."))
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(*, presented: str, now: datetime | None = None) -> ApiToken | None:
    """The usable token matching `presented` (with its user), or None. Never says which part was wrong."""
    now = now or timezone.now()
    if not presented.startswith(TOKEN_START):
        return None
    prefix, _sep, rest = presented[len(TOKEN_START) :].partition("_")
    if len(prefix) != PREFIX_CHARS or not rest:
        return None
    token = ApiToken.objects.select_related("user", "community").filter(prefix=prefix).first()
    # Compare the hashes in constant time even when nothing matched, so timing tells nothing either.
    expected = token.secret_hash if token is not None else _hash("")
    if not hmac.compare_digest(expected, _hash(presented)) or token is None:
        return None
    if not token.is_usable(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_GRANULARITY:
        stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_GRANULARITY)
        ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
