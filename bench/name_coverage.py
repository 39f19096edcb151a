"""Name coverage: how many names of the corpus (tests/data/names/) parse, and parse right.

Usage::

    .venv/bin/python bench/name_coverage.py            # one line per dialect, then the totals
    .venv/bin/python bench/name_coverage.py --misses   # also list every name read wrong or not

Per dialect: names, parsed (a composition came back; for the other-class file: recognised as
another class), right C/DB/sialic (carbons, double bonds and the NeuAc/NeuGc counts as
expected), right composition (every field: core, isomer letter, every residue, sulfate,
oxygens, internal-standard flag; for the other-class file: the class as expected); a name the
corpus marks ``refused=WORD`` (KDN species) counts as read right when it is refused with a
message naming WORD.  Targets (printed against the figures): right C/DB/sialic >= 97 % over
all ganglioside names and >= 95 % in every dialect; read right or refused naming the notation
>= 99 % of the names that carry a chain.  This is a benchmark: it prints figures and exits 0
whatever they are.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.name_corpus import Entry, differences, load

from ganglioside.errors import NameSyntaxError
from ganglioside.names import NotAGanglioside, parse_name

TARGET_ALL, TARGET_EACH, TARGET_HANDLED = 0.97, 0.95, 0.99
_CORE_FIELDS = ("carbons", "double_bonds", "neuac", "neugc")


def _judge(entry: Entry) -> tuple[bool, bool, bool, str]:
    """(parsed, right C/DB/sialic, right composition, what went wrong)."""
    try:
        parsed = parse_name(entry.name)
    except NotAGanglioside as exc:
        if entry.other_class:
            ok = exc.lipid_class == entry.other_class
            return True, ok, ok, "" if ok else f"class {exc.lipid_class!r}"
        return False, False, False, str(exc)
    except NameSyntaxError as exc:
        if entry.refused and entry.refused in str(exc):
            return True, True, True, ""  # refused as it should be, naming the notation
        return False, False, False, str(exc)
    if entry.refused:
        return False, False, False, f"read, though it is to be refused naming {entry.refused}"
    if entry.other_class:
        return False, False, False, f"read as a ganglioside {parsed.species!r}"
    wrong = differences(entry, parsed)
    core_ok = not any(w.split(":")[0] in _CORE_FIELDS for w in wrong)
    return True, core_ok, not wrong, "; ".join(wrong)


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:6.1f}%" if d else "     -"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--misses", action="store_true", help="list the names read wrong or not")
    args = ap.parse_args()
    start = time.perf_counter()
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    misses: list[str] = []
    for entry in load():
        parsed, core_ok, right, why = _judge(entry)
        row = tally[entry.dialect]
        for i, flag in enumerate((True, parsed, core_ok, right)):
            row[i] += int(flag)
        if not right:
            misses.append(f"  [{entry.dialect}] {entry.name!r}: {why}")
    seconds = time.perf_counter() - start
    print(f"{'dialect':<20} {'names':>6} {'parsed':>8} {'C/DB/sia':>9} {'all right':>10}")
    total = [0, 0, 0, 0]
    worst = 1.0
    for dialect in sorted(tally):
        n, p, c, r = tally[dialect]
        print(f"{dialect:<20} {n:>6} {_pct(p, n):>8} {_pct(c, n):>9} {_pct(r, n):>10}")
        if dialect != "other_class":
            total = [a + b for a, b in zip(total, tally[dialect], strict=True)]
            worst = min(worst, c / n)
    n, p, c, r = total
    print(f"{'gangliosides':<20} {n:>6} {_pct(p, n):>8} {_pct(c, n):>9} {_pct(r, n):>10}")
    print(
        f"target: C/DB/sialic >= {TARGET_ALL:.0%} over the gangliosides "
        f"({'met' if c / n >= TARGET_ALL else 'NOT met'}), >= {TARGET_EACH:.0%} in every "
        f"dialect ({'met' if worst >= TARGET_EACH else 'NOT met'}: lowest {worst:.1%})"
    )
    print(
        f"target: read right or refused naming the notation >= {TARGET_HANDLED:.0%} of the "
        f"ganglioside names ({_pct(r, n).strip()}: "
        f"{'met' if r / n >= TARGET_HANDLED else 'NOT met'})"
    )
    print(f"{sum(t[0] for t in tally.values())} names read in {seconds:.2f} s (first reads)")
    if args.misses and misses:
        print("\nread wrong or not read:")
        print("\n".join(misses))


if __name__ == "__main__":
    main()
