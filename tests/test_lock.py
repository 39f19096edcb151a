"""requirements/lock.txt (``make install LOCKED=1``) pins every requirement that pyproject.toml
declares, at a version its range allows: a dependency added or re-ranged without ``make lock``
fails here, not on a user's machine."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
LOCKED_EXTRAS = ("web", "dev")


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in LOCKED_EXTRAS:
        lines += project["optional-dependencies"][extra]
    return [Requirement(line) for line in lines]


def _locked() -> dict[str, list[tuple[Version, Marker | None]]]:
    pins: dict[str, list[tuple[Version, Marker | None]]] = {}
    for raw in (ROOT / "requirements" / "lock.txt").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        (spec,) = req.specifier
        assert spec.operator == "==", f"lock.txt: {raw!r} is not an exact pin"
        pins.setdefault(canonicalize_name(req.name), []).append((Version(spec.version), req.marker))
    return pins


def test_the_lock_pins_every_declared_requirement_within_its_range():
    locked = _locked()
    problems = []
    for req in _declared():
        if req.marker is not None and not req.marker.evaluate():
            continue
        pins = locked.get(canonicalize_name(req.name))
        if not pins:
            problems.append(f"{req}: not in requirements/lock.txt")
            continue
        for version, marker in pins:
            if marker is not None and not marker.evaluate():
                continue
            if not req.specifier.contains(version, prereleases=True):
                problems.append(f"{req}: locked at {version}, outside the declared range")
    assert not problems, "run `make lock`:\n" + "\n".join(problems)


def test_the_lock_parses_and_pins_the_scientific_stack():
    locked = _locked()
    for name in ("numpy", "pandas", "scipy", "statsmodels", "django"):
        assert name in locked, name
