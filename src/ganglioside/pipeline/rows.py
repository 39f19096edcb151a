"""The first stages: parse the names, then the per-row numbers and masks the rules share.

Names are parsed once per distinct name; every row takes its name's values through an integer
code (numbers by a gather of small integers, texts as categoricals sharing the name's code).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..codes import float_columns, per_row_text
from ..errors import InputError
from ..group_keys import format_group_key
from ..inputs import Table
from ..logp import LogPAssignment
from ..names import INT_FIELDS, TEXT_FIELDS, composition_frame

#: Composition texts given to every row (``parse_error`` stays per name).
COMPOSITION_TEXT = (*TEXT_FIELDS[1:], "species", "formula")


@dataclass(frozen=True)
class OtherClasses:
    """A table split into its ganglioside rows and the rows of other lipid classes."""

    table: Table  # the rows whose name is not of another class, row numbers kept
    skipped: pd.DataFrame  # row, name, class of every row set aside
    # the composition of the table's distinct names, when no row was set aside (else None)
    composition: pd.DataFrame | None = None


def set_aside_other_classes(table: Table) -> OtherClasses:
    """Set aside the rows named as another lipid class (PC, TG, Cer …): skipped, not invalid.

    Raises
    ------
    InputError
        When every named row is of another class (no ganglioside in the table).
    """
    codes, distinct = _name_codes(table)
    composition = composition_frame(list(distinct))
    other = composition["other_class"].to_numpy(dtype=object)
    is_other = (other != "")[codes]
    if not is_other.any():
        skipped = pd.DataFrame({"row": [], "name": [], "class": []})
        return OtherClasses(table, skipped, composition)
    rows = table.frame["row"].to_numpy()
    skipped = pd.DataFrame(
        {"row": rows[is_other], "name": distinct[codes[is_other]], "class": other[codes[is_other]]}
    )
    keep = ~is_other
    if not (keep & (distinct[codes] != "")).any():
        counts = skipped["class"].value_counts()
        shown = ", ".join(f"{cls} {n}" for cls, n in counts.head(6).items())
        raise InputError(
            f"no ganglioside name in {len(rows)} data rows: every name is of another lipid "
            f"class ({shown}{', …' if len(counts) > 6 else ''})",
            file=table.source,
        )
    kept_codes, used = pd.factorize(codes[keep], sort=False)
    return OtherClasses(
        dataclasses.replace(
            table,
            frame=table.frame.loc[keep].reset_index(drop=True),
            problems=table.problems[keep].reset_index(drop=True),
            name_codes=kept_codes,
            distinct_names=distinct[used],
        ),
        skipped,
    )


def _name_codes(table: Table) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the index of its name in the distinct names (in order of first appearance)."""
    if table.name_codes is not None and table.distinct_names is not None:
        return table.name_codes, table.distinct_names
    codes, uniques = pd.factorize(table.frame["name"], sort=False)
    return codes, np.asarray(uniques, dtype=object)


@dataclass(frozen=True)
class ParsedNames:
    """The parsed names of a table: per distinct name, and given to every row."""

    name_codes: np.ndarray  # per row: index into distinct_names
    distinct_names: np.ndarray  # object array, in order of first appearance
    composition: pd.DataFrame  # per distinct name: names.composition_frame
    per_row: pd.DataFrame  # per row: INT_FIELDS (int16), COMPOSITION_TEXT (categoricals), lyso
    problems: np.ndarray  # per row: the table's problems and the name's error ("" when none)
    parsed: np.ndarray  # per row: the name was parsed
    standard: np.ndarray  # per row: the name is a labelled internal standard

    @property
    def ok(self) -> np.ndarray:
        """Rows with no problem in the table and a parsed name."""
        return (self.problems == "") & self.parsed


def parse_names(table: Table, composition: pd.DataFrame | None = None) -> ParsedNames:
    """Parse each distinct name once and give every row its name's composition
    (``composition``: the distinct names' :func:`composition_frame`, when already built).

    Raises
    ------
    InputError
        When no row has both clean values and a parsed name.
    """
    frame = table.frame
    codes, distinct = _name_codes(table)
    if composition is None:
        composition = composition_frame(list(distinct))
    name_error = composition["parse_error"].fillna("").to_numpy(dtype=object)
    counts = float_columns(composition, INT_FIELDS)
    counts[np.isnan(counts)] = 0
    counts = counts.astype(np.int16)[codes]
    columns: dict[str, Any] = {c: counts[:, k] for k, c in enumerate(INT_FIELDS)}
    for c in COMPOSITION_TEXT:
        columns[c] = per_row_text(composition[c].to_numpy(dtype=object), codes)
    columns["lyso"] = composition["lyso"].to_numpy(dtype=bool)[codes]
    per_row = pd.DataFrame(columns)
    parsed = (name_error == "")[codes]
    problems = _with_name_errors(table.problems.to_numpy(dtype=object), name_error, codes, distinct)
    standard = composition["is_internal_standard"].to_numpy(dtype=bool)[codes]
    names = ParsedNames(codes, distinct, composition, per_row, problems, parsed, standard)
    if not names.ok.any():
        n = len(frame)
        shown = " | ".join(f"row {i + 1}: {problems[i]}" for i in range(min(n, 3)))
        raise InputError(f"no usable row in {n} data rows, e.g. {shown}", file=table.source)
    return names


def _with_name_errors(
    problems: np.ndarray, name_error: np.ndarray, codes: np.ndarray, distinct: np.ndarray
) -> np.ndarray:
    """The rows' problems with the error of their (non-empty) name added."""
    bad_name = np.flatnonzero((name_error != "")[codes] & (distinct[codes] != ""))
    if not bad_name.size:
        return problems
    problems = problems.copy()
    problems[bad_name] = [
        (p + "; " if p else "") + f"column 'Name': {e}"
        for p, e in zip(problems[bad_name], name_error[codes[bad_name]], strict=True)
    ]
    return problems


def species_keys(composition: pd.DataFrame) -> np.ndarray:
    """Per distinct name, its species key ``group|ceramide`` (``|`` when unparsed)."""
    return np.array(
        [
            format_group_key(group, ceramide)
            for group, ceramide in zip(
                composition["group_key"].fillna(""), composition["ceramide"].fillna(""), strict=True
            )
        ],
        dtype=object,
    )


@dataclass(frozen=True)
class Rows:
    """Per row (positional): the numbers and masks the rules share."""

    row: np.ndarray  # 1-based data row numbers
    rt: np.ndarray
    volume: np.ndarray
    log_p: np.ndarray  # as assigned (given or estimated)
    is_anchor: np.ndarray  # marked as an anchor, on rows that are not invalid
    invalid: np.ndarray  # a problem in the table or an unparsed name
    standard: np.ndarray  # a labelled internal standard (not invalid): left out of the rules
    usable: np.ndarray  # not invalid, not a standard, with a Log P: takes part in the rules
    anchors: np.ndarray  # usable anchors: the RT model is fitted on them
    group_code: np.ndarray  # code of the RT group (group_key)


def shared_rows(frame: pd.DataFrame, names: ParsedNames, logp: LogPAssignment) -> Rows:
    """The numbers and masks of every row, from the clean table, its names and its Log P."""
    ok = names.ok
    standard = names.standard & ok
    usable = ok & ~standard & np.isfinite(logp.log_p)
    is_anchor = frame["is_anchor"].to_numpy(dtype=bool) & ok
    group_keys = names.composition["group_key"].fillna("").to_numpy(dtype=object)
    return Rows(
        row=frame["row"].to_numpy(),
        rt=frame["rt"].to_numpy(dtype=float),
        volume=frame["volume"].to_numpy(dtype=float),
        log_p=logp.log_p,
        is_anchor=is_anchor,
        invalid=~ok,
        standard=standard,
        usable=usable,
        anchors=usable & is_anchor,
        group_code=pd.factorize(group_keys)[0][names.name_codes],
    )


def rule_frame(names: ParsedNames, rows: Rows) -> pd.DataFrame:
    """One frame of composition and numbers per row, as the rules read it (positional).

    The columns share the arrays of ``names.per_row`` and ``rows`` (no copies).
    """
    ceramides = names.composition["ceramide"].to_numpy(dtype=object)
    numbers = {
        "rt": rows.rt,
        "volume": rows.volume,
        "is_anchor": rows.is_anchor,
        "log_p": rows.log_p,
        "ceramide_code": pd.factorize(ceramides)[0].astype(np.int32)[names.name_codes],
        "group_code": rows.group_code,
    }
    return pd.concat([names.per_row, pd.DataFrame(numbers, copy=False)], axis=1)


def _listed(names: list[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def assumed_base_warnings(names: ParsedNames) -> list[str]:
    """The warnings about names read with a base they only imply: a dihydroxy base (HMDB's
    ``Ganglioside GM3 (18:1/16:0)`` is read as d18:1), sphingosine for a lyso name with no
    chain (``LysoGM1``)."""
    from ..names.ceramide import base_assumed
    from ..names.dialects import LYSO_DEFAULT_BASE, lyso_base_assumed

    errors = names.composition["parse_error"].fillna("").to_numpy(dtype=object)
    read = [str(n) for n, e in zip(names.distinct_names, errors, strict=True) if e == ""]
    assumed = [n for n in read if base_assumed(n)]
    lyso = [n for n in read if lyso_base_assumed(n)]
    out = []
    if assumed:
        out.append(
            f"{len(assumed)} name(s) give two chains without the sphingoid base's kind (no "
            f"d/t/m letter, no ;O2), e.g. {_listed(assumed)}: read as a dihydroxy base (d18:1 "
            "…, 2 oxygens), the usual ganglioside base; write d18:1/… or 18:1;O2/… if that is "
            "wrong"
        )
    if lyso:
        out.append(
            f"{len(lyso)} lyso name(s) give no sphingoid base, e.g. {_listed(lyso)}: read on "
            f"{LYSO_DEFAULT_BASE} (sphingosine), the base of the usual lyso-gangliosides; write "
            f"e.g. lyso-GM1({LYSO_DEFAULT_BASE}) or lyso-GM1(d20:1) to say which"
        )
    return out


def logp_composition(names: ParsedNames) -> tuple[pd.DataFrame, np.ndarray]:
    """The composition the Log P increments are fitted on and estimated from, and the rows
    whose Log P may be estimated: lyso forms are left out of both (the increments are those
    of two-chain species; a free amine and a missing fatty acid are far outside them), so a
    lyso row keeps the Log P the table gives it, or has none."""
    lyso = names.composition["lyso"].to_numpy(dtype=bool)
    if not lyso.any():
        return names.composition, names.parsed
    errors = names.composition["parse_error"].fillna("").astype(object)
    composition = names.composition.assign(
        parse_error=errors.where(~lyso, "lyso form: no Log P estimate")
    )
    return composition, names.parsed & ~lyso[names.name_codes]


def lyso_logp_warnings(names: ParsedNames, given: np.ndarray) -> list[str]:
    """The file warning about lyso rows without a Log P of their own."""
    lyso = names.composition["lyso"].to_numpy(dtype=bool)[names.name_codes] & names.parsed
    without = lyso & ~np.isfinite(given)
    if not without.any():
        return []
    return [
        f"{int(without.sum())} lyso row(s) (one chain, no fatty acid) have no Log P: it is not "
        "estimated from composition, whose increments are those of two-chain species, so "
        "they are unverified; give their Log P to check them"
    ]
