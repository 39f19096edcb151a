"""The rules, in the order they run: each a :class:`~ganglioside.pipeline.context.Rule` that
returns a :class:`~ganglioside.pipeline.contract.Finding` (docs/ARCHITECTURE.md, "The rule
contract").  A rule reads the details of the rules before it; a rule that reads the statuses
(the sugar order) comes after every rule that claims one.  ``tests/test_rule_contract.py``
checks the order."""

from __future__ import annotations

from ..context import Rule
from . import (
    acetylation,
    checks,
    fragment_candidates,
    fragments,
    isobaric,
    isomer_tracks,
    retention,
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
    sugar_order.RULE,  # Rule 2, reads the statuses
)
