"""Organizer pages: import members from a CSV file (upload → preview → import all or nothing)."""

from __future__ import annotations

import base64

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from peerpact.accounts.http import AuthedRequest
from peerpact.circles import member_import as importing
from peerpact.communities import access as community_access
from peerpact.communities.models import Community
from peerpact.communities.views import community_for
from peerpact.lib.views import forbidden

SESSION_KEY = "member-import:%s"


class MemberImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "Columns: email, name, role (member or organizer), circle (its address). At most 500 rows."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


def _managed(request: AuthedRequest, slug: str) -> Community:
    community = community_for(request, slug)
    if not community_access.can_manage_community(request.user, community):
        raise PermissionDenied(_("Only owners and organizers can import members."))
    return community


@login_required
def member_import(request: AuthedRequest, slug: str) -> HttpResponse:
    try:
        community = _managed(request, slug)
    except PermissionDenied as exc:
        return forbidden(request, exc)
    form = MemberImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(importing.MAX_BYTES + 1)
        try:
            preview = importing.member_import_preview(community=community, actor=request.user, data=data)
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            # The file waits in the session for the confirmation; its digest travels in the form, so a
            # newer upload in another tab makes this preview stale instead of importing the wrong file.
            request.session[SESSION_KEY % community.pk] = {
                "digest": preview.digest,
                "data": base64.b64encode(data).decode(),
            }
            return render(
                request,
                "communities/member_import_preview.html",
                {"community": community, "preview": preview},
            )
    return render(
        request,
        "communities/member_import.html",
        {"community": community, "form": form, "max_rows": importing.MAX_ROWS},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def member_import_confirm(request: AuthedRequest, slug: str) -> HttpResponse:
    try:
        community = _managed(request, slug)
    except PermissionDenied as exc:
        return forbidden(request, exc)
    stored = request.session.get(SESSION_KEY % community.pk) or {}
    data = base64.b64decode(stored.get("data", ""))
    digest = request.POST.get("digest", "")
    if not stored or stored.get("digest") != digest:
        messages.error(
            request,
            _("This preview is out of date (another file was uploaded since). Upload the file again."),
        )
        return redirect("communities:member-import", slug=community.slug)
    try:
        preview = importing.member_import_apply(
            community=community, actor=request.user, data=data, digest=digest
        )
    except ValidationError as exc:
        preview = importing.member_import_preview(community=community, actor=request.user, data=data)
        context = {"community": community, "preview": preview, "apply_errors": exc.messages}
        return render(request, "communities/member_import_preview.html", context, status=400)
    del request.session[SESSION_KEY % community.pk]
    count = len(preview.actionable)
    messages.success(
        request,
        ngettext("%(count)s person imported.", "%(count)s people imported.", count) % {"count": count},
    )
    return redirect("communities:members", slug=community.slug)
