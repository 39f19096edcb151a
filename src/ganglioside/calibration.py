"""Saved RT calibrations: learn the lines on a standards run, apply them to other runs.

``ganglioside analyze standards.csv --save-calibration cal.json`` (or
:func:`save_calibration` on an :class:`~ganglioside.result.AnalysisResult`) writes the RT line of
every group, the composition increments and the reference peaks as JSON;
``ganglioside analyze run.csv --calibration cal.json`` (``analyze(..., calibration=...)``)
applies them to another run with only an RT shift (and, with enough reference peaks, a change
of scale) estimated from that run's strongest matches.

The file is versioned: ``{"schema": "ganglioside-rt-calibration", "version": 2, "software":
..., "source": ..., "model": {...}}``.  Version 2 adds ``model.hydroxyl`` (the RT term per
ceramide oxygen beyond two, or null) and an optional ``bend`` per group line (its quadratic
term, when the line bends); version 1 files are still read (they apply no such
term).  :func:`load_calibration` checks every field and names the first one that is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import InputError
from .rules.retention import COMPOSITION

SCHEMA = "ganglioside-rt-calibration"
VERSION = 2
READABLE_VERSIONS = (1, 2)  # version 1 has no hydroxyl term
_LINE_NUMBERS = ("slope", "s")
_LINE_LISTS = ("intercept", "hint", "xbar")


def calibration_document(model: Mapping[str, Any], source: str) -> dict[str, Any]:
    """A calibration file's content: the model block with its schema, version and origin."""
    from . import __version__

    return {
        "schema": SCHEMA,
        "version": VERSION,
        "software": {"name": "ganglioside", "version": __version__},
        "source": source,
        "model": dict(model),
    }


def save_calibration(result: Any, path: str | Path) -> Path:
    """Write the RT calibration of an analysis (``result.calibration``) as JSON at ``path``.

    Raises
    ------
    InputError
        When the analysis fitted no RT model (nothing to save).
    OSError
        When the file cannot be written.
    """
    document = getattr(result, "calibration", None)
    if not document:
        raise InputError(
            "this analysis fitted no RT model, so there is no calibration to save; the run "
            "needs anchors, calibrants, or enough peaks to calibrate itself",
            file=getattr(result, "source", None),
        )
    path = Path(path)
    path.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def load_calibration(source: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """Read and check a calibration file (or take its content as a mapping).

    Raises
    ------
    InputError
        When the file is missing, not JSON, of another schema or version, or has a field of
        the wrong type (the message names the file and the field).
    """
    if isinstance(source, Mapping):
        label, document = "<calibration>", source
    else:
        path = Path(source)
        label = path.name
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError("the calibration file does not exist", file=str(path)) from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"not a JSON calibration file ({exc})", file=label) from None
    return _checked(document, label)


def _fail(label: str, field: str, message: str) -> InputError:
    return InputError(f"field {field!r}: {message}", file=label)


def _checked(document: Any, label: str) -> dict[str, Any]:
    if not isinstance(document, Mapping):
        raise InputError("a calibration file holds a JSON object", file=label)
    if document.get("schema") != SCHEMA:
        raise _fail(label, "schema", f"expected {SCHEMA!r}, got {document.get('schema')!r}")
    version = document.get("version")
    if isinstance(version, bool) or version not in READABLE_VERSIONS:
        readable = " and ".join(str(v) for v in READABLE_VERSIONS)
        raise _fail(
            label,
            "version",
            f"version {version!r} cannot be read; this software reads versions {readable}",
        )
    model = document.get("model")
    if not isinstance(model, Mapping):
        raise _fail(label, "model", "expected an object")
    _check_groups(model.get("groups"), label)
    _check_composition(model.get("composition"), label)
    _check_number(model.get("isomer_delta"), label, "model.isomer_delta", optional=True)
    _check_references(model.get("references"), label)
    _check_hydroxyl(model.get("hydroxyl"), label)
    return dict(document)


def _check_number(value: Any, label: str, field: str, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(label, field, f"expected a number, got {value!r}")


def _check_list(value: Any, label: str, field: str) -> None:
    if not isinstance(value, list) or not value:
        raise _fail(label, field, f"expected a list of numbers, got {value!r}")
    for i, v in enumerate(value):
        _check_number(v, label, f"{field}[{i}]", optional=True)


def _check_groups(groups: Any, label: str) -> None:
    if not isinstance(groups, Mapping) or not groups:
        raise _fail(label, "model.groups", "expected an object with one line per group")
    for key, line in groups.items():
        field = f"model.groups.{key}"
        if not isinstance(line, Mapping):
            raise _fail(label, field, "expected an object")
        for name in _LINE_NUMBERS:
            _check_number(line.get(name), label, f"{field}.{name}")
        _check_number(line.get("sxx"), label, f"{field}.sxx", optional=True)
        for name in _LINE_LISTS:
            _check_list(line.get(name), label, f"{field}.{name}")
        if line["intercept"][0] is None:
            raise _fail(label, f"{field}.intercept[0]", "the first track needs an intercept")
        _check_bend(line.get("bend"), label, f"{field}.bend")


def _check_composition(comp: Any, label: str) -> None:
    field = "model.composition"
    if not isinstance(comp, Mapping):
        raise _fail(label, field, "expected an object")
    if comp.get("residues") != list(COMPOSITION):
        raise _fail(
            label,
            f"{field}.residues",
            f"expected {list(COMPOSITION)}, got {comp.get('residues')!r}",
        )
    size = len(COMPOSITION) + 1
    coef = comp.get("coef")
    _check_list(coef, label, f"{field}.coef")
    cov = comp.get("cov")
    if (
        not isinstance(coef, list)
        or len(coef) != size
        or not isinstance(cov, list)
        or len(cov) != size
    ):
        raise _fail(label, field, f"coef and cov need {size} entries (base and each residue)")
    for i, row in enumerate(cov):
        _check_list(row, label, f"{field}.cov[{i}]")
    for name in ("sd", "slope", "s", "xbar"):
        _check_number(comp.get(name), label, f"{field}.{name}")
    _check_number(comp.get("sxx"), label, f"{field}.sxx", optional=True)


def _check_references(references: Any, label: str) -> None:
    if not isinstance(references, list):
        raise _fail(label, "model.references", "expected a list of reference peaks")
    for i, ref in enumerate(references):
        field = f"model.references[{i}]"
        if not isinstance(ref, Mapping) or not isinstance(ref.get("key"), str):
            raise _fail(label, field, "expected an object with a species 'key'")
        _check_number(ref.get("log_p"), label, f"{field}.log_p")
        _check_number(ref.get("rt"), label, f"{field}.rt")


def _check_hydroxyl(hydroxyl: Any, label: str) -> None:
    """``model.hydroxyl``: absent or null (no term), else an object with the term."""
    if hydroxyl is None:
        return
    field = "model.hydroxyl"
    if not isinstance(hydroxyl, Mapping):
        raise _fail(label, field, f"expected an object or null, got {hydroxyl!r}")
    for name in ("term", "per_oxygen"):
        _check_number(hydroxyl.get(name), label, f"{field}.{name}")


def _check_bend(bend: Any, label: str, field: str) -> None:
    """A line's optional ``bend`` (version 2): curvature, centre, qbar and cov."""
    if bend is None:
        return
    if not isinstance(bend, Mapping):
        raise _fail(label, field, f"expected an object or null, got {bend!r}")
    for name in ("curvature", "centre"):
        _check_number(bend.get(name), label, f"{field}.{name}")
    _check_list(bend.get("qbar"), label, f"{field}.qbar")
    cov = bend.get("cov")
    _check_list(cov, label, f"{field}.cov")
    if not isinstance(cov, list) or len(cov) != 3:
        raise _fail(label, f"{field}.cov", "expected 3 numbers (xx, xq, qq)")
