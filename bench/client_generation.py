"""How long openapi-python-client takes to generate a client from docs/openapi.yaml, and what
it makes: modules, undefined names (ruff's F821).

Usage::

    .venv/bin/python bench/client_generation.py            # 3 runs
    .venv/bin/python bench/client_generation.py --runs 5

The CI test (tests/web/api/test_generated_client.py) generates the client once from the served
schema; this prints the generator's wall time per run (its ruff formatting included) so the
cost of that step is known.  It prints figures and exits 0 whatever they are.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "openapi.yaml"
BIN = Path(sys.executable).parent


def generate(out: Path) -> float:
    """Seconds one generation took (the package goes to ``out/client``)."""
    env = {"PATH": f"{BIN}:/usr/bin:/bin"}
    start = time.perf_counter()
    subprocess.run(
        [str(BIN / "openapi-python-client"), "generate", "--path", str(SCHEMA),
         "--output-path", str(out / "client"), "--meta", "none"],
        check=True, capture_output=True, env=env, cwd=out,
    )  # fmt: skip
    return time.perf_counter() - start


def undefined_names(package: Path) -> int:
    found = subprocess.run(
        [str(BIN / "ruff"), "check", "--isolated", "--no-cache", "--select", "F821",
         "--output-format", "concise", str(package)],
        capture_output=True, text=True,
    )  # fmt: skip
    return sum(1 for line in found.stdout.splitlines() if "F821" in line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder)
            times.append(generate(out))
            package = out / "client"
            modules = len(list(package.rglob("*.py")))
            undefined = undefined_names(package)
            shutil.rmtree(package)
    print(f"schema: {SCHEMA.name} ({SCHEMA.stat().st_size / 1024:.0f} KiB)")
    print(f"generation: {runs} runs, median {statistics.median(times):.2f} s, "
          f"min {min(times):.2f} s, max {max(times):.2f} s")  # fmt: skip
    print(f"generated: {modules} modules, {undefined} undefined names (F821)")


if __name__ == "__main__":
    main()
