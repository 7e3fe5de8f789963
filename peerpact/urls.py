from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from peerpact import views
from peerpact.accounts import views as account_views
from peerpact.circles import views as circle_views

admin.site.site_header = _("PeerPact administration")
admin.site.site_title = _("PeerPact admin")

urlpatterns = [
    path("", include("peerpact.insights.urls")),
    # allauth's login, answering 429 when failed attempts are rate limited (accounts/views.py).
    path("accounts/login/", account_views.LoginView.as_view(), name="account_login"),
    path("accounts/", include("allauth.urls")),
    path("profile/tokens/", include("peerpact.api.token_urls")),
    path("profile/", include("peerpact.accounts.urls")),
    path("c/", include("peerpact.communities.urls")),
    path("c/<slug:community>/circles/", include("peerpact.circles.urls")),
    path("c/<slug:community>/circles/<slug:circle>/", include("peerpact.checkins.urls")),
    path("c/<slug:community>/circles/<slug:circle>/goals/", include("peerpact.goals.urls")),
    path("c/<slug:community>/circles/<slug:circle>/roles/", include("peerpact.roles.urls")),
    path("c/<slug:community>/circles/<slug:circle>/feedback/", include("peerpact.feedback.urls")),
    path("c/<slug:community>/circles/<slug:circle>/engagement/", include("peerpact.engagement.urls")),
    path("c/<slug:slug>/health/", include("peerpact.engagement.community_urls")),
    path("c/<slug:slug>/insights/", include("peerpact.insights.dashboard_urls")),
    path("c/<slug:community>/circles/<slug:circle>/insights/", include("peerpact.insights.circle_urls")),
    path("", include("peerpact.safety.urls")),  # safety/… and c/<community>/{moderation,concerns,…}/
    path("c/<slug:community>/programs/", include("peerpact.programs.urls")),
    path("c/<slug:slug>/export/", include("peerpact.insights.export_urls")),
    path("c/<slug:community>/formation/", include("peerpact.formation.urls")),
    path("c/<slug:community>/webhooks/", include("peerpact.webhooks.urls")),
    path("apply/", include("peerpact.formation.apply_urls")),
    path("calendar/", include("peerpact.checkins.feed_urls")),
    path("notifications/", include("peerpact.notifications.urls")),
    path("language/", account_views.language, name="language"),
    path("invite/<str:token>/", circle_views.invitation_accept, name="invitation-accept"),
    path("api/v1/", include("peerpact.api.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/live", views.liveness, name="liveness"),
    path("admin/", admin.site.urls),
]
