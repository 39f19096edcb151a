"""Speed and memory of ``ganglioside study`` on simulated studies.

For each study size, a simulated two-group study (``simulate_study``, about 180 rows per sample)
with two batches and a pooled QC every 6 injections with signal drift (``--plain``: without)
is written to a temporary folder beforehand; then the command ``ganglioside study DESIGN -o DIR
--jobs N`` runs in a fresh process, from reading the design to the last file written (matrix,
statistics, samples, per-sample compounds, workbook, report, mzTab-M; no images).  Printed per
size: the wall time of the command, its CPU time (user + system, the command and its pool
workers: on a machine shared with other work the wall time grows, the CPU time much less), the
peak resident memory of its largest process (the command itself or a pool worker), the peak of
the whole process tree's memory (sampled every 0.1 s from /proc: the sum of the processes'
resident sizes, which counts pages a forked process shares with its parent twice, and the sum of
their proportional set sizes, which counts each shared page once) and the files written.  The
load average before the runs is printed first.  With ``--breakdown`` the same study also runs
in this process, step by step (per-sample analyses, the study step, the files).

    .venv/bin/python bench/study_speed.py                       # 100 and 1,000 samples
    .venv/bin/python bench/study_speed.py --samples 100 --jobs 2 --breakdown
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MEASURE = r"""
import resource, subprocess, sys, time
from pathlib import Path


def tree(pid):
    # the process and its descendants, from /proc (Linux)
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return found


def kib(pid, path, field):
    try:
        for line in Path(f"/proc/{pid}/{path}").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


t0 = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
peak_rss = peak_pss = 0
while child.poll() is None:
    pids = tree(child.pid)
    peak_rss = max(peak_rss, sum(kib(p, "status", "VmRSS:") for p in pids))
    peak_pss = max(peak_pss, sum(kib(p, "smaps_rollup", "Pss:") for p in pids))
    time.sleep(0.1)
out, err = child.communicate()
seconds = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = usage.ru_utime + usage.ru_stime
print(f"{child.returncode} {seconds:.3f} {usage.ru_maxrss / 1024:.0f} {cpu:.3f} "
      f"{peak_rss / 1024:.0f} {peak_pss / 1024:.0f}")
if child.returncode:
    print(err, file=sys.stderr)
"""


def _write_study(samples: int, rows: int, folder: Path, plain: bool) -> Path:
    from ganglioside.simulate.study import simulate_study

    # corrections on: two batches, a pooled QC every 6 injections with signal drift (the QC
    # drift correction, QC filters, batch term and batch correction all run)
    knobs = {} if plain else {"batch_sd": 0.6, "qc_every": 6, "signal_drift": 0.6, "tech_sd": 0.05}
    simulated = simulate_study(42, n_per_group=samples // 2, n_rows=rows, **knobs)
    simulated.write(folder)
    return folder / "design.csv"


def _command(design: Path, out: Path, jobs: int) -> list[str]:
    exe = Path(sys.executable).with_name("ganglioside")
    return [str(exe), "study", str(design), "-o", str(out), "--jobs", str(jobs), "--no-images"]


def _run_cli(design: Path, out: Path, jobs: int) -> tuple[int, float, float, float, float, float]:
    line = subprocess.run(
        [sys.executable, "-c", MEASURE, *_command(design, out, jobs)],
        capture_output=True,
        text=True,
        check=False,
    )
    code, seconds, peak, cpu, tree_rss, tree_pss = line.stdout.split()
    if line.stderr:
        print(line.stderr.strip(), file=sys.stderr)
    return int(code), float(seconds), float(peak), float(cpu), float(tree_rss), float(tree_pss)


def _breakdown(design: Path, out: Path, jobs: int) -> None:
    from ganglioside.studies import (
        StudyConfig,
        borrow_tasks,
        combine,
        read_design,
        run_samples,
        sample_tasks,
        shared_calibration,
        with_shared_anchors,
    )
    from ganglioside.studies.outputs import write_study

    config = StudyConfig()
    t0 = time.perf_counter()
    checked = read_design(design)
    tasks = sample_tasks(checked, config.analysis)
    shared = shared_calibration(tasks, config, jobs)
    ts = time.perf_counter()
    results = run_samples(with_shared_anchors(tasks, shared), jobs=jobs)
    t1 = time.perf_counter()
    again = borrow_tasks(checked, tasks, results, config)
    redone = {r.sample: r for r in run_samples(again, jobs=jobs)}
    results = [redone.get(r.sample, r) for r in results]
    t2 = time.perf_counter()
    result = combine(checked, results, config, shared)
    t3 = time.perf_counter()
    write_study(result, out, images=False)
    t4 = time.perf_counter()
    print(
        f"    in-process: design and shared anchors {ts - t0:.2f} s, samples {t1 - ts:.2f} s, "
        f"borrowing ({len(again)} samples) "
        f"{t2 - t1:.2f} s, study step {t3 - t2:.2f} s, files {t4 - t3:.2f} s; "
        f"{result.summary['n_compounds']} compounds, {result.summary['n_changed_q05']} at q < 0.05"
        f" ({result.summary['n_samples']} samples with the QCs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--rows", type=int, default=180)
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--breakdown", action="store_true")
    parser.add_argument(
        "--plain",
        action="store_true",
        help="no QCs and no batch effect (the corrections have nothing to do)",
    )
    args = parser.parse_args()
    print(
        f"ganglioside study, {args.rows} rows per sample, --jobs {args.jobs}, {os.cpu_count()} CPUs"
    )
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    print(
        f"{'samples':>8} {'rows':>8} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} "
        f"{'tree RSS':>8} {'tree PSS':>8}  files"
    )
    for n in args.samples:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            design = _write_study(n, args.rows, folder / "in", args.plain)
            n_rows = sum(
                sum(1 for _ in p.open(encoding="utf-8")) - 1
                for p in (folder / "in").glob("*.csv")
                if p.name not in {"design.csv", "truth.csv", "runs.csv"}
                and not p.name.endswith(".truth.csv")
            )
            code, seconds, peak, cpu, rss, pss = _run_cli(design, folder / "out", args.jobs)
            files = sum(1 for p in (folder / "out").rglob("*") if p.is_file())
            status = "" if code == 0 else f"  (exit {code})"
            print(
                f"{n:>8} {n_rows:>8} {seconds:>8.2f} {cpu:>8.2f} {peak:>8.0f} {rss:>8.0f} "
                f"{pss:>8.0f}  {files}{status}"
            )
            if args.breakdown:
                _breakdown(design, folder / "out2", args.jobs)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(this script's own peak: {own:.0f} MB)")


if __name__ == "__main__":
    main()
