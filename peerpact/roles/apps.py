from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RolesConfig(AppConfig):
    name = "peerpact.roles"
    label = "roles"
    verbose_name = _("Circle roles")
