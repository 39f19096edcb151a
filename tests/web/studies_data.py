"""A small simulated study as uploads (tables, zip, design) for the studies tests."""

from __future__ import annotations

import io
import zipfile
from functools import lru_cache

from django.core.files.uploadedfile import SimpleUploadedFile

from ganglioside.simulate.study import simulate_study


@lru_cache(maxsize=4)
def study_files(seed: int = 2, n_per_group: int = 3) -> tuple[dict[str, bytes], str]:
    """``<sample>.csv`` → bytes, and the design as CSV text (sample, file, group, …).

    Seed 2: a typical simulated study (66 aligned compounds; seeds 1, 4, 5 give 61-71).  Seed 3
    meets a known defect of the shared anchors (tests/studies/test_study_shared_anchors.py, the
    isomer pair test) and aligns 11: the web tests are about the pages, not that defect."""
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
