"""Defect 4: only accepted uploads count against the upload limit (pages and API).

A form without a file, or a file the core cannot read, is answered 400 with its error and does
not use up the user's budget of uploads; the next good upload goes through.
"""

from __future__ import annotations

import pytest

from ganglioside.web.analyses.models import Analysis
from tests.web.conftest import make_upload

pytestmark = pytest.mark.django_db

BAD_TABLE = b"Name,Volume\nGD1(36:1;O2),100\n"  # no RT column


@pytest.fixture
def two_per_minute(settings):
    settings.GANGLIOSIDE_RATES = {**settings.GANGLIOSIDE_RATES, "uploads": "2/min"}


def test_rejected_page_uploads_do_not_count_against_the_limit(
    client, user, sample_bytes, two_per_minute
):
    client.force_login(user)
    no_file = client.post("/analyses/new/", {"name": "forgot the file"})
    bad_file = client.post("/analyses/new/", {"file": make_upload(BAD_TABLE, "bad.csv")})
    out_of_range = client.post(
        "/analyses/new/", {"file": make_upload(sample_bytes), "outlier_z": "-1"}
    )
    assert [no_file.status_code, bad_file.status_code, out_of_range.status_code] == [400] * 3
    assert "missing required column" in bad_file.content.decode()
    # The budget is intact: two good uploads pass, the third is refused.
    codes = [
        client.post("/analyses/new/", {"file": make_upload(sample_bytes)}).status_code
        for _ in range(3)
    ]
    assert codes == [302, 302, 429]
    assert Analysis.objects.count() == 2


def test_rejected_api_uploads_do_not_count_against_the_limit(api, sample_bytes, two_per_minute):
    for payload in ({"name": "no file"}, {"file": make_upload(BAD_TABLE, "bad.csv")}):
        assert api.post("/api/v1/analyses/", payload, format="multipart").status_code == 400
    codes = [
        api.post(
            "/api/v1/analyses/", {"file": make_upload(sample_bytes)}, format="multipart"
        ).status_code
        for _ in range(3)
    ]
    assert codes == [202, 202, 429]
