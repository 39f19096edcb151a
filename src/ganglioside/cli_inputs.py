"""The command line's side of reading exports: ``--sample``, ``--columns``, many samples.

``ganglioside analyze FILE`` reads FILE once (:func:`read_input`) and says which format it
recognised.  A file with one table (or ``--sample NAME``) is analysed as before; an export with
several samples is analysed sample by sample (:func:`run_samples`): each sample's results go to
``OUTDIR/samples/<sample>/`` and every sample's compounds to ``OUTDIR/compounds.csv`` with a
``sample`` column first.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - the pipeline is imported only when a command needs it
    import pandas as pd

    from .config import AnalysisConfig
    from .curation import Decision
    from .inputs import Export
    from .result import AnalysisResult

Progress = Callable[[str, float, str], None]
#: ``write(result, folder)``: writes one result's files into ``folder`` and returns their paths.
Writer = Callable[["AnalysisResult", Path], dict[str, Path]]


def add_parameter_arguments(
    parser: argparse.ArgumentParser, *, file_help: str, set_help: str
) -> None:
    """Add ``--config FILE.toml`` and the repeatable ``--set KEY=VALUE`` (into ``overrides``)."""
    parser.add_argument("--config", metavar="FILE.toml", help=file_help)
    parser.add_argument(
        "--set", metavar="KEY=VALUE", action="append", default=[], dest="overrides", help=set_help
    )


def analysis_config(args: argparse.Namespace) -> AnalysisConfig:
    """The analysis parameters of ``--config`` (the defaults without it), then ``--set``."""
    from .config import AnalysisConfig

    config = AnalysisConfig.from_toml(args.config) if args.config else AnalysisConfig()
    return config.with_overrides(args.overrides)


def add_input_arguments(analyze: argparse.ArgumentParser) -> None:
    """Add ``--sample`` and ``--columns`` to the ``analyze`` command."""
    analyze.add_argument(
        "--sample",
        metavar="NAME",
        help="analyse only this sample of an export with several (default: every sample, "
        "each into OUTDIR/samples/NAME/)",
    )
    analyze.add_argument(
        "--all-samples",
        action="store_true",
        help="also analyse the QC, blank and standard columns of an export (by default only "
        "the columns its metadata type as samples)",
    )
    analyze.add_argument(
        "--columns",
        metavar="MAP",
        help="which column gives what, for a table of another tool, e.g. --columns "
        'name=Metabolite,rt="RT (min)",volume=Area (keys: name, rt, volume, log_p, anchor, '
        "class)",
    )


def describe(export: Export) -> str:
    """One line saying what was read: the format, the samples, what was left out."""
    if export.format == "table":
        return f"Read {export.source} as a table"
    text = (
        f"Read {export.source} with the columns mapping"
        if export.format == "columns mapping"
        else f"Read {export.source}: {export.format} export"
    )
    if not export.is_plain:
        names = export.sample_names
        more = f", … {len(names) - 6} more" if len(names) > 6 else ""
        text += f", {len(names)} sample(s) ({', '.join(names[:6])}{more})"
        aside = export.set_aside_samples
        if aside:
            text += (
                f"; {len(aside)} QC/blank/standard column(s) kept apart ({', '.join(aside[:6])}"
                f"{', …' if len(aside) > 6 else ''}; --all-samples analyses them too)"
            )
    kept = export.n_features - export.n_other_classes - export.n_not_annotated
    return text + (
        f"; {kept} of {export.n_features} features are gangliosides "
        f"({export.n_other_classes} of other classes and {export.n_not_annotated} not annotated "
        "left out)"
    )


def read_input(source: Path, args: argparse.Namespace) -> Export:
    """Read ``source`` once (narrowed to ``--sample`` when given) and print what was read
    (nothing for a plain table).

    Raises
    ------
    InputError
        When the file cannot be read, a mapped column is missing, or ``--sample`` names no
        sample of the file (the message lists the samples).
    """
    from .inputs import read_export

    export = read_export(source, args.columns)
    if export.format != "table":  # a plain table is read as it always was: nothing to say
        print(describe(export))
    return export.only(args.sample) if args.sample is not None else export


def with_decisions(export: Export, path: str | None) -> tuple[Export, list[Decision] | None]:
    """``export`` with the Anchor flags that ``--decisions`` sets, and the decisions (None
    without ``--decisions``).

    Raises
    ------
    InputError
        When the decisions file is wrong, or the export has several samples (decisions are
        about the rows of one: ``--sample`` says which).
    """
    if path is None:
        return export, None
    from .curation import effective, read_decisions, with_anchors
    from .errors import InputError

    decisions = read_decisions(path)
    if len(export.samples) > 1:
        raise InputError(
            f"--decisions is about the rows of one sample, and {export.source} has "
            f"{len(export.samples)} ({', '.join(list(export.sample_names)[:6])}); give --sample"
        )
    anchors = effective(decisions).anchors
    return (with_anchors(export, anchors) if anchors else export), decisions


def folder_names(samples: list[str]) -> dict[str, str]:
    """Sample → a folder name safe on every file system, unique among the samples."""
    used: set[str] = set()
    names = {}
    for sample in samples:
        base = re.sub(r"[^\w.-]+", "_", sample).strip("._") or "sample"
        name, n = base, 1
        while name.lower() in used:
            n += 1
            name = f"{base}_{n}"
        used.add(name.lower())
        names[sample] = name
    return names


#: Exit status when some samples of an export failed and the others were analysed.
EXIT_SOME_FAILED = 3


def run_samples(
    export: Export,
    config: AnalysisConfig,
    outdir: Path,
    write: Writer,
    progress: Progress | None = None,
    **options: Any,
) -> int:
    """Analyse every sample, write its files and the combined ``compounds.csv``.

    ``options`` go to :func:`ganglioside.analyze` (``calibrants=``, ``calibration=``), but for
    ``all_samples=True``, which analyses the QCs, blanks and standards too.  A
    sample that cannot be analysed (a column of text, no usable row …) fails alone: its reason
    is printed and written to ``failed_samples.csv``, and the others are analysed and combined.

    Returns the exit status: 0, :data:`EXIT_SOME_FAILED` (3) when some samples failed, 2 when
    every sample failed, 1 when the results cannot be written.
    """
    from .errors import GangliosideError, InputError
    from .pipeline import analyze
    from .pipeline.samples import share_of_progress

    kept = export.n_features - export.n_other_classes - export.n_not_annotated
    if export.n_features and kept == 0:  # one plain answer, not one failure per sample
        raise InputError(export.why_empty(export.sample_names[0]), file=export.source)
    every = bool(options.pop("all_samples", False))
    folders = folder_names(list(export.sample_names if every else export.analysed_samples))
    compounds, counts, failed, warnings = [], {}, {}, {}
    try:
        for i, (sample, folder) in enumerate(folders.items()):
            share = share_of_progress(progress, i, len(folders), sample)
            try:
                result = analyze(export, config, share, sample=sample, **options)
            except GangliosideError as exc:
                failed[sample] = str(exc)
                continue
            write(result, outdir / "samples" / folder)
            compounds.append(result.compounds.assign(sample=sample))
            counts[sample] = result.compounds["status"].astype(str).value_counts()
            warnings.update(dict.fromkeys(result.warnings))
        _write_combined(compounds, failed, outdir)
    except OSError as exc:
        print(
            f"ganglioside: error: cannot write the results to {outdir}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
    return _report_samples(counts, failed, list(warnings), outdir)


def _write_combined(compounds: list[pd.DataFrame], failed: dict[str, str], outdir: Path) -> None:
    """``compounds.csv`` of every sample analysed, ``failed_samples.csv`` of the others."""
    import pandas as pd

    from .report.safe import safe_csv

    outdir.mkdir(parents=True, exist_ok=True)
    if compounds:
        combined = pd.concat(compounds, ignore_index=True)
        combined = combined[["sample", *(c for c in combined.columns if c != "sample")]]
        text = safe_csv(combined)
        (outdir / "compounds.csv").write_text(text, "utf-8")
    if failed:
        table = pd.DataFrame({"sample": list(failed), "reason": list(failed.values())})
        text = safe_csv(table)
        (outdir / "failed_samples.csv").write_text(text, "utf-8")


def _report_samples(
    counts: dict[str, pd.Series], failed: dict[str, str], warnings: list[str], outdir: Path
) -> int:
    """Print the counts, the warnings shared by the samples and the failures; the exit status."""
    if counts:
        _print_counts(counts)
    for warning in warnings[:3]:
        print(f"  warning: {warning}")
    for sample, reason in failed.items():
        print(f"  failed: sample {sample!r}: {reason}", file=sys.stderr)
    if not counts:
        print(
            f"ganglioside: error: none of the {len(failed)} samples could be analysed "
            f"(reasons in {outdir / 'failed_samples.csv'})",
            file=sys.stderr,
        )
        return 2
    written = "compounds.csv (every sample analysed) and samples/<sample>/"
    if failed:
        print(
            f"Results written to {outdir}: {written}; {len(failed)} of "
            f"{len(failed) + len(counts)} samples failed (failed_samples.csv): " + ", ".join(failed)
        )
        return EXIT_SOME_FAILED
    print(f"Results written to {outdir}: {written}")
    return 0


def _print_counts(counts: dict[str, pd.Series]) -> None:
    from .result import STATUSES

    width = max(len(s) for s in counts)
    print(f"  {'sample':<{width}}  " + "  ".join(f"{s:>10}" for s in STATUSES))
    for sample, count in counts.items():
        cells = "  ".join(f"{int(count.get(s, 0)):>10}" for s in STATUSES)
        print(f"  {sample:<{width}}  {cells}")
