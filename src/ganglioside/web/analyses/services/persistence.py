"""The core's tables (compounds, models, fragment events) written as database rows.

Used by :mod:`.running`; vectorised per column, bulk
inserts (binary COPY on PostgreSQL).  Database writes only: not to be confused with Django's
file storage, which holds the uploaded input files.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection, models

from ganglioside.curation import CURATION_COLUMNS
from ganglioside.result import COMPOUND_COLUMNS
from ganglioside.web.common.json_safety import NUL, clean_text, json_safe, json_value

from ..models import Compound, FragmentEvent, RTModel

COMPOUND_BATCH_SIZE = 2000

#: The columns stored in typed fields: the core's, and the curation's status columns.
STORED_COLUMNS = (*COMPOUND_COLUMNS, *CURATION_COLUMNS)


def _clean_texts(cells: list[Any]) -> list[Any]:
    """The texts of a column as the database can store them (one scan when none needs it)."""
    if not any(NUL in v for v in cells if isinstance(v, str)):
        return cells
    return [clean_text(v) if isinstance(v, str) else v for v in cells]


_COMPOUND_FIELDS: dict[str, models.Field] = {
    f.name: f for f in Compound._meta.concrete_fields if f.name in STORED_COLUMNS
}


def compounds_store(*, analysis_id: int, frame: pd.DataFrame) -> int:
    """Insert one :class:`Compound` per row of the core's compound table, in batches.

    Columns of :data:`ganglioside.result.COMPOUND_COLUMNS` and the curation's status columns go
    to typed fields (``status_computed`` is the status when the frame has none); any other
    column is kept in ``extra``.  Missing or non-finite numbers become NULL.

    Returns
    -------
    int
        The number of rows stored.
    """
    n = len(frame)
    if n == 0:
        return 0
    columns = _typed_columns(frame)
    extras = _extras(frame)
    names = list(columns)
    values = [columns[name] for name in names]
    if connection.vendor == "postgresql":
        _copy_compounds(analysis_id, names, values, extras)
        return n
    objects = [
        Compound(analysis_id=analysis_id, extra=extra, **dict(zip(names, row, strict=True)))
        for row, extra in zip(zip(*values, strict=True), extras, strict=True)
    ]
    Compound.objects.bulk_create(objects, batch_size=COMPOUND_BATCH_SIZE)
    return n


def _typed_columns(frame: pd.DataFrame) -> dict[str, list[Any]]:
    """The frame's columns that have a typed field, as the database stores them."""
    columns: dict[str, list[Any]] = {}
    for name, model_field in _COMPOUND_FIELDS.items():
        if name in frame.columns:
            columns[name] = _column_values(frame[name], model_field)
    if "status_computed" not in columns and "status" in columns:
        columns["status_computed"] = columns["status"]
    return columns


def _extras(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Per row, the frame's other columns (for ``extra``)."""
    extra_names = [c for c in frame.columns if c not in STORED_COLUMNS]
    if not extra_names:
        return [{}] * len(frame)
    return [
        {clean_text(str(k)): json_value(v) for k, v in zip(extra_names, values, strict=True)}
        for values in frame[extra_names].itertuples(index=False, name=None)
    ]


def _copy_compounds(
    analysis_id: int, names: list[str], values: list[list[Any]], extras: list[dict[str, Any]]
) -> None:
    """PostgreSQL's COPY: one statement streams every row (an order of magnitude faster than
    INSERT batches, which spend their time preparing each of the million parameters).

    Binary COPY: numbers go out as their 4 or 8 bytes, which costs the client and the server
    much less than formatting and parsing their decimal text."""
    meta = Compound._meta
    fields = [_model_field(Compound, name) for name in [*names, "analysis", "extra"]]
    missing = _defaulted_fields(names)
    fields += missing
    tail = [f.get_default() for f in missing]
    columns = ", ".join(f.column for f in fields)
    statement = f"COPY {meta.db_table} ({columns}) FROM STDIN (FORMAT binary)"
    empty = _JsonText("{}")
    with connection.cursor() as cursor:
        raw = cursor.cursor
        raw.adapters.register_dumper(_JsonText, _json_text_dumper(raw.adapters.types["jsonb"].oid))
        with raw.copy(statement) as copy:
            copy.set_types([_copy_type(f) for f in fields])
            n = len(extras)
            jsons = [_JsonText(json.dumps(extra)) if extra else empty for extra in extras]
            constants = [[value] * n for value in (analysis_id, *tail)]
            # One tuple per row straight from the columns, in the order of ``fields``.
            for row in zip(*values, constants[0], jsons, *constants[1:], strict=True):
                copy.write_row(row)


def _defaulted_fields(names: list[str]) -> list[Any]:
    """The compound's fields the frame lacks: they take their model default."""
    given = {*names, "analysis", "extra"}
    return [f for f in Compound._meta.concrete_fields if not f.primary_key and f.name not in given]


_COPY_TYPES = {
    "double precision": "float8",
    "integer": "int4",
    "smallint": "int2",
    "bigint": "int8",
    "boolean": "bool",
    "jsonb": "jsonb",
    "text": "text",
}


def _model_field(model: type[models.Model], name: str) -> models.Field:
    """The concrete field ``name`` of ``model`` (not a relation's reverse side)."""
    found = model._meta.get_field(name)
    if not isinstance(found, models.Field):
        raise TypeError(f"{model.__name__}.{name} is not a concrete field")
    return found


def _copy_type(field: Any) -> str:
    """The PostgreSQL type name psycopg dumps the field's values as, in binary COPY."""
    db_type = field.db_type(connection)
    if db_type.startswith("varchar"):
        return "text"
    return _COPY_TYPES[db_type]


class _JsonText(str):
    """JSON already written as text, sent as ``jsonb`` as it is."""


def _json_text_dumper(oid: int) -> type:
    from psycopg.adapt import Dumper
    from psycopg.pq import Format

    class JsonTextBinaryDumper(Dumper):
        format = Format.BINARY

        def dump(self, obj: Any) -> bytes:
            return b"\x01" + obj.encode()  # jsonb's binary form: version 1, then the text

    JsonTextBinaryDumper.oid = oid
    return JsonTextBinaryDumper


def _column_values(series: pd.Series, model_field: models.Field) -> list[Any]:
    """Convert a column to Python values the field accepts, letting numpy do the per-cell work."""
    if isinstance(model_field, models.BooleanField):
        if series.dtype == bool:
            return series.tolist()
        return [bool(v) if v is not None else False for v in _nullable(series)]
    if isinstance(model_field, models.FloatField | models.IntegerField):
        numbers = pd.to_numeric(series, errors="coerce").astype("float64").to_numpy()
        bad = ~np.isfinite(numbers)
        if isinstance(model_field, models.IntegerField):
            cells = np.where(bad, 0, numbers).astype(np.int64).astype(object)
        else:
            cells = numbers.astype(object)
        cells[bad] = None
        return cells.tolist()
    # Text: NULL is not allowed, so a missing value is the empty string.
    if isinstance(series.dtype, pd.CategoricalDtype):
        # Each label converted once; code -1 (missing) picks the empty string at the end.
        labels = np.array([*map(clean_text, map(str, series.cat.categories)), ""], dtype=object)
        return labels[series.cat.codes.to_numpy()].tolist()
    cells = series.to_numpy(dtype=object, copy=True)
    missing = pd.isna(cells)
    cells[missing] = ""
    if pd.api.types.infer_dtype(cells, skipna=False) != "string":
        return _clean_texts([v if isinstance(v, str) else str(v) for v in cells.tolist()])
    return _clean_texts(cells.tolist())


def _nullable(series: pd.Series) -> list[Any]:
    return series.astype(object).where(series.notna(), None).tolist()


def rt_model(analysis_id: int, position: int, report: Any) -> RTModel:
    data = json_safe(report.to_dict())
    return RTModel(
        analysis_id=analysis_id,
        position=position,
        model_id=data["model_id"],
        level=data["level"],
        groups=data["groups"],
        n_anchors=data["n_anchors"],
        n_rows=data["n_rows"],
        slope=data["slope"],
        slope_se=data["slope_se"],
        intercepts=data["intercepts"],
        r2=data["r2"],
        q2=data["q2"],
        rmse_loo=data["rmse_loo"],
        mae_loo=data["mae_loo"],
        residual_sd=data["residual_sd"],
        df=data["df"],
        logp_range=data["logp_range"],
        tracks=data["tracks"],
        warnings=data["warnings"],
        curvature=data.get("curvature"),
        curvature_se=data.get("curvature_se"),
        centres=data.get("centres") or {},
    )


_FRAGMENT_FIELDS = [
    f.name for f in FragmentEvent._meta.concrete_fields if f.name not in ("id", "analysis")
]


def fragment_events(analysis_id: int, frame: pd.DataFrame) -> list[FragmentEvent]:
    if frame is None or len(frame) == 0:
        return []
    columns = {
        name: _column_values(frame[name], _model_field(FragmentEvent, name))
        for name in _FRAGMENT_FIELDS
        if name in frame.columns
    }
    names = list(columns)
    return [
        FragmentEvent(analysis_id=analysis_id, **dict(zip(names, row, strict=True)))
        for row in zip(*(columns[n] for n in names), strict=True)
    ]
