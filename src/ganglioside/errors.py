"""Named errors of the analysis core.

Every error the library raises on purpose derives from :class:`GangliosideError`, so a caller
can catch one type.  Input problems carry where they happened (file, row, column, value) and
what was expected, so that a message can be shown to a scientist as it is.
"""

from __future__ import annotations

#: Longest excerpt of an input value quoted in a message (characters).
EXCERPT_CHARS = 80
#: Longest message an error carries: anything longer keeps its head and its tail.
MAX_MESSAGE_CHARS = 2000


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """``value`` as text of at most about ``limit`` characters, for quoting it in a message.

    A longer text keeps its first characters and says how many were left out, so a 200 MB
    cell is quoted as ``'GD1aaaa…' (+199,999,920 characters)`` rather than in full.
    """
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… (+{len(text) - limit:,} characters)"


def listed(values: object, shown: int = 20) -> str:
    """``values`` quoted for a message: each an :func:`excerpt`, at most ``shown`` of them, then
    how many more there are (a file's header of 1,000 columns, one of them 15 MB, stays short).
    """
    items = list(values)  # type: ignore[call-overload]
    text = ", ".join(repr(excerpt(v)) for v in items[:shown])
    return text + (f" … and {len(items) - shown:,} more" if len(items) > shown else "")


def bounded(message: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``message`` cut to about ``limit`` characters, keeping its head and its tail.

    The tail usually says what was expected, so both ends are kept and the middle is left out.
    """
    if len(message) <= limit:
        return message
    head, tail = message[: limit * 2 // 3], message[-(limit // 3) :]
    return f"{head} … [{len(message) - len(head) - len(tail):,} characters left out] … {tail}"


class GangliosideError(Exception):
    """Base class of every error raised on purpose by :mod:`ganglioside`."""


class InputError(GangliosideError):
    """A whole-file problem: the table cannot be analysed at all.

    Parameters
    ----------
    message:
        What is wrong and what was expected.
    file, row, column, value:
        Where the problem is, when known.  ``row`` is the 1-based data row number
        (the header is not counted).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object | None = None,
    ) -> None:
        # Bounded at the source: a message or a value quoting a huge cell stays short.
        self.message = bounded(message)
        self.file = None if file is None else excerpt(file, 255)
        self.row = row
        self.column = None if column is None else excerpt(column)
        self.value = None if value is None else _short_value(value)
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(f"file {self.file}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        if self.value is not None:
            where.append(f"value {self.value!r}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message

    def to_dict(self) -> dict[str, object]:
        """The error as plain data, for APIs and logs."""
        return {
            "message": self.message,
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": None if self.value is None else str(self.value),
        }


def _short_value(value: object) -> object:
    """Numbers kept as they are; anything else as an excerpt of its text."""
    if isinstance(value, bool | int | float):
        return value
    return excerpt(value)


class ConfigError(GangliosideError):
    """An analysis parameter is unknown or has a value outside its allowed range."""

    def __init__(self, message: object = "") -> None:
        super().__init__(bounded(str(message)))


class NameSyntaxError(GangliosideError):
    """A compound name does not follow the grammar; inside a table the row turns ``invalid``.

    The message (which quotes the name) is bounded, so a huge name gives a short reason.
    """

    def __init__(self, message: object = "") -> None:
        super().__init__(bounded(str(message), 400))
