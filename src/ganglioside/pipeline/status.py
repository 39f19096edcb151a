"""The status of every row, decided in one place from the rules' findings."""

from __future__ import annotations

import numpy as np

from ..result import STATUSES

#: Status codes: the index of each status in :data:`~ganglioside.result.STATUSES`.
VALID, OUTLIER, FRAGMENT, UNVERIFIED, INVALID, ISTD = (STATUSES.index(s) for s in STATUSES)


def decide_status(
    *,
    invalid: np.ndarray,
    standard: np.ndarray,
    usable: np.ndarray,
    anchors: np.ndarray,
    is_fragment: np.ndarray,
    z: np.ndarray,
    has_model: np.ndarray,
    reversed_oac: np.ndarray,
    outlier_z: float,
    reversed_is_outlier: bool,
    isobaric_on_line: np.ndarray | None = None,
    cannot_catch: np.ndarray | None = None,
) -> np.ndarray:
    """The status code of every row (int8, positional).

    The first rule that holds decides:

    1. ``invalid``: a problem in the table or a name that cannot be parsed;
    2. ``istd``: a labelled internal standard (not analysed as an endogenous species);
    3. ``unverified``: no Log P (given or estimated), so no rule can check the row;
    4. ``valid``: an anchor (a confirmed standard is never demoted);
    5. ``fragment``: an in-source fragment of a co-eluting larger species;
    6. ``outlier``: off its RT model's line (|z| ≥ ``outlier_z``), or an O-acetylated peak
       eluting before its base peak when ``reversed_is_outlier`` — except that a row off the
       line whose co-eluting isobaric partner is on it (``isobaric_on_line``: same sum
       composition, another chain split, |ΔRT| ≤ the fragment window; the partner an anchor
       or |z| < ``outlier_z``) is not an outlier for its RT: the peak it shares is where the
       sum composition elutes, and the RT model cannot tell chain splits apart (MRM
       cross-talk).  It stays ``valid`` with the warning ``isobaric_coelution`` naming the
       partner.  When both are off the line, both are outliers;
    7. ``unverified``: no RT model reaches the row, or the model that reaches it could not
       have caught a wrong name (``cannot_catch``: its 95 % interval there is too wide);
    8. ``valid`` otherwise.
    """
    off_line = has_model & (np.abs(z) >= outlier_z)
    if isobaric_on_line is not None:
        off_line &= ~isobaric_on_line
    if reversed_is_outlier:
        off_line = off_line | reversed_oac
    rules = (
        (invalid, INVALID),
        (standard, ISTD),
        (~usable, UNVERIFIED),
        (anchors, VALID),
        (is_fragment, FRAGMENT),
        (off_line, OUTLIER),
        (~has_model if cannot_catch is None else ~has_model | cannot_catch, UNVERIFIED),
    )
    status = np.full(len(invalid), VALID, dtype=np.int8)
    for mask, code in reversed(rules):  # the earlier rules are written last and win
        status[mask] = code
    return status
