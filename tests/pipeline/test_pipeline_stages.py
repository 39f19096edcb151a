"""The stages of analyze() one by one: status precedence, Log P assignment, names, keys,
explanations."""

from __future__ import annotations

from importlib.resources import files

import numpy as np
import pandas as pd
import pytest

from ganglioside import InputError, analyze
from ganglioside.group_keys import format_group_key, parse_group_key
from ganglioside.inputs import read_table
from ganglioside.logp import LOGP_SOURCES, assign_logp
from ganglioside.names import composition_frame
from ganglioside.pipeline.contract import Claim, Finding, Reason, Words
from ganglioside.pipeline.explain import explain
from ganglioside.pipeline.rows import parse_names, species_keys
from ganglioside.pipeline.status import FRAGMENT, INVALID, OUTLIER, UNVERIFIED, VALID, decide_status
from ganglioside.result import STATUSES

SAMPLE = str(files("ganglioside") / "data" / "measured_sample.csv")

# -- status precedence -----------------------------------------------------------------------

#: One ordinary row: parsed, with Log P, on its model's line.
ORDINARY = {
    "invalid": False,
    "standard": False,
    "usable": True,
    "anchors": False,
    "is_fragment": False,
    "z": 0.5,
    "has_model": True,
    "reversed_oac": False,
}


def status_of(reversed_is_outlier: bool = False, **row: object) -> str:
    """The status decide_status gives one row (``row`` overrides :data:`ORDINARY`), from the
    claims the rules make of such a row (outlier_z 2.5)."""
    f = {
        k: np.array([v], dtype=float if k == "z" else bool) for k, v in {**ORDINARY, **row}.items()
    }
    with np.errstate(invalid="ignore"):
        off = f["has_model"] & (np.abs(f["z"]) >= 2.5)
    claims = [
        Claim("rt_outlier", "outlier", off),  # in no particular order: the precedence sorts
        Claim("no_rt_model", "unverified", ~f["has_model"]),
        Claim("fragment", "fragment", f["is_fragment"]),
        Claim("invalid", "invalid", f["invalid"]),
        Claim("internal_standard", "istd", f["standard"]),
        Claim("anchor", "valid", f["anchors"]),
        Claim("no_log_p", "unverified", ~f["usable"]),
    ]
    if reversed_is_outlier:
        claims.append(Claim("oac_reversed", "outlier", f["reversed_oac"]))
    code = decide_status([Finding("test", claims=tuple(claims))], 1)
    assert code.dtype == np.int8
    return STATUSES[int(code[0])]


def test_status_codes_are_the_positions_in_statuses():
    assert [STATUSES[c] for c in (VALID, OUTLIER, FRAGMENT, UNVERIFIED, INVALID)] == [
        "valid",
        "outlier",
        "fragment",
        "unverified",
        "invalid",
    ]


def test_an_ordinary_row_on_its_line_is_valid():
    assert status_of() == "valid"


def test_invalid_wins_over_every_other_finding():
    assert (
        status_of(
            invalid=True,
            usable=False,
            anchors=True,
            is_fragment=True,
            z=9.0,
            has_model=False,
            reversed_oac=True,
        )
        == "invalid"
    )


def test_an_internal_standard_is_istd_whatever_the_rules_found_unless_invalid():
    assert status_of(standard=True, usable=False) == "istd"
    assert status_of(standard=True, anchors=True, is_fragment=True, z=9.0) == "istd"
    assert status_of(standard=True, invalid=True) == "invalid"


def test_a_row_without_log_p_is_unverified_even_off_any_line():
    assert status_of(usable=False, z=9.0) == "unverified"
    assert status_of(usable=False, is_fragment=True) == "unverified"


def test_an_anchor_stays_valid_off_its_line_or_without_a_model():
    assert status_of(anchors=True, z=9.0) == "valid"
    assert status_of(anchors=True, has_model=False, z=np.nan) == "valid"
    assert status_of(True, anchors=True, reversed_oac=True) == "valid"


def test_a_fragment_wins_over_outlier_and_missing_model():
    assert status_of(is_fragment=True, z=9.0) == "fragment"
    assert status_of(is_fragment=True, has_model=False, z=np.nan) == "fragment"


def test_off_the_line_is_an_outlier_from_the_limit_on():
    assert status_of(z=2.5) == "outlier"
    assert status_of(z=-3.0) == "outlier"
    assert status_of(z=2.49) == "valid"


def test_a_reversed_oac_peak_is_an_outlier_only_when_configured():
    assert status_of(reversed_oac=True) == "valid"
    assert status_of(True, reversed_oac=True) == "outlier"
    assert status_of(True, reversed_oac=True, has_model=False, z=np.nan) == "outlier"


def test_no_model_makes_unverified_but_outlier_wins():
    assert status_of(has_model=False, z=np.nan) == "unverified"
    assert status_of(True, has_model=False, z=np.nan, reversed_oac=True) == "outlier"


def test_statuses_of_the_sample_follow_the_precedence():
    c = analyze(SAMPLE).compounds
    assert (c.loc[c["is_anchor"], "status"] == "valid").all()
    fragments = c["fragment_of"].notna()
    assert (c.loc[fragments, "status"] == "fragment").all()
    no_model = c["model_level"] == ""
    assert set(c.loc[no_model & ~fragments & ~c["is_anchor"], "status"]) <= {
        "unverified",
        "invalid",
        "outlier",
    }


# -- Log P -----------------------------------------------------------------------------------

NAMES = [f"GM1({c}:1;O2)" for c in range(32, 42)] + ["GD1(36:1;O2)", "not a name"]


def logp_case(given: list[float], names: list[str] = NAMES, limit: float = 0.5):
    composition = composition_frame(names)
    codes = np.arange(len(names))
    parsed = composition["parse_error"].fillna("").to_numpy(dtype=object) == ""
    return assign_logp(
        np.array(given, dtype=float),
        codes,
        np.array(names, dtype=object),
        composition,
        parsed,
        mismatch_limit=limit,
    )


def test_a_missing_log_p_is_estimated_and_says_so():
    given = [0.5 * i for i in range(10)] + [np.nan, np.nan]
    out = logp_case(given)
    assert [LOGP_SOURCES[s] for s in out.source_code] == ["given"] * 10 + ["estimated", "missing"]
    assert np.isfinite(out.log_p[10]) and np.isnan(out.log_p[11])
    assert np.isnan(out.expected[11])
    assert out.log_p[:10].tolist() == given[:10]
    assert any(w.startswith("1 row(s) had no Log P") for w in out.warnings)


def test_a_given_log_p_far_from_the_series_is_flagged_with_enough_names():
    given = [0.54 * i for i in range(10)] + [np.nan, np.nan]
    given[4] += 3.0
    out = logp_case(given)
    assert out.model.n_names == 10
    assert out.mismatch.tolist() == [i == 4 for i in range(12)]


def test_fewer_than_eight_names_flag_no_mismatch():
    names = NAMES[:5]
    given = [0.54 * i for i in range(5)]
    given[2] += 3.0
    out = logp_case(given, names)
    assert not out.mismatch.any()


def test_a_name_with_two_log_p_values_is_reported():
    names = ["GM1(36:1;O2)", "GM1(36:1;O2)", "GD1(36:1;O2)"]
    composition = composition_frame(names)
    out = assign_logp(
        np.array([1.0, 2.0, 0.5]),
        np.array([0, 0, 1]),
        np.array(names[1:], dtype=object),
        composition,
        np.ones(3, dtype=bool),
        mismatch_limit=0.5,
    )
    assert out.warnings == (
        "1 name(s) carry different Log P values on different rows (Log P should follow from "
        "the structure), e.g. GM1(36:1;O2)",
    )


# -- names and keys --------------------------------------------------------------------------


def test_group_keys_round_trip():
    assert format_group_key("GD1", "late") == "GD1|late"
    assert parse_group_key("GD1|late") == ("GD1", "late")
    assert parse_group_key("GD1+OAc") == ("GD1+OAc", "")
    assert parse_group_key(format_group_key("GT1b+2OAc", "36:1;O2")) == ("GT1b+2OAc", "36:1;O2")


def test_the_track_keys_of_the_model_reports_parse_into_group_and_track():
    result = analyze(SAMPLE)
    keys = [k for m in result.models for k in [*m.intercepts, *m.tracks] if "|" in k]
    assert "GD1|late" in keys
    groups = set(result.compounds["group_key"])
    for key in keys:
        group, track = parse_group_key(key)
        assert group in groups and track in {"early", "late", "third", "fourth"}


def test_species_keys_join_group_and_ceramide():
    composition = composition_frame(["GD1a+OAc(36:1;O2)", "junk"])
    assert species_keys(composition).tolist() == ["GD1a+OAc|36:1;O2", "|"]


def test_no_usable_row_raises_naming_the_rows():
    table = read_table(pd.DataFrame({"Name": ["GD1", "x"], "RT": [9.0, 9.1], "Volume": [1, 2]}))
    with pytest.raises(InputError, match=r"no usable row in 2 data rows, e\.g\. row 1: .*'GD1'"):
        parse_names(table)


def test_name_errors_are_added_to_the_row_problems():
    table = read_table(
        pd.DataFrame({"Name": ["GD1(36:1;O2)", "GX9(1:1)"], "RT": [9.0, -1.0], "Volume": [1, 2]})
    )
    names = parse_names(table)
    assert names.problems[0] == "" and names.parsed.tolist() == [True, False]
    assert names.problems[1].startswith("column 'RT'")
    assert "; column 'Name': " in names.problems[1]
    assert names.ok.tolist() == [True, False]


# -- explanations ----------------------------------------------------------------------------


def test_explanations_of_an_invalid_and_a_valid_row():
    invalid = np.array([True, False])
    findings = [
        Finding(
            "one",
            reasons=(
                Reason(
                    np.ones(2, bool),
                    status="invalid",
                    rank=10,
                    keys=np.array(["bad RT", ""]),
                    text_of=str,
                ),
                Reason(np.array([False, True]), "on its line", status="valid", rank=20),
                Reason(
                    np.array([True, True]), "never shown: no row is an outlier", status="outlier"
                ),
            ),
            evidence=(
                Words(np.array([0, 1], dtype=np.int8), ["logp:given", "logp:mismatch"], rank=30),
                Words(invalid.astype(np.int8), ("", "input:invalid"), alone=True),
            ),
            warnings=(Words.flag(np.array([False, True]), "logp_mismatch", rank=40),),
        ),
        Finding(
            "two",
            evidence=(
                Words(np.array([0, 2], dtype=np.int8), ["rt:none", "rt:fail", "rt:pass"], 10),
            ),
            warnings=(Words.flag(np.array([False, True]), "possible_fragment", rank=10),),
        ),
    ]
    out = explain(findings, np.array([INVALID, VALID], dtype=np.int8))
    assert list(out.reasons) == ["bad RT", "on its line"]
    # the words follow their ranks, not the order of the findings
    assert list(out.evidence) == ["input:invalid", "rt:pass;logp:mismatch"]
    assert list(out.warnings) == ["", "possible_fragment;logp_mismatch"]


def test_a_warning_listing_rows_says_how_many_it_left_out():
    from ganglioside.pipeline.file_warnings import _SHOWN_ROWS
    from ganglioside.pipeline.file_warnings import rows_listed as _rows

    rows = np.arange(1, 268)
    text = _rows(rows, np.ones(267, dtype=bool))
    assert text.startswith("1, 2, 3")
    assert text.endswith(f"…and {267 - _SHOWN_ROWS} more")
    assert _rows(rows[:3], np.ones(3, dtype=bool)) == "1, 2, 3"
