"""Behaviour pin: the sample and four simulated tables give the same compounds.csv, the same
simulated tables and the same summary counts as recorded in tests/pinned/.

Values are compared, not bytes (tests/pinned/compare.py): every text and integer cell exactly,
every float within a relative 1e-9 (absolute 1e-10), the columns and their order exactly, so the
pin holds on any CPU and BLAS while a changed verdict, reason, parent, category or number fails
it with the file, row, column and both values.

A refactoring must leave this test green.  When an output changes on purpose, regenerate the
pins (``python -m tests.pinned.make_pins``) in the same commit and say why in the CHANGELOG.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ganglioside.report.tables import compounds_csv
from tests.pinned.compare import describe, table_differences
from tests.pinned.make_pins import counts, results

PINNED_DIR = Path(__file__).parent / "pinned"
PINNED = json.loads((PINNED_DIR / "outputs.json").read_text())
PINNED_COUNTS = PINNED["counts"]
PINNED_FLOATS = PINNED["float_columns"]
PINNED_FILES = sorted(p.name for p in PINNED_DIR.glob("*.csv"))


@pytest.fixture(scope="module")
def current():
    return results()


def _pinned(name: str) -> str:
    return (PINNED_DIR / name).read_text(encoding="utf-8")


def _differences(name: str, text: str) -> list[str]:
    return table_differences(_pinned(name), text, name, PINNED_FLOATS[name])


@pytest.mark.slow
def test_every_input_is_pinned(current):
    assert sorted(current.texts) == PINNED_FILES
    assert sorted(current.analyses) == sorted(PINNED_COUNTS)


@pytest.mark.slow
@pytest.mark.parametrize("name", PINNED_FILES)
def test_outputs_match_the_pin(current, name):
    assert current.floats[name] == PINNED_FLOATS[name], f"{name}: the float columns changed"
    differences = _differences(name, current.texts[name])
    assert not differences, describe(differences)


@pytest.mark.parametrize("key", sorted(PINNED_COUNTS))
def test_summary_counts_match_the_pin(current, key):
    assert counts(current.analyses[key]) == PINNED_COUNTS[key]


def _scaled(result, factor: float):
    """The result with every float cell of its compounds multiplied by ``factor``."""
    compounds = result.compounds.copy()
    for column in compounds.columns:
        if pd.api.types.is_float_dtype(compounds[column]):
            compounds[column] = compounds[column] * factor
    return result.__class__(**{**vars(result), "compounds": compounds})


@pytest.mark.parametrize("factor", [1 + 1e-15, 1 - 1e-15, 1 + 2e-11])
def test_last_bit_changes_of_every_float_pass_the_pin(current, factor):
    moved = compounds_csv(_scaled(current.analyses["sample"], factor))
    if factor == 1 + 2e-11:  # this one does move printed digits: the tolerance is what holds
        assert moved != _pinned("sample.compounds.csv")
    assert _differences("sample.compounds.csv", moved) == []


def test_a_changed_verdict_fails_the_pin_naming_the_row(current):
    result = current.analyses["sample"]
    compounds = result.compounds.copy()
    index = int(np.flatnonzero(compounds["status"].to_numpy() == "valid")[2])
    compounds.loc[compounds.index[index], "status"] = "outlier"
    changed = compounds_csv(result.__class__(**{**vars(result), "compounds": compounds}))
    differences = _differences("sample.compounds.csv", changed)
    assert len(differences) == 1
    name = compounds["name"].iat[index]
    assert differences[0] == (
        f"sample.compounds.csv row {index + 1} (name {name!r}) column 'status': "
        "pinned 'valid', now 'outlier'"
    )


def test_a_changed_number_beyond_the_tolerance_fails_the_pin():
    pinned = "name,rt,volume\nGM3(36:1;O2),7.5,100\n"
    now = "name,rt,volume\nGM3(36:1;O2),7.50000001,100\n"
    assert table_differences(pinned, now, "t.csv", ["rt"]) == [
        "t.csv row 1 (name 'GM3(36:1;O2)') column 'rt': pinned '7.5', now '7.50000001'"
    ]
    # columns not pinned as floats are compared exactly, however close the numbers
    wide = "name,volume\nA,123456789013\n"
    assert table_differences("name,volume\nA,123456789012\n", wide, "t.csv", [])
    assert not table_differences("name,volume\nA,123456789012\n", wide, "t.csv", ["volume"])


def test_changed_columns_fail_the_pin_naming_them():
    differences = table_differences("name,rt,z\nA,1,2\n", "name,z,rt\nA,2,1\n", "t.csv", [])
    assert len(differences) == 1
    assert "pinned order ['name', 'rt', 'z'], now ['name', 'z', 'rt']" in differences[0]
    assert table_differences("name,rt\nA,1\n", "name,rt\nA,1\nB,2\n", "t.csv", []) == [
        "t.csv: 1 rows pinned, 2 now"
    ]


def _has_avx512() -> bool:
    from numpy._core._multiarray_umath import __cpu_features__

    return bool(__cpu_features__.get("AVX512F"))


@pytest.mark.slow
@pytest.mark.skipif(
    not _has_avx512() or "OPENBLAS_CORETYPE" in os.environ,
    reason="needs an AVX-512 CPU whose BLAS kernels are not already chosen by the environment",
)
def test_the_pin_holds_with_another_cpus_kernels():
    """With the kernels of a CPU without AVX-512 (OpenBLAS's Haswell ones, numpy without its
    AVX-512 loops), compounds.csv prints other last digits, and the pin still holds."""
    env = {
        **os.environ,
        "NPY_DISABLE_CPU_FEATURES": "AVX512_SPR AVX512_ICL X86_V4",
        "OPENBLAS_CORETYPE": "Haswell",
    }
    script = (
        "from tests.pinned.make_pins import results\n"
        "import json, sys\n"
        "print(json.dumps(results().texts))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    texts = json.loads(done.stdout)
    assert any(text != _pinned(name) for name, text in texts.items())
    for name, text in texts.items():
        assert _differences(name, text) == [], describe(_differences(name, text))
