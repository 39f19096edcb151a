"""Speed and memory of ganglioside.analyze() on large simulated tables.

Prints, per table size, the wall time of the first analyze() of the table (its names not yet
parsed: pygoslin reads each new headgroup and ceramide), the wall and CPU time of analyze() on
the in-memory DataFrame (the median of --repeat runs, after a warm-up run on 2,000 rows that
loads pygoslin; names are cached between runs), the time per 100,000 rows
(linearity), the number of distinct names, the peak resident memory of a fresh process that
loads the table (made beforehand by another process) and analyses it, its resident memory
before the analysis, and the peak of the analysis's own allocations (tracemalloc).  Run:

    .venv/bin/python bench/core_speed.py            # 100k and 1M rows
    .venv/bin/python bench/core_speed.py --rows 100000 300000 1000000 --repeat 3
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

MAKE = r"""
import sys
from ganglioside.simulate import simulate

simulate(7, n_rows=int(sys.argv[1])).table.to_pickle(sys.argv[2])
"""

CHILD = r"""
import json, resource, statistics, sys, time, tracemalloc
import pandas as pd
import ganglioside

table = pd.read_pickle(sys.argv[1])
repeat = int(sys.argv[2])
ganglioside.analyze(table.head(2000))  # warm-up: imports, pygoslin parser, caches
base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
times = []
for _ in range(repeat):
    t0 = time.perf_counter()
    c0 = time.process_time()
    result = ganglioside.analyze(table)
    times.append((time.perf_counter() - t0, time.process_time() - c0))
    del result
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
result = ganglioside.analyze(table)
_, traced = tracemalloc.get_traced_memory()
tracemalloc.stop()
print(json.dumps({
    "rows": len(table),
    "names": int(table["Name"].nunique()),
    "seconds": statistics.median(t for t, _ in times),
    "first": times[0][0],
    "cpu": statistics.median(c for _, c in times),
    "peak_rss_mb": peak / 1024,
    "before_mb": base_rss / 1024,
    "traced_mb": traced / 2**20,
}))
"""


def run(rows: int, repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "table.pkl")
        subprocess.run([sys.executable, "-c", MAKE, str(rows), path], check=True)
        out = subprocess.run(
            [sys.executable, "-c", CHILD, path, str(repeat)],
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(
        f"python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'rows':>10} {'names':>7} {'first s':>8} {'wall s':>8} {'cpu s':>7} {'wall s/100k':>12} "
        f"{'peak RSS MB':>12} {'RSS before MB':>14} {'analysis peak MB':>17}"
    )
    for rows in args.rows:
        r = run(rows, args.repeat)
        per = r["seconds"] / r["rows"] * 100_000
        print(
            f"{r['rows']:>10} {r['names']:>7} {r['first']:>8.2f} {r['seconds']:>8.2f} "
            f"{r['cpu']:>7.2f} "
            f"{per:>12.2f} {r['peak_rss_mb']:>12.0f} {r['before_mb']:>14.0f} "
            f"{r['traced_mb']:>17.0f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
