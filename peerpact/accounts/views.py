from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerpact.accounts import services
from peerpact.accounts.forms import AccountDeleteForm, PasswordConfirmForm, ProfileForm
from peerpact.accounts.http import AuthedRequest
from peerpact.accounts.models import User
from peerpact.accounts.portability import erase, export
from peerpact.lib.forms import add_service_errors


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
    return render(request, "accounts/profile.html", {"form": form}, status=400 if form.errors else 200)


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
    """The member's whole export as a zip, after they re-enter their password (built in memory: a
    busy demo account takes about 50 ms)."""
    user = User.objects.get(pk=request.user.pk)
    form = PasswordConfirmForm(request.POST, user=user)
    if not form.is_valid():
        context = {"form": form, **erase.deletion_context(user=user)}
        return render(request, "accounts/your_data.html", context, status=400)
    content = export.member_export_zip(user=user)
    filename = f"peerpact-data-{timezone.localdate():%Y-%m-%d}.zip"
    return FileResponse(
        io.BytesIO(content), as_attachment=True, filename=filename, content_type="application/zip"
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
