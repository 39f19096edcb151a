"""A small simulated study as uploads (tables, zip, design) for the studies tests."""

from __future__ import annotations

import io
import zipfile
from functools import lru_cache

from django.core.files.uploadedfile import SimpleUploadedFile

from ganglioside.simulate.study import simulate_study


@lru_cache(maxsize=4)
def study_files(seed: int = 3, n_per_group: int = 3) -> tuple[dict[str, bytes], str]:
    """``<sample>.csv`` → bytes, and the design as CSV text (sample, file, group, …).

    Seed 3: a simulated study whose shared anchors hold isomer pairs of GD1, one of them
    hydroxylated (60 aligned compounds; seeds 1, 2, 4, 5 give 61-73).  It aligned 11 before
    the hydroxyl term could be learned from such anchors
    (tests/studies/test_study_shared_anchors.py, the isomer pair test)."""
    sim = simulate_study(seed, n_per_group=n_per_group, n_rows=80)
    tables = {f"{s}.csv": t.to_csv(index=False).encode() for s, t in sim.tables.items()}
    return tables, sim.design.to_csv(index=False)


def uploads(tables: dict[str, bytes]) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(name, content, "text/csv") for name, content in tables.items()]


def zipped(tables: dict[str, bytes], name: str = "tables.zip") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member, content in tables.items():
            archive.writestr(f"run/{member}", content)
    return SimpleUploadedFile(name, buffer.getvalue(), "application/zip")


def broken(tables: dict[str, bytes], name: str) -> dict[str, bytes]:
    """The tables with ``name`` replaced by a table the analysis cannot read."""
    return {**tables, name: b"Name,Mass\nGM3(36:1;O2),1\n"}


def study_run_here(
    owner, capture, name: str, *, tables=None, design=None, start=True, **parameters
):
    """A study of ``tables`` and ``design`` (the default :func:`study_files`) created and run
    here and now (``capture`` is ``django_capture_on_commit_callbacks``); started, it must have
    succeeded."""
    from ganglioside.web.studies.models import StudyStatus
    from ganglioside.web.studies.services import creation

    if tables is None or design is None:
        tables, design = study_files()
    with capture(execute=True):
        study = creation.study_create(
            owner=owner,
            files=uploads(tables),
            design=design,
            name=name,
            parameters=parameters,
            start=start,
        )
    study.refresh_from_db()
    if start:
        assert study.status == StudyStatus.SUCCEEDED, study.error_message
    return study
