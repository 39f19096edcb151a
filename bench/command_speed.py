"""Speed, memory and output sizes of the whole ``ganglioside analyze`` command.

Tables are made by repeating the bundled sample (``measured_sample.csv``, 323 rows) up to each
size.  For each table a fresh ``ganglioside analyze TABLE -o OUT --outputs ...`` process is run
and timed: wall seconds, CPU seconds (user + system), peak resident memory of that process (from
``wait4``) and the size of every file it wrote.  The bundled sample itself comes first (start-up
dominates there).

With ``--per-output``, a second child analyses each table once and times every writer on its
own (in-process), to give the cost of each export per million cells (rows × columns of the table
it writes; for the report, rows of the compounds table; none for summary.json).

    .venv/bin/python bench/command_speed.py                          # 1k, 10k, 100k, 1M rows
    .venv/bin/python bench/command_speed.py --rows 100000 --outputs all --per-output

Timings on a shared machine vary: compare the CPU column, and repeat (``--repeat 3`` prints the
run with the median wall time).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "src" / "ganglioside" / "data" / "measured_sample.csv"
COMMAND = Path(sys.executable).with_name("ganglioside")

PER_OUTPUT = r"""
import json, sys, time
from pathlib import Path
import ganglioside
from ganglioside.report.outputs import OUTPUTS

table, outdir = sys.argv[1], Path(sys.argv[2])
outdir.mkdir(parents=True, exist_ok=True)
result = ganglioside.analyze(table)
rows, columns = result.compounds.shape
cells = {"fragments": result.fragments.size, "json": 0, "html": rows}
out = {}
for name, output in OUTPUTS.items():
    start, cpu = time.perf_counter(), time.process_time()
    path = output.write(result, outdir / output.filename)
    out[name] = {
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "cells": cells.get(name, rows * columns),
        "bytes": path.stat().st_size,
    }
print(json.dumps(out))
"""


def make_table(rows: int, folder: Path) -> Path:
    """The bundled sample repeated (and cut) to ``rows`` data rows."""
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    header, body = lines[0], lines[1:]
    path = folder / f"table_{rows}.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write(header + "\n")
        for i in range(rows):
            out.write(body[i % len(body)] + "\n")
    return path


def run_command(table: Path, outputs: str, outdir: Path) -> dict:
    """One fresh ``ganglioside analyze`` process: wall, CPU, peak RSS and the files' sizes."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(COMMAND), "analyze", str(table), "-o", str(outdir), "--outputs", outputs],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    stderr = process.stderr.read().decode() if process.stderr else ""
    if status != 0:
        raise SystemExit(f"ganglioside analyze failed on {table}: {stderr}")
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
        "files": {p.name: p.stat().st_size for p in sorted(outdir.iterdir())},
    }


def measure(table: Path, rows: int, outputs: str, repeat: int, folder: Path) -> dict:
    runs = [run_command(table, outputs, folder / f"out_{rows}_{i}") for i in range(repeat)]
    runs.sort(key=lambda r: r["wall"])
    median = runs[len(runs) // 2]
    median["rows"] = rows
    median["walls"] = [r["wall"] for r in runs]
    return median


def per_output(table: Path, folder: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PER_OUTPUT, str(table), str(folder / "per_output")],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _mb(size: int) -> str:
    return f"{size / 1e6:.2f}" if size < 10e6 else f"{size / 1e6:.0f}"


def print_command_table(results: list[dict]) -> None:
    files = sorted({name for r in results for name in r["files"]})
    head = [
        "rows",
        "wall s",
        "CPU s",
        "s per 100k rows",
        "peak RSS MB",
        *(f"{f} MB" for f in files),
    ]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in results:
        per = r["wall"] / r["rows"] * 100_000
        cells = [
            f"{r['rows']:,}",
            f"{r['wall']:.2f}",
            f"{r['cpu']:.2f}",
            f"{per:.2f}",
            f"{r['rss_mb']:.0f}",
            *(_mb(r["files"][f]) if f in r["files"] else "–" for f in files),
        ]
        print("| " + " | ".join(cells) + " |")


def print_output_table(rows: int, costs: dict) -> None:
    print(f"\nPer output, {rows:,} rows (in-process, after one analysis):\n")
    print("| output | wall s | CPU s | cells | CPU s per million cells | MB |")
    print("|---|---|---|---|---|---|")
    for name, c in costs.items():
        per = f"{c['cpu'] / c['cells'] * 1e6:.2f}" if c["cells"] else "–"
        print(
            f"| {name} | {c['seconds']:.2f} | {c['cpu']:.2f} | {c['cells']:,} | {per} "
            f"| {_mb(c['bytes'])} |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--outputs", default="default", help="--outputs of the command")
    parser.add_argument("--repeat", type=int, default=1, help="runs per table (median shown)")
    parser.add_argument(
        "--per-output", action="store_true", help="also time each writer on its own"
    )
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(
        f"ganglioside analyze --outputs {args.outputs}; Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores, load average {load:.1f}\n"
    )
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sample = measure(SAMPLE, 323, args.outputs, max(args.repeat, 3), folder)
        results.append(sample)
        costs = {}
        for rows in args.rows:
            table = make_table(rows, folder)
            results.append(measure(table, rows, args.outputs, args.repeat, folder))
            if args.per_output:
                costs[rows] = per_output(table, folder)
            for path in folder.glob("out_*"):
                subprocess.run(["rm", "-rf", str(path)], check=True)
    print_command_table(results)
    print(
        f"\n(the first line is the bundled sample; its walls: "
        f"{', '.join(f'{w:.2f}' for w in sample['walls'])} s)"
    )
    for rows, cost in costs.items():
        print_output_table(rows, cost)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
