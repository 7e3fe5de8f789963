"""The organizer's "Export this community" page (the same zip as manage.py export_community)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from peerpact.accounts.forms import PasswordConfirmForm
from peerpact.accounts.http import AuthedRequest
from peerpact.communities import access as community_access
from peerpact.communities.views import community_for
from peerpact.insights.community_export import community_export_file
from peerpact.lib.views import forbidden


@login_required
def community_export(request: AuthedRequest, slug: str) -> HttpResponse | FileResponse:
    """GET: what the export holds; POST with the organizer's password: the zip."""
    community = community_for(request, slug)
    if not community_access.can_manage_community(request.user, community):
        return forbidden(request, _("Only owners and organizers can export the community."))
    form = PasswordConfirmForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        filename = f"{community.slug}-{timezone.localdate():%Y-%m-%d}.zip"
        # Built in a temporary file and streamed from there: memory stays flat for any community size.
        return FileResponse(
            community_export_file(community=community),
            as_attachment=True,
            filename=filename,
            content_type="application/zip",
        )
    context = {"community": community, "form": form}
    return render(request, "insights/community_export.html", context, status=400 if form.errors else 200)
