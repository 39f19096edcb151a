"""The rule contract: the order of the rules, what the context refuses, and a new rule added
as one module and one line of the list."""

from __future__ import annotations

import re
from importlib.resources import files

import numpy as np
import pytest

import ganglioside.pipeline as pipeline
from ganglioside import analyze
from ganglioside.pipeline.context import Context, Rule
from ganglioside.pipeline.contract import Claim, Finding, Note, Reason, Words
from ganglioside.pipeline.status import PRECEDENCE, decide_status
from ganglioside.pipeline.steps import RULES
from ganglioside.pipeline.steps.retention import RetentionFit
from tests.paths import REPO

SAMPLE = str(files("ganglioside") / "data" / "measured_sample.csv")
SRC = REPO / "src" / "ganglioside"


def test_the_rules_run_in_this_order():
    assert [r.name for r in RULES] == [
        "checks",
        "fragment_candidates",
        "isomer_tracks",
        "retention",
        "fragments",
        "acetylation",
        "isobaric",
        "mz_error",
        "ms2_evidence",
        "adduct_artefacts",
        "ms2_artefacts",
        "composition_check",
        "sialic_order",
        "sugar_order",
        "identification",
    ]


def test_every_rule_reads_only_what_an_earlier_rule_made():
    made: set[type] = set()
    for rule in RULES:
        missing = [t.__name__ for t in rule.needs if t not in made]
        assert not missing, f"{rule.name} reads {missing} before a rule makes it"
        if rule.makes is not None:
            assert rule.makes not in made, f"{rule.name} makes a second {rule.makes.__name__}"
            made.add(rule.makes)


def test_names_of_the_rules_are_unique():
    assert len({r.name for r in RULES}) == len(RULES)


def test_the_outlier_test_is_written_once_in_the_core():
    """|z| against outlier_z is decided by the RT model's rule; the others read its masks."""
    comparison = re.compile(r"(>=|<)\s*(\d+\s*\*\s*)?[\w.]*outlier_z\b")
    places = {
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if "web" not in p.parts
        and "simulate" not in p.parts  # the simulator decides no verdict
        and any(
            comparison.search(line)
            for line in p.read_text().splitlines()
            if not line.lstrip().startswith(("#", "outliers:", "on_line:", "far_off:"))
        )
    }
    assert places == {"pipeline/steps/retention.py"}


def _context() -> Context:
    """A context of the sample after the rules up to the RT model."""
    seen: dict[str, Context] = {}

    def spy(ctx: Context) -> Finding:
        seen["ctx"] = ctx
        return Finding("spy")

    original = pipeline.RULES
    pipeline.RULES = (*RULES, Rule("spy", spy))
    try:
        analyze(SAMPLE)
    finally:
        pipeline.RULES = original
    return seen["ctx"]


def test_a_rule_that_claims_after_the_statuses_were_read_is_refused():
    ctx = _context()  # sugar_order and identification read the statuses
    late = Finding(
        "late", claims=(Claim("rt_outlier", "outlier", np.zeros(len(ctx.rows.rt), bool)),)
    )
    with pytest.raises(RuntimeError, match="'late' claims statuses after rule 'identification'"):
        ctx.add(late)


def test_a_detail_no_earlier_rule_made_is_a_lookup_error():
    ctx = _context()
    ctx.findings = [f for f in ctx.findings if not isinstance(f.detail, RetentionFit)]
    with pytest.raises(LookupError, match="RetentionFit"):
        ctx.detail(RetentionFit)


def test_a_claim_outside_the_precedence_is_refused():
    finding = Finding("x", claims=(Claim("made_up", "outlier", np.ones(2, bool)),))
    with pytest.raises(ValueError, match="PRECEDENCE"):
        decide_status([finding], 2)
    assert "rt_outlier" in PRECEDENCE


def _tiny_volume(ctx: Context) -> Finding:
    """A new rule: rows below 10 % of the table's median volume, as a warning, a reason on the
    valid ones, a note of the file and a column of their own."""
    volume = np.nan_to_num(ctx.rows.volume, nan=0.0)
    tiny = volume < 0.1 * np.median(volume)
    return Finding(
        "tiny_volume",
        reasons=(Reason(tiny, "valid but tiny", status="valid"),),
        evidence=(Words.flag(tiny, "volume:tiny"),),
        warnings=(Words.flag(tiny, "tiny_volume"),),
        notes=(Note(f"{int(tiny.sum())} tiny peak(s)"),),
        columns={"tiny": tiny},
    )


@pytest.mark.slow
def test_a_new_rule_is_one_function_and_one_line_in_the_list(monkeypatch):
    before = analyze(SAMPLE)
    monkeypatch.setattr(pipeline, "RULES", (*RULES, Rule("tiny_volume", _tiny_volume)))
    after = analyze(SAMPLE)
    c = after.compounds
    tiny = c["tiny"].to_numpy(dtype=bool)
    assert 0 < tiny.sum() < len(c)
    assert c["warnings"][tiny].str.endswith("tiny_volume").all()
    assert c["evidence"][tiny & ~c["status"].eq("invalid")].str.endswith("volume:tiny").all()
    assert (c["reasons"][tiny & c["status"].eq("valid")] == "valid but tiny").all()
    assert after.warnings == [*before.warnings, f"{int(tiny.sum())} tiny peak(s)"]
    # its column follows the record's columns; nothing else changed
    assert list(c.columns) == [*before.compounds.columns, "tiny"]
    assert (c["status"] == before.compounds["status"]).all()
