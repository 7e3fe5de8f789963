"""Organizer pages for a community's webhooks: endpoints, secrets, test-send, the delivery log.

A community the user is not in is a 404 (so is another community's endpoint or delivery reached through
ours); a member who is not an organizer gets a 403 that says why.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from peerpact.accounts.http import AuthedRequest
from peerpact.communities import selectors as community_selectors
from peerpact.communities.models import Community
from peerpact.lib.forms import add_service_errors
from peerpact.lib.htmx import is_htmx
from peerpact.lib.views import forbidden
from peerpact.webhooks import access, selectors, services
from peerpact.webhooks.forms import EndpointForm
from peerpact.webhooks.models import Delivery, DeliveryState, Endpoint
from peerpact.webhooks.payloads import EVENT_TYPES

NOT_ORGANIZER = gettext_lazy("Only the community's organizers manage its webhooks.")
LOG_PAGE_SIZE = 25


def _manage(request: AuthedRequest, slug: str) -> tuple[Community, HttpResponse | None]:
    """The community (404 if the user is not in it), and the 403 page if they may not manage webhooks."""
    community = community_selectors.community_get_for_user(user=request.user, slug=slug)
    if community is None:
        raise Http404
    if not access.can_manage_webhooks(request.user, community):
        return community, forbidden(request, str(NOT_ORGANIZER))
    return community, None


def _endpoint(community: Community, pk: int) -> Endpoint:
    return get_object_or_404(Endpoint.objects.select_related("community"), pk=pk, community=community)


def _to_detail(endpoint: Endpoint) -> HttpResponse:
    return redirect("webhooks:detail", community=endpoint.community.slug, endpoint=endpoint.pk)


@login_required
def endpoint_list(request: AuthedRequest, community: str) -> HttpResponse:
    found, refused = _manage(request, community)
    if refused:
        return refused
    return render(
        request,
        "webhooks/endpoint_list.html",
        {
            "community": found,
            "endpoints": list(selectors.endpoint_list_for(community=found)),
            "events": EVENT_TYPES,
        },
    )


@login_required
def endpoint_create(request: AuthedRequest, community: str) -> HttpResponse:
    found, refused = _manage(request, community)
    if refused:
        return refused
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.endpoint_create(community=found, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Endpoint added. Copy its signing secret, then send a test event."))
            return redirect("webhooks:secret", community=found.slug, endpoint=endpoint.pk)
    return render(
        request,
        "webhooks/endpoint_form.html",
        {"community": found, "form": form, "endpoint": None},
        status=400 if form.errors else 200,
    )


@login_required
def endpoint_detail(request: AuthedRequest, community: str, endpoint: int) -> HttpResponse:
    found, refused = _manage(request, community)
    if refused:
        return refused
    target = _endpoint(found, endpoint)
    page = Paginator(selectors.delivery_log_for(endpoint=target), LOG_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"community": found, "endpoint": target, "page": page, "events": EVENT_TYPES}
    if is_htmx(request) and request.GET.get("page"):
        return render(request, "webhooks/partials/_deliveries.html", context)
    return render(request, "webhooks/endpoint_detail.html", context)


@login_required
def endpoint_edit(request: AuthedRequest, community: str, endpoint: int) -> HttpResponse:
    found, refused = _manage(request, community)
    if refused:
        return refused
    target = _endpoint(found, endpoint)
    initial = {"url": target.url, "description": target.description, "events": target.events}
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(endpoint=target, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Endpoint saved."))
            return _to_detail(target)
    return render(
        request,
        "webhooks/endpoint_form.html",
        {"community": found, "form": form, "endpoint": target},
        status=400 if form.errors else 200,
    )


@login_required
def endpoint_secret(request: AuthedRequest, community: str, endpoint: int) -> HttpResponse:
    """Show the signing secret (asked for on purpose; never cached)."""
    found, refused = _manage(request, community)
    if refused:
        return refused
    target = _endpoint(found, endpoint)
    template = "webhooks/partials/_secret.html" if is_htmx(request) else "webhooks/endpoint_secret.html"
    response = render(request, template, {"community": found, "endpoint": target, "revealed": True})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def endpoint_rotate(request: AuthedRequest, community: str, endpoint: int) -> HttpResponse:
    found, refused = _manage(request, community)
    if refused:
        return refused
    target = _endpoint(found, endpoint)
    services.endpoint_secret_rotate(endpoint=target, actor=request.user, now=timezone.now())
    messages.success(
        request, _("New secret made. The old one keeps signing too for 24 hours, so you can switch calmly.")
    )
    return redirect("webhooks:secret", community=found.slug, endpoint=target.pk)


@login_required
@require_POST
def endpoint_test(request: AuthedRequest, community: str, endpoint: int) -> HttpResponse:
    """Send a ping now and show what came back."""
    found, refused = _manage(request, community)
    if refused:
        return refused
    target = _endpoint(found, endpoint)
    ping = services.endpoint_test_send(endpoint=target, actor=request.user, now=timezone.now())
    if is_htmx(request):
        return render(request, "webhooks/partials/_test_result.html", {"ping": ping, "endpoint": target})
    if ping.state == DeliveryState.SUCCEEDED:
        messages.success(
            request,
            _("Test event delivered: the endpoint answered %(code)s.") % {"code": ping.last_status_code},
        )
    else:
        messages.error(request, _("Test event not delivered: %(error)s") % {"error": ping.last_error})
    return _to_detail(target)


@login_required
@require_POST
def endpoint_state(request: AuthedRequest, community: str, endpoint: int) -> HttpResponse:
    """Switch an endpoint on (after an auto-disable, say) or off."""
    found, refused = _manage(request, community)
    if refused:
        return refused
    target = _endpoint(found, endpoint)
    if request.POST.get("active") == "on":
        services.endpoint_enable(endpoint=target, actor=request.user)
        messages.success(request, _("Endpoint switched on. Deliveries that waited go out now."))
    else:
        services.endpoint_disable(endpoint=target, actor=request.user, now=timezone.now())
        messages.success(request, _("Endpoint switched off. Nothing is sent to it until you switch it on."))
    return _to_detail(target)


@login_required
@require_POST
def endpoint_delete(request: AuthedRequest, community: str, endpoint: int) -> HttpResponse:
    found, refused = _manage(request, community)
    if refused:
        return refused
    target = _endpoint(found, endpoint)
    name = str(target)
    services.endpoint_delete(endpoint=target, actor=request.user)
    messages.success(request, _("Endpoint %(name)s removed with its delivery log.") % {"name": name})
    return redirect("webhooks:list", community=found.slug)


@login_required
@require_POST
def delivery_retry(request: AuthedRequest, community: str, endpoint: int, delivery: int) -> HttpResponse:
    found, refused = _manage(request, community)
    if refused:
        return refused
    target = _endpoint(found, endpoint)
    row = get_object_or_404(
        Delivery.objects.select_related("endpoint__community"), pk=delivery, endpoint=target
    )
    try:
        services.delivery_retry(delivery=row, actor=request.user, now=timezone.now())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if target.is_active:
            messages.success(request, _("Queued again: the worker sends it within moments."))
        else:
            messages.success(request, _("Queued again: it goes out once the endpoint is switched on."))
    return _to_detail(target)
