"""The admin: staff see every analysis, filter it, read results, re-run and delete."""

from __future__ import annotations

import pytest

from ganglioside.web.analyses.models import Analysis

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin)
    return client


@pytest.mark.slow
def test_the_list_shows_every_owners_analyses_and_filters_by_status(
    staff, finished_analysis, other_user, sample_bytes
):
    from ganglioside.web.analyses.services import submission

    from .conftest import make_upload

    other = submission.analysis_create(
        owner=other_user, file=make_upload(sample_bytes), name="bobs", start=False
    )
    page = staff.get("/admin/analyses/analysis/").content.decode()
    assert "sample" in page and "bobs" in page
    failed_only = staff.get("/admin/analyses/analysis/?status__exact=queued").content.decode()
    assert "bobs" in failed_only
    assert f"/admin/analyses/analysis/{finished_analysis.pk}/change/" not in failed_only
    searched = staff.get("/admin/analyses/analysis/?q=bobs").content.decode()
    assert f"/admin/analyses/analysis/{other.pk}/change/" in searched


@pytest.mark.slow
def test_the_detail_shows_the_summary_and_links_to_its_compounds(staff, finished_analysis):
    page = staff.get(f"/admin/analyses/analysis/{finished_analysis.pk}/change/").content.decode()
    assert "323 rows" in page
    assert f"?analysis__id__exact={finished_analysis.pk}" in page
    compounds = staff.get(f"/admin/analyses/compound/?analysis__id__exact={finished_analysis.pk}")
    assert compounds.status_code == 200
    assert "323 compounds" in compounds.content.decode()


@pytest.mark.slow
def test_the_rerun_action_queues_a_copy(staff, finished_analysis):
    response = staff.post(
        "/admin/analyses/analysis/",
        {"action": "rerun_selected", "_selected_action": [finished_analysis.pk]},
    )
    assert response.status_code == 302
    assert Analysis.objects.count() == 2
    copy = Analysis.objects.exclude(pk=finished_analysis.pk).get()
    assert copy.input_sha256 == finished_analysis.input_sha256


@pytest.mark.slow
def test_the_delete_action_removes_the_analysis(staff, finished_analysis):
    response = staff.post(
        "/admin/analyses/analysis/",
        {"action": "delete_selected_analyses", "_selected_action": [finished_analysis.pk]},
    )
    assert response.status_code == 302
    assert not Analysis.objects.exists()


def test_non_staff_users_cannot_open_the_admin(client, user):
    client.force_login(user)
    assert client.get("/admin/analyses/analysis/").status_code == 302


@pytest.mark.slow
def test_the_detail_does_not_link_the_private_input_file(staff, finished_analysis):
    page = staff.get(f"/admin/analyses/analysis/{finished_analysis.pk}/change/").content.decode()
    assert finished_analysis.input_file.name in page
    assert f'href="/media/{finished_analysis.input_file.name}"' not in page
