"""Labelled internal standards: the isotope label is recognised and taken off the name.

A standard such as ``GM1(d18:1/18:0-d5)``, ``d7-GM3(36:1;O2)``, ``[13C]GM3 …`` or
``GD1a 36:1;O2 (ISTD)`` keeps its composition (the unlabelled species), and is marked as an
internal standard so that the analysis never takes it for an endogenous species.
"""

from __future__ import annotations

import re

# A deuterium count (d3, d5, D7, d35), not a sphingoid base (d18:1) nor part of a word.
_DEUTERIUM = r"[dD]\d{1,2}(?![\d:])"
# 13C / 15N / 2H labels with an optional count, bracketed or not: [13C6], 13C2, (15N), [2H3].
_HEAVY = r"(?:13C|15N|2H|D)\d{0,2}(?:,?(?:13C|15N|2H)\d{0,2})*"
_LABEL = re.compile(
    r"(?:"
    rf"\[(?:{_HEAVY}|{_DEUTERIUM})\]"  # [13C6] [D5] [d7]
    rf"|\((?:{_HEAVY}|{_DEUTERIUM})\)"  # (d5) (13C2)
    rf"|(?<![\w:;])-?(?:{_DEUTERIUM}|(?:13C|15N)\d{{0,2}})(?=$|[-\s)\]_/(])"  # -d3, d7-, 13C-
    r")"
)
_MARK = re.compile(
    r"(?:\(\s*(?:IS|ISTD|iSTD|internal standard)\s*\)|\b(?:ISTD|iSTD)\b|\binternal standard\b"
    r"|^IS[\s_-]+|[\s_-]+IS$)",
    re.IGNORECASE,
)


def strip_label(text: str) -> tuple[str, str]:
    """The name without its isotope label or standard mark, and the label ("" if none)."""
    found: list[str] = []

    def take(match: re.Match[str]) -> str:
        found.append(match.group(0).strip(" -"))
        return ""

    text = _MARK.sub(take, text)
    text = _LABEL.sub(take, text)
    if not found:
        return text, ""
    # tidy what the label left: doubled or dangling separators, empty brackets
    text = re.sub(r"\(\s*\)|\[\s*\]", "", text)
    text = re.sub(r"--+", "-", text)
    text = re.sub(r"^[-\s]+|[-\s]+$", "", text)
    text = re.sub(r"-(?=[)(/\s])|(?<=[(/])-", "", text)
    return text, " ".join(found)
