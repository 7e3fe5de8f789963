"""The /api/v1 root: one NinjaAPI with every app's router, our auth, errors and parser."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI

from peerpact.accounts.api import router as me_router
from peerpact.api import errors
from peerpact.api.auth import AUTH
from peerpact.api.docs import LocalSwagger
from peerpact.api.parser import JsonOrFormParser
from peerpact.checkins.api import router as checkins_router
from peerpact.circles.api import router as circles_router
from peerpact.communities.api import router as communities_router
from peerpact.feedback.api import router as feedback_router
from peerpact.goals.api import router as goals_router
from peerpact.notifications.api import router as notifications_router
from peerpact.programs.api import router as programs_router

NAMESPACE = "api"

api = NinjaAPI(
    title="PeerPact API",
    version="1",
    description=str(
        _(
            "Personal access tokens (Authorization: Bearer …) or the site's session. "
            'Errors: {"error": {"code", "message", "details"}}. See docs/api.md.'
        )
    ),
    urls_namespace=NAMESPACE,
    auth=AUTH,
    parser=JsonOrFormParser(),
    docs=LocalSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)

for router in (
    me_router,
    communities_router,
    circles_router,
    checkins_router,
    goals_router,
    feedback_router,
    notifications_router,
    programs_router,
):
    api.add_router("", router)
