"""Values as the database and JSON can hold them: plain JSON data (numpy scalars unwrapped, NaN
and infinities as null) and text without NUL characters (PostgreSQL stores none)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

#: Text PostgreSQL cannot store (NUL, in text and JSON alike) and what stands in for it.
NUL, _NUL_SHOWN = "\x00", "\ufffd"


def clean_text(text: str) -> str:
    """``text`` as the database can store it: each NUL character replaced by U+FFFD."""
    return text.replace(NUL, _NUL_SHOWN) if NUL in text else text


def json_value(value: Any) -> Any:
    """One scalar as plain JSON (see :func:`json_safe`)."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, int | bool):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return clean_text(str(value))


def json_safe(value: Any) -> Any:
    """Plain JSON data: numpy scalars unwrapped, NaN/inf as null, tuples as lists."""
    if isinstance(value, Mapping):
        return {clean_text(str(k)): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_safe(v) for v in value.tolist()]
    return json_value(value)
