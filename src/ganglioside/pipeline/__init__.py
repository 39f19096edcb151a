"""analyze(): the order of the stages, progress reporting and the assembled result.

Order (ALGORITHM.md): read and check → parse names → Log P → Rule 5 fragment candidates → Rule
3 isomer tracks → Rule 1 RT model (fitted without the candidates, then used to decide them) →
Rule 4 O-acetylation → statuses and Rule 2's sugar-order check → the record (explanations, file
warnings, compound frame) → summary.  Each stage is a function of its own module here, with
typed inputs and outputs:

* :mod:`.rows` — parse the names, the per-row numbers and masks the rules share;
* :mod:`.rule_steps` — fragment candidates and their decision, isomer tracks, O-acetylation;
* :mod:`.rt_model` — the RT model (the only stage that calls it);
* :mod:`.status` — the status precedence;
* :mod:`.explain` — reasons, evidence and row warnings;
* :mod:`.file_warnings` — the file-level warnings;
* :mod:`.record` — fragment links, isomer track names, the compound frame.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..calibrants import read_calibrants
from ..calibration import calibration_document, load_calibration
from ..config import AnalysisConfig
from ..errors import ConfigError
from ..inputs import Export, read_export
from ..inputs.files import RawTable
from ..logp import LogPAssignment, LogPModel, assign_logp
from ..result import AnalysisResult, ModelReport
from ..rules import categories, isobaric, isomers
from ..rules.fragments import FragmentCandidates
from ..summary import build_summary
from ..table import read_table
from .anchors import with_calibrants
from .explain import RowFacts, explain
from .file_warnings import file_warnings
from .progress import Progress, Steps
from .record import FragmentLinks, compound_frame, extra_columns, link_fragments, track_labels
from .rows import (
    ParsedNames,
    Rows,
    parse_names,
    rule_frame,
    set_aside_other_classes,
    shared_rows,
)
from .rt_model import RetentionFit, fit_retention, interval_too_wide
from .rule_steps import (
    Acetylation,
    FragmentDecision,
    check_oac,
    decide_fragments,
    fragment_candidates,
    isomer_tracks,
)
from .status import VALID, decide_status

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
        ``rt`` and ``tolerance``, see :mod:`ganglioside.calibrants`): the rows they match
        become anchors.
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
    cfg = resolve_config(config)
    standards = read_calibrants(calibrants) if calibrants is not None else None
    saved = load_calibration(calibration) if calibration is not None else None
    steps = Steps(progress)
    steps("read", 0.0, "reading the file")
    export = read_export(source, columns)
    chosen = export.choose(sample)
    # The findings go straight into the record: what only the rules read (the table, the rules'
    # frame) is let go before the record is built, and the record's parts before the summary.
    reference = saved["model"] if saved is not None else None
    record = _write_record(
        _apply_rules(export.table(chosen), cfg, steps, (standards, reference)), cfg
    )
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
class Findings:
    """What the rules found about every row of one table."""

    source: str
    other_classes: pd.DataFrame  # rows of other lipid classes, set aside: row, name, class
    table_warnings: tuple[str, ...]
    extras: dict[str, np.ndarray]  # input columns passed through
    names: ParsedNames
    logp: LogPAssignment
    rows: Rows
    candidates: FragmentCandidates
    fit: RetentionFit
    fragments: FragmentDecision
    oac: Acetylation
    status: np.ndarray  # int8 status codes (pipeline.status)
    isobaric_partner: np.ndarray  # position of a co-eluting isobaric row, -1 when none
    sugar_order_warnings: tuple[str, ...]
    track_label: pd.Categorical
    links: FragmentLinks


def _apply_rules(
    source: RawTable,
    cfg: AnalysisConfig,
    steps: Steps,
    given: tuple[pd.DataFrame | None, Mapping[str, Any] | None] = (None, None),
) -> Findings:
    """Read the table and apply the rules, stage by stage (``given``: the calibrant list
    and the saved calibration, when the caller gave them)."""
    calibrants, reference = given
    steps("read", 0.0, "reading the table")
    split = set_aside_other_classes(read_table(source, max_rt=cfg.max_rt))
    table = split.table
    steps("parse", 0.1, f"parsing {len(table.frame)} names")
    names = parse_names(table)
    logp = assign_logp(
        table.frame["log_p"].to_numpy(dtype=float),
        names.name_codes,
        names.distinct_names,
        names.composition,
        names.parsed,
        mismatch_limit=cfg.logp_mismatch,
    )
    rows, calibrant_warnings = with_calibrants(
        shared_rows(table.frame, names, logp), names, calibrants
    )
    data = rule_frame(names, rows)
    steps("fragments", 0.25, "looking for in-source fragments")
    candidates = fragment_candidates(data, rows, cfg)
    steps("isomers", 0.4, "finding isomer tracks")
    tracks = isomer_tracks(names, rows)
    steps("retention", 0.5, "fitting the retention-time model")
    fit = fit_retention(
        data, rows, candidates, tracks, cfg, reference, logp.model.coefficients["oxygens"]
    )
    decision = decide_fragments(candidates, fit.prediction.z, rows.volume, cfg)
    steps("acetylation", 0.7, "checking O-acetylated species")
    oac = check_oac(names, tracks, rows, decision.is_fragment, cfg)
    steps("categories", 0.8, "counting sugars and categorising")
    partner = isobaric.isobaric_partners(
        names.per_row["species"].to_numpy(dtype=object),
        names.name_codes,
        rows.rt,
        rows.volume,
        rows.usable,
        cfg.fragment_rt_window,
    )
    status = _statuses(rows, decision, fit, (oac, partner), cfg)
    sugar_order = categories.sugar_order_warnings(
        names.per_row["ceramide"], names.per_row["sugar_count"], pd.Series(rows.rt), status == VALID
    )
    steps("summary", 0.9, "assembling the result")
    letters = {**isomers.lettered_order(data, rows.anchors), **cfg.isomer_elution_order}
    return Findings(
        source=table.source,
        other_classes=split.skipped,
        table_warnings=(*table.warnings, *calibrant_warnings),
        extras=extra_columns(table.frame),
        names=names,
        logp=logp,
        rows=rows,
        candidates=candidates,
        fit=fit,
        fragments=decision,
        oac=oac,
        status=status,
        isobaric_partner=partner,
        sugar_order_warnings=tuple(sugar_order),
        track_label=track_labels(
            names.per_row,
            rows.group_code,
            fit.prediction.track,
            fit.n_tracks,
            letters,
            fit.prediction.track_inferred,
        ),
        links=link_fragments(
            data, names, rows, candidates.parent, decision.is_fragment, decision.root
        ),
    )


def _statuses(
    rows: Rows,
    decision: FragmentDecision,
    fit: RetentionFit,
    more: tuple[Acetylation, np.ndarray],
    cfg: AnalysisConfig,
) -> np.ndarray:
    """Every row's status from the rules' findings (``more``: the O-acetylation labels and
    each row's co-eluting isobaric partner)."""
    oac, partner = more
    return decide_status(
        invalid=rows.invalid,
        standard=rows.standard,
        usable=rows.usable,
        anchors=rows.anchors,
        is_fragment=decision.is_fragment,
        z=fit.prediction.z,
        has_model=np.isfinite(fit.prediction.predicted),
        reversed_oac=oac.reversed,
        outlier_z=cfg.outlier_z,
        reversed_is_outlier=cfg.oac_reversed_is_outlier,
        isobaric_on_line=isobaric.partner_on_line(
            partner, fit.prediction.z, rows.anchors, cfg.outlier_z
        ),
        cannot_catch=interval_too_wide(fit.prediction.sd),
    )


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


def _write_record(found: Findings, cfg: AnalysisConfig) -> Record:
    """Explain every row, word the file's warnings and assemble the compound frame."""
    explanation = explain(_row_facts(found, cfg))
    warnings = file_warnings(
        earlier=[*found.table_warnings, *found.logp.warnings, *found.sugar_order_warnings],
        model=found.fit.model,
        rows=found.rows,
        names=found.names,
        anchor_inconsistent=found.fit.anchor_inconsistent,
        anchor_conflict=found.candidates.anchor_conflict,
        logp_mismatch=found.logp.mismatch,
        outlier_z=cfg.outlier_z,
        mismatch_limit=cfg.logp_mismatch,
    )
    compounds = compound_frame(
        found.rows,
        found.names,
        found.logp,
        status=found.status,
        explanation=explanation,
        prediction=found.fit.prediction,
        outlier_z=cfg.outlier_z,
        track_label=found.track_label,
        oac=found.oac,
        links=found.links,
        extras=found.extras,
    )
    return Record(
        compounds=compounds,
        fragments=found.links.events,
        models=found.fit.reports,
        warnings=warnings,
        source=found.source,
        other_classes=found.other_classes,
        expected_oac_shift=found.oac.expected_shift,
        logp_model=found.logp.model,
        calibration=(
            calibration_document(found.fit.saved, found.source) if found.fit.saved else None
        ),
    )


def _row_facts(found: Findings, cfg: AnalysisConfig) -> RowFacts:
    """The facts the explanations are built from."""
    res, rows = found.fit.prediction, found.rows
    return RowFacts(
        status=found.status,
        problems=found.names.problems,
        level=res.level,
        z=res.z,
        predicted=res.predicted,
        logp_extrapolated=res.logp_extrapolated,
        multi_peak=res.track_inferred,
        outlier_z=cfg.outlier_z,
        invalid=rows.invalid,
        anchors=rows.anchors,
        anchor_inconsistent=found.fit.anchor_inconsistent,
        anchor_conflict=found.candidates.anchor_conflict,
        candidate_parent=found.candidates.parent,
        is_fragment=found.fragments.is_fragment,
        possible=found.fragments.possible,
        root=found.fragments.root,
        lost=found.links.lost,
        volume=rows.volume,
        name_codes=found.names.name_codes,
        distinct_names=found.names.distinct_names,
        logp_source=found.logp.source_code,
        logp_mismatch=found.logp.mismatch,
        oac_code=found.oac.code,
        oac_labels=found.oac.labels,
        reversed_oac=found.oac.reversed,
        isobaric_partner=found.isobaric_partner,
        row=rows.row,
        refused=getattr(found.fit.model, "refused_", None),
        too_wide=interval_too_wide(res.sd),
    )
