"""The pages of the PDF reports (the analysis's ``report.pdf`` and the study's
``study_report.pdf``): A4 figures with a title, blocks of labelled lines and wrapped text,
tables over as many pages as needed, and the document written with one style.

Figures are built directly (no pyplot): no GUI backend, no global figure state.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

A4 = (8.27, 11.69)  # inches
ROWS_PER_PAGE = 44

#: The style of every page: TrueType text (searchable, copyable), plain text never read as maths
#: (names, samples and groups come from user files: a ``$`` in them is text).
PAGE_STYLE: dict[Any, Any] = {
    "pdf.fonttype": 42,
    "text.parse_math": False,
    "text.usetex": False,
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
}

Subject = TypeVar("Subject")


def write_pages(
    target: Any,
    metadata: dict[str, Any],
    subject: Subject,
    sections: Sequence[tuple[str, Callable[[PdfPages, Subject], None]]],
    progress: Callable[[float, str], None] | None = None,
) -> None:
    """Write the ``sections`` (label, writer of its pages) of ``subject`` to ``target`` in
    :data:`PAGE_STYLE`; ``progress(fraction, message)`` before each section and at the end."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_pdf import PdfPages

    with rc_context(PAGE_STYLE), PdfPages(target, metadata=metadata) as pdf:
        for i, (label, section) in enumerate(sections):
            if progress is not None:
                progress(i / len(sections), f"writing the {label}")
            section(pdf, subject)
    if progress is not None:
        progress(1.0, "done")


def new_page(title: str, subtitle: str = "") -> Figure:
    """An A4 figure with a bold title and a grey subtitle."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=A4)
    figure.text(0.06, 0.965, title, fontsize=14, weight="bold", va="top")
    if subtitle:
        figure.text(0.06, 0.94, subtitle, fontsize=8, color="#555555", va="top")
    return figure


def wrapped(text: str, width: int) -> list[str]:
    """``text`` cut into lines of at most ``width`` characters (one empty line for none)."""
    return textwrap.wrap(str(text), width=width, break_long_words=True) or [""]


def labelled_lines(
    figure: Figure,
    y: float,
    heading: str,
    lines: Sequence[tuple[str, str]],
    value_at: tuple[float, str] = (0.36, "left"),
    colour_of: Callable[[str], str] | None = None,
) -> float:
    """A heading and one line per (label, value) below ``y``; ``value_at``: where the values
    stand and how they align.  Returns where the block ends."""
    figure.text(0.06, y, heading, fontsize=11, weight="bold", va="top")
    x, align = value_at
    for label, value in lines:
        y -= 0.022
        colour = colour_of(label) if colour_of is not None else None
        figure.text(0.08, y, label, fontsize=9, va="top", color=colour)
        figure.text(x, y, value, fontsize=9, va="top", ha=align)
    return y


def wrapped_texts(figure: Figure, y: float, heading: str, texts: Sequence[str]) -> float:
    """A heading and the ``texts`` (or "none") wrapped below ``y``, as far as the page goes.
    Returns where the block ends."""
    figure.text(0.06, y, heading, fontsize=11, weight="bold", va="top")
    for text in list(texts) or ["none"]:
        for line in wrapped(text, 110):
            y -= 0.018
            if y < 0.05:
                break
            figure.text(0.08, y, line, fontsize=8, va="top")
        y -= 0.006
    return y


def cut_note(note: str, shown: int, total: int, where: str) -> str:
    """``note``, saying when a table shows only the first ``shown`` of ``total`` rows and
    ``where`` they all are (e.g. "every row is in compounds.csv")."""
    if total > shown:
        return f"{note} The first {shown} of {total}; {where}."
    return note


def cell(value: Any) -> str:
    """A table cell as text: numbers to four significant digits, missing values empty."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else ""
    if isinstance(value, float | np.floating):
        return f"{value:.4g}"
    if value is pd.NA:
        return ""
    return str(value)


def table_pages(
    pdf: PdfPages,
    title: str,
    columns: Sequence[tuple[str, float, int]],
    rows: Sequence[Sequence[Any]],
    note: str = "",
) -> None:
    """Rows as a table over as many pages as needed; ``columns``: (header, width as a
    fraction of the page, characters kept)."""
    if not rows:
        figure = new_page(title, note)
        figure.text(0.06, 0.9, "None.", fontsize=9, color="#555555")
        pdf.savefig(figure)
        return
    pages = math.ceil(len(rows) / ROWS_PER_PAGE)
    for number in range(pages):
        part = rows[number * ROWS_PER_PAGE : (number + 1) * ROWS_PER_PAGE]
        heading = title if pages == 1 else f"{title} ({number + 1}/{pages})"
        figure = new_page(heading, note)
        _draw_table(figure, columns, part)
        pdf.savefig(figure)


def _draw_table(
    figure: Figure, columns: Sequence[tuple[str, float, int]], rows: Sequence[Sequence[Any]]
) -> None:
    top, step = 0.915, 0.0195
    x = 0.06
    positions = []
    for header, width, _ in columns:
        positions.append(x)
        figure.text(x, top, header, fontsize=7.5, weight="bold", va="top")
        x += width
    figure.add_artist(_rule(figure, top - 0.014))
    for i, row in enumerate(rows):
        y = top - step * (i + 1)
        if i % 2 == 1:
            figure.add_artist(_band(figure, y + 0.004, step))
        for (_, _, keep), left, value in zip(columns, positions, row, strict=True):
            text = cell(value)
            if len(text) > keep:
                text = text[: keep - 1] + "…"
            figure.text(left, y, text, fontsize=7, va="top", family="DejaVu Sans")


def _rule(figure: Figure, y: float) -> Any:
    from matplotlib.lines import Line2D

    return Line2D(
        [0.06, 0.94], [y, y], transform=figure.transFigure, color="#1F4E79", linewidth=0.8
    )


def _band(figure: Figure, y: float, height: float) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle(
        (0.05, y - height),
        0.9,
        height,
        transform=figure.transFigure,
        color="#EEF3F8",
        linewidth=0,
        zorder=-1,
    )
