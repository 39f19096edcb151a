"""One reader for the name dialects of lipid databases and tools.

Order of reading a name:

1. an isotope label or standard mark is taken off (:mod:`.standards`);
2. a name of the project's grammar (``GD1a+OAc(36:1;O2)``) is read by it, as it always was;
3. otherwise an adduct is taken off (``[M-H]-``, LipidSearch ``-H``/``+NH4``), an MS-DIAL
   ``species|molecular species`` pair keeps its detailed half, and the name is split into its
   glycan part (:mod:`.headgroup`) and its ceramide part (:mod:`.ceramide`, pygoslin first);
4. a name without a ganglioside headgroup is asked of pygoslin: a composition such as
   ``Hex2NeuAcCer 36:1;O2`` is a ganglioside (GM3); any other class it reads (PC, TG, Cer,
   HexCer …) raises :class:`NotAGanglioside` naming the class.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..errors import NameSyntaxError
from .ceramide import MAX_BASE_CARBONS, NoOxygenCount, one_chain, own_ceramide, read_ceramide
from .formula import goslin_parse
from .grammar import CORE_NEUTRAL, PROJECT_NAME, Headgroup, ParsedName, assemble
from .grammar import project_headgroup as _project_headgroup
from .headgroup import LYSO_WORD, read_headgroup
from .standards import strip_label

EXAMPLES = "GD1a(36:1;O2), GM3(d18:1/16:0), GM3 36:1;O2, GM3 18:1;O2/16:0 or GD1a+OAc(36:1;O2)"


class NotAGanglioside(NameSyntaxError):
    """A readable lipid name of another class (``lipid_class``: e.g. ``PC``, ``HexCer``)."""

    def __init__(self, name: str, lipid_class: str) -> None:
        super().__init__(f"{name!r} is a {lipid_class}, not a ganglioside")
        self.lipid_class = lipid_class


_ADDUCT_BRACKET = re.compile(r"[\s_]*(?:\[\s*M[^\]]*\]|\(\s*M[+-][^)]*\))\s*\d*[+-]*\s*$")
_ADDUCT_LIPIDSEARCH = re.compile(
    r"(?<=\))\s*(?P<adduct>[+-]\s*\d*(?:H-H2O|NH4|HCOO|CH3COO|H|Na|K|Li|Cl)(?:[+-]\d*H)?)\s*$"
)
_GANGLIO = re.compile(
    r"G[AMDTQPamdtqp][1-4](?![0-9])|asialo|ganglioside|sialoganglioside", re.IGNORECASE
)
_HAS_CHAIN = re.compile(r"\d+:\d+")
_CHAIN_START = re.compile(r"(?<![\w:;])[dtmh]?\d{1,2}:\d")
_COMPOSITION = re.compile(r"(HexNAc|dHex|Hex|NeuAc|NeuGc|Fuc)(\d*)")


#: MS-DIAL's marks of a weaker annotation (``w/o MS2:`` in version 4, ``no MS2:`` and
#: ``low score:`` in version 5): the name after them is read, the mark kept by the reader.
_MSDIAL_NO_MS2 = re.compile(r"^\s*(?:w/o\s*MS2|no\s*MS2|low\s*score)\s*:\s*", re.IGNORECASE)


#: A trailing remark in parentheses after the ceramide (``GM3 16:1;O2/16:0 (qualifier)``):
#: no chain, no digit, not a label of an internal standard.
_QUALIFIER = re.compile(
    r"(?<=[\d)\]])\s+\((?![^)]*\d)(?!\s*(?:istd|is|internal standard|standard)\s*\))"
    r"[A-Za-z][^()]*\)\s*$",
    re.IGNORECASE,
)
#: KDN (deaminoneuraminic acid): a sialic acid the composition does not model.
_KDN = re.compile(r"(?<![A-Za-z])KDN(?![A-Za-z])")


def _normalise(text: str) -> str:
    """Unicode compatibility forms, dashes as hyphens, MS-DIAL's ``w/o MS2:``, ``no MS2:`` and
    ``low score:`` marks dropped, a trailing remark in parentheses dropped."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2013", "-").replace("\u2212", "-").replace("\u2010", "-")
    text = _MSDIAL_NO_MS2.sub("", text).strip()
    return _QUALIFIER.sub("", text)


def _refuse_kdn(name: str) -> None:
    """KDN species are refused by name: reading them as NeuAc would give a wrong mass."""
    if _KDN.search(name):
        raise NameSyntaxError(
            f"{name!r} holds KDN (deaminoneuraminic acid, a sialic acid other than NeuAc and "
            "NeuGc): KDN gangliosides are not modelled (their mass and retention would be "
            "wrong), so the name is not read"
        )


def strip_adduct(text: str) -> tuple[str, str]:
    """The name without a trailing adduct, and the adduct ("" if none)."""
    for pattern in (_ADDUCT_BRACKET, _ADDUCT_LIPIDSEARCH):
        m = pattern.search(text)
        if m:
            return text[: m.start()].rstrip(), m.group(0).strip(" _")
    return text, ""


def _final_group(text: str) -> int | None:
    """Index of the ``(`` that opens the group closed by the final ``)``."""
    if not text.endswith(")"):
        return None
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[i], 0)
        if depth == 0:
            return i
    return None


def split_name(text: str) -> tuple[str, str | None, bool]:
    """(glycan part, ceramide part or None, whether the ceramide was in parentheses) of a name
    without label or adduct."""
    opening = _final_group(text)
    if opening is not None and _HAS_CHAIN.search(text[opening:]):
        inner = text[opening + 1 : -1]
        head = text[:opening]
        if _HAS_CHAIN.search(head) is None:
            return head.strip(), inner.strip(), True
    parts = text.rsplit(None, 1)
    if len(parts) == 2 and _HAS_CHAIN.search(parts[1]) and _HAS_CHAIN.search(parts[0]) is None:
        enclosed = parts[1][:1] + parts[1][-1:] in ("()", "[]")
        return parts[0].strip(), parts[1][1:-1] if enclosed else parts[1], enclosed
    start = _CHAIN_START.search(text)
    if start is not None and start.start() > 0:
        head = text[: start.start()].rstrip(" _-:,")
        if head.count("(") > head.count(")") and ")" in text[start.start() :]:
            tail = text[text.rindex(")") + 1 :].strip()
            raise NameSyntaxError(
                f"text {tail!r} after the ceramide part not understood; expected nothing or an "
                "adduct such as [M-H]-, -H or +NH4"
            )
        return head, text[start.start() :], False
    return text, None, False


def _composition_head(lipid_class: str) -> Headgroup | None:
    """A ganglioside written as a composition (``Hex2NeuAcCer``), as a Svennerholm core."""
    if not lipid_class.endswith("Cer") or "Neu" not in lipid_class:
        return None
    counts: dict[str, int] = {}
    for code, n in _COMPOSITION.findall(lipid_class[:-3]):
        code = "dHex" if code == "Fuc" else code
        counts[code] = counts.get(code, 0) + (int(n) if n else 1)
    series = {v: k for k, v in CORE_NEUTRAL.items()}.get(
        (counts.get("Hex", 0), counts.get("HexNAc", 0))
    )
    sialic = counts.get("NeuAc", 0) + counts.get("NeuGc", 0)
    if series is None or not 1 <= sialic <= 5:
        return None
    mods = [(c, counts[c]) for c in ("dHex",) if counts.get(c)]
    if counts.get("NeuGc"):
        mods.insert(0, ("Gc", counts["NeuGc"]))
    return Headgroup(sia="AMDTQP"[sialic], series=series, mods=tuple(mods))


def _not_a_ganglioside(name: str, text: str) -> ParsedName:
    """A name without a ganglioside headgroup: another class (:class:`NotAGanglioside`), a
    ganglioside written as a composition, or unreadable."""
    word = re.split(r"[\s(_]", text, maxsplit=1)[0]
    if word in _known_classes() and "Neu" not in word and word[:1].isalpha():
        raise NotAGanglioside(name, word)  # the class as the name writes it (Gb3, not Hex3Cer)
    # a lipid class is a word: a bare number ('0', '12') is an unreadable name, not a class
    lipid = goslin_parse(text) if text[:1].isalpha() else None
    if lipid is None:
        raise NameSyntaxError(
            f"{name!r} is not a ganglioside name we can read (no headgroup such as GM3, GD1a, "
            f"GT1b); expected e.g. {EXAMPLES}"
        )
    from pygoslin.domain.LipidLevel import LipidLevel

    lipid_class = lipid.get_lipid_string(LipidLevel.CLASS).split()[0]
    head = _composition_head(lipid_class)
    if head is not None:
        _, ceramide, _ = split_name(text)
        if ceramide is not None:
            read = _ceramide(ceramide, name)
            lyso = _lyso(ceramide, read, name)
            return assemble(name, head, read, dialect="composition", lyso=lyso)
    raise NotAGanglioside(name, lipid_class)


@lru_cache(maxsize=1)
def _known_classes() -> frozenset[str]:
    """Class names and synonyms pygoslin knows (for names its grammars cannot read)."""
    from pygoslin.domain.LipidClass import all_lipids

    names: set[str] = set()
    for entry in all_lipids[1:]:
        names.add(entry["name"])
        names.update(s for s in entry.get("synonyms", []) if s)
    return frozenset(n for n in names if not _GANGLIO.fullmatch(n))


#: The base of a lyso name that gives none (``LysoGM1``): sphingosine, the base of the lyso
#: gangliosides made and sold (by deacylation of brain gangliosides); a file warning says so.
LYSO_DEFAULT_BASE = "d18:1"


def lyso_base_assumed(name: str) -> bool:
    """Whether ``name`` says lyso but gives no chain (``LysoGM1``): it is read on
    :data:`LYSO_DEFAULT_BASE`."""
    return LYSO_WORD.search(name) is not None and _HAS_CHAIN.search(name) is None


def _lyso(text: str, ceramide: tuple[int, int, int], name: str, said: bool = False) -> bool:
    """Whether the ceramide part ``text`` (read as ``ceramide``) is a sphingoid base alone;
    ``said``: the name says lyso, so a second chain contradicts it."""
    alone = ceramide[0] <= MAX_BASE_CARBONS and one_chain(text)
    if said and not alone:
        raise NameSyntaxError(
            f"{name!r} says lyso (no N-acyl chain) but its ceramide part {text!r} is not a "
            "sphingoid base alone; expected e.g. lyso-GM1(d18:1) or GM1(d18:1/0:0)"
        )
    return alone


def _ceramide(text: str, name: str) -> tuple[int, int, int]:
    try:
        return read_ceramide(text)
    except NameSyntaxError as exc:
        raise NameSyntaxError(f"{exc} (in {name!r})") from None


def _dialect(head_hint: str, ceramide: str, adduct: str, enclosed: bool, piped: bool) -> str:
    """The notation a name was read in (informational: the ``dialect`` field)."""
    if (adduct and adduct[0] in "+-") or ("_" in ceramide and enclosed):
        return "lipidsearch"
    if piped or (not enclosed and re.search(r";\d+O", ceramide)):
        return "msdial"
    if head_hint:
        return head_hint
    if not enclosed:
        if re.search(r";\d", ceramide) or re.match(r"[dtm]\d", ceramide):
            return "goslin"
        return "shorthand"
    return "lipidmaps"


_SUM_FORM = re.compile(r"\d+:\d+;\d*O\d*")


def _project_dialect(ceramide: str) -> str:
    """A project-grammar name with a sum ceramide is the project's; with chains, LIPID MAPS'."""
    return "project" if _SUM_FORM.fullmatch(ceramide) else "lipidmaps"


def _read_project_plain(name: str) -> ParsedName | None:
    """The fast path for the project's own names (no label, a ceramide of its own grammar)."""
    m = PROJECT_NAME.match("".join(name.split()))
    if m is None:
        return None
    try:
        ceramide = own_ceramide(m["cer"])
    except NoOxygenCount:  # the full reader words the error
        return None
    if ceramide is None:
        return None
    lyso = _lyso(m["cer"], ceramide, name)
    dialect = _project_dialect(m["cer"])
    return assemble(name, _project_headgroup(m, name), ceramide, dialect=dialect, lyso=lyso)


def _read_project(text: str, name: str, **extra: object) -> ParsedName | None:
    """A name of the project's grammar once its label is off (ceramide read by any reader)."""
    m = PROJECT_NAME.match("".join(text.split()))
    if m is None:
        return None
    head = _project_headgroup(m, name)
    ceramide = _ceramide(m["cer"], name)
    extra["lyso"] = _lyso(m["cer"], ceramide, name)
    return assemble(name, head, ceramide, dialect=_project_dialect(m["cer"]), **extra)


def _detailed_half(text: str) -> str:
    """Of an MS-DIAL ``GM3 34:1;O2|GM3 18:1;O2/16:0`` pair, the last (most detailed) part."""
    parts = [p.strip() for p in text.split("|") if p.strip()]
    return parts[-1] if parts else text


def parse_name(name: str) -> ParsedName:
    """Parse one ganglioside name in any dialect we read (see :mod:`ganglioside.names`).

    Raises
    ------
    NotAGanglioside
        If the name is a readable lipid of another class (its ``lipid_class`` says which).
    NameSyntaxError
        If the name cannot be read; the message names the part not understood.
    """
    if not isinstance(name, str):
        raise NameSyntaxError(f"expected a name such as GD1(36:1;O2), got {name!r}")
    if not name.strip():
        raise NameSyntaxError(f"the name is empty; expected e.g. {EXAMPLES}")
    plain = _read_project_plain(name)
    if plain is not None:
        return plain
    _refuse_kdn(name)
    text, label = strip_label(_normalise(name))
    extra: dict[str, object] = {"is_internal_standard": bool(label), "label": label}
    project = _read_project(text, name, **extra)
    if project is not None:
        return project
    piped = "|" in text
    text, adduct = strip_adduct(_detailed_half(text))
    try:
        head_text, ceramide, enclosed = split_name(text)
    except NameSyntaxError as exc:
        raise NameSyntaxError(f"{exc} (in {name!r})") from None
    if not _GANGLIO.search(head_text):
        return _not_a_ganglioside(name, text)
    if ceramide is None and LYSO_WORD.search(head_text):
        ceramide = LYSO_DEFAULT_BASE  # LysoGM1: the usual base, said in a file warning
    if ceramide is None:
        raise NameSyntaxError(
            f"{name!r} has no ceramide part (chains such as d18:1/18:0 or a sum such as "
            f"36:1;O2); expected e.g. {EXAMPLES}"
        )
    head, hint = read_headgroup(head_text, name)
    read = _ceramide(ceramide, name)
    extra["lyso"] = _lyso(ceramide, read, name, said=head.lyso)
    extra["adduct"] = adduct
    extra["dialect"] = _dialect(hint, ceramide, adduct, enclosed, piped)
    return assemble(name, head, read, **extra)
