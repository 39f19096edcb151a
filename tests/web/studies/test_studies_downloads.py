"""The study page offers every file of the study's output registry it has, in the registry's
order: a new output (the absolute amounts) appears without a change in the web."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from django.urls import reverse

from ganglioside.studies.outputs import STUDY_OUTPUTS
from tests.web.studies_data import study_files, study_run_here

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_page_offers_the_absolute_amounts_and_every_other_stored_output(
    client, user, django_capture_on_commit_callbacks
):
    tables, design = study_files()
    spiked = pd.read_csv(io.StringIO(design))
    spiked["istd_pmol_GM"] = 10.0
    study = study_run_here(
        user,
        django_capture_on_commit_callbacks,
        "spiked",
        tables=tables,
        design=spiked.to_csv(index=False),
    )
    client.force_login(user)
    page = client.get(reverse("studies:detail", args=[study.pk]))
    assert page.status_code == 200
    stored = set(study.files.values_list("name", flat=True))
    offered = page.context["downloads"]
    assert "amounts.csv" in offered
    assert offered == [name for name in STUDY_OUTPUTS if name in stored]
    link = reverse("studies:download", args=[study.pk, "amounts.csv"])
    assert f'href="{link}"' in page.content.decode()
    download = client.get(link)
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    amounts = pd.read_csv(io.BytesIO(download.content))
    assert {"feature_id", "species", "C01"} <= set(amounts.columns)


def test_the_page_shows_the_ganglioside_indices_tested_per_contrast(
    client, user, django_capture_on_commit_callbacks
):
    tables, design = study_files()
    study = study_run_here(
        user, django_capture_on_commit_callbacks, "indices", tables=tables, design=design
    )
    client.force_login(user)
    page = client.get(reverse("studies:detail", args=[study.pk]))
    table = page.context["indices_table"]
    stored = pd.read_csv(io.BytesIO(bytes(study.files.get(name="index_statistics.csv").content)))
    assert len(table["cells"]) == len(stored) > 0
    keys = [key for key, _, _ in table["headers"]]
    assert keys == list(stored.columns)
    html = page.content.decode()
    assert 'id="indices-table"' in html and "Ganglioside indices" in html
    q = keys.index("q_value")
    shown = {row[q][0] for row in table["cells"]}
    assert all(len(v) <= 8 for v in shown), shown  # formatted, not raw floats
    assert all(numeric for _, _, numeric in table["headers"][q : q + 1])
