"""(being written)"""

from __future__ import annotations

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


goal_list = goal_create = goal_detail = goal_edit = milestone_toggle = _todo
