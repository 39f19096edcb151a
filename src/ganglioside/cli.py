"""The ``ganglioside`` command.

::

    ganglioside analyze TABLE [-o OUTDIR] [--outputs csv,json,...] [--config FILE.toml]
                        [--set key=value ...] [--sample NAME] [--columns MAP]
                        [--calibrants FILE] [--calibration FILE.json]
                        [--save-calibration FILE.json]
    ganglioside study DESIGN.csv -o DIR [--jobs N] [--compare B/A] ...
    ganglioside simulate --seed N -o FILE.csv [--rows N]
    ganglioside simulate-study --seed N -o DIR
    ganglioside serve|worker|beat|manage ... (web platform, needs ganglioside[web])
    ganglioside --version

Exit status: 0 on success, 2 on bad input, bad parameters or bad usage (with the message on
stderr and no traceback), 1 when results cannot be written or on an unexpected error, 3 when
some samples of an export failed (each with its reason) and the others were analysed.
This module only parses arguments and calls library functions; it imports the pipeline and
the writers only when a command needs them, so that start-up stays short.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .cli_compare import add_compare_parser, run_compare
from .cli_inputs import add_input_arguments, analysis_config
from .cli_study import STUDY_RUNNERS, add_study_parsers
from .errors import GangliosideError
from .report.outputs import DEFAULT_OUTPUTS, OUTPUTS, parse_outputs

if TYPE_CHECKING:  # pragma: no cover
    from .result import AnalysisResult

#: Subcommands that belong to the web platform; handed to ``ganglioside.web.cli.main``.
WEB_COMMANDS: tuple[str, ...] = ("serve", "worker", "beat", "manage")

#: Packages of the ``web`` extra that the web commands cannot start without.
WEB_REQUIREMENTS: tuple[str, ...] = ("django", "rest_framework", "channels", "celery", "uvicorn")

#: About the largest simulated table whose truth stays decidable (measured over seeds: the
#: simulator's distinct names run out near 4,600 rows).
DECIDABLE_ROWS = 4500

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2

ProgressCallback = Callable[[str, float, str], None]


class _UsageError(Exception):
    """A problem with what the user asked for: reported in one line, exit status 2."""


def _error(message: str) -> None:
    print(f"ganglioside: error: {message}", file=sys.stderr)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1, got {value}")
    return value


def _outputs(text: str) -> tuple[str, ...]:
    try:
        return parse_outputs(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _outputs_help() -> str:
    lines = ["outputs (--outputs):"]
    for name, output in OUTPUTS.items():
        mark = " (default)" if name in DEFAULT_OUTPUTS else ""
        lines.append(f"  {name:<10} {output.filename:<18} {output.description}{mark}")
    return "\n".join(lines)


def _add_analyze(commands: Any) -> None:
    """The ``analyze`` subcommand and its options."""
    analyze = commands.add_parser(
        "analyze",
        help="analyse a feature table and write the results",
        description="Analyse a feature table (CSV, TSV or XLSX) and write the results chosen "
        f"with --outputs (by default {', '.join(DEFAULT_OUTPUTS)}: "
        f"{', '.join(OUTPUTS[n].filename for n in DEFAULT_OUTPUTS)}).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_outputs_help(),
    )
    analyze.add_argument(
        "input",
        metavar="INPUT",
        help="feature table (CSV, TSV or XLSX) or an export of MS-DIAL, LipidSearch, MZmine or "
        "Skyline",
    )
    add_input_arguments(analyze)
    analyze.add_argument(
        "-o",
        "--output",
        metavar="OUTDIR",
        default="results",
        help="directory for the results (default: ./results)",
    )
    _add_analysis_options(analyze)


def _add_analysis_options(analyze: argparse.ArgumentParser) -> None:
    """``analyze``'s options after its input and output folder."""
    analyze.add_argument(
        "--outputs",
        metavar="LIST",
        type=_outputs,
        default=DEFAULT_OUTPUTS,
        help=f"comma-separated files to write, from: {', '.join(OUTPUTS)}, or all "
        f"(default: {','.join(DEFAULT_OUTPUTS)})",
    )
    analyze.add_argument(
        "--config", metavar="FILE.toml", help="parameters from a TOML file (see README)"
    )
    analyze.add_argument(
        "--calibrants",
        metavar="FILE",
        help="the lab's standards (CSV/TSV/XLSX with 'name', optional 'rt' and 'tolerance'): "
        "the rows they match become anchors",
    )
    analyze.add_argument(
        "--calibration",
        metavar="FILE.json",
        help="apply a saved RT calibration (from --save-calibration) with an RT shift "
        "estimated from this run",
    )
    analyze.add_argument(
        "--save-calibration",
        metavar="FILE.json",
        help="save this run's RT lines as a calibration to apply to other runs",
    )
    analyze.add_argument(
        "--decisions",
        metavar="FILE.csv",
        help="apply a curator's decisions (the web platform's decisions file: row, action, "
        "status, reason): anchor decisions before the analysis, status overrides after it",
    )
    analyze.add_argument(
        "--set",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        dest="overrides",
        help="change one parameter, e.g. --set outlier_z=3 (repeatable; applied after --config)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``ganglioside`` command."""
    parser = argparse.ArgumentParser(
        prog="ganglioside",
        description="Validate, categorise and quantify gangliosides in LC-MS/MS feature tables.",
    )
    parser.add_argument("--version", action="version", version=f"ganglioside {__version__}")
    parser.add_argument(
        "--traceback",
        action="store_true",
        help="show the full traceback of an unexpected error (for bug reports)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    _add_analyze(commands)

    simulate = commands.add_parser(
        "simulate",
        help="write a synthetic feature table with known truth",
        description="Write a synthetic feature table FILE.csv and its truth FILE.truth.csv.",
    )
    simulate.add_argument("--seed", type=int, required=True, help="random seed")
    simulate.add_argument("-o", "--output", metavar="FILE.csv", required=True)
    simulate.add_argument(
        "--rows",
        type=_positive_int,
        help="number of rows (exact; up to about 4,500 the truth stays decidable)",
    )
    add_study_parsers(commands, _positive_int)
    add_compare_parser(commands)

    for name, text in (
        ("serve", "run the web platform (needs ganglioside[web])"),
        ("worker", "run a background worker of the web platform (needs ganglioside[web])"),
        ("beat", "run the scheduler of the web platform's periodic tasks (needs ganglioside[web])"),
        ("manage", "Django management commands of the web platform (needs ganglioside[web])"),
    ):
        # Listed for --help only: main() hands these to the web package before parsing.
        commands.add_parser(name, help=text, add_help=False)
    return parser


# -- analyze ----------------------------------------------------------------------------------


class _StepBars:
    """One tqdm bar on stderr per step: the analysis, then each file written."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.label = ""

    def __call__(self, step: str, fraction: float, message: str) -> None:
        from .result import PROGRESS_STEPS

        label, text = (
            ("analysis", f"{step}: {message}") if step in PROGRESS_STEPS else (step, message)
        )
        if label != self.label:
            self.close()
            from tqdm import tqdm

            fmt = "{desc:<18} {percentage:3.0f}%|{bar}| {elapsed}{postfix}"
            self.bar = tqdm(total=100, file=sys.stderr, leave=False, bar_format=fmt, desc=label)
            self.label = label
        self.bar.n = max(0, min(100, round(fraction * 100)))
        self.bar.set_postfix_str(text[:60], refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        self.bar = None
        self.label = ""


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[ProgressCallback | None]:
    """Progress bars on stderr fed by progress callbacks, or nothing when disabled."""
    if not enabled:
        yield None
        return
    bars = _StepBars()
    try:
        yield bars
    finally:
        bars.close()


def _print_summary(result: AnalysisResult, paths: dict[str, Path], outdir: Path) -> None:
    from .result import STATUSES

    compounds = result.compounds
    status = compounds["status"].astype(str)
    anchors = int(compounds["is_anchor"].astype("boolean").fillna(False).sum())
    print(f"{result.source}: {len(compounds)} rows")
    width = max(len(s) for s in STATUSES)
    for name in STATUSES:
        count = int((status == name).sum())
        extra = f"  ({anchors} anchors)" if name == "valid" else ""
        print(f"  {name:<{width}}  {count:>6}{extra}")
    print(
        f"  RT models: {len(result.models)}; fragment links: {len(result.fragments)}; "
        f"warnings: {len(result.warnings)}"
    )
    for warning in result.warnings[:5]:
        print(f"  warning: {warning}")
    if len(result.warnings) > 5:
        where = [f for f in ("report.html", "summary.json") if f in paths]
        place = f" in {where[0]}" if where else ""
        print(f"  … {len(result.warnings) - 5} more warnings{place}")
    print(f"Results written to {outdir}: {', '.join(paths)}")
    if "report.html" in paths:
        print(f"Report: {paths['report.html'].resolve()}")


def _run_analyze(args: argparse.Namespace) -> int:
    from .pipeline import analyze
    from .report.outputs import write_outputs

    source = Path(args.input)
    if not source.exists():
        raise _UsageError(f"input file {source} does not exist")
    if source.is_dir():
        raise _UsageError(f"input {source} is a directory; expected a CSV, TSV or XLSX file")
    config = analysis_config(args)
    outdir = Path(args.output)
    from .cli_inputs import read_input, run_samples, with_decisions

    # read once; one sample's table when --sample is given
    export, decisions = with_decisions(read_input(source, args), args.decisions)
    with _progress_bar(sys.stderr.isatty()) as progress:
        if len(export.samples) > 1:
            return run_samples(
                export,
                config,
                outdir,
                _writer(args.outputs),
                progress,
                calibrants=args.calibrants,
                calibration=args.calibration,
                all_samples=args.all_samples,
            )
        result = analyze(
            export,
            config=config,
            progress=progress,
            calibrants=args.calibrants,
            calibration=args.calibration,
        )
        if decisions is not None:
            from .curation import curate

            result = curate(result, decisions, [d.audit_row() for d in decisions])
        try:
            paths = write_outputs(result, outdir, args.outputs, progress=progress)
        except OSError as exc:
            _error(f"cannot write the results to {outdir}: {exc.strerror or exc}")
            return EXIT_FAILURE
    _print_summary(result, paths, outdir)
    return _save_calibration(result, args.save_calibration)


def _writer(outputs: tuple[str, ...]) -> Callable[[AnalysisResult, Path], dict[str, Path]]:
    """Writes the chosen outputs of one sample's result into its folder."""
    from .report.outputs import write_outputs

    def write(
        result: AnalysisResult, folder: Path, progress: ProgressCallback | None = None
    ) -> Any:
        return write_outputs(result, folder, outputs, progress=progress)

    return write


def _save_calibration(result: AnalysisResult, path: str | None) -> int:
    """Save the run's RT lines when ``--save-calibration`` asked for it."""
    if not path:
        return EXIT_OK
    from .calibration import save_calibration

    try:
        saved = save_calibration(result, path)
    except OSError as exc:
        _error(f"cannot write {path}: {exc.strerror or exc}")
        return EXIT_FAILURE
    print(f"Calibration saved to {saved}")
    return EXIT_OK


# -- simulate ---------------------------------------------------------------------------------


def _run_simulate(args: argparse.Namespace) -> int:
    from .simulate import simulate

    output = Path(args.output)
    table = simulate(args.seed, n_rows=args.rows)
    try:
        written = table.write(output)
    except OSError as exc:
        _error(f"cannot write {output}: {exc.strerror or exc}")
        return EXIT_FAILURE
    paths = written if isinstance(written, list | tuple) else [written or output]
    for path in paths:
        print(f"wrote {path}")
    if not table.params.get("decidable", True):
        print(
            f"ganglioside: warning: with {len(table.table)} rows the simulated names repeat, so "
            "some peaks form fragment patterns by chance and the truth file cannot always be "
            f"matched by any analysis; tables of up to about {DECIDABLE_ROWS:,} rows stay "
            "decidable (truth params: decidable = false)",
            file=sys.stderr,
        )
    return EXIT_OK


# -- web --------------------------------------------------------------------------------------


def _web_missing(command: str, module: str) -> int:
    _error(
        f"'ganglioside {command}' needs the web platform, which is not installed "
        f"({module} cannot be imported).\n"
        '  Install it with:  pip install "ganglioside[web]"'
    )
    return EXIT_USAGE


def _run_web(argv: list[str]) -> int:
    """Hand ``serve|worker|beat|manage ...`` to the web platform, if it is installed."""
    command = argv[0]
    # Checked up front: the web package imports Django lazily, so a missing extra would
    # otherwise surface as an ImportError deep inside the command.
    for module in WEB_REQUIREMENTS:
        if importlib.util.find_spec(module) is None:
            return _web_missing(command, module)
    try:
        from .web.cli import main as web_main
    except ImportError as exc:
        return _web_missing(command, exc.name or "ganglioside.web.cli")
    return int(web_main(argv) or 0)


# -- entry point ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``ganglioside`` command and return its exit status.

    Parameters
    ----------
    argv:
        Arguments without the program name; ``sys.argv[1:]`` by default.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] in WEB_COMMANDS:
        return _run_web(arguments)
    parser = build_parser()
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exc:  # --help, --version, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    return _run_command(args)


def _run_command(args: argparse.Namespace) -> int:
    """Run one parsed command; its errors become a message and an exit status."""
    runners = {
        "analyze": _run_analyze,
        "simulate": _run_simulate,
        "compare": run_compare,
        **STUDY_RUNNERS,
    }
    try:
        return runners[args.command](args)
    except (GangliosideError, _UsageError) as exc:
        _error(str(exc))
        return EXIT_USAGE
    except FileNotFoundError as exc:
        _error(f"{exc.filename or exc}: file not found")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except Exception as exc:
        if args.traceback:
            raise
        _error(
            f"unexpected {type(exc).__name__}: {exc}\n"
            "  This is a bug; rerun with --traceback and report it."
        )
        return EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
