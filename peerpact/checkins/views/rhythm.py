"""(being written)"""

from __future__ import annotations

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


rhythm_edit = _todo
rhythm_preview = _todo
blackout_add = _todo
blackout_delete = _todo
pause_edit = _todo
pause_member = _todo
