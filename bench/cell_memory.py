"""Peak memory of ``ganglioside analyze`` on a table holding one huge cell.

Writes the packaged sample table with one name cell of SIZE MB (default 100) appended, runs the
command line on it in a child process, and prints the file's size, the child's peak resident
memory and their ratio.  Usage: ``python bench/cell_memory.py [SIZE_MB]``.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import ganglioside

SAMPLE = Path(ganglioside.__file__).parent / "data" / "measured_sample.csv"


def main(size_mb: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "huge_cell.csv"
        with path.open("w", encoding="utf-8") as handle:
            handle.write(SAMPLE.read_text(encoding="utf-8"))
            handle.write("GD1(36:1;O2)" + "A" * int(size_mb * 1024 * 1024) + ",9.1,100,,F\n")
        command = [
            sys.executable,
            "-c",
            "from ganglioside.cli import main; raise SystemExit(main())",
        ]
        command += ["analyze", str(path)]
        done = subprocess.run(
            [*command, "-o", str(Path(folder) / "out"), "--outputs", "csv"],
            capture_output=True,
            text=True,
            check=False,
        )
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        file_mb = path.stat().st_size / 1024 / 1024
    print(f"file: {file_mb:,.1f} MB; exit status {done.returncode}")
    print(f"peak memory of the command: {peak_mb:,.0f} MB ({peak_mb / file_mb:.1f}x the file)")
    if done.returncode:
        print(done.stderr.strip()[-300:])


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 100.0)
