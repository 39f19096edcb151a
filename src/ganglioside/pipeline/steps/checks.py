"""The table's own verdicts: invalid rows, internal standards, rows without Log P, anchors;
the Log P evidence and warnings; the file's reading, Log P, formula and replicate warnings."""

from __future__ import annotations

import numpy as np

from ...logp import LOGP_SOURCES
from ..context import Context, Rule
from ..contract import Claim, Finding, Note, Reason, Words
from ..file_warnings import formula_warning, replicate_warning, rows_listed


def apply(ctx: Context) -> Finding:
    rows, names, logp = ctx.rows, ctx.names, ctx.logp
    everywhere = np.ones(len(rows.rt), dtype=bool)
    missing = logp.source_code == LOGP_SOURCES.index("missing")
    return Finding(
        rule="checks",
        claims=(
            Claim("invalid", "invalid", rows.invalid),
            Claim("internal_standard", "istd", rows.standard),
            Claim("no_log_p", "unverified", ~rows.usable),
            Claim("anchor", "valid", rows.anchors),
        ),
        reasons=(
            Reason(everywhere, status="invalid", rank=10, keys=names.problems, text_of=str),
            Reason(rows.anchors, "anchor (confirmed standard)", rank=30),
            Reason(
                everywhere,
                "labelled internal standard: not checked by the rules nor counted as an "
                "endogenous species",
                status="istd",
                rank=40,
            ),
            Reason(missing, "Log P unknown and cannot be estimated", status="unverified", rank=60),
        ),
        evidence=(
            Words(
                np.where(logp.mismatch, len(LOGP_SOURCES), logp.source_code).astype(np.int8),
                [f"logp:{v}" for v in LOGP_SOURCES] + ["logp:mismatch"],
                rank=30,
            ),
            Words(rows.invalid.astype(np.int8), ("", "input:invalid"), alone=True),
        ),
        warnings=(Words.flag(logp.mismatch, "logp_mismatch", rank=40),),
        notes=(
            *(Note(w, 10) for w in ctx.table_warnings),
            *(Note(w, 20) for w in logp.warnings),
            *(Note(w, 70) for w in formula_warning(names)),
            *(
                Note(w, 80)
                for w in replicate_warning(rows.rt, names.name_codes, len(names.distinct_names))
            ),
            *_mismatch_note(ctx),
        ),
    )


def _mismatch_note(ctx: Context) -> tuple[Note, ...]:
    mismatch = ctx.logp.mismatch
    if not mismatch.any():
        return ()
    return (
        Note(
            f"{int(mismatch.sum())} row(s) have a Log P that disagrees with their "
            f"composition by more than {ctx.cfg.logp_mismatch}: rows "
            f"{rows_listed(ctx.rows.row, mismatch)}",
            90,
        ),
    )


RULE = Rule("checks", apply)
