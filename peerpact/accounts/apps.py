from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "peerpact.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from peerpact.accounts import signals  # noqa: F401 (connects the session receivers)
