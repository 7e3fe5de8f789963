"""The `zoned` template filter: an instant in the viewer's zone, the zone named, the instant exact."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

from django.template import Context, Template
from django.utils import timezone, translation

INSTANT = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)  # a Friday


def render(source: str, zone: str, language: str = "en", **context: object) -> str:
    with timezone.override(zoneinfo.ZoneInfo(zone)), translation.override(language):
        return Template(source).render(Context(context))


def test_a_time_is_shown_in_the_viewers_zone_with_the_zone_named() -> None:
    html = render('{{ at|zoned:"l j F, H:i" }}', "Asia/Kolkata", at=INSTANT)
    assert (
        html == '<time datetime="2026-11-27T17:00:00+00:00">Friday 27 November, 22:30 (Asia/Kolkata)</time>'
    )


def test_the_same_instant_reads_differently_in_another_zone_and_language() -> None:
    html = render('{{ at|zoned:"l j F, H:i" }}', "America/Mexico_City", "es", at=INSTANT)
    assert html.endswith('">viernes 27 noviembre, 11:00 (America/Mexico_City)</time>')


def test_inside_a_translated_sentence_the_time_keeps_its_markup() -> None:
    source = '{% blocktranslate with when=at|zoned:"H:i" %}Draft saved at {{ when }}.{% endblocktranslate %}'
    html = render(source, "Europe/Madrid", at=INSTANT)
    assert html == 'Draft saved at <time datetime="2026-11-27T17:00:00+00:00">18:00 (Europe/Madrid)</time>.'


def test_without_a_time_there_is_nothing_to_show() -> None:
    assert render("[{{ at|zoned }}]", "UTC", at=None) == "[]"
    assert render("[{{ at|zoned }}]", "UTC", at="") == "[]"
