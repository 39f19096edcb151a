"""The rules, in the order they run: each a :class:`~ganglioside.pipeline.context.Rule` that
returns a :class:`~ganglioside.pipeline.contract.Finding` (docs/ARCHITECTURE.md, "The rule
contract").  A rule reads the details of the rules before it; a rule that reads the statuses
(the sugar order) comes after every rule that claims one.  ``tests/pipeline/test_rule_contract.py``
checks the order."""

from __future__ import annotations

from ..context import Rule
from . import (
    acetylation,
    adduct_artefacts,
    checks,
    composition_check,
    fragment_candidates,
    fragments,
    identification,
    isobaric,
    isomer_tracks,
    ms2_artefacts,
    ms2_evidence,
    mz_error,
    retention,
    sialic_order,
    sugar_order,
)

RULES: tuple[Rule, ...] = (
    checks.RULE,  # the table's own verdicts: invalid, internal standards, no Log P, anchors
    fragment_candidates.RULE,  # Rule 5, candidates by co-elution
    isomer_tracks.RULE,  # Rule 3
    retention.RULE,  # Rule 1, the RT model: who is off the line
    fragments.RULE,  # Rule 5, decided with the RT model
    acetylation.RULE,  # Rule 4
    isobaric.RULE,  # MRM cross-talk between chain splits
    mz_error.RULE,  # precursor m/z against the formula's ion
    ms2_evidence.RULE,  # diagnostic MS/MS ions
    adduct_artefacts.RULE,  # a feature that is another's adduct ion
    ms2_artefacts.RULE,  # a feature whose MS/MS is dominated by another's precursor
    composition_check.RULE,  # a ceramide sum no sphingoid base and fatty acid make
    sialic_order.RULE,  # more sialic acids elute earlier at equal ceramide
    sugar_order.RULE,  # Rule 2, reads the statuses
    identification.RULE,  # the identification level, from the statuses and the evidence
)
