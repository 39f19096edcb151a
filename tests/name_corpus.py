"""The name corpus of tests/data/names/: one CSV per dialect, each name with what it means.

Each row is ``name,expected``.  ``expected`` is written independently of the parser:

* ``GD1a 36:1;O2`` — core with its isomer letter, then the ceramide sum (carbons, double bonds,
  oxygens);
* followed by changes to the glycan, ``Gc=1`` (one NeuAc of the core is NeuGc), ``NeuAc=1``,
  ``NeuGc=1``, ``Hex=1``, ``HexNAc=1``, ``dHex=1``, ``OAc=2``, ``SO3=1`` (added residues), and
  ``IS`` for a labelled internal standard, ``lyso`` for a lyso form (the sum is then the
  sphingoid base's: no fatty acid);
* or ``other=PC``: a lipid of another class, to be recognised as that class;
* or ``refused=KDN``: a name to be refused, the message naming the notation (``KDN``).

The bench (bench/name_coverage.py) and tests/names/test_name_corpus.py read it through this module.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).parent / "data" / "names"

# Written out here, not imported from the parser: sialic acids of the core by letter, and the
# neutral sugars (Hex, HexNAc) of the core by series digit.
_SIALIC = {"A": 0, "M": 1, "D": 2, "T": 3, "Q": 4, "P": 5}
_NEUTRAL = {"1": (3, 1), "2": (2, 1), "3": (2, 0), "4": (1, 0)}
_SPEC = re.compile(
    r"^G(?P<sia>[AMDTQP])(?P<series>[1-4])(?P<isomer>\S*) (?P<c>\d+):(?P<db>\d+);O(?P<o>\d*)"
)

FIELDS = (
    "core", "isomer", "neuac", "neugc", "hex", "hexnac", "dhex", "oac", "sulfate",
    "carbons", "double_bonds", "oxygens", "is_internal_standard", "lyso",
)  # fmt: skip


@dataclass(frozen=True)
class Entry:
    dialect: str
    name: str
    expected: str

    @property
    def other_class(self) -> str:
        return self.expected[len("other=") :] if self.expected.startswith("other=") else ""

    @property
    def refused(self) -> str:
        """The word the refusal must name (empty: the name is to be read)."""
        return self.expected[len("refused=") :] if self.expected.startswith("refused=") else ""

    def composition(self) -> dict[str, object]:
        """What the name means, field by field (as :class:`ParsedName` names them)."""
        m = _SPEC.match(self.expected)
        if m is None:
            raise ValueError(f"bad expected value {self.expected!r} for {self.name!r}")
        extra = dict(
            [*kv.split("="), "1"][:2]
            for kv in self.expected[m.end() :].split()
            if kv not in ("IS", "lyso")
        )
        n = {k: int(v) for k, v in extra.items()}
        hex_core, hexnac_core = _NEUTRAL[m["series"]]
        return {
            "core": f"G{m['sia']}{m['series']}",
            "isomer": m["isomer"],
            "neuac": _SIALIC[m["sia"]] + n.get("NeuAc", 0) - n.get("Gc", 0),
            "neugc": n.get("NeuGc", 0) + n.get("Gc", 0),
            "hex": hex_core + n.get("Hex", 0),
            "hexnac": hexnac_core + n.get("HexNAc", 0),
            "dhex": n.get("dHex", 0),
            "oac": n.get("OAc", 0),
            "sulfate": n.get("SO3", 0),
            "carbons": int(m["c"]),
            "double_bonds": int(m["db"]),
            "oxygens": int(m["o"]) if m["o"] else 1,
            "is_internal_standard": "IS" in self.expected.split(),
            "lyso": "lyso" in self.expected.split(),
        }


def load() -> list[Entry]:
    entries = []
    for path in sorted(CORPUS.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                entries.append(Entry(path.stem, row["name"], row["expected"]))
    return entries


def differences(entry: Entry, parsed: object) -> list[str]:
    """Fields where ``parsed`` (a ParsedName) differs from what the entry means."""
    want = entry.composition()
    return [
        f"{field}: got {getattr(parsed, field)!r}, expected {want[field]!r}"
        for field in FIELDS
        if getattr(parsed, field) != want[field]
    ]
