"""Named errors of the analysis core.

Every error the library raises on purpose derives from :class:`GangliosideError`, so a caller
can catch one type.  Input problems carry where they happened (file, row, column, value) and
what was expected, so that a message can be shown to a scientist as it is.
"""

from __future__ import annotations


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
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        self.value = value
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


class ConfigError(GangliosideError):
    """An analysis parameter is unknown or has a value outside its allowed range."""


class NameSyntaxError(GangliosideError):
    """A compound name does not follow the grammar; inside a table the row turns ``invalid``."""
