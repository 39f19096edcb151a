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
    from .inputs import Export
    from .result import AnalysisResult

Progress = Callable[[str, float, str], None]
#: ``write(result, folder)``: writes one result's files into ``folder`` and returns their paths.
Writer = Callable[["AnalysisResult", Path], dict[str, Path]]


def add_input_arguments(analyze: argparse.ArgumentParser) -> None:
    """Add ``--sample`` and ``--columns`` to the ``analyze`` command."""
    analyze.add_argument(
        "--sample",
        metavar="NAME",
        help="analyse only this sample of an export with several (default: every sample, "
        "each into OUTDIR/samples/NAME/)",
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


def run_samples(
    export: Export,
    config: AnalysisConfig,
    outdir: Path,
    write: Writer,
    progress: Progress | None = None,
    **options: Any,
) -> int:
    """Analyse every sample, write its files and the combined ``compounds.csv``.

    ``options`` go to :func:`ganglioside.analyze` (``calibrants=``, ``calibration=``).

    Returns the exit status (0, or 1 when the results cannot be written).
    """
    import pandas as pd

    from .pipeline import analyze
    from .pipeline.samples import share_of_progress
    from .report.safe import table_text

    folders = folder_names(list(export.samples))
    compounds, counts = [], {}
    try:
        for i, (sample, folder) in enumerate(folders.items()):
            share = share_of_progress(progress, i, len(folders), sample)
            result = analyze(export, config, share, sample=sample, **options)
            write(result, outdir / "samples" / folder)
            compounds.append(result.compounds.assign(sample=sample))
            counts[sample] = result.compounds["status"].astype(str).value_counts()
        combined = pd.concat(compounds, ignore_index=True)
        combined = combined[["sample", *(c for c in combined.columns if c != "sample")]]
        path = outdir / "compounds.csv"
        path.write_text(table_text(combined), "utf-8", newline="")
    except OSError as exc:
        print(
            f"ganglioside: error: cannot write the results to {outdir}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
    _print_counts(counts)
    print(f"Results written to {outdir}: compounds.csv (every sample) and samples/<sample>/")
    return 0


def _print_counts(counts: dict[str, pd.Series]) -> None:
    from .result import STATUSES

    width = max(len(s) for s in counts)
    print(f"  {'sample':<{width}}  " + "  ".join(f"{s:>10}" for s in STATUSES))
    for sample, count in counts.items():
        cells = "  ".join(f"{int(count.get(s, 0)):>10}" for s in STATUSES)
        print(f"  {sample:<{width}}  {cells}")
