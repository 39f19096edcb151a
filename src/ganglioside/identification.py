"""One identification level per row: what the evidence behind a name amounts to.

The project's scale (docs/ALGORITHM.md, "Identification level"), best first:

====  ==================  ====================================================  ====  =======
code  label               evidence                                              MSI   mzTab-M
====  ==================  ====================================================  ====  =======
1     standard            an anchor: the lab confirmed it with a standard        1     1
2     ms2_rt              valid on an RT model that could have caught it, and    2     2
                          sialic-acid diagnostic MS/MS ions
3     rt_ms1              valid on an RT model that could have caught it (MS1)   3     3
4     composition         a name and its formula only: no model could check it   4     4
5     contradicted        the evidence speaks against it (RT outlier, fragment,  —     4
                          artefact, m/z off, unusable row)
====  ==================  ====================================================  ====  =======

MSI: the Metabolomics Standards Initiative levels used by the Lipidomics Standards Initiative
and by mzTab-M's default reliability scale (1 identified, 2 putatively annotated, 3 putatively
characterised compound class, 4 unknown).  A species-level RT-consistent MS1 annotation is
given 3, not 2: without MS/MS nothing distinguishes the name from an isobar of another class.
"""

from __future__ import annotations

import numpy as np

#: Level labels by code (index 0 unused).
LEVELS = ("", "standard", "ms2_rt", "rt_ms1", "composition", "contradicted")
#: mzTab-M reliability (MSI scale) by level code.
MZTAB_RELIABILITY = {1: 1, 2: 2, 3: 3, 4: 4, 5: 4}
#: The Lipidomics Standards Initiative / MSI wording of each level.
LSI_WORDS = {
    1: "identified: authentic standard, RT and mass (MSI level 1)",
    2: "species level, MS/MS headgroup-diagnostic ions and RT consistent (MSI level 2)",
    3: "species level, MS1 mass and RT consistent (MSI level 3)",
    4: "putative sum composition from the annotation only (MSI level 4)",
    5: "not identified: the evidence contradicts the annotation",
}


#: The evidence words of an annotation its software marked as weak (``annotation:low_score`` …).
WEAK_PREFIX = "annotation:"


def identification_levels(
    *,
    valid: np.ndarray,
    anchor: np.ndarray,
    unverified_or_istd: np.ndarray,
    diagnostic_ms2: np.ndarray,
    mz_off: np.ndarray,
    implausible: np.ndarray | None = None,
    weak_annotation: np.ndarray | None = None,
) -> np.ndarray:
    """The level code (1-5, int8) of every row.

    ``valid``: the row's status is valid; ``anchor``: a confirmed standard;
    ``unverified_or_istd``: no rule could check it; ``diagnostic_ms2``: its spectrum holds
    sialic-acid evidence; ``mz_off``: its precursor m/z is beyond the tolerance;
    ``implausible``: its composition cannot be a ganglioside's (at best 4);
    ``weak_annotation``: the instrument software marked its own annotation as weak (MS-DIAL's
    ``low score:``, ``no MS2:``, ``w/o MS2:``), so its MS/MS cannot lift it above 3.  Every other
    status (outlier, fragment, invalid) is contradicted.
    """
    level = np.full(len(valid), 5, dtype=np.int8)
    level[unverified_or_istd] = 4
    level[valid] = np.where(diagnostic_ms2[valid], 2, 3)
    if weak_annotation is not None:
        level[weak_annotation & (level == 2)] = 3
    level[valid & anchor] = 1
    level[mz_off & (level < 5)] = 5
    if implausible is not None:
        level[implausible & (level < 4)] = 4
    return level


def _words(text: object) -> set[str]:
    """The ``;``-separated words of an ``evidence`` or ``warnings`` cell."""
    return {w.strip() for w in text.split(";")} if isinstance(text, str) else set()


def level_of_row(status: str, *, anchor: bool, evidence: object, warnings: object) -> int:
    """The level code of one row from its status and the words its record keeps: the same
    rule as :func:`identification_levels`, read back from a compound table (``evidence``
    holds ``ms2:diagnostic``, ``mz:fail`` and ``annotation:…``, ``warnings``
    ``implausible_composition``), so
    a row whose status was set afterwards (a curator's decision) gets the level its status
    and its evidence give."""
    seen = _words(evidence)
    return int(
        identification_levels(
            valid=np.array([status == "valid"]),
            anchor=np.array([bool(anchor)]),
            unverified_or_istd=np.array([status in ("unverified", "istd")]),
            diagnostic_ms2=np.array(["ms2:diagnostic" in seen]),
            mz_off=np.array(["mz:fail" in seen]),
            implausible=np.array(["implausible_composition" in _words(warnings)]),
            weak_annotation=np.array([any(w.startswith(WEAK_PREFIX) for w in seen)]),
        )[0]
    )
