"""Creating a study: the uploaded tables (or one zip of them) and the design stored in a folder
of their own, the design checked by the library before anything runs, one row per sample."""

from __future__ import annotations

import io
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

import pandas as pd
from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.utils.text import get_valid_filename

import ganglioside
from ganglioside import InputError
from ganglioside.inputs import read_export
from ganglioside.inputs.files import read_cells
from ganglioside.studies import Design, DesignError, read_design
from ganglioside.studies.config import resolve_study_config
from ganglioside.studies.from_export import design_from_export, missing_groups, not_a_study
from ganglioside.web.common.json_safety import json_safe

from ..models import Study, StudySample
from . import running

if TYPE_CHECKING:
    from django.contrib.auth.models import User

#: At most this many tables in one study (files, or members of the zip).
MAX_STUDY_FILES = 2000
#: At most this many bytes of tables in one study, zips unpacked.
MAX_STUDY_BYTES = 1024**3
#: Name given to a design typed into the form.
TYPED_DESIGN_NAME = "design.csv"
#: Name of the design built from an export's metadata rows.
EXPORT_DESIGN_NAME = "design.csv"


class ExportWithoutGroups(InputError):
    """An export whose metadata give no group to some samples; ``design_text`` is the design
    built from it (CSV, their group empty) to fill in and send with the export as its table."""

    def __init__(self, message: str, *, file: str, design_text: str) -> None:
        super().__init__(message, file=file)
        self.design_text = design_text

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "design": self.design_text}


@dataclass(frozen=True)
class Upload:
    """One uploaded file read into memory."""

    name: str
    content: bytes


def study_create(
    *,
    owner: User,
    files: Iterable[File],
    design: File | str,
    name: str = "",
    parameters: Mapping[str, Any] | None = None,
    start: bool = True,
) -> Study:
    """Store the tables and the design, check the design and queue one task per sample.

    Parameters
    ----------
    owner:
        The user the study belongs to.
    files:
        The samples' tables (CSV, TSV or XLSX, or multi-sample exports), or zips of them; the
        design's ``file`` column names them.
    design:
        The design table as an uploaded file, or typed as CSV text.
    name:
        A label; the design's file name when empty.
    parameters:
        Values for :class:`ganglioside.studies.StudyConfig` (or the analysis parameters).
    start:
        Send the samples to the executor when the transaction commits.

    Raises
    ------
    ganglioside.studies.DesignError
        Every problem of the design (missing file, unknown column, too small a group …);
        nothing is stored.
    ganglioside.InputError
        An upload is empty, too large, a bad zip or twice the same name.
    ganglioside.ConfigError
        A parameter is unknown or out of range.
    """
    config = resolve_study_config(dict(parameters or {}))
    return _create(owner, _tables(files), _design_upload(design), name, config, start)


def study_create_from_export(
    *,
    owner: User,
    export: File,
    name: str = "",
    parameters: Mapping[str, Any] | None = None,
    start: bool = True,
) -> Study:
    """A study from one multi-sample export, its design built from the export's metadata rows
    (group from ``Class``, ``sample_type`` from ``File type``, injection order, batch) and
    stored as ``design.csv`` beside it, as ``ganglioside study EXPORT_FILE`` does.

    Raises
    ------
    ganglioside.InputError
        The file is not an export with at least two samples, or its metadata give no group to
        some samples (they are named, with the design to send instead).
    ganglioside.studies.DesignError
        The design built is refused by the library (e.g. too small a group).
    ganglioside.ConfigError
        A parameter is unknown or out of range.
    """
    config = resolve_study_config(dict(parameters or {}))
    upload = _read(export)
    if upload.name.lower() == EXPORT_DESIGN_NAME:
        raise InputError(
            f"the export is called {EXPORT_DESIGN_NAME}, the name of the design built from it; "
            "rename the file",
            file=upload.name,
        )
    design = export_design(upload)
    design_upload = Upload(EXPORT_DESIGN_NAME, design.to_csv(index=False).encode("utf-8"))
    label = name or Path(upload.name).stem
    return _create(owner, [upload], design_upload, label, config, start)


def export_design(upload: Upload) -> pd.DataFrame:
    """The design of a multi-sample export (one row per sample, ``file`` its name).

    Raises
    ------
    ganglioside.InputError
        Not an export with samples; :class:`ExportWithoutGroups` for samples without a group.
    """
    with tempfile.TemporaryDirectory(prefix="gs-export-") as tmp:
        path = Path(tmp) / upload.name
        path.write_bytes(upload.content)
        export = read_export(path)
        refused = not_a_study(export)
        if refused or export.is_plain:
            raise InputError(
                refused
                or "read as a single table, not an export of several samples; a study from "
                "one file needs a multi-sample export (e.g. an MS-DIAL alignment with its "
                "metadata rows); otherwise upload the tables and a design",
                file=upload.name,
            )
        design = design_from_export(export, path, Path(tmp))
    missing = missing_groups(design)
    if missing:
        raise ExportWithoutGroups(
            f"the export gives no group (a Class row) to {len(missing)} sample(s) "
            f"({', '.join(missing[:6])}{', …' if len(missing) > 6 else ''}); fill the group "
            f"column of the design built from it, and send that design with the export "
            "as its table",
            file=upload.name,
            design_text=design.to_csv(index=False, lineterminator="\n"),
        )
    return design


def _create(
    owner: User,
    tables: list[Upload],
    design_upload: Upload,
    name: str,
    config: Any,
    start: bool,
) -> Study:
    folder_name = f"studies/{uuid.uuid4().hex}"
    folder = Path(settings.MEDIA_ROOT) / folder_name
    try:
        checked = _write_and_check(folder, tables, design_upload)
        with transaction.atomic():
            study = _store(owner, name, folder_name, design_upload.name, checked, config)
            if start:
                transaction.on_commit(lambda: running.study_send(study_id=study.pk))
    except Exception:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return study


def _store(
    owner: User, name: str, folder: str, design_name: str, design: Design, config: Any
) -> Study:
    frame = design.frame().assign(file=[_file_name(s) for s in design.samples])
    rows = json_safe(frame.to_dict(orient="records"))
    study = Study.objects.create(
        owner=owner,
        name=(name or design_name).strip()[:200] or design_name,
        folder=folder,
        design_filename=design_name,
        design=rows,
        groups=list(design.groups),
        parameters=json_safe(config.to_dict()),
        software_version=ganglioside.__version__,
    )
    StudySample.objects.bulk_create(
        StudySample(
            study=study,
            position=i,
            sample=spec.sample,
            group=spec.group,
            input_filename=_file_name(spec),
        )
        for i, spec in enumerate(design.samples)
    )
    return study


def _file_name(spec: Any) -> str:
    return "" if spec.source is None else Path(spec.source).name


def _write_and_check(folder: Path, tables: list[Upload], design: Upload) -> Design:
    folder.mkdir(parents=True, exist_ok=False)
    for upload in tables:
        (folder / upload.name).write_bytes(upload.content)
    design_path = folder / design.name
    design_path.write_bytes(design.content)
    frame, missing = _design_with_uploaded_names(design_path, {u.name for u in tables})
    try:
        design_read = read_design(frame, base_dir=folder)
    except DesignError as exc:  # one list: ours first, the library's on the other rows
        rows = {p.row for p in missing}
        others = [p for p in exc.problems if not (p.column == "file" and p.row in rows)]
        raise DesignError([*missing, *others], file=design_path.name) from None
    if missing:
        raise DesignError(missing, file=design_path.name)
    return design_read


def _design_with_uploaded_names(
    design_path: Path, uploaded: set[str]
) -> tuple[pd.DataFrame, list[InputError]]:
    """The design with each ``file`` matched by its file name to an uploaded table, and the
    problem of each row whose file names no uploaded table.

    A design written for the command line names ``samples/S001.csv`` or an absolute path; the
    tables are matched by file name within the upload (a zip's folders are flattened), so
    such a design works unchanged, and no path can reach beyond the study's own folder.
    """
    raw = read_cells(design_path)
    frame = raw.cells.copy()
    frame.columns = pd.Index(raw.header)
    frame.attrs["source"] = design_path.name
    header = [str(h).strip().lower() for h in raw.header]
    if "file" not in header:
        return frame, []  # the library reports the missing column
    at = header.index("file")
    problems, names = [], []
    for row, value in enumerate(frame.iloc[:, at].tolist(), start=1):
        text = "" if value is None or value != value else str(value).strip()
        base = PurePath(text.replace("\\", "/")).name if text else ""
        if text and (base in ("", ".", "..") or base not in uploaded):
            problems.append(
                InputError(
                    f"no uploaded table is called {base or text!r}; the design's files are "
                    "matched by file name to the uploaded tables (folders in the design are "
                    "ignored)",
                    file=design_path.name,
                    row=row,
                    column="file",
                    value=text,
                )
            )
        names.append(base)
    frame.iloc[:, at] = names
    return frame, problems


# -- uploads ------------------------------------------------------------------------------------


def _limit() -> int:
    return int(settings.GANGLIOSIDE_MAX_UPLOAD_MB * 1024 * 1024)


def _read(file: File) -> Upload:
    name = _safe_name(getattr(file, "name", "") or "input")
    if hasattr(file, "seek"):
        file.seek(0)
    content = file.read(_limit() + 1)
    if isinstance(content, str):
        content = content.encode("utf-8")
    if len(content) > _limit():
        raise InputError(
            f"the file is larger than {settings.GANGLIOSIDE_MAX_UPLOAD_MB:g} MB", file=name
        )
    if not content:
        raise InputError("the file is empty", file=name)
    return Upload(name, content)


def _safe_name(name: str) -> str:
    """The file name without its folders; kept as typed (the design names it) unless it is
    empty, ``.``/``..``, hidden or holds control characters."""
    base = PurePath(name.replace("\\", "/")).name.strip()
    if base in ("", ".", "..") or base.startswith(".") or any(ord(c) < 32 for c in base):
        return get_valid_filename(base.lstrip(".")) or "input"
    return base


def _tables(files: Iterable[File]) -> list[Upload]:
    """Every table, the members of zips taken out (folders flattened); names unique."""
    out: dict[str, Upload] = {}
    for file in files:
        upload = _read(file)
        members = _unzip(upload) if upload.name.lower().endswith(".zip") else [upload]
        for member in members:
            if member.name in out:
                raise InputError(
                    "two uploaded tables have this name; the design names tables by file name",
                    file=member.name,
                )
            out[member.name] = member
    if not out:
        raise InputError("no table was uploaded; expected the samples' tables or one zip")
    if len(out) > MAX_STUDY_FILES:
        raise InputError(f"{len(out)} tables uploaded; at most {MAX_STUDY_FILES} are accepted")
    total = sum(len(u.content) for u in out.values())
    if total > MAX_STUDY_BYTES:
        raise InputError(
            f"the tables hold {total / 1024**2:.0f} MB; at most "
            f"{MAX_STUDY_BYTES / 1024**2:.0f} MB are accepted in one study"
        )
    return list(out.values())


def _unzip(upload: Upload) -> list[Upload]:
    """The tables inside a zip (hidden files and folders skipped), each within the size limit."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(upload.content))
    except zipfile.BadZipFile:
        raise InputError("the file is not a readable zip archive", file=upload.name) from None
    members = []
    with archive:
        for info in archive.infolist():
            base = PurePath(info.filename.replace("\\", "/")).name
            if info.is_dir() or not base or base.startswith(".") or "__MACOSX" in info.filename:
                continue
            if info.file_size > _limit():
                raise InputError(
                    f"a table in the zip is larger than {settings.GANGLIOSIDE_MAX_UPLOAD_MB:g} MB",
                    file=f"{upload.name}: {info.filename}",
                )
            members.append(Upload(_safe_name(base), archive.read(info)))
    if not members:
        raise InputError("the zip holds no table", file=upload.name)
    return members


def _design_upload(design: File | str) -> Upload:
    if isinstance(design, str):
        text = design.strip()
        if not text:
            raise InputError(
                "the design is empty; expected a table with the columns sample, file, group",
                file=TYPED_DESIGN_NAME,
            )
        return Upload(TYPED_DESIGN_NAME, (text + "\n").encode("utf-8"))
    return _read(design)
