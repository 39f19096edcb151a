"""The only code that writes the methods app's rows: methods, remembered column mappings and
uploads waiting for a choice (the sample of an export, a column mapping)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import pandas as pd
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from ganglioside import AnalysisConfig, ConfigError, InputError
from ganglioside.calibrants import calibrant_frame, read_calibrants
from ganglioside.inputs.mapping import parse_columns
from ganglioside.web.common.files import as_local_file

from .models import ColumnMapping, Method
from .reading import header_signature

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files.base import File

#: Where an upload waits for its choice; the daily clean-up removes folders no analysis uses.
PENDING_FOLDER = "inputs"


# -- methods -----------------------------------------------------------------------------------


def calibrants_from_file(file: File) -> list[dict[str, Any]]:
    """The rows of an uploaded calibrant list (CSV, TSV or XLSX), checked by the core.

    Raises
    ------
    ganglioside.InputError
        Naming the file, row, column and value of the first problem.
    """
    filename = PurePath(getattr(file, "name", "") or "calibrants.csv").name
    file.seek(0)
    content = file.read()
    with as_local_file(content, filename) as path:
        try:
            frame = read_calibrants(path)
        except InputError as exc:
            exc.file = filename
            raise
    return _rows(frame)


def calibrants_checked(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Calibrant rows given as data (``name``, optional ``rt`` and ``tolerance``), checked."""
    frame = pd.DataFrame([dict(row) for row in rows])
    if frame.empty:
        return []
    frame.attrs["source"] = "calibrants"
    return _rows(calibrant_frame(frame, source="calibrants"))


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for name, rt, tolerance in zip(
        frame["name"], frame["rt"].astype(float), frame["tolerance"].astype(float), strict=True
    ):
        rows.append(
            {
                "name": str(name),
                "rt": None if math.isnan(rt) else float(rt),
                "tolerance": float(tolerance),
            }
        )
    return rows


def method_save(
    *,
    owner: User,
    name: str,
    calibrants: Sequence[Mapping[str, Any]] | None = None,
    parameters: Mapping[str, Any] | None = None,
    description: str = "",
    method: Method | None = None,
) -> Method:
    """Create a method, or update ``method`` (``calibrants=None`` keeps its calibrants).

    Raises
    ------
    ganglioside.ConfigError
        A parameter is unknown or out of range, or the owner has a method of that name.
    ganglioside.InputError
        A calibrant row is not valid.
    """
    checked = AnalysisConfig.from_mapping(dict(parameters or {}))
    defaults = AnalysisConfig().to_dict()
    changed = {k: v for k, v in checked.to_dict().items() if v != defaults.get(k)}
    target = method if method is not None else Method(owner=owner)
    target.name = name.strip()[:200]
    if not target.name:
        raise ConfigError("name: a method needs a name")
    target.description = description
    target.parameters = _json_safe(changed)
    if calibrants is not None:
        target.calibrants = calibrants_checked(calibrants)
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError:
        raise ConfigError(f"name: you already have a method named {target.name!r}") from None
    return target


def method_delete(*, method: Method) -> None:
    """Delete a method; the analyses that used it keep their copy of its calibrants."""
    method.delete()


def _json_safe(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in values.items()}


# -- column mappings ---------------------------------------------------------------------------


def mapping_remember(*, owner: User, header: Sequence[str], columns: Mapping[str, str]) -> None:
    """Remember ``columns`` for files with this header (the last one given wins)."""
    ColumnMapping.objects.update_or_create(
        owner=owner,
        signature=header_signature(header),
        defaults={"header": list(header), "columns": dict(columns)},
    )


def mapping_offered(*, owner: User, header: Sequence[str]) -> dict[str, str]:
    """The mapping to offer for a file: the one given for this header, else the latest one
    whose columns are all in this header, else an empty mapping.

    Raises
    ------
    ganglioside.ConfigError
        Never for stored mappings: they were checked by :func:`parse_columns` when given.
    """
    same = ColumnMapping.objects.filter(owner=owner, signature=header_signature(header)).first()
    if same is not None:
        return dict(same.columns)
    present = set(header)
    for mapping in ColumnMapping.objects.filter(owner=owner)[:20]:
        if set(mapping.columns.values()) <= present:
            return dict(mapping.columns)
    return {}


def mapping_checked(columns: Mapping[str, str]) -> dict[str, str]:
    """A mapping without empty entries, checked by the core (``ConfigError`` when not valid)."""
    given = {k: v for k, v in columns.items() if v}
    return parse_columns(given) if given else {}


# -- uploads waiting for a choice --------------------------------------------------------------


def pending_store(*, content: bytes, filename: str) -> str:
    """Keep an upload until the user chooses a sample or a mapping; returns where it is."""
    safe = PurePath(filename).name or "input"
    return default_storage.save(f"{PENDING_FOLDER}/{uuid.uuid4().hex}/{safe}", ContentFile(content))


def pending_open(path: str) -> ContentFile:
    """The kept upload as a file named like the original.

    Raises
    ------
    ganglioside.InputError
        When it is gone (taken already, or removed by the clean-up).
    """
    if not path.startswith(f"{PENDING_FOLDER}/") or not default_storage.exists(path):
        raise InputError("the uploaded file is no longer kept; upload it again")
    with default_storage.open(path, "rb") as handle:
        return ContentFile(handle.read(), name=PurePath(path).name)


def pending_discard(path: str) -> None:
    """Delete a kept upload (once its analyses are stored)."""
    if path.startswith(f"{PENDING_FOLDER}/") and default_storage.exists(path):
        default_storage.delete(path)
