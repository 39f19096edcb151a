"""What an uploaded file is, as the core reads it, and the choices it still needs.

:func:`check_upload` reads the file with :func:`ganglioside.read_export` (and the chosen sample
with :func:`ganglioside.inputs.read_table`) and raises :class:`SampleChoiceNeeded` for an
export with several samples and no sample chosen, or :class:`ColumnsNeeded` for a table whose
Name, RT or Volume column was not found and no mapping was given (when it has at least three
columns to map).  Both are
:class:`ganglioside.InputError` (the API answers them 400 with the core's message); the pages
catch them and ask.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import ganglioside
from ganglioside import InputError
from ganglioside.inputs import Export, read_table

#: The keys of a column mapping the web app offers (``class`` too, through the API).
MAPPING_KEYS = ("name", "rt", "volume", "log_p", "anchor")
REQUIRED_KEYS = ("name", "rt", "volume")


class SampleChoiceNeeded(InputError):
    """An export with several samples, uploaded without choosing one."""

    def __init__(
        self,
        message: str,
        *,
        file: str,
        format: str,
        samples: Sequence[str],
        analysed: Sequence[str] | None = None,
    ) -> None:
        super().__init__(message, file=file)
        self.format = format
        self.samples = tuple(samples)
        #: The samples "all samples" analyses (QCs, blanks and standards kept apart).
        self.analysed = tuple(samples if analysed is None else analysed)


class ColumnsNeeded(InputError):
    """A table whose Name, RT or Volume column was not recognised, uploaded without a mapping."""

    def __init__(self, message: str, *, file: str, header: Sequence[str]) -> None:
        super().__init__(message, file=file)
        self.header = tuple(header)


@dataclass(frozen=True)
class UploadCheck:
    """The file as read: its format, the samples analysed by default (empty for one table;
    an export's QCs, blanks and standards left out) and its header."""

    format: str
    samples: tuple[str, ...]
    header: tuple[str, ...]


def header_signature(header: Sequence[str]) -> str:
    """A key for files with the same columns in the same order."""
    return hashlib.sha256("\x1f".join(str(h).strip() for h in header).encode()).hexdigest()


def check_upload(
    path: Path,
    *,
    sample: str | None = None,
    columns: Mapping[str, str] | None = None,
    max_rt: float,
) -> UploadCheck:
    """Read ``path`` as the worker will and check the sample and columns it needs.

    Raises
    ------
    SampleChoiceNeeded, ColumnsNeeded
        The choices still to make (see the module's description).
    ganglioside.InputError, ganglioside.ConfigError
        The file cannot be analysed, or the mapping or sample is not valid for it.
    """
    export = ganglioside.read_export(path, dict(columns) if columns else None)
    header = _header(export)
    # A table with fewer columns than the required ones cannot be mapped: the core's error
    # (which names the missing column) is the answer then.
    if export.is_plain and not columns and len(header) >= len(REQUIRED_KEYS):
        found = set(export.samples[""].columns)
        missing = [key for key in REQUIRED_KEYS if key not in found]
        if missing:
            raise ColumnsNeeded(
                f"the file is not a format the app recognises and has no column for "
                f"{', '.join(missing)}; say which column gives what (its columns: "
                f"{', '.join(header)})",
                file=export.source,
                header=header,
            )
    if sample is None and len(export.samples) > 1:
        try:
            export.choose(None)
        except InputError as exc:
            raise SampleChoiceNeeded(
                exc.message,
                file=export.source,
                format=export.format,
                samples=export.sample_names,
                analysed=export.analysed_samples,
            ) from None
    chosen = export.choose(sample or None)
    read_table(export.table(chosen), max_rt=max_rt)
    # "All samples" means the samples the export types as samples (QCs and blanks apart).
    return UploadCheck(export.format, export.analysed_samples, header)


def _header(export: Export) -> tuple[str, ...]:
    first = next(iter(export.samples.values()), None)
    return tuple(first.raw.header) if first is not None else ()
