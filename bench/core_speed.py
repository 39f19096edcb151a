"""Speed and memory of ganglioside.analyze() on large simulated tables.

Prints, per table size, the wall time of analyze() on an in-memory DataFrame (the median of
--repeat runs, after a warm-up run that loads pygoslin), the time per 100,000 rows (linearity),
the number of distinct names, and the peak resident memory of a fresh process that builds the
table and analyses it.  Run:

    .venv/bin/python bench/core_speed.py            # 100k and 1M rows
    .venv/bin/python bench/core_speed.py --rows 100000 300000 1000000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

CHILD = r"""
import json, resource, statistics, sys, time
import ganglioside
from ganglioside.simulate import simulate

rows, repeat = int(sys.argv[1]), int(sys.argv[2])
sim = simulate(7, n_rows=rows)
table = sim.table
base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
ganglioside.analyze(table.head(2000))  # warm-up: imports, pygoslin parser, caches
times = []
for _ in range(repeat):
    t0 = time.perf_counter()
    result = ganglioside.analyze(table)
    times.append(time.perf_counter() - t0)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({
    "rows": len(table),
    "names": int(table["Name"].nunique()),
    "seconds": statistics.median(times),
    "best": min(times),
    "peak_rss_mb": peak / 1024,
    "table_rss_mb": base_rss / 1024,
    "statuses": result.summary["by_status"],
}))
"""


def run(rows: int, repeat: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(rows), str(repeat)],
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
    print(f"python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d')}")
    print(
        f"{'rows':>10} {'names':>7} {'median s':>9} {'best s':>8} {'s/100k':>7} "
        f"{'peak RSS MB':>12} {'of which table MB':>18}"
    )
    for rows in args.rows:
        r = run(rows, args.repeat)
        per = r["seconds"] / r["rows"] * 100_000
        print(
            f"{r['rows']:>10} {r['names']:>7} {r['seconds']:>9.3f} {r['best']:>8.3f} "
            f"{per:>7.3f} {r['peak_rss_mb']:>12.0f} {r['table_rss_mb']:>18.0f}"
        )
    _ = resource  # the parent only reports
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
