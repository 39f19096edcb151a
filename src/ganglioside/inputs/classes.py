"""Which rows of an export are gangliosides, which are other lipids, which are not annotated.

Instrument exports list every feature: whole lipidomes (PC, PE, TG … next to the
gangliosides) and features nobody annotated.  :func:`classify_annotations` is the one place
that decides, row by row:

* not annotated: an empty name, ``Unknown`` (MS-DIAL, also ``Unknown 123``), or a
  missing-value word (``null``, ``NA``, ``#N/A`` …);  a name MS-DIAL marks as a weaker
  annotation (``w/o MS2:`` — by precursor mass alone —, ``no MS2:``, ``low score:``) is read
  after its mark, and the mark kept (:func:`annotation_flags`) as evidence;
* ganglioside: the export's class column (MS-DIAL ``Ontology``, LipidSearch ``Class``) names
  a ganglioside headgroup (``GM3``, ``GD1a``, ``NGcGM3``, ``Ganglioside``); without a class
  (or with an empty one) the name must start with a headgroup such as ``GM3``, ``GD1a``,
  ``GT1b`` after label prefixes (``[IS]``, ``d5-``, ``Ganglioside``, ``asialo-``,
  ``N-glycolyl-``) and carry a chain composition such as ``36:1``;
* other class: everything else that is annotated.

The names package will later classify names itself; this function is the single switch.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .decimals import MISSING_WORDS

NOT_ANNOTATED = 0
OTHER_CLASS = 1
GANGLIOSIDE = 2

_FLAG = r"(?:w/o\s*ms2|no\s*ms2|low\s*score)\s*:"
_PREFIXES = (
    r"(?:\s|" + _FLAG + r"|\[\s*is\s*\]|\(\s*is\s*\)|istd[\s:_-]*|is[\s:_-]+|d\d+-|\(d\d+\)|"
    r"ganglioside[\s:_-]*|asialo[\s-]*|n-?glycolyl[\s-]*|neu5?gc[\s-]*|ngc[\s-]*)*"
)
_HEAD = re.compile(_PREFIXES + r"g[amdtqp]\d", re.IGNORECASE)
_CHAIN = re.compile(r"\d+:\d+")
_CLASS = re.compile(r"\s*(?:ngc|neu5?gc|n-?glycolyl)?[\s-]*g[amdtqp]\d|.*ganglioside", re.I)
_UNANNOTATED_PREFIXES = ("unknown", "unannotated", "not annotated")
_FLAG_START = re.compile(r"\s*(" + _FLAG + ")", re.IGNORECASE)
#: The marks as :func:`annotation_flags` spells them.
FLAGS = {"w/oms2": "w/o MS2", "noms2": "no MS2", "lowscore": "low score"}


def annotation_flags(names: pd.Series) -> pd.Series | None:
    """Per name, MS-DIAL's mark of a weaker annotation (``"w/o MS2"``, ``"no MS2"``, ``"low
    score"``, else ``""``); None when no name carries one."""
    text = names.astype("string").fillna("")
    marks = text.str.extract(_FLAG_START, expand=False).fillna("")
    if not (marks != "").any():
        return None
    key = marks.str.rstrip(":").str.lower().str.replace(r"\s+", "", regex=True)
    return key.map(lambda k: FLAGS.get(k, k)).astype(object)


def is_not_annotated(name: str) -> bool:
    """Whether ``name`` says the feature was not annotated (see the module)."""
    text = name.strip().lower()
    return text in MISSING_WORDS or text.startswith(_UNANNOTATED_PREFIXES)


def is_ganglioside_name(name: str) -> bool:
    """Whether ``name`` starts with a ganglioside headgroup and carries a chain composition."""
    head = _HEAD.match(name)
    return head is not None and _CHAIN.search(name, head.end()) is not None


def is_ganglioside_class(lipid_class: str) -> bool:
    """Whether an export's class cell names a ganglioside (``GM3``, ``GD1a``, ``NGcGM3`` …)."""
    return _CLASS.match(lipid_class) is not None


def _kind(name: str, lipid_class: str) -> int:
    if is_not_annotated(name):
        return NOT_ANNOTATED
    if lipid_class.strip().lower() not in MISSING_WORDS:
        return GANGLIOSIDE if is_ganglioside_class(lipid_class) else OTHER_CLASS
    return GANGLIOSIDE if is_ganglioside_name(name) else OTHER_CLASS


def classify_annotations(names: pd.Series, classes: pd.Series | None = None) -> np.ndarray:
    """Per row: :data:`GANGLIOSIDE`, :data:`OTHER_CLASS` or :data:`NOT_ANNOTATED` (int8).

    Each distinct (name, class) pair is looked at once.
    """
    name_text = names.astype("string").fillna("").astype(object)
    if classes is None:
        class_text = pd.Series("", index=names.index, dtype=object)
    else:
        class_text = classes.astype("string").fillna("").astype(object)
    pairs = pd.MultiIndex.from_arrays([name_text.to_numpy(), class_text.to_numpy()])
    codes, uniques = pd.factorize(pairs)
    kinds = np.array([_kind(str(n), str(c)) for n, c in uniques], dtype=np.int8)
    return kinds[codes]
