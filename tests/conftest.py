"""Core test fixtures (no Django).

``small_analysis`` is an :class:`~ganglioside.AnalysisResult` built by hand from the result
contract, so
that the report writers can be tested on known values without running the pipeline: two
anchored GD1 peaks, a valid GD1, an outlier with a negative residual and a negative Log P, an
in-source fragment (GM1) of a GD1 peak, an unverified GT1, an invalid row, a row whose name is a
spreadsheet formula and one whose name is a script tag.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from ganglioside.config import AnalysisConfig
from ganglioside.result import COMPOUND_COLUMNS, AnalysisResult, ModelReport

# The servers and Celery workers the tests start in other processes skip the warm-up analysis
# (about 4 s of CPU each, all export writers included): the tests time nothing that depends
# on it, and tests/web/test_warmup.py and test_cli_web.py test the warm-up itself.
os.environ.setdefault("GANGLIOSIDE_WORKER_WARM_UP", "0")

DATA_DIR = Path(__file__).resolve().parents[1] / "src" / "ganglioside" / "data"
SAMPLE_CSV = DATA_DIR / "measured_sample.csv"

XSS_NAME = "<script>alert(1)</script>GD1(36:1;O2)"
FORMULA_NAME = '=HYPERLINK("http://evil.example","x")'

SLOPE = 1.36
INTERCEPT_GD1 = 7.0
INTERCEPT_GM1 = 9.1

_DEFAULTS: dict[str, Any] = {c: math.nan for c in COMPOUND_COLUMNS}
_DEFAULTS.update(
    {
        "log_p_source": "given",
        "is_anchor": False,
        "isomer": "",
        "modifications": "",
        "reasons": "",
        "evidence": "",
        "warnings": "",
        "model_level": "",
        "model_id": "",
        "isomer_track": "",
        "oac_label": "",
        "fragment_lost": "",
    }
)


def _row(**values: Any) -> dict[str, Any]:
    row = dict(_DEFAULTS)
    row.update(values)
    if not math.isnan(row["log_p"]) and row["model_id"]:
        intercept = INTERCEPT_GD1 if row["group_key"] == "GD1" else INTERCEPT_GM1
        row["predicted_rt"] = SLOPE * row["log_p"] + intercept
        row["residual"] = row["rt"] - row["predicted_rt"]
        row["z"] = row["residual"] / 0.05
        row["pi_low"] = row["predicted_rt"] - 2.5 * 0.05
        row["pi_high"] = row["predicted_rt"] + 2.5 * 0.05
    return row


def build_compounds() -> pd.DataFrame:
    """The hand-built compounds frame (COMPOUND_COLUMNS in order, then one extra column)."""
    gd1 = {"core": "GD1", "category": "GD", "group_key": "GD1", "neuac": 2, "sugar_count": 6}
    gm1 = {"core": "GM1", "category": "GM", "group_key": "GM1", "neuac": 1, "sugar_count": 5}
    pooled = {"model_level": "pooled", "model_id": "pooled"}
    rows = [
        _row(row=1, name="GD1(36:1;O2)", rt=9.61, volume=1000.0, log_p=1.92, is_anchor=True,
             ceramide="36:1;O2", status="valid", volume_consolidated=1400.0,
             formula="C84H148N4O39", mass=1836.9673, **gd1, **pooled),
        _row(row=2, name="GD1(38:1;O2)", rt=11.02, volume=500.0, log_p=2.95, is_anchor=True,
             ceramide="38:1;O2", status="valid", volume_consolidated=500.0, **gd1, **pooled),
        _row(row=3, name="GD1(34:1;O2)", rt=7.62, volume=300.0, log_p=0.45,
             ceramide="34:1;O2", status="valid", volume_consolidated=300.0, **gd1, **pooled),
        _row(row=4, name="GD1(30:0;O2)", rt=5.10, volume=80.0, log_p=-0.85,
             ceramide="30:0;O2", status="outlier", reasons="rt_model: z = -13.1 (|z| >= 2.5)",
             volume_consolidated=80.0, **gd1, **pooled),
        _row(row=5, name="GM1(36:1;O2)", rt=9.62, volume=400.0, log_p=4.40,
             ceramide="36:1;O2", status="fragment", reasons="in-source fragment of row 1",
             fragment_of=1, fragment_parent=1, fragment_delta_rt=0.01,
             fragment_lost="NeuAc", volume_consolidated=0.0, **gm1, **pooled),
        _row(row=6, name="GT1(36:1;O2)", rt=8.80, volume=200.0, log_p=-0.55, core="GT1",
             category="GT", group_key="GT1", ceramide="36:1;O2", neuac=3, status="unverified",
             reasons="no model reaches GT1", volume_consolidated=200.0),
        _row(row=7, name="GX9(bad)", rt=6.0, volume=10.0, status="invalid",
             reasons="name does not follow the grammar", core="", category="", group_key=""),
        _row(row=8, name=FORMULA_NAME, rt=10.0, volume=50.0, log_p=2.2, **gd1,
             ceramide="37:1;O2", status="valid", volume_consolidated=50.0, **pooled),
        _row(row=9, name=XSS_NAME, rt=9.0, volume=70.0, log_p=1.5, **gd1, ceramide="36:1;O2",
             status="valid", volume_consolidated=70.0, warnings="@SUM(1+1)", **pooled),
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=list(COMPOUND_COLUMNS))
    frame["Comment"] = ["ok", "+cmd|' /C calc'!A0", "", "-2", "", "", "", "", ""]
    return frame


def build_analysis(compounds: pd.DataFrame | None = None) -> AnalysisResult:
    """An AnalysisResult around ``compounds`` (default :func:`build_compounds`)."""
    compounds = build_compounds() if compounds is None else compounds
    model = ModelReport(
        model_id="pooled",
        level="pooled",
        groups=("GD1", "GM1"),
        n_anchors=2,
        n_rows=6,
        slope=SLOPE,
        slope_se=0.04,
        intercepts={"GD1": (INTERCEPT_GD1, 0.03), "GM1": (INTERCEPT_GM1, 0.05)},
        r2=0.991,
        q2=0.95,
        rmse_loo=0.06,
        mae_loo=0.05,
        residual_sd=0.05,
        df=3,
        logp_range=(-0.85, 4.4),
        warnings=("only two anchors",),
    )
    fragments = pd.DataFrame(
        [
            {
                "parent_row": 1,
                "parent_name": "GD1(36:1;O2)",
                "fragment_row": 5,
                "fragment_name": "GM1(36:1;O2)",
                "root_row": 1,
                "delta_rt": 0.01,
                "lost": "NeuAc",
                "parent_volume": 1000.0,
                "fragment_volume": 400.0,
                "volume_ratio": 0.4,
            }
        ]
    )
    summary = {
        "n_rows": len(compounds),
        "pass_rate": 0.8,
        "undefined_ratio": math.nan,
        "by_category": {"GD": 5, "GM": 1, "GT": 1},
    }
    return AnalysisResult(
        compounds=compounds,
        models=[model],
        fragments=fragments,
        summary=summary,
        warnings=["row 7: name 'GX9(bad)' does not follow the grammar", "<b>bold</b> warning"],
        config=AnalysisConfig(outlier_z=2.5, fragment_rt_window=0.02),
        source="hand_built.csv",
    )


@pytest.fixture
def small_analysis() -> AnalysisResult:
    """A hand-built :class:`AnalysisResult` with every compound column (see the module doc)."""
    return build_analysis()


@pytest.fixture
def sample_csv() -> Path:
    """The bundled measured sample table (323 rows)."""
    return SAMPLE_CSV


@pytest.fixture(scope="session")
def sample_analysis() -> AnalysisResult:
    """The real pipeline run on the bundled measured sample (shared by the report tests)."""
    from ganglioside import analyze

    return analyze(SAMPLE_CSV)


@pytest.fixture(scope="session")
def large_analysis() -> AnalysisResult:
    """The pipeline run on the bundled sample repeated 40 times (12,920 rows): large enough for
    the report to aggregate its plots and cap its tables."""
    from ganglioside import analyze

    sample = pd.read_csv(SAMPLE_CSV)
    return analyze(pd.concat([sample] * 40, ignore_index=True))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``long_fuzz`` (thousands of generated examples) run only when asked for
    with ``-m long_fuzz``; every other run, ``make test`` included, skips them."""
    if "long_fuzz" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="thousands of examples: run with -m long_fuzz")
    for item in items:
        if "long_fuzz" in item.keywords:
            item.add_marker(skip)
