"""Parts of the access-control matrix, one module per app (see tests/matrix_kit.py for the protocol)."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def parts() -> list[ModuleType]:
    return [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name)
    ]
