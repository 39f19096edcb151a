"""The glycan part of a name in every dialect: trivial words, prefixes, core, isomer, suffixes.

Examples of what is read (the ceramide part is read elsewhere)::

    GM3  GD1a  GT1b alpha  GQ1bα  Ganglioside GM3  Disialoganglioside GD1a  asialo-GM1
    GM1b(NeuGc)  GD1a(NeuAc/NeuGc)  NGcGM3  GcGM3  NeuGc-GM3  N-glycolyl-GM3
    Fuc-GM1  GalNAc-GD1a  SO3-GM1  Ac-O-9-GT1b  9-O-Ac-GD3  GD1a-AC  GM1-Fuc  GD1a+OAc

A ``NeuGc``/``NGc``/``Gc`` prefix and a ``(NeuGc)`` list make sialic acids of the core
N-glycolyl (code ``Gc``: NeuAc → NeuGc, formula +O); a ``+NeuGc`` modification adds one.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..errors import NameSyntaxError
from .grammar import Headgroup, ordered_mods, read_mods

_CORE = re.compile(r"G(?P<sia>[AMDTQPamdtqp])(?P<series>[1-4])(?![0-9])")
_ISOMER = re.compile(r"(?P<letter>[abc]?)(?P<alpha>\s*-?\s*(?:α|alpha)(?![a-z]))?", re.IGNORECASE)
_TRIVIAL = re.compile(
    r"^(?P<word>(?:(?P<n>mono|di|tri|tetra|quadri|penta|a)[-\s]?sialo[-\s]?)?gangliosides?)"
    r"(?=[\s\-]|G)[\s\-]*",
    re.IGNORECASE,
)
_SIALO_WORD = {"a": "A", "mono": "M", "di": "D", "tri": "T", "tetra": "Q", "quadri": "Q"}
_SIALO_WORD["penta"] = "P"
_ASIALO = re.compile(r"asialo[-\s]?G[Mm](?P<series>[12])", re.IGNORECASE)
#: A lyso word before the core (``lyso-GM1``, ``LysoGM3``, ``lyso GM3``): no N-acyl chain.
LYSO_WORD = re.compile(r"\blyso(?:[-\s]+|(?=G))", re.IGNORECASE)

# Prefix words before the core (case-insensitive), longest first where one starts another.
_PREFIXES: tuple[tuple[re.Pattern[str], str, int], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), code, count)
    for pattern, code, count in (
        (r"(?:\d+(?:,\d+)*-)?di-O-ac(?:etyl)?", "OAc", 2),
        (r"ac-O-\d+", "OAc", 1),  # SwissLipids Ac-O-9
        (r"(?:\d+-)?O-?ac(?:etyl(?:ated)?)?", "OAc", 1),  # 9-O-Ac, 9-OAc, O-acetyl, OAc
        (r"Ac(?:etyl)?(?![a-z])", "OAc", 1),  # Calico's AcGM3, AcGD1a
        (r"N-?glycolyl", "Gc", 1),
        (r"Neu5Gc|NeuGc|NGc|Gc", "Gc", 1),
        (r"Neu5Ac|NeuAc|Sia", "NeuAc", 1),
        (r"Le[xa](?![a-z])", "Lewis", 1),  # Lewis x/a: Gal, Fuc and GlcNAc
        (r"LacNAc", "LacNAc", 1),  # Gal-GlcNAc
        (r"GalNAc|GlcNAc|HexNAc", "HexNAc", 1),
        (r"Fuc(?:osyl)?|dHex", "dHex", 1),
        (r"Gal|Glc|Hex", "Hex", 1),
        (r"\(3'-sulfo\)|3'-sulfo|SO3|sulfo|sulfated", "SO3", 1),
    )
)
# Suffixes after the core and isomer letter.
_SIALIC_LIST = re.compile(
    r"\(\s*((?:\d*(?:Neu5?[AG]c|N?[AG]c)\s*/?\s*)+)\)", re.IGNORECASE
)  # (NeuGc) (NeuAc/NeuGc)
_SUFFIX_MOD = re.compile(r"-\s*(?P<n>\d*)(?P<code>AC|OAc|Ac|Fuc|dHex|SO3)(?![A-Za-z])")
_PAREN_MOD = re.compile(r"\(\s*(?P<n>\d*)(?P<code>OAc|Fuc|SO3)\s*\)")
_SUFFIX_GC = re.compile(r"-?\s*(?:Neu5Gc|NeuGc|NGc)(?![A-Za-z])")  # GM3-NeuGc, GM3 NeuGc
_SUFFIX_WORD = re.compile(r"[-\s]*gangliosides?(?![a-z])", re.IGNORECASE)  # GM1 ganglioside
# GD1a/b, GD1a/GD1b: either isomer, so no letter
_EITHER_ISOMER = re.compile(r"/\s*(?:G[AMDTQP][1-4])?[abc](?![A-Za-z])")
_SUFFIX_CODE = {"ac": "OAc", "oac": "OAc", "fuc": "dHex", "dhex": "dHex", "so3": "SO3"}


def _not_understood(part: str, text: str, name: str, expected: str) -> NameSyntaxError:
    return NameSyntaxError(f"{part} {text!r} in {name!r} not understood; expected {expected}")


#: Prefix codes that stand for several residues.
_UNITS = {"Lewis": (("Hex", 1), ("dHex", 1), ("HexNAc", 1)), "LacNAc": (("Hex", 1), ("HexNAc", 1))}


def _read_prefixes(text: str, name: str, mods: dict[str, int]) -> None:
    """Residues written before the core; a branch in parentheses (``Gal(Fuc)-GD1b``) counts as
    its residues too.  NeuGc next to the core replaces one of its NeuAc (``NeuGc-GM3``); NeuGc
    further out ends an extension and is one sialic acid more (``NeuGc-LacNAc-GM1``)."""
    pos, end = 0, len(text)
    while pos < end:
        if text[pos] in "- \t(),":
            pos += 1
            continue
        for pattern, code, count in _PREFIXES:
            m = pattern.match(text, pos)
            if m:
                if code == "Gc" and text[m.end() :].strip(" -\t(),"):
                    code = "NeuGc"  # ends a glycan extension (NeuGc-LacNAc-GM1): one more
                for unit, n in _UNITS.get(code, ((code, 1),)):
                    mods[unit] = mods.get(unit, 0) + n * count
                pos = m.end()
                break
        else:
            raise _not_understood(
                "prefix",
                text[pos:].strip(" -"),
                name,
                "one of NeuGc-/NGc/Gc (N-glycolyl), Fuc-, Gal-, GalNAc-, NeuAc-, SO3-/Sulfo-, "
                "Ac-O-9-/9-O-Ac- (O-acetyl)",
            )


def _sialic_list(text: str, mods: dict[str, int]) -> None:
    for token in re.split(r"\s*/\s*", text.strip()):
        tm = re.fullmatch(r"(\d*)(.+)", token)
        if tm is None:
            continue
        n = int(tm[1]) if tm[1] else 1
        if "g" in tm[2].lower():
            mods["Gc"] = mods.get("Gc", 0) + n


def _read_suffixes(text: str, name: str, mods: dict[str, int]) -> str:
    """Read what follows core and isomer; returns an alpha mark found there ("α"), "/" when
    the name leaves the isomer open (GD1a/b), else ""."""
    alpha = ""
    pos, end = 0, len(text)
    while pos < end:
        if text[pos] in " \t":
            pos += 1
            continue
        for reader in _SUFFIX_READERS:
            found = reader(text, pos, name, mods)
            if found is not None:
                pos, mark = found
                alpha = mark or alpha
                break
        else:
            raise _not_understood(
                "headgroup suffix",
                text[pos:].strip(),
                name,
                "an isomer letter (a, b, c, alpha), a sialic-acid list such as (NeuGc) or "
                "(NeuAc/NeuGc), -AC/-OAc, -Fuc, or +modifications such as +OAc",
            )
    return alpha


#: A suffix reader: at ``pos`` of ``text``, the position after what it read and the alpha mark
#: it found ("" for none), adding modifications to ``mods``; None when it reads nothing there.
_SuffixReader = Callable[[str, int, str, dict[str, int]], tuple[int, str] | None]
_ALPHA = re.compile(r"-?\s*(?:α|alpha)(?![a-z])", re.IGNORECASE)


def _read_word(text: str, pos: int, _name: str, _mods: dict[str, int]) -> tuple[int, str] | None:
    wm = _SUFFIX_WORD.match(text, pos)
    return None if wm is None else (wm.end(), "")


def _read_either(text: str, pos: int, _name: str, _mods: dict[str, int]) -> tuple[int, str] | None:
    wm = _EITHER_ISOMER.match(text, pos)
    return None if wm is None else (wm.end(), "/")


def _read_plus(text: str, pos: int, name: str, mods: dict[str, int]) -> tuple[int, str] | None:
    if not text.startswith("+", pos):
        return None
    tail = re.match(r"(?:\+[^+()\s]*)+", text[pos:])
    assert tail is not None
    for code, n in read_mods(tail.group(0), name).items():
        mods[code] = mods.get(code, 0) + n
    return pos + tail.end(), ""


def _read_alpha(text: str, pos: int, _name: str, _mods: dict[str, int]) -> tuple[int, str] | None:
    am = _ALPHA.match(text, pos)
    return None if am is None else (am.end(), "α")


def _read_sialic(text: str, pos: int, _name: str, mods: dict[str, int]) -> tuple[int, str] | None:
    sm = _SIALIC_LIST.match(text, pos)
    if sm is None:
        return None
    _sialic_list(sm[1], mods)
    return sm.end(), ""


def _read_gc(text: str, pos: int, _name: str, mods: dict[str, int]) -> tuple[int, str] | None:
    gm = _SUFFIX_GC.match(text, pos)
    if gm is None:
        return None
    mods["Gc"] = mods.get("Gc", 0) + 1
    return gm.end(), ""


def _read_mod(text: str, pos: int, _name: str, mods: dict[str, int]) -> tuple[int, str] | None:
    mm = _SUFFIX_MOD.match(text, pos) or _PAREN_MOD.match(text, pos)
    if mm is None:
        return None
    code = _SUFFIX_CODE[mm["code"].lower()]
    mods[code] = mods.get(code, 0) + (int(mm["n"]) if mm["n"] else 1)
    return mm.end(), ""


#: The suffix readers, in the order they are tried.
_SUFFIX_READERS: tuple[_SuffixReader, ...] = (
    _read_word,
    _read_either,
    _read_plus,
    _read_alpha,
    _read_sialic,
    _read_gc,
    _read_mod,
)


def _trivial_word(text: str) -> tuple[str, str | None]:
    """Drop a leading ``Ganglioside``/``Disialoganglioside`` word; the sialic letter it says."""
    m = _TRIVIAL.match(text)
    if m is None:
        return text, None
    letter = _SIALO_WORD.get((m["n"] or "").lower()) if m["n"] else None
    return text[m.end() :], letter


def _lyso_word(text: str) -> tuple[str, bool]:
    """The glycan part without a lyso word, and whether it had one."""
    found = LYSO_WORD.search(text)
    if found is None:
        return text, False
    return (text[: found.start()] + text[found.end() :]).strip(), True


def read_headgroup(text: str, name: str) -> tuple[Headgroup, str]:
    """The headgroup of the glycan part of a name, and the dialect its words and decorations
    point to ("" when plain)."""
    text, lyso = _lyso_word(text.strip())
    stripped, word_letter = _trivial_word(text)
    hint = "hmdb" if stripped != text else ""
    text = stripped
    asialo = _ASIALO.search(text)
    if asialo:
        text = f"{text[: asialo.start()]}GA{asialo['series']}{text[asialo.end() :]}"
        hint = hint or "trivial"
    core = _CORE.search(text)
    if core is None:
        raise NameSyntaxError(
            f"no ganglioside headgroup in {name!r}; expected a Svennerholm name such as GM3, "
            "GD1a, GT1b, GA1 (optionally with NeuGc-, Fuc-, -AC … decorations)"
        )
    sia = core["sia"].upper()
    if word_letter is not None and word_letter != sia:
        raise NameSyntaxError(
            f"{name!r}: the word {text!r} and the headgroup G{sia}{core['series']} disagree on "
            "the number of sialic acids"
        )
    mods: dict[str, int] = {}
    prefix = text[: core.start()]
    _read_prefixes(prefix, name, mods)
    iso = _ISOMER.match(text, core.end())
    assert iso is not None
    letter = iso["letter"].lower()
    alpha = "α" if iso["alpha"] else ""
    mark = _read_suffixes(text[iso.end() :], name, mods)
    if mark == "/":
        letter = alpha = ""  # either isomer: the name does not say which
    alpha = mark if mark == "α" else alpha
    head = Headgroup(
        sia=sia,
        series=int(core["series"]),
        isomer=letter + alpha,
        mods=ordered_mods(mods),
        lyso=lyso,
    )
    return head, hint or _decoration_hint(prefix, text[iso.end() :])


def _decoration_hint(prefix: str, suffix: str) -> str:
    """The dialect that prefixes and suffixes around the core point to ("" for none)."""
    if _SUFFIX_MOD.match(suffix.strip()):
        return "lda"  # GD1a-AC, GM1-Fuc
    if _SUFFIX_WORD.fullmatch(suffix):
        return "trivial"  # GM1 ganglioside
    if re.fullmatch(r"\s*(?:N-?glycolyl|Neu5Gc|NeuGc|NGc|Gc)[-\s]*", prefix, re.IGNORECASE):
        return "trivial"  # NGcGM3, N-glycolyl GM3
    if prefix.strip(" -") or suffix.strip():
        return "swisslipids"
    return ""
