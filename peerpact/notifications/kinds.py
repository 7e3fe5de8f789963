"""The kinds of message people can choose about. Apps register theirs in AppConfig.ready()."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Kind:
    name: str
    label: str | Promise
    help: str | Promise = ""


_kinds: dict[str, Kind] = {}


def register(name: str, label: str | Promise, help: str | Promise = "") -> Kind:
    kind = Kind(name=name, label=label, help=help)
    _kinds[name] = kind
    return kind


def all_kinds() -> list[Kind]:
    return list(_kinds.values())
