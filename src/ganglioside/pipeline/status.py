"""The status of every row, decided in one place from the rules' claims."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..result import STATUSES
from .contract import Claim, Finding

#: Status codes: the index of each status in :data:`~ganglioside.result.STATUSES`.
VALID, OUTLIER, FRAGMENT, UNVERIFIED, INVALID, ISTD = (STATUSES.index(s) for s in STATUSES)

#: The claims in order of precedence: the first claim that holds for a row decides its status;
#: a row that no claim holds for is ``valid``.
#:
#: 1. ``invalid``: a problem in the table or a name that cannot be parsed;
#: 2. ``internal_standard`` (istd): a labelled internal standard, not analysed as a species;
#: 3. ``no_log_p`` (unverified): no Log P (given or estimated), so no rule can check the row;
#: 4. ``anchor`` (valid): a confirmed standard is never demoted;
#: 5. ``fragment``: an in-source fragment of a co-eluting larger species;
#: 5b. ``adduct_artefact`` (fragment): another co-eluting feature's ion plus an adduct;
#: 5b'. ``ms2_artefact`` (fragment): its MS/MS spectrum is dominated by another co-eluting
#:    feature's precursor ion that no glycan loss of its own name explains;
#: 5c. ``mz_mismatch`` (outlier): the measured precursor m/z is beyond ``mz_tolerance_ppm``
#:    of the formula's ion for the export's adduct;
#: 6. ``oac_reversed`` (outlier): an O-acetylated peak eluting before its base peak, when
#:    ``oac_reversed_is_outlier``;
#: 7. ``isobaric_coelution`` (valid): off its RT line, but its co-eluting isobaric partner (same
#:    sum composition, another chain split) is on it — the RT model cannot tell chain splits
#:    apart (MRM cross-talk); when both are off the line, both are outliers;
#: 7b. ``lyso_unchecked`` (unverified): a lyso form that only the composition-level RT model
#:    reaches (built on two-chain groups, it cannot check one chain);
#: 8. ``rt_outlier`` (outlier): off its RT model's line (|z| ≥ ``outlier_z``);
#: 9. ``no_rt_model`` (unverified): no RT model reaches the row, or the model refused to
#:    decide (against the chemistry priors, without predictive power);
#: 10. ``rt_cannot_catch`` (unverified): the model's 95 % interval at the row is too wide for
#:    it to have caught a wrong name.
PRECEDENCE = (
    "invalid",
    "internal_standard",
    "no_log_p",
    "anchor",
    "fragment",
    "adduct_artefact",
    "ms2_artefact",
    "mz_mismatch",
    "oac_reversed",
    "isobaric_coelution",
    "lyso_unchecked",
    "rt_outlier",
    "no_rt_model",
    "rt_cannot_catch",
)


def decide_status(findings: Iterable[Finding], n: int) -> np.ndarray:
    """The status code of every one of ``n`` rows (int8, positional) from the findings' claims.

    Raises
    ------
    ValueError
        When a claim's name is not in :data:`PRECEDENCE` or its status not a status.
    """
    claims: list[Claim] = [c for f in findings for c in f.claims]
    for c in claims:
        if c.name not in PRECEDENCE or c.status not in STATUSES:
            raise ValueError(
                f"claim {c.name!r} ({c.status!r}): add its name to pipeline.status.PRECEDENCE "
                f"and give one of {STATUSES}"
            )
    status = np.full(n, VALID, dtype=np.int8)
    # the claims of higher precedence are written last and win
    for c in sorted(claims, key=lambda c: PRECEDENCE.index(c.name), reverse=True):
        status[np.asarray(c.mask, dtype=bool)] = STATUSES.index(c.status)
    return status
