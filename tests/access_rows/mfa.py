"""Access rows for two-factor authentication required by a community (Community.require_mfa).

olivia (the owner) has an authenticator, so she may switch the requirement on; organizers may see the
setting but not change it. The requirement itself is tried on every row in
peerpact/communities/tests/test_require_mfa.py.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator

from tests.matrix_kit import POST_ONLY, Effect, fresh, get, post


def extend(w: Any) -> None:
    Authenticator.objects.create(
        user=w.users["olivia"], type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )


TARGETS: dict[str, Any] = {}
GET_ONLY = {"communities:mfa-required"}

REQUIRE_MFA = Effect({"require_mfa": "on"}, lambda w: fresh(w.community, "require_mfa"), "olivia")

ROWS = [
    get("communities:mfa-required", "community", "login 404 404 200 200 200 200 200"),
    get("communities:require-mfa", "community", POST_ONLY),
    post("communities:require-mfa", "community", "login 404 404 403 403 403 403 302", REQUIRE_MFA),
]
