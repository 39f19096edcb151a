"""The studies services: create (files, zip, typed design), design errors before anything is
stored, per-sample runs stored once, the study step, a failed sample, finishing without it and
running it again."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from ganglioside import InputError
from ganglioside.report.safe import safe_csv
from ganglioside.studies import DesignError
from ganglioside.web.studies.models import (
    SampleStatus,
    Study,
    StudyFile,
    StudySample,
    StudyStatus,
)
from ganglioside.web.studies.services import actions, creation, running
from ganglioside.web.studies.services.outputs import CONTENT_TYPES
from tests.web.studies_data import broken, study_files, uploads, zipped

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _create(user, tables, design, capture, **kwargs):
    with capture(execute=True):
        study = creation.study_create(owner=user, files=uploads(tables), design=design, **kwargs)
    study.refresh_from_db()
    return study


def test_a_study_runs_every_sample_once_and_stores_its_files(
    user, django_capture_on_commit_callbacks, monkeypatch
):
    tables, design = study_files()
    calls = []
    original = running.analyze_sample
    monkeypatch.setattr(
        running, "analyze_sample", lambda task: calls.append(task.sample) or original(task)
    )
    study = _create(user, tables, design, django_capture_on_commit_callbacks, name="six")

    assert study.status == StudyStatus.SUCCEEDED, study.error_message
    assert study.name == "six"
    samples = list(study.samples.order_by("position"))
    assert [s.sample for s in samples] == ["C01", "C02", "C03", "D01", "D02", "D03"]
    assert all(s.status == SampleStatus.SUCCEEDED and s.attempts == 1 for s in samples)
    # Each sample once: the anchors were pooled by the first sample to run and every sample
    # took its share of them before its analysis (the poor one too: no second run).
    assert sorted(calls) == sorted(s.sample for s in samples)
    assert study.shared_anchors["pooled"] is True
    rows = study.shared_anchors["rows"]
    assert {s.sample: s.borrowed_anchors for s in samples} == {k: len(v) for k, v in rows.items()}
    assert study.summary["rt_model"]["anchors"] == "shared"
    names = set(study.files.values_list("name", flat=True))
    assert names >= {"matrix.csv", "statistics.csv", "samples.csv", "study.xlsx"}
    assert names >= {"shared_anchors.csv", "calibration.json"}
    assert names <= set(CONTENT_TYPES)
    matrix = pd.read_csv(io.BytesIO(bytes(study.files.get(name="matrix.csv").content)))
    assert list(matrix.columns[-6:]) == ["C01", "C02", "C03", "D01", "D02", "D03"]
    assert set(study.figures) == {
        *("heatmap", "volcano", "pca", "composition", "boxes", "drift"),
        *("qc", "batches"),  # QC RSD before/after and PCA by batch (a titled note without them)
    }
    assert study.summary["n_samples"] == 6 and study.comparison


def test_without_shared_anchors_the_poor_sample_borrows_in_the_study_step(
    user, django_capture_on_commit_callbacks, monkeypatch
):
    tables, design = study_files()
    calls = []
    original = running.analyze_sample
    monkeypatch.setattr(
        running, "analyze_sample", lambda task: calls.append(task.sample) or original(task)
    )
    study = _create(
        user,
        tables,
        design,
        django_capture_on_commit_callbacks,
        parameters={"shared_model": False},
    )
    assert study.status == StudyStatus.SUCCEEDED, study.error_message
    assert study.shared_anchors == {"pooled": False}
    samples = list(study.samples.order_by("position"))
    borrowed = [s.sample for s in samples if s.borrowed_anchors > 0]
    assert len(borrowed) == 1  # the one with two anchors of its own, run again with borrowed
    assert sorted(calls) == sorted([s.sample for s in samples] + borrowed)
    assert study.summary["rt_model"] == {"anchors": "own"}
    assert not study.files.filter(name="calibration.json").exists()


def test_the_study_matches_the_library_run_on_the_same_files(
    user, django_capture_on_commit_callbacks, tmp_path
):
    import ganglioside

    tables, design = study_files()
    study = _create(user, tables, design, django_capture_on_commit_callbacks)
    for name, content in tables.items():
        (tmp_path / name).write_bytes(content)
    (tmp_path / "design.csv").write_text(design)
    direct = ganglioside.study(tmp_path / "design.csv")
    stored = pd.read_csv(io.BytesIO(bytes(study.files.get(name="matrix.csv").content)))
    assert len(stored) == len(direct.matrix)
    assert stored["species"].tolist() == direct.matrix["species"].tolist()
    web_samples = pd.read_csv(io.BytesIO(bytes(study.files.get(name="samples.csv").content)))
    assert web_samples["borrowed_anchors"].tolist() == direct.samples["borrowed_anchors"].tolist()
    pooled = study.files.get(name="shared_anchors.csv").content
    assert bytes(pooled).decode() == safe_csv(direct.shared_model.anchors)


def test_a_zip_and_a_typed_design_make_the_same_samples(
    user, django_capture_on_commit_callbacks, settings
):
    tables, design = study_files()
    with django_capture_on_commit_callbacks(execute=False):
        study = creation.study_create(owner=user, files=[zipped(tables)], design=design)
    assert study.status == StudyStatus.QUEUED
    assert study.design_filename == "design.csv"
    assert study.samples.count() == 6
    assert (Path(settings.MEDIA_ROOT) / study.folder / "C01.csv").is_file()


def test_a_bad_design_lists_every_problem_and_stores_nothing(user, settings):
    tables, _ = study_files()
    design = "sample,file,group\nA,C01.csv,x\nA,missing.csv,x\nB,C02.csv,\n"
    with pytest.raises(DesignError) as caught:
        creation.study_create(owner=user, files=uploads(tables), design=design)
    text = str(caught.value)
    assert "missing.csv" in text and "group" in text
    assert len(caught.value.problems) >= 3
    assert Study.objects.count() == 0 and StudySample.objects.count() == 0
    studies = Path(settings.MEDIA_ROOT) / "studies"
    assert not studies.exists() or not any(studies.iterdir())


def test_bad_uploads_are_named(user):
    tables, design = study_files()
    with pytest.raises(InputError, match="not a readable zip"):
        creation.study_create(owner=user, files=uploads({"x.zip": b"not a zip"}), design=design)
    with pytest.raises(InputError, match="design is empty"):
        creation.study_create(owner=user, files=uploads(tables), design="  ")
    with pytest.raises(InputError, match="no table"):
        creation.study_create(owner=user, files=[], design=design)


def test_a_failed_sample_fails_alone_then_the_study_finishes_without_it(
    user, django_capture_on_commit_callbacks
):
    tables, design = study_files()
    study = _create(user, broken(tables, "D02.csv"), design, django_capture_on_commit_callbacks)
    assert study.status == StudyStatus.WAITING
    failed = study.samples.get(sample="D02")
    assert failed.status == SampleStatus.FAILED and "D02.csv" in failed.error_message
    assert study.samples.filter(status=SampleStatus.SUCCEEDED).count() == 5
    assert not study.files.exists()

    with django_capture_on_commit_callbacks(execute=True):
        actions.study_finish_without_failed(study=study)
    study.refresh_from_db()
    assert study.status == StudyStatus.SUCCEEDED, study.error_message
    matrix = pd.read_csv(io.BytesIO(bytes(study.files.get(name="matrix.csv").content)))
    assert "D02" not in matrix.columns and "D01" in matrix.columns


def test_finishing_is_refused_when_a_group_would_keep_one_sample(
    user, django_capture_on_commit_callbacks
):
    tables, design = study_files()
    bad = broken(broken(tables, "D02.csv"), "D03.csv")
    study = _create(user, bad, design, django_capture_on_commit_callbacks)
    assert study.status == StudyStatus.WAITING
    with pytest.raises(DesignError, match="too few samples"):
        actions.study_finish_without_failed(study=study)
    study.refresh_from_db()
    assert study.status == StudyStatus.WAITING


def test_a_failed_sample_runs_again_alone(
    user, django_capture_on_commit_callbacks, monkeypatch, settings
):
    tables, design = study_files()
    study = _create(user, broken(tables, "C02.csv"), design, django_capture_on_commit_callbacks)
    sample = study.samples.get(sample="C02")
    # The table is fixed in the study's folder (as after a transient failure).
    (Path(settings.MEDIA_ROOT) / study.folder / "C02.csv").write_bytes(tables["C02.csv"])
    calls = []
    original = running.analyze_sample
    monkeypatch.setattr(
        running, "analyze_sample", lambda task: calls.append(task.sample) or original(task)
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.study_sample_rerun(sample=sample)
    study.refresh_from_db()
    assert study.status == StudyStatus.SUCCEEDED, study.error_message
    assert calls[0] == "C02" and calls.count("C02") == 1
    assert set(calls) <= {"C02", *[s.sample for s in study.samples.filter(borrowed_anchors__gt=0)]}
    sample.refresh_from_db()
    assert sample.status == SampleStatus.SUCCEEDED and sample.attempts == 2


def test_rerun_is_refused_for_a_sample_that_did_not_fail(user, django_capture_on_commit_callbacks):
    tables, design = study_files()
    study = _create(user, tables, design, django_capture_on_commit_callbacks)
    with pytest.raises(actions.StudyStateError, match="only a failed one"):
        actions.study_sample_rerun(sample=study.samples.first())
    with pytest.raises(actions.StudyStateError, match="waiting on failed"):
        actions.study_finish_without_failed(study=study)


def test_a_sample_already_analysed_is_not_analysed_again(
    user, django_capture_on_commit_callbacks, monkeypatch
):
    tables, design = study_files()
    study = _create(user, tables, design, django_capture_on_commit_callbacks)
    monkeypatch.setattr(running, "analyze_sample", lambda task: pytest.fail("ran twice"))
    sample = study.samples.first()
    before = (sample.status, sample.attempts, sample.finished_at, sample.n_compounds)
    running.study_sample_run(sample_id=sample.pk)
    sample.refresh_from_db()
    # Left as it was: not claimed again, not re-stored, and the study did not move.
    assert before[0] == SampleStatus.SUCCEEDED and before[3] > 0
    assert (sample.status, sample.attempts, sample.finished_at, sample.n_compounds) == before
    study.refresh_from_db()
    assert study.status == StudyStatus.SUCCEEDED


def test_deleting_a_study_removes_its_rows_and_folder(
    user, django_capture_on_commit_callbacks, settings
):
    tables, design = study_files()
    study = _create(user, tables, design, django_capture_on_commit_callbacks)
    folder = Path(settings.MEDIA_ROOT) / study.folder
    assert folder.is_dir()
    with django_capture_on_commit_callbacks(execute=True):
        actions.study_delete(study=study)
    assert not folder.exists()
    assert not StudySample.objects.exists() and not StudyFile.objects.exists()


def test_a_design_cannot_reach_files_outside_the_study(user, tmp_path):
    tables, _ = study_files()
    outside = tmp_path / "secret.csv"
    outside.write_bytes(tables["C01.csv"])
    design = (
        "sample,file,group\n"
        f"A,{outside},x\nB,../secret.csv,x\nC,C01.csv,y\nD,C02.csv,y\nE,C03.csv,x\n"
    )
    with pytest.raises(DesignError) as caught:
        creation.study_create(owner=user, files=uploads(tables), design=design)
    rows = sorted(p.row for p in caught.value.problems)
    assert rows == [1, 2]
    assert all(
        "no uploaded table is called 'secret.csv'" in p.message for p in caught.value.problems
    )
    assert Study.objects.count() == 0


def test_a_design_written_for_the_command_line_matches_the_uploads_by_file_name(
    user, django_capture_on_commit_callbacks
):
    tables, design = study_files()
    lines = design.splitlines()
    at = lines[0].split(",").index("file")
    rewritten = [lines[0]]
    for i, line in enumerate(lines[1:]):
        cells = line.split(",")
        cells[at] = f"samples/{cells[at]}" if i % 2 else f"C:\\data\\run\\{cells[at]}"
        rewritten.append(",".join(cells))
    design = "\n".join(rewritten) + "\n"
    assert "samples/C01.csv" in design or "samples/C02.csv" in design
    with django_capture_on_commit_callbacks(execute=False):
        study = creation.study_create(owner=user, files=[zipped(tables)], design=design)
    assert study.samples.count() == len(tables)
    assert {s.input_filename for s in study.samples.all()} == set(tables)


def test_table_names_are_kept_as_the_design_writes_them(
    user, django_capture_on_commit_callbacks, settings
):
    tables, design = study_files()
    renamed = {name.replace(".csv", " run 1.csv"): content for name, content in tables.items()}
    design = design.replace(".csv", " run 1.csv")
    with django_capture_on_commit_callbacks(execute=False):
        study = creation.study_create(owner=user, files=uploads(renamed), design=design)
    assert study.samples.get(sample="C01").input_filename == "C01 run 1.csv"
    assert (Path(settings.MEDIA_ROOT) / study.folder / "C01 run 1.csv").is_file()


def test_too_many_bytes_of_tables_are_refused(user, monkeypatch):
    tables, design = study_files()
    monkeypatch.setattr(creation, "MAX_STUDY_BYTES", 1000)
    with pytest.raises(InputError, match="at most 0 MB are accepted in one study"):
        creation.study_create(owner=user, files=[zipped(tables)], design=design)


def test_a_sample_claimed_by_another_run_is_left_to_it(
    user, django_capture_on_commit_callbacks, monkeypatch
):
    tables, design = study_files()
    with django_capture_on_commit_callbacks(execute=False):
        study = creation.study_create(owner=user, files=uploads(tables), design=design)
    row = study.samples.first()
    StudySample.objects.filter(pk=row.pk).update(status=SampleStatus.RUNNING)
    monkeypatch.setattr(running, "analyze_sample", lambda task: pytest.fail("ran twice"))
    running.study_sample_run(sample_id=row.pk)
    row.refresh_from_db()
    assert row.status == SampleStatus.RUNNING and row.attempts == 0


def test_the_sweep_requeues_a_stuck_sample_then_fails_it(
    user, django_capture_on_commit_callbacks, settings
):
    from datetime import timedelta

    from django.utils import timezone

    from ganglioside.web.studies.services.recovery import studies_sweep_stuck

    tables, design = study_files()
    study = _create(user, tables, design, django_capture_on_commit_callbacks)
    long_ago = timezone.now() - timedelta(seconds=settings.GANGLIOSIDE_STALE_AFTER + 60)
    Study.objects.filter(pk=study.pk).update(status=StudyStatus.RUNNING)
    stuck = study.samples.get(sample="C02")
    StudySample.objects.filter(pk=stuck.pk).update(
        status=SampleStatus.RUNNING,
        started_at=long_ago,
        heartbeat_at=long_ago,  # its process stopped beating
        attempts=1,
        compounds=None,
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = studies_sweep_stuck()
    assert report.requeued == [stuck.pk] and report.failed == []
    stuck.refresh_from_db()
    assert stuck.status == SampleStatus.SUCCEEDED and stuck.attempts == 2
    study.refresh_from_db()
    assert study.status == StudyStatus.SUCCEEDED

    Study.objects.filter(pk=study.pk).update(status=StudyStatus.RUNNING)
    StudySample.objects.filter(pk=stuck.pk).update(
        status=SampleStatus.RUNNING,
        started_at=long_ago,
        heartbeat_at=long_ago,
        attempts=settings.GANGLIOSIDE_MAX_ATTEMPTS,
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = studies_sweep_stuck()
    assert report.failed == [stuck.pk]
    stuck.refresh_from_db()
    assert stuck.status == SampleStatus.FAILED and "worker stopped" in stuck.error_message
    study.refresh_from_db()
    assert study.status == StudyStatus.WAITING
