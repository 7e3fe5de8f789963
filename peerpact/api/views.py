"""/profile/tokens/: list, create (the token is shown once) and revoke personal access tokens."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from peerpact.accounts.http import AuthedRequest
from peerpact.api import selectors, services
from peerpact.api.forms import TokenCreateForm
from peerpact.api.models import ApiToken
from peerpact.lib.forms import add_service_errors


def _page(request: AuthedRequest, form: TokenCreateForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "api/token_list.html",
        {"tokens": selectors.token_list_for_user(user=request.user), "form": form, "now": timezone.now()},
        status=status,
    )


@login_required
@require_safe
def token_list(request: AuthedRequest) -> HttpResponse:
    return _page(request, TokenCreateForm(user=request.user))


@login_required
@require_POST
@never_cache
def token_create(request: AuthedRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST, user=request.user)
    if form.is_valid():
        days = form.cleaned_data.get("expires_in")
        try:
            created = services.token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                community=form.cleaned_data["community"],
                expires_at=timezone.now() + timedelta(days=int(days)) if days else None,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            # Rendered, not redirected: the secret exists only in this response and is never stored.
            return render(
                request, "api/token_created.html", {"token": created.token, "secret": created.secret}
            )
    return _page(request, form, status=400)


def _my_token(request: AuthedRequest, token_id: int) -> ApiToken:
    token = selectors.token_get_for_user(user=request.user, token_id=token_id)
    if token is None:
        raise Http404
    return token


@login_required
def token_revoke(request: AuthedRequest, token_id: int) -> HttpResponse:
    token = _my_token(request, token_id)
    if request.method == "POST":
        services.token_revoke(token=token, actor=request.user)
        messages.success(request, _("Token “%(name)s” revoked. It no longer works.") % {"name": token.name})
        return redirect("api_tokens:list")
    return render(request, "api/token_revoke.html", {"token": token})
