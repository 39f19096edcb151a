"""Every tunable parameter of the analysis, in one frozen dataclass.

The defaults are those of the design (ALGORITHM.md section 10).  A config can be built in
Python, read from a TOML file, or changed by ``key=value`` strings from the command line; the
config used is recorded with every result.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, NamedTuple

from .errors import ConfigError


class Bounds(NamedTuple):
    """The range of a numeric parameter: the one definition, read by the config's checks and
    by the web API's fields and schema."""

    minimum: float
    exclusive: bool = False
    maximum: float | None = None
    whole: bool = False

    def admits(self, value: object) -> bool:
        """Whether ``value`` is a number (a whole one when asked) in the range; NaN is not."""
        kind = int if self.whole else (int, float)
        if isinstance(value, bool) or not isinstance(value, kind):
            return False
        above = value > self.minimum if self.exclusive else value >= self.minimum
        return bool(above and (self.maximum is None or value <= self.maximum))

    @property
    def expected(self) -> str:
        """The range in words, e.g. ``a number > 0``."""
        kind = "a whole number" if self.whole else "a number"
        if self.maximum is not None:
            return f"{kind} between {self.minimum:g} and {self.maximum:g}"
        return f"{kind} {'>' if self.exclusive else '≥'} {self.minimum:g}"


#: The range of each numeric parameter of :class:`AnalysisConfig`.
PARAMETER_BOUNDS: dict[str, Bounds] = {
    **{
        name: Bounds(0, exclusive=True)
        for name in (
            "fragment_rt_window",
            "outlier_z",
            "rt_sd_floor",
            "oac_max_shift",
            "logp_mismatch",
            "max_rt",
            "mz_tolerance_ppm",
            "ms2_tolerance",
        )
    },
    **{
        name: Bounds(0)
        for name in ("oac_coelution", "oac_expected_shift", "fragment_keep_volume_ratio")
    },
    "min_anchors_group_model": Bounds(3, whole=True),
    "min_q2": Bounds(-1, maximum=1),
}


@dataclass(frozen=True)
class AnalysisConfig:
    """Parameters of one analysis run.

    Attributes
    ----------
    fragment_rt_window:
        Largest |RT difference| (min) between an in-source fragment and its parent.
    fragment_deacetylation:
        Also treat a peak with the same sugars but fewer O-acetyl groups as a fragment
        (in-source loss of acetate); only within half the window.
    fragment_keep_volume_ratio:
        A fragment candidate that sits on its own predicted RT and whose volume is at least this
        fraction of its parent's stays ``valid`` (with a ``possible_fragment`` warning).
    min_anchors_group_model:
        Anchors a group needs for a line of its own.
    min_q2:
        Leave-one-out Q² a group line needs to be used.
    outlier_z:
        |z| at or above which a row is an ``outlier``.
    rt_sd_floor:
        Floor (min) on the residual SD used in z.
    robust:
        Let non-anchor rows refine the model through a robust (Tukey biweight) fit.
    oac_coelution, oac_max_shift:
        O-acetylation labels: |ΔRT| at or below ``oac_coelution`` is ``coeluting``; above
        ``oac_max_shift`` is ``too_large``.
    oac_expected_shift:
        Expected RT shift (min) per O-acetyl group when the file has too few clear pairs.
    oac_reversed_is_outlier:
        Make a ``reversed`` O-acetylation label change the status to ``outlier``.
    logp_mismatch:
        A given Log P further than this from its composition estimate is flagged.
    max_rt:
        Longest plausible run (min); a larger RT makes the row invalid.
    mz_tolerance_ppm:
        Largest |precursor m/z error| (ppm) against the formula's ion, where the export gives
        the measured m/z and the adduct; beyond it the row is an ``outlier`` (misannotated).
    ms2_tolerance:
        Largest |m/z difference| (Da) between a diagnostic ion and a peak of the row's MS/MS
        spectrum.
    self_calibrate:
        With fewer than two anchors, calibrate the RT model on the file's own peaks (a robust
        fit: most annotations are right) instead of leaving every row ``unverified``.
    isomer_elution_order:
        Known elution order of lettered isomers per core, earliest first, e.g.
        ``{"GD1": ("b", "a")}``, used to name isomer tracks when no lettered anchor does.
    """

    fragment_rt_window: float = 0.02
    fragment_deacetylation: bool = True
    fragment_keep_volume_ratio: float = 0.5
    min_anchors_group_model: int = 5
    min_q2: float = 0.70
    outlier_z: float = 2.5
    rt_sd_floor: float = 0.05
    robust: bool = True
    oac_coelution: float = 0.01
    oac_max_shift: float = 1.0
    oac_expected_shift: float = 0.08
    oac_reversed_is_outlier: bool = False
    logp_mismatch: float = 0.5
    max_rt: float = 120.0
    mz_tolerance_ppm: float = 10.0
    ms2_tolerance: float = 0.01
    self_calibrate: bool = True
    isomer_elution_order: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, bounds in PARAMETER_BOUNDS.items():
            value = getattr(self, name)
            if not bounds.admits(value):
                raise ConfigError(f"{name} must be {bounds.expected}, got {value!r}")
        if self.oac_coelution >= self.oac_max_shift:
            raise ConfigError("oac_coelution must be smaller than oac_max_shift")
        order = {
            str(core): tuple(str(letter) for letter in letters)
            for core, letters in dict(self.isomer_elution_order).items()
        }
        object.__setattr__(self, "isomer_elution_order", order)

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> AnalysisConfig:
        """Build a config from a mapping, refusing unknown keys."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(
                f"unknown parameter(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        try:
            return cls(**dict(values))
        except TypeError as exc:  # a wrong type that dataclass itself rejects
            raise ConfigError(str(exc)) from exc

    @classmethod
    def from_toml(cls, path: str | Path) -> AnalysisConfig:
        """Read a config from a TOML file (top-level keys or an ``[analysis]`` table)."""
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file {path} does not exist") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
        if "analysis" in data and isinstance(data["analysis"], dict):
            data = data["analysis"]
        return cls.from_mapping(data)

    def with_overrides(self, assignments: Iterable[str]) -> AnalysisConfig:
        """Return a copy with ``key=value`` strings applied (values parsed as TOML scalars)."""
        changes: dict[str, Any] = {}
        known = {f.name: f for f in fields(self)}
        for item in assignments:
            key, sep, raw = item.partition("=")
            key = key.strip()
            if not sep or not key:
                raise ConfigError(f"expected key=value, got {item!r}")
            if key not in known:
                raise ConfigError(f"unknown parameter {key!r}; known: {', '.join(sorted(known))}")
            changes[key] = _parse_value(key, raw.strip())
        return self.replace(**changes)

    def replace(self, **changes: Any) -> AnalysisConfig:
        """Return a copy with some parameters changed."""
        return self.from_mapping({**self.to_dict(), **changes})

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready values of every parameter."""
        out = dataclasses.asdict(self)
        out["isomer_elution_order"] = {
            core: list(order) for core, order in self.isomer_elution_order.items()
        }
        return out


def _parse_value(key: str, raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        lowered = raw.lower()
        if lowered in {"true", "yes", "on"}:
            return True
        if lowered in {"false", "no", "off"}:
            return False
        raise ConfigError(f"cannot read the value {raw!r} for {key}") from None
