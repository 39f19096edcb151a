"""Checking the arguments of :func:`~ganglioside.simulate.simulate`, as AnalysisConfig does."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ..errors import ConfigError

#: Rates and the highest value each may take: (high, whether ``high`` itself is allowed).
RATE_LIMITS: dict[str, tuple[float, bool]] = {
    "anchor_rate": (1.0, True),
    # a table needs real species; at 0.9 nine rows in ten would be misannotations
    "outlier_rate": (0.9, False),
    "fragment_rate": (1.0, True),
    "isomer_rate": (1.0, True),
    "missing_logp_rate": (1.0, True),
}


class SimulationArgumentError(ConfigError, ValueError):
    """An argument of ``simulate()`` has the wrong type or a value outside its allowed range."""


def check_arguments(seed: object, n_rows: object, knobs: Mapping[str, object]) -> None:
    """Refuse any argument of the wrong type or out of range, naming it, its value and the range.

    ``knobs`` holds ``n_species``, ``noise_sd`` and the rates of :data:`RATE_LIMITS` (``None``
    for one left to its per-seed draw).

    Raises
    ------
    SimulationArgumentError
        A :class:`~ganglioside.errors.ConfigError` and a :class:`ValueError`.
    """
    _check_whole("seed", seed, low=0)
    for name, value in (("n_species", knobs["n_species"]), ("n_rows", n_rows)):
        if value is not None:
            _check_whole(name, value, low=1)
    for name, (high, closed) in RATE_LIMITS.items():
        value = knobs[name]
        if value is not None:
            _check_rate(name, value, high, closed)
    noise_sd = knobs["noise_sd"]
    if noise_sd is not None:
        number = _as_number(noise_sd)
        if number is None or not 0 < number < math.inf:
            raise SimulationArgumentError(
                f"noise_sd must be a finite number > 0 (min), got {noise_sd!r}"
            )


def _as_number(value: object) -> float | None:
    """``value`` as a float when it is a real number (not a bool), else ``None``."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        return None
    return float(value)


def _check_whole(name: str, value: object, *, low: int) -> None:
    if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < low:
        raise SimulationArgumentError(f"{name} must be a whole number ≥ {low}, got {value!r}")


def _check_rate(name: str, value: object, high: float, closed: bool) -> None:
    number = _as_number(value)
    inside = number is not None and (0 <= number <= high if closed else 0 <= number < high)
    if not inside:
        bracket = "]" if closed else ")"
        raise SimulationArgumentError(
            f"{name} must be a number in [0, {high:g}{bracket}, got {value!r}"
        )


def check_hydroxyl(shift: object, rate: object) -> None:
    """Refuse a hydroxyl RT shift that is not a finite number or a rate outside [0, 1]."""
    if shift is not None:
        number = _as_number(shift)
        if number is None or not math.isfinite(number):
            raise SimulationArgumentError(
                f"hydroxyl_rt_shift must be a finite number (min), got {shift!r}"
            )
    if rate is not None:
        _check_rate("hydroxyl_rate", rate, 1.0, True)


def check_curvature(curvature: object) -> float | None:
    """The RT curvature as a float (None stays None); refused when not a finite number."""
    if curvature is None:
        return None
    number = _as_number(curvature)
    if number is None or not math.isfinite(number):
        raise SimulationArgumentError(
            f"rt_curvature must be a finite number (min per Log P unit²), got {curvature!r}"
        )
    return number
