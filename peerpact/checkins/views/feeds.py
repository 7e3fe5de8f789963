"""Calendar feeds: the secret .ics addresses, and the pages that show (and replace) them."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from peerpact.accounts.http import AuthedRequest
from peerpact.checkins import ical, services
from peerpact.checkins.models import CalendarFeed
from peerpact.checkins.views.common import board_circle

# Calendar apps poll on their own schedule; a short private cache only absorbs bursts.
FEED_MAX_AGE = 15 * 60


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCal feed. No login: the token in the address is the secret; an unknown one is a 404."""
    calendar_feed = (
        CalendarFeed.objects.select_related("user", "circle__community", "circle__rhythm")
        .filter(token=token)
        .first()
    )
    if calendar_feed is None:
        raise Http404
    sources = ical.feed_sources(calendar_feed)
    if sources is None:
        raise Http404
    # Apps fetch without a session, so the texts use the owner's language.
    with translation.override(calendar_feed.user.language or settings.LANGUAGE_CODE):
        body = ical.feed_calendar(feed=calendar_feed, sources=sources, now=timezone.now()).to_ical()
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="peerpact.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    patch_cache_control(response, private=True, max_age=FEED_MAX_AGE)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    response["ETag"] = etag
    return get_conditional_response(request, etag=etag, response=response) or response


def _feed_context(feed: CalendarFeed) -> dict[str, Any]:
    url = settings.SITE_URL + reverse("feeds:ical", kwargs={"token": feed.token})
    return {"feed": feed, "feed_url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}


def _regenerate(request: AuthedRequest, feed: CalendarFeed) -> HttpResponse:
    services.calendar_feed_regenerate(feed=feed, actor=request.user)
    messages.success(
        request,
        _("Your calendar address was replaced. The old one no longer works: subscribe again with it."),
    )
    return redirect(request.path)


@never_cache  # the page shows a secret
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def calendar_settings(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    """This circle's secret feed address, how to subscribe, and a button to replace the address."""
    found = board_circle(request, community, circle)
    feed = services.calendar_feed_get(user=request.user, circle=found)
    feed.user, feed.circle = request.user, found  # reuse what is loaded (and its access cache)
    if request.method == "POST":
        return _regenerate(request, feed)
    sources = ical.feed_sources(feed) or []
    return render(
        request,
        "checkins/calendar_settings.html",
        {"community": found.community, "circle": found, "has_rhythm": bool(sources), **_feed_context(feed)},
    )


@never_cache  # the page shows a secret
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def calendar_settings_personal(request: AuthedRequest) -> HttpResponse:
    """The person's one feed for every circle they sit in."""
    feed = services.calendar_feed_get(user=request.user, circle=None)
    feed.user = request.user
    if request.method == "POST":
        return _regenerate(request, feed)
    sources = ical.feed_sources(feed) or []
    return render(
        request,
        "checkins/calendar_settings_personal.html",
        {"circles": [source.circle for source in sources], **_feed_context(feed)},
    )
