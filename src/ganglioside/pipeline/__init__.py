"""analyze(): read the table, run the rules in order, decide the statuses, write the record.

Order (ALGORITHM.md): read and check → parse names → Log P → the rules of
:data:`.steps.RULES` (the table's own verdicts, Rule 5 fragment candidates, Rule 3 isomer
tracks, Rule 1 RT model, the fragments decided with it, Rule 4 O-acetylation, isobaric
co-elution, Rule 2's sugar order), each returning a :class:`~.contract.Finding` → statuses
(:mod:`.status`, from the findings' claims) → the record (:mod:`.explain`,
:mod:`.file_warnings` and :mod:`.record`, from the findings) → summary.

* :mod:`.rows` — parse the names, the per-row numbers and masks the rules share;
* :mod:`.contract`, :mod:`.context` — the rule contract: what a rule reads and returns;
* :mod:`.steps` — one module per rule, and their order;
* :mod:`.status` — the status precedence;
* :mod:`.explain` — reasons, evidence and row warnings;
* :mod:`.file_warnings` — the file-level warnings;
* :mod:`.record` — isomer track names, the compound frame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..calibrants import read_calibrants
from ..calibration import calibration_document, load_calibration
from ..config import AnalysisConfig
from ..errors import ConfigError
from ..inputs import Export, read_export, read_table
from ..inputs.files import RawTable
from ..logp import LogPModel, assign_logp
from ..result import AnalysisResult, ModelReport
from ..summary import build_summary
from .anchors import with_calibrants
from .context import Context, Rule
from .explain import explain
from .file_warnings import file_warnings
from .progress import Progress, Steps
from .record import compound_frame, extra_columns
from .rows import (
    assumed_base_warnings,
    logp_composition,
    lyso_logp_warnings,
    parse_names,
    rule_frame,
    set_aside_other_classes,
    shared_rows,
)
from .status import decide_status
from .steps import RULES
from .steps.acetylation import Acetylation
from .steps.fragments import FragmentDecision
from .steps.retention import RetentionFit

__all__ = ["Progress", "analyze"]


def analyze(
    source: str | Path | pd.DataFrame | Export,
    config: AnalysisConfig | Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    *,
    sample: str | None = None,
    columns: str | Mapping[str, str] | None = None,
    calibrants: str | Path | pd.DataFrame | None = None,
    calibration: str | Path | Mapping[str, Any] | None = None,
) -> AnalysisResult:
    """Validate a ganglioside feature table, or one sample of an instrument export.

    Parameters
    ----------
    source:
        Path of a CSV, TSV, TXT or XLSX file, or a DataFrame, with columns Name, RT, Volume and
        optionally Log P and Anchor (matched case- and space-insensitively); or an export of
        MS-DIAL, LipidSearch, MZmine or Skyline (recognised by its columns), or an
        :class:`~ganglioside.inputs.Export` already read with :func:`~ganglioside.read_export`.
    config:
        An :class:`AnalysisConfig`, a mapping of parameters, or None for the defaults.
    progress:
        Optional callback ``progress(step, fraction, message)`` with ``fraction`` in [0, 1].
    sample:
        Which sample of an export with several to analyse (see :func:`analyze_samples` for all).
    columns:
        Explicit column mapping, e.g. ``{"name": "Metabolite", "rt": "RT (min)", "volume":
        "Area"}`` (see :func:`~ganglioside.read_export`).
    calibrants:
        The lab's standards (a calibrant list file or DataFrame with ``name`` and optionally
        ``rt`` and ``tolerance``, see :mod:`ganglioside.calibrants`): matching rows are anchors.
    calibration:
        A saved RT calibration (a file written with ``--save-calibration`` or
        :func:`ganglioside.calibration.save_calibration`, or its content): its lines are applied
        to this run with an RT shift estimated from the run's strongest matches.

    Returns
    -------
    AnalysisResult
        One record per input row (in input order), model reports, fragment events, summary,
        warnings and the parameters used.

    Raises
    ------
    InputError
        When the table as a whole cannot be analysed, or the export has several samples and
        ``sample`` names none of them (the message lists them).
    ConfigError
        When a parameter is unknown or out of range.
    """
    cfg, given = resolve_config(config), Given.read(calibrants, calibration)
    steps = Steps(progress)
    steps("read", 0.0, "reading the file")
    export = read_export(source, columns)
    chosen = export.choose(sample)
    # The findings go straight into the record: what only the rules read is let go before the
    # record is built, and the record's parts before the summary.
    record = _write_record(_apply_rules(export.table(chosen), cfg, steps, given))
    steps.done()
    return _result(record, cfg, steps.timings, export.input_summary(chosen))


def _result(
    record: Record, cfg: AnalysisConfig, timings: dict[str, float], read: dict[str, Any]
) -> AnalysisResult:
    """The record, its summary (``read``: what the reader says of the file) and the config."""
    summary = build_summary(
        record.compounds,
        record.fragments,
        record.models,
        cfg,
        source=record.source,
        timings=timings,
        expected_oac_shift=record.expected_oac_shift,
        logp_model=record.logp_model,
        other_classes=record.other_classes,
        input_summary=read,
    )
    return AnalysisResult(
        compounds=record.compounds,
        models=record.models,
        fragments=record.fragments,
        summary=summary,
        warnings=record.warnings,
        config=cfg,
        source=record.source,
        other_classes=record.other_classes,
        calibration=record.calibration,
    )


@dataclass(frozen=True)
class Given:
    """What the caller gave besides the table: the calibrant list and a saved calibration's
    model block."""

    calibrants: pd.DataFrame | None = None
    reference: Mapping[str, Any] | None = None

    @classmethod
    def read(cls, calibrants: Any, calibration: Any) -> Given:
        """The calibrant list and the saved calibration's model block, read when given."""
        saved = load_calibration(calibration) if calibration is not None else None
        return cls(
            read_calibrants(calibrants) if calibrants is not None else None,
            saved["model"] if saved is not None else None,
        )


def resolve_config(config: AnalysisConfig | Mapping[str, Any] | None) -> AnalysisConfig:
    """The parameters: the defaults, the given config, or a config read from a mapping."""
    if config is None:
        return AnalysisConfig()
    if isinstance(config, AnalysisConfig):
        return config
    if isinstance(config, Mapping):
        return AnalysisConfig.from_mapping(config)
    raise ConfigError(f"config must be an AnalysisConfig or a mapping, got {type(config)}")


@dataclass(frozen=True)
class Found:
    """A table read, its rules applied and its statuses decided."""

    context: Context
    status: np.ndarray  # int8 status codes (pipeline.status)
    source: str
    other_classes: pd.DataFrame  # rows of other lipid classes, set aside: row, name, class
    extras: dict[str, np.ndarray]  # input columns passed through


def _apply_rules(source: RawTable, cfg: AnalysisConfig, steps: Steps, given: Given) -> Found:
    """Read the table, run the rules of :data:`~.steps.RULES` in order and decide the
    statuses."""
    steps("read", 0.0, "reading the table")
    split = set_aside_other_classes(read_table(source, max_rt=cfg.max_rt))
    table = split.table
    steps("parse", 0.1, f"parsing {len(table.frame)} names")
    names = parse_names(table, split.composition)
    given_logp = table.frame["log_p"].to_numpy(dtype=float)
    composition, estimable = logp_composition(names)
    logp = assign_logp(
        given_logp,
        names.name_codes,
        names.distinct_names,
        composition,
        estimable,
        mismatch_limit=cfg.logp_mismatch,
    )
    rows, calibrant_warnings = with_calibrants(
        shared_rows(table.frame, names, logp), names, given.calibrants
    )
    ctx = Context(
        cfg=cfg,
        names=names,
        logp=logp,
        rows=rows,
        data=rule_frame(names, rows),
        table_warnings=(
            *table.warnings,
            *assumed_base_warnings(names),
            *lyso_logp_warnings(names, given_logp),
            *calibrant_warnings,
        ),
        reference=given.reference,
        extras=extra_columns(table.frame),
    )
    run_rules(ctx, RULES, steps)
    steps("summary", 0.9, "assembling the result")
    return Found(
        context=ctx,
        status=decide_status(ctx.findings, len(rows.rt)),
        source=table.source,
        other_classes=split.skipped,
        extras=dict(ctx.extras),
    )


def run_rules(ctx: Context, rules: Sequence[Rule], steps: Steps | None = None) -> None:
    """Apply ``rules`` in order, each adding its finding to ``ctx``."""
    for rule in rules:
        if steps is not None and rule.progress is not None:
            steps(*rule.progress)
        ctx.add(rule.apply(ctx))


@dataclass(frozen=True)
class Record:
    """The parts of an :class:`~ganglioside.result.AnalysisResult` that the summary reads."""

    compounds: pd.DataFrame
    fragments: pd.DataFrame
    models: list[ModelReport]
    warnings: list[str]
    source: str
    other_classes: pd.DataFrame
    expected_oac_shift: float
    logp_model: LogPModel
    calibration: dict[str, Any] | None


def _write_record(found: Found) -> Record:
    """Explain every row, list the file's warnings and assemble the compound frame."""
    ctx = found.context
    fit = ctx.detail(RetentionFit)
    compounds = compound_frame(ctx, found.status, explain(ctx.findings, found.status), found.extras)
    return Record(
        compounds=compounds,
        fragments=ctx.detail(FragmentDecision).links.events,
        models=fit.reports,
        warnings=file_warnings(ctx.findings),
        source=found.source,
        other_classes=found.other_classes,
        expected_oac_shift=ctx.detail(Acetylation).expected_shift,
        logp_model=ctx.logp.model,
        calibration=calibration_document(fit.saved, found.source) if fit.saved else None,
    )
