from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    name = "peerpact.communities"
    label = "communities"
    verbose_name = _("Communities")

    def ready(self) -> None:
        from peerpact.communities.middleware import api_check
        from peerpact.lib import apikit

        if api_check not in apikit.COMMUNITY_CHECKS:
            apikit.COMMUNITY_CHECKS.append(api_check)
