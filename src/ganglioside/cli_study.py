"""The ``study`` and ``simulate-study`` subcommands of the ``ganglioside`` command.

::

    ganglioside study DESIGN.csv -o DIR [--export FILE] [--jobs N] [--compare B/A ...]
                      [--model "group + batch + age"] [--test moderated_t|welch|mann_whitney]
                      [--quantity pqn|raw|total|median|amount|internal_standard]
                      [--impute none|censored_test|half_min|min_prob|censored|censored_groups|knn]
                      [--no-qc-drift]
                      [--rt-tolerance MIN] [--calibrants FILE] [--own-anchors]
                      [--config FILE.toml]
                      [--set key=value ...]
    ganglioside simulate-study --seed N -o DIR [--per-group N] [--rows N] [--scenario NAME]

Only argument parsing and calls into :mod:`ganglioside.studies` and
:mod:`ganglioside.simulate.study` live here.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from .cli_inputs import add_parameter_arguments, analysis_config


def _add_study_arguments(parser: Any, positive_int: Any) -> None:
    """The arguments of ``ganglioside study``."""
    parser.add_argument(
        "design",
        metavar="DESIGN",
        help="design table (CSV, TSV or XLSX), or an export whose metadata rows give each "
        "sample's group, type, injection order and batch (MS-DIAL): its design is written "
        "to DIR/design.csv",
    )
    parser.add_argument("-o", "--output", metavar="DIR", default="study", help="output folder")
    parser.add_argument(
        "--export", metavar="FILE", help="multi-sample export for rows without file"
    )
    parser.add_argument(
        "--jobs", type=positive_int, help="samples analysed at once (default: the CPU count)"
    )
    _add_statistics_arguments(parser)
    parser.add_argument(
        "--rt-tolerance",
        type=float,
        metavar="MIN",
        help="largest RT gap within one compound after the drift correction (default 0.15)",
    )
    parser.add_argument(
        "--calibrants",
        metavar="FILE",
        help="the lab's standards (name, optional rt and tolerance), matched in every sample "
        "as anchors",
    )
    parser.add_argument(
        "--own-anchors",
        action="store_true",
        help="each sample on its own anchors only (no anchors pooled across the samples; "
        "samples with too few borrow after a first analysis)",
    )
    parser.add_argument("--no-images", action="store_true", help="do not write figures as images")
    add_parameter_arguments(
        parser,
        file_help="analysis parameters (TOML)",
        set_help="change one analysis parameter (repeatable)",
    )


def _add_statistics_arguments(parser: Any) -> None:
    """The statistics' arguments of ``ganglioside study``."""
    parser.add_argument(
        "--compare",
        metavar="B/A",
        action="append",
        help="a contrast: fold change of group B over group A (repeatable, or B/A,C/A); "
        "default: the design's second group over its first",
    )
    parser.add_argument(
        "--model",
        metavar="TERMS",
        help="the linear model's terms, e.g. 'group + batch + age' (design columns); default: "
        "group, plus batch with two or more batches, plus subject when one repeats",
    )
    # the choices are the library's own lists, so a method added there is offered here
    from .studies.config import IMPUTATIONS, QUANTITIES, QUANTITY_ALIASES, TESTS

    parser.add_argument(
        "--test",
        choices=TESTS,
        help="test of each contrast (default: moderated t of the linear model)",
    )
    parser.add_argument(
        "--quantity",
        choices=(*QUANTITIES, *QUANTITY_ALIASES),
        help="normalisation: probabilistic quotient (default), none (raw), share of the valid "
        "signal, sample median, the design's amount, or ratio to the internal standard of the "
        "category",
    )
    parser.add_argument(
        "--impute",
        choices=IMPUTATIONS,
        help="missing values: censored_test (default) tests the values plausibly below the "
        "detection limit as censored there (Tobit likelihood ratio), none leaves them out; or "
        "fill them: half the species' smallest, drawn below the detection limit (min_prob), "
        "its expectation below that limit (censored; censored_groups: only for the compounds "
        "a group has fewer than two values of), or from the k nearest compounds",
    )
    parser.add_argument(
        "--no-qc-drift",
        action="store_true",
        help="do not correct the signal drift along the injection order from the pooled QCs",
    )


def add_study_parsers(commands: Any, positive_int: Any) -> None:
    """Add ``study`` and ``simulate-study`` to the subcommands of the main parser."""
    study = commands.add_parser(
        "study",
        help="analyse many samples and compare their groups",
        description="Analyse every sample of a design table (sample, file, group, optional "
        "batch, injection_order, replicate_of), align the species across samples, measure the "
        "retention drift and compare the groups; writes matrix.csv, statistics.csv, "
        "samples.csv, samples/<sample>/compounds.csv, study.xlsx, study_report.html, "
        "study_report.pdf and study.mztab into DIR.",
    )
    _add_study_arguments(study, positive_int)
    sim = commands.add_parser(
        "simulate-study",
        help="write a simulated study with known truth",
        description="Write per-sample tables, design.csv, truth.csv (changed species and their "
        "folds) and runs.csv (true drift) of a simulated two-group study into DIR.",
    )
    sim.add_argument("--seed", type=int, required=True, help="random seed")
    sim.add_argument("-o", "--output", metavar="DIR", required=True)
    sim.add_argument("--per-group", type=positive_int, default=6, help="samples per group")
    sim.add_argument("--rows", type=positive_int, default=180, help="rows per table (approx.)")
    sim.add_argument(
        "--scenario",
        metavar="NAME",
        help="a cohort's difficulties, e.g. 'batches confounded', 'QCs with drift', 'unknown "
        "amounts', 'paired small effects', 'below detection', 'three groups'",
    )


def _study_config(args: argparse.Namespace) -> Any:
    from .studies import StudyConfig

    changes: dict[str, Any] = {"analysis": analysis_config(args)}
    if args.compare:
        changes["compare"] = ",".join(args.compare)
    if args.no_qc_drift:
        changes["qc_drift"] = False
    for option, key in (
        ("model", "model"),
        ("test", "test"),
        ("quantity", "quantity"),
        ("impute", "imputation"),
        ("rt_tolerance", "rt_tolerance"),
    ):
        if getattr(args, option) is not None:
            changes[key] = getattr(args, option)
    if args.own_anchors:
        changes["shared_model"] = False
    return StudyConfig.from_mapping(changes)


def _progress(enabled: bool) -> Any:
    if not enabled:
        return None

    def show(done: int, total: int, sample: str) -> None:
        print(f"\r  analysed {done}/{total} samples ({sample})", end="", file=sys.stderr)
        if done == total:
            print(file=sys.stderr)

    return show


def run_study(args: argparse.Namespace) -> int:
    """``ganglioside study``: exit status 0 on success."""
    from .studies import default_jobs, study
    from .studies.outputs import write_study

    design = Path(args.design)
    if not design.is_file():
        raise FileNotFoundError(2, "design table not found", str(design))
    started = time.perf_counter()
    jobs = args.jobs or default_jobs()
    result = study(
        _design_or_export(design, Path(args.output)) if args.export is None else design,
        _study_config(args),
        export=args.export,
        jobs=jobs,
        progress=_progress(sys.stderr.isatty()),
        compounds_folder=Path(args.output) / "samples",
        calibrants=args.calibrants,
    )
    paths = write_study(result, args.output, images=not args.no_images, jobs=jobs)
    s = result.summary
    print(f"{design.name}: {s['n_samples']} samples, groups {s['groups']}")
    print(f"  {s['n_compounds']} aligned compounds; {s['test']}; {'; '.join(s['model_notes'])}")
    for label, counts in s["contrast_counts"].items():
        print(
            f"  {label}: {counts['tested']} tested, q < 0.05: {counts['changed']} "
            f"({counts['up']} up, {counts['down']} down)"
        )
    filters = s.get("qc_filters") or {}
    if filters:
        print(
            "  QC filters: "
            + ", ".join(f"{k} {v}" for k, v in filters.items())
            + " (marked in statistics.csv, left out of the q values)"
        )
    shifts = result.drift["rt_shift"]
    print(f"  RT drift: {shifts.min():+.3f} to {shifts.max():+.3f} min across samples")
    for warning in result.warnings[:5]:
        print(f"  warning: {warning}")
    seconds = time.perf_counter() - started
    print(f"Results written to {args.output} ({len(paths)} files) in {seconds:.1f} s")
    if not args.no_images and not any(name.startswith("figures/") for name in paths):
        print(
            "  figures as SVG/PNG were not written: they need kaleido "
            "(pip install kaleido); every figure is in the report and saves from there"
        )
    print(f"Report: {paths['study_report.html'].resolve()}")
    return 0


def _design_or_export(path: Path, outdir: Path) -> Any:
    """The design: ``path`` itself, or, when ``path`` is an export with samples (MS-DIAL's
    metadata rows), the design built from it, printed and written to ``OUTDIR/design.csv``.

    Raises
    ------
    InputError
        The export holds one sample or no ganglioside; or it gives no group (``Class`` row)
        to some samples (``design.csv`` is then written with their group empty, to be filled
        in and run again).
    """
    from .errors import InputError
    from .inputs import read_export
    from .studies.from_export import design_from_export, missing_groups, not_a_study, study_rows

    export = read_export(path)
    refused = not_a_study(export)
    if refused:
        raise InputError(refused, file=path.name)
    if export.is_plain:
        return path
    design = design_from_export(export, path, outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    written = outdir / "design.csv"
    written.write_text(design.to_csv(index=False, lineterminator="\n"), "utf-8")
    print(f"{path.name}: {export.format} export; the design from its metadata, in {written}:")
    print(design.drop(columns="file").to_string(index=False, max_rows=40))
    missing = missing_groups(design)
    if missing:
        raise InputError(
            f"the export gives no group (a Class row) to {len(missing)} sample(s) "
            f"({', '.join(missing[:6])}{', …' if len(missing) > 6 else ''}); fill the group "
            f"column of {written} and run: ganglioside study {written} -o {outdir}",
            file=path.name,
        )
    return study_rows(design, outdir)


def run_simulate_study(args: argparse.Namespace) -> int:
    """``ganglioside simulate-study``: exit status 0 on success."""
    from .errors import ConfigError
    from .simulate.study import SCENARIOS, simulate_study

    if args.scenario and args.scenario not in SCENARIOS:
        raise ConfigError(
            f"--scenario {args.scenario!r} is not known; the scenarios are "
            f"{', '.join(repr(n) for n in SCENARIOS)}"
        )
    knobs = SCENARIOS[args.scenario] if args.scenario else {}
    simulated = simulate_study(args.seed, n_per_group=args.per_group, n_rows=args.rows, **knobs)
    paths = simulated.write(args.output)
    n_changed = int(simulated.species["changed"].sum())
    print(
        f"wrote {len(simulated.tables)} sample tables, design.csv, truth.csv ({n_changed} changed "
        f"peaks) and runs.csv into {Path(args.output)}"
    )
    print(f"design: {paths[-4]}")
    return 0


#: Subcommand → runner, for the main command's dispatch.
STUDY_RUNNERS = {"study": run_study, "simulate-study": run_simulate_study}
