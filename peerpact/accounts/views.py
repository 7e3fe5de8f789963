from __future__ import annotations

from typing import Any

from allauth.account import views as allauth_views
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from peerpact.accounts import services
from peerpact.accounts.forms import AccountDeleteForm, LanguageForm, PasswordConfirmForm, ProfileForm
from peerpact.accounts.http import AuthedRequest
from peerpact.accounts.models import User, UserSession
from peerpact.accounts.portability import erase, export
from peerpact.lib.forms import add_service_errors
from peerpact.lib.views import local_path


class LoginView(allauth_views.LoginView):
    """allauth's login page, except that a refused attempt after too many failures answers 429 (Too Many
    Requests) rather than 200: the page still says why, and proxies and monitoring see the refusal."""

    def form_invalid(self, form: Any) -> HttpResponse:
        response: HttpResponse = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, code="too_many_login_attempts"):
            response.status_code = 429
        return response


@login_required
def profile(request: AuthedRequest) -> HttpResponse:
    user = User.objects.get(pk=request.user.pk)
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_profile(user=user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Profile saved."))
            return redirect("accounts:profile")
    context = {
        "form": form,
        "sessions": UserSession.objects.filter(user=user),
        "current_session_key": request.session.session_key,
    }
    return render(request, "accounts/profile.html", context, status=400 if form.errors else 200)


@login_required
def your_data(request: AuthedRequest) -> HttpResponse:
    """Profile → Your data: download everything, or delete the account."""
    form = PasswordConfirmForm(user=request.user)
    return render(
        request, "accounts/your_data.html", {"form": form, **erase.deletion_context(user=request.user)}
    )


@login_required
@require_POST
def data_download(request: AuthedRequest) -> HttpResponse | FileResponse:
    """The member's whole export as a zip, after they re-enter their password (built in a temporary
    file and streamed from there, so memory stays flat however much they wrote)."""
    user = User.objects.get(pk=request.user.pk)
    form = PasswordConfirmForm(request.POST, user=user)
    if not form.is_valid():
        context = {"form": form, **erase.deletion_context(user=user)}
        return render(request, "accounts/your_data.html", context, status=400)
    filename = f"peerpact-data-{timezone.localdate():%Y-%m-%d}.zip"
    return FileResponse(
        export.member_export_file(user=user),
        as_attachment=True,
        filename=filename,
        content_type="application/zip",
    )


@login_required
def account_delete(request: AuthedRequest) -> HttpResponse:
    user = User.objects.get(pk=request.user.pk)
    form = AccountDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            erase.account_delete(user=user, actor=request.user, password=form.cleaned_data["password"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:  # pragma: no cover - the actor is always the user here
            form.add_error(None, str(exc))
        else:
            logout(request)
            messages.success(
                request, _("Your account and your data have been deleted. Goodbye, and thank you.")
            )
            return redirect("home")
    context = {"form": form, **erase.deletion_context(user=user)}
    return render(request, "accounts/account_delete.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def session_revoke(request: AuthedRequest, session_id: int) -> HttpResponse:
    """Profile → Signed-in sessions: sign one session out (this one too, which is a sign-out)."""
    current = request.session.session_key
    found = UserSession.objects.filter(pk=session_id, user=request.user).first()
    if found is None:
        raise Http404
    if found.session_key == current:
        logout(request)
        return redirect("account_login")
    services.user_session_revoke(actor=request.user, session_id=found.pk)
    messages.success(request, _("That session is signed out."))
    return redirect(f"{reverse('accounts:profile')}#sessions")


@login_required
@require_POST
def sessions_revoke_others(request: AuthedRequest) -> HttpResponse:
    ended = services.user_sessions_revoke_others(user=request.user, keep_key=request.session.session_key)
    messages.success(
        request,
        ngettext("%(count)d other session signed out.", "%(count)d other sessions signed out.", ended)
        % {"count": ended},
    )
    return redirect(f"{reverse('accounts:profile')}#sessions")


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """The footer's language switcher, for everyone: a cookie for this browser and, when signed in, the
    profile's language too, so emails and other devices follow. Back to the page it was used on."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return render(request, "400.html", {"reason": _("That language is not available.")}, status=400)
    code = form.cleaned_data["language"]
    back = local_path(request, form.cleaned_data["next"], reverse("home"))
    if request.user.is_authenticated:
        services.user_set_language(user=User.objects.get(pk=request.user.pk), language=code)
    response = redirect(back)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite="Lax",
    )
    return response
