"""Rule 2, the sugar order: at equal ceramide, a species with more sugars elutes earlier; the
valid rows that break it are named in a warning of the file."""

from __future__ import annotations

import pandas as pd

from ...rules import categories
from ..context import Context, Rule
from ..contract import Finding, Note
from ..status import VALID


def apply(ctx: Context) -> Finding:
    per_row = ctx.names.per_row
    valid = ctx.statuses("sugar_order") == VALID
    found = categories.sugar_order_warnings(
        per_row["ceramide"], per_row["sugar_count"], pd.Series(ctx.rows.rt), valid
    )
    return Finding(rule="sugar_order", notes=tuple(Note(w, 30) for w in found))


RULE = Rule("sugar_order", apply)
