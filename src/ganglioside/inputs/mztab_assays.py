"""What an mzTab-M file's metadata (``MTD``) say of each assay: its name, its group and its
sample type.

* name: the ``assay[n]`` line, else ``assay[n]`` itself;
* group: the name of the ``study_variable[k]`` whose ``-assay_refs`` list the assay;
* type (``QC``, ``Blank``, ``Standard``; a sample when nothing says, or when a text says
  ``sample``/``study sample``, as our study mzTab-M writes): read, first found, from
  the assay's sample (``assay[n]-sample_ref`` → ``sample[m]``: its ``-description``, its
  name, its ``-custom[i]`` parameters), the assay's own ``-custom[i]`` parameters, its study
  variable (``-description``, name), and last from the sample's or the assay's name.  A text
  types an assay when it is one of the sample-type words (:data:`.export.SAMPLE_TYPES`) or
  holds the word ``QC`` or ``blank``, or the phrase ``quality control``; a type taken from a
  name alone comes with a warning, since only a naming habit says it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .export import SAMPLE_TYPES

_ASSAY = re.compile(r"abundance_assay\[(\d+)\]")
_REF = re.compile(r"\s*(assay|sample)\[(\d+)\]\s*")
#: The label each type is written with in a sample's metadata (as MS-DIAL's ``File type``).
LABELS = {"qc": "QC", "blank": "Blank", "standard": "Standard"}
#: Texts that say an assay is a study sample (no type of the above), as our study mzTab-M
#: writes them: its name then says nothing of its type.
SAMPLE_WORDS = ("sample", "study sample", "biological sample")


def assay_names(metadata: Mapping[str, str], columns: list[str]) -> dict[int, str]:
    """Assay number → sample name (``assay[n]`` line, else ``assay[n]``), for the abundance
    columns present."""
    numbers = [int(m.group(1)) for c in columns if (m := _ASSAY.fullmatch(c.strip()))]
    return {n: metadata.get(f"assay[{n}]", "") or f"assay[{n}]" for n in numbers}


def _variables(metadata: Mapping[str, str]) -> dict[int, str]:
    """Assay number → the ``study_variable[k]`` key that lists it (the first)."""
    out: dict[int, str] = {}
    for key, value in metadata.items():
        found = re.fullmatch(r"(study_variable\[\d+\])-assay_refs", key)
        if not found:
            continue
        for ref in value.split("|"):
            assay = _REF.fullmatch(ref)
            if assay and assay.group(1) == "assay":
                out.setdefault(int(assay.group(2)), found.group(1))
    return out


def assay_groups(metadata: Mapping[str, str]) -> dict[int, str]:
    """Assay number → its study variable's name (the group)."""
    return {
        n: metadata.get(key, "") or f"{key}-assay_refs" for n, key in _variables(metadata).items()
    }


def type_of_text(text: str) -> str:
    """``"qc"``, ``"blank"``, ``"standard"``, ``"sample"`` (a study sample, said in so many
    words) or ``""``: the type a metadata text names."""
    lowered = " ".join(re.sub(r"[\[\],]", " ", text).lower().split())
    if lowered in SAMPLE_WORDS:
        return "sample"
    for kind, words in SAMPLE_TYPES.items():
        if lowered in words:
            return kind
    tokens = set(re.findall(r"[a-z]+", lowered))
    if "blank" in tokens:
        return "blank"
    if "qc" in tokens or "quality control" in lowered:
        return "qc"
    return ""


def _sample_of(metadata: Mapping[str, str], n: int) -> str:
    """The ``sample[m]`` key assay ``n`` refers to (``""`` when none)."""
    found = _REF.fullmatch(metadata.get(f"assay[{n}]-sample_ref", ""))
    return f"sample[{found.group(2)}]" if found and found.group(1) == "sample" else ""


def _texts(metadata: Mapping[str, str], n: int, variable: str) -> list[str]:
    """The metadata texts that describe assay ``n`` (not its names), most specific first."""
    sample = _sample_of(metadata, n)

    def customs(key: str) -> list[str]:
        return [v for k, v in metadata.items() if key and k.startswith(f"{key}-custom[")]

    return [
        metadata.get(f"{sample}-description", "") if sample else "",
        *customs(sample),
        *customs(f"assay[{n}]"),
        metadata.get(f"{variable}-description", "") if variable else "",
        metadata.get(variable, "") if variable else "",
    ]


def _type_by_name(metadata: Mapping[str, str], n: int, name: str) -> str:
    """The type the sample's or the assay's name says (``""`` when neither does)."""
    sample = _sample_of(metadata, n)
    names = [metadata.get(sample, "") if sample else "", name]
    kinds = [type_of_text(re.sub(r"[_\-.]", " ", t)) for t in names if t]
    return next((k for k in kinds if k in LABELS), "")


def assay_types(
    metadata: Mapping[str, str], names: Mapping[int, str], source: str
) -> tuple[dict[int, str], list[str]]:
    """Assay number → its type label (``QC``, ``Blank``, ``Standard``) for the assays the
    metadata type, and the warnings of the types read from an assay's name alone."""
    variables = _variables(metadata)
    types: dict[int, str] = {}
    by_name: list[str] = []
    for n, name in names.items():
        kinds = [type_of_text(t) for t in _texts(metadata, n, variables.get(n, "")) if t]
        kind = next((k for k in kinds if k), "")
        if not kind and (kind := _type_by_name(metadata, n, name)):
            by_name.append(f"{name} ({LABELS[kind]})")
        if kind in LABELS:
            types[n] = LABELS[kind]
    warnings = []
    if by_name:
        warnings.append(
            f"{source}: no sample description gives a type to {', '.join(by_name)}; typed from "
            "the assay name -- write sample[n]-description (e.g. 'pooled QC') to say so"
        )
    return types, warnings
