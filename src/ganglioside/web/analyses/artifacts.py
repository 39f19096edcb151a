"""Render the downloads of a finished analysis with the core's output registry."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from ganglioside.report.outputs import OUTPUTS
from ganglioside.result import AnalysisResult as CoreAnalysis

from .models import ArtifactKind


def build_artifacts(
    result: CoreAnalysis, *, basename: str, kinds: Collection[str] | None = None
) -> list[dict[str, Any]]:
    """One entry per download kind: ``kind``, ``filename``, ``content_type`` and ``content``.

    The kinds are the names of the core's outputs (:data:`ganglioside.report.OUTPUTS`) that the
    platform offers (:class:`ArtifactKind`); file names are prefixed with ``basename`` so
    downloads of different analyses do not overwrite each other.  ``kinds`` limits the
    rendering to some kinds.
    """
    return [
        {
            "kind": kind,
            "filename": f"{basename}_{OUTPUTS[kind].filename}",
            "content_type": OUTPUTS[kind].media_type,
            "content": OUTPUTS[kind].render(result),
        }
        for kind in ArtifactKind.values
        if kinds is None or kind in kinds
    ]
