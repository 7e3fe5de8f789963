"""Smoke run of bench/exports.py at a tiny size: every export answers with the rows the data holds.
(Rows only: never times or memory.)"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.test.utils import override_settings

from bench import exports as bench

pytestmark = pytest.mark.django_db

# Tiny sizes; the builders round to whole circles of 8 members x 52 cycles where they need cycles.
EXPECTED_CSV_ROWS = {
    "community checkins": 8 * 52,  # one circle: every member and started cycle
    "community goals": 8 * 5,
    "community commitments": 8 * 52,
    "community reviews": 4 * 10,  # 4 learners x 10 modules, one review each
    "tracker (one circle)": 10 * 4,  # 10 members x 4 cycles
    "cohort insights": 4 * 10,
}


@override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False)
@pytest.mark.parametrize("export", list(EXPECTED_CSV_ROWS))
def test_each_csv_export_of_the_bench_has_its_rows(export):
    figures = bench.measure(export, 40)
    assert figures.rows == EXPECTED_CSV_ROWS[export]
    assert figures.bytes > 0 and figures.peak_bytes > 0


@override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False)
def test_the_zip_exports_of_the_bench_hold_every_row():
    from peerpact.checkins.models import Checkin
    from peerpact.goals.models import Commitment

    fetch, _ = bench.case("community zip", 40)
    response = fetch()
    assert response.status_code == 200
    data = json.loads(zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).read("data.json"))
    slug = data["community"]["slug"]
    assert len(data["checkins"]) == Checkin.objects.filter(membership__circle__community__slug=slug).count()
    assert len(data["commitments"]) == 8 * 52 and len(data["cycles"]) == 52

    fetch, _ = bench.case("member zip", 10)  # one person, 2 cycles, 4 commitments each
    response = fetch()
    assert response.status_code == 200
    data = json.loads(zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).read("data.json"))
    assert len(data["commitments"]) == 8
    assert (
        len(data["checkins"])
        == Checkin.objects.filter(membership__user__email=data["profile"]["email"]).count()
    )
    assert Commitment.objects.filter(membership__user__email=data["profile"]["email"]).count() == 8
