"""The ceramide part of a name: carbons, double bonds and oxygens in every dialect.

Three readers, in this order:

1. the project's own chain grammar: a sum (``36:1;O2``, ``36:1;2O``, ``d36:1``) or one or two
   chains (``d18:1/18:0``, ``18:1;O2/18:0;O``, ``d18:1_18:0``) with a ``d``/``t``/``m``
   sphingoid-base prefix (two, three, one oxygen);
2. pygoslin, for everything its grammars read (double-bond positions ``d18:1(4E)/24:1(15Z)``,
   hydroxy fatty acids ``16:0(2OH)`` and ``h16:0``, the old Goslin ``18:1;2/16:0``);
3. the same two after rewriting what neither reads into their forms (LipidSearch ``+O``,
   MS-DIAL ``;(2OH)``, the ``;2O`` count order, positions next to an ``m`` base).

pygoslin reads an ``m`` (1-hydroxy) base as two oxygens, so names with one never reach it
unrewritten.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..errors import NameSyntaxError
from .formula import goslin_parse

_CHAIN = re.compile(r"^(?P<base>[dtm])?(?P<c>\d+):(?P<db>\d+)(?:;(?P<o>\d*)O(?P<o2>\d*))?$")
_BASE_OXYGENS = {"d": 2, "t": 3, "m": 1}
_SPECIES = re.compile(r"(\d+):(\d+)(?:;O(\d*))?$")
EXPECTED = (
    "expected a sum such as 36:1;O2 or d36:1, or chains such as d18:1/18:0, 18:1;O2/16:0 "
    "or d18:1_16:0;O"
)

# Rewrites of forms pygoslin and the project grammar do not read (pattern, replacement).
_REWRITES = (
    (re.compile(r"\s+"), ""),
    # HMDB's double-bond position before a chain: d18:1/9Z-18:1, d18:1/9Z,12Z-18:2
    (re.compile(r"(?<=[/_(])\d+[EZ]?(?:,\d+[EZ]?)*-(?=\d+:\d)"), ""),
    (re.compile(r"(?<=:\d)-(?=[dtm]?\d+:\d)"), "/"),  # hyphen between chains: d18:1-20:0
    (re.compile(r"_"), "/"),  # a sphingolipid's first chain is the base in every tool
    (re.compile(r"\+(\d*)O\b"), r";\1O"),  # LipidSearch 16:0+O
    (re.compile(r";?\((?:\d+[RS]?-?)?OH\)"), ";O"),  # MS-DIAL ;(2OH), LIPID MAPS (2OH)
    (re.compile(r";(\d+)OH\b"), ";O"),  # ;2OH: one hydroxyl at C2
    (re.compile(r";OH\b"), ";O"),
    (re.compile(r"(?<![\w])h(\d+:\d+)"), r"\1;O"),  # h16:0
    (re.compile(r"\((?:\d+[EZ]?)(?:,\d+[EZ]?)*\)"), ""),  # double-bond positions
)


def _chain(text: str) -> tuple[int, int, int | None, str | None] | None:
    cm = _CHAIN.match(text)
    if cm is None:
        return None
    if cm["o"] is None:
        oxy = None
    else:
        # ";O2" and ";2O" both mean two oxygens, ";O" one
        digits = cm["o"] or cm["o2"]
        oxy = int(digits) if digits else 1
    return int(cm["c"]), int(cm["db"]), oxy, cm["base"]


class NoOxygenCount(Exception):
    """A sum composition that does not say how many oxygens the ceramide has."""


def own_ceramide(text: str) -> tuple[int, int, int] | None:
    """Carbons, double bonds and oxygens of a ceramide in the project's chain grammar.

    None when the text is not in it; :class:`NoOxygenCount` for a bare sum such as ``36:1``.
    """
    parts = text.split("/")
    if len(parts) > 2:
        return None
    read = [_chain(p) for p in parts]
    chains = [c for c in read if c is not None]
    if len(chains) < len(read):
        return None
    base, acids = chains[0], chains[1:]
    if acids and acids[0][3] is not None:
        return None  # a base prefix on the fatty acid: not a ceramide we know
    oxygens = _base_oxygens(base, two_chains=bool(acids)) + sum(a[2] or 0 for a in acids)
    return sum(c[0] for c in chains), sum(c[1] for c in chains), oxygens


def _base_oxygens(base: tuple[int, int, int | None, str | None], two_chains: bool) -> int:
    """The oxygens of the sphingoid base (or of the sum): written (``;O2``), from the base
    prefix (``d``, ``t``, ``m``), or the two of a dihydroxy base that the molecular-species form
    implies.

    Raises
    ------
    NoOxygenCount
        For a bare sum such as ``36:1``.
    """
    if base[2] is not None:
        return base[2]
    if base[3] is not None:
        return _BASE_OXYGENS[base[3]]
    if two_chains:
        return 2
    raise NoOxygenCount


def _goslin_ceramide(text: str) -> tuple[int, int, int] | None:
    """pygoslin's species-level reading of a ganglioside on this ceramide."""
    if re.search(r"(?<![\w])m\d", text):
        return None  # pygoslin counts two oxygens on an m base
    for template in ("GM3 {}", "GM3({})"):
        lipid = goslin_parse(template.format(text))
        if lipid is None or lipid.adduct is not None:
            continue
        from pygoslin.domain.LipidLevel import LipidLevel

        species = lipid.get_lipid_string(LipidLevel.SPECIES)
        sm = _SPECIES.search(species)
        if sm is None or "[" in species:
            continue
        oxygens = int(sm[3]) if sm[3] else (1 if ";O" in species else 0)
        return int(sm[1]), int(sm[2]), oxygens
    return None


def _rewritten(text: str) -> str:
    for pattern, repl in _REWRITES:
        text = pattern.sub(repl, text)
    return text


@lru_cache(maxsize=8192)
def read_ceramide(text: str) -> tuple[int, int, int]:
    """Carbons, double bonds and oxygens of the ceramide part of a name.

    Raises
    ------
    NameSyntaxError
        Naming the part that was not understood and the forms that are (the caller adds the
        name).
    """
    candidates = [text.strip()]
    rewritten = _rewritten(candidates[0])
    if rewritten != candidates[0]:
        candidates.append(rewritten)
    no_oxygen = False
    for candidate in candidates:
        try:
            own = own_ceramide(candidate)
        except NoOxygenCount:
            no_oxygen = True
            continue
        if own is not None:
            return own
        found = _goslin_ceramide(candidate)
        if found is not None and found[2] > 0:
            return found
    if no_oxygen:
        raise NameSyntaxError(
            f"ceramide part {text!r} has no oxygen count; expected e.g. 36:1;O2 or d36:1"
        )
    raise NameSyntaxError(f"ceramide part {text!r} not understood; {EXPECTED}")


#: The most carbons a sphingoid base has (C14-C22 bases occur in gangliosides, d18:1 and d20:1
#: most): a single chain no longer than this is a base alone, a lyso form; a longer one is a
#: sum composition of base and fatty acid (28 carbons and more).
MAX_BASE_CARBONS = 22
_EMPTY_ACYL = re.compile(r"^0:0(?:;O0)?$")


def one_chain(text: str) -> bool:
    """Whether the ceramide part is a sphingoid base alone (a lyso form): one chain of at most
    :data:`MAX_BASE_CARBONS` carbons (``d18:1``, ``18:1;O2``) or a base and an empty acyl
    (``d18:1/0:0``, ``18:1;O2_0:0``)."""
    parts = _rewritten(text.strip()).split("/")
    if len(parts) == 2 and _EMPTY_ACYL.match(parts[1]):
        return _chain(parts[0]) is not None or _goslin_ceramide(parts[0]) is not None
    if len(parts) != 1:
        return False
    chain = _chain(parts[0])
    return chain is not None and chain[0] <= MAX_BASE_CARBONS


#: Two chains with no sphingoid base letter and no oxygen count on the first (HMDB's
#: ``Ganglioside GM3 (18:1/16:0)``): read as a dihydroxy base (d18:1), which the name only
#: implies.
_BARE_PAIR = re.compile(r"(?<![\w;:])\d{1,2}:\d+(?![\d;])(?:\([^)]*\))?\s*[/_-]\s*\d{1,2}:\d")


def base_assumed(name: str) -> bool:
    """Whether ``name`` gives two chains without saying the sphingoid base's kind (a ``d``,
    ``t`` or ``m`` letter or ``;O2``): the reading assumes a dihydroxy base."""
    return _BARE_PAIR.search(name) is not None
