"""Lookups shared by the program views: each answers 404 for what the user has no business with."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from peerpact.communities import selectors as community_selectors
from peerpact.communities.models import Community
from peerpact.programs import selectors
from peerpact.programs.models import Cohort, Module, Program


def community_or_404(request: HttpRequest, slug: str) -> Community:
    community = community_selectors.community_get_for_user(user=request.user, slug=slug)
    if community is None:
        raise Http404
    return community


def program_or_404(request: HttpRequest, community: str, program: str) -> Program:
    found = selectors.program_get(
        user=request.user, community=community_or_404(request, community), slug=program
    )
    if found is None:
        raise Http404
    return found


def cohort_or_404(request: HttpRequest, community: str, cohort: int) -> Cohort:
    found = selectors.cohort_get(
        user=request.user, community=community_or_404(request, community), cohort_id=cohort
    )
    if found is None:
        raise Http404
    return found


def module_of(program: Program, module_id: int) -> Module:
    return get_object_or_404(Module, pk=module_id, program=program)
