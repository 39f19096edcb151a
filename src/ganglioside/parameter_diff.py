"""The parameters two analyses differ in, and how a value is written in a name or a table.

Pure functions of the stored parameter mappings (``Analysis.parameters``); used to name a
re-run after what it changed and to list the differences on the comparison page.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .config import AnalysisConfig


@dataclass(frozen=True)
class ParameterChange:
    name: str
    before: Any
    after: Any

    @property
    def before_text(self) -> str:
        return value_text(self.before)

    @property
    def after_text(self) -> str:
        return value_text(self.after)


def value_text(value: Any) -> str:
    """A parameter value as a person writes it: ``3.0``, ``on``/``off``, JSON for a mapping."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, sort_keys=True)
    if value is None:
        return "—"
    return str(value)


def _complete(parameters: Mapping[str, Any] | None) -> dict[str, Any]:
    """Every parameter: the stored ones over the defaults (an older analysis may lack some)."""
    return {**AnalysisConfig().to_dict(), **dict(parameters or {})}


def parameter_changes(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> list[ParameterChange]:
    """The parameters whose values differ, in the order of :class:`AnalysisConfig`."""
    a, b = _complete(before), _complete(after)
    out = []
    for name in [*a, *(k for k in b if k not in a)]:
        if _normal(a.get(name)) != _normal(b.get(name)):
            out.append(ParameterChange(name, a.get(name), b.get(name)))
    return out


def _normal(value: Any) -> Any:
    # Stored JSON turns tuples into lists and may hold 3 where the default is 3.0.
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def changes_text(changes: list[ParameterChange]) -> str:
    """``outlier_z 3.0, robust off``: what a re-run changed, for its name."""
    return ", ".join(f"{c.name} {c.after_text}" for c in changes)
