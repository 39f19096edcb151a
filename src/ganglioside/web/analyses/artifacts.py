"""Render the downloadable exports of a finished analysis with the core's report writers."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import PurePath
from typing import Any

from ganglioside.report import ARTIFACTS
from ganglioside.result import AnalysisResult as CoreAnalysis

from .models import ArtifactKind


def build_artifacts(
    result: CoreAnalysis, *, basename: str, kinds: Collection[str] | None = None
) -> list[dict[str, Any]]:
    """One entry per export kind: ``kind``, ``filename``, ``content_type`` and ``content``.

    The kind is the file's suffix (``compounds.csv`` is ``csv``); file names are prefixed with
    ``basename`` so downloads of different analyses do not overwrite each other.  ``kinds``
    limits the rendering to some kinds.
    """
    out = []
    for artifact in ARTIFACTS:
        kind = PurePath(artifact.filename).suffix.lstrip(".")
        if kind not in ArtifactKind.values or (kinds is not None and kind not in kinds):
            continue
        out.append(
            {
                "kind": kind,
                "filename": f"{basename}_{artifact.filename}",
                "content_type": artifact.media_type,
                "content": artifact.render(result),
            }
        )
    return out
