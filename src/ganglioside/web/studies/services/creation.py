"""Creating a study: the uploaded tables (or one zip of them) and the design stored in a folder
of their own, the design checked by the library before anything runs, one row per sample."""

from __future__ import annotations

import io
import shutil
import uuid
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.utils.text import get_valid_filename

import ganglioside
from ganglioside import InputError
from ganglioside.inputs.files import read_cells
from ganglioside.studies import Design, DesignError, read_design
from ganglioside.studies.config import resolve_study_config
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
    tables = _tables(files)
    design_upload = _design_upload(design)
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
    _only_uploaded_files(design_path)
    return read_design(design_path, base_dir=folder)


def _only_uploaded_files(design_path: Path) -> None:
    """Each ``file`` of the design must be a bare file name (an uploaded table): a folder or an
    absolute path would reach beyond the study's own folder.

    Raises
    ------
    DesignError
        Listing every such row (before the library looks at any file).
    """
    raw = read_cells(design_path)
    header = [str(h).strip().lower() for h in raw.header]
    if "file" not in header:
        return  # the library reports the missing column
    column = raw.cells.iloc[:, header.index("file")]
    problems = []
    for row, value in enumerate(column.tolist(), start=1):
        text = "" if value is None or value != value else str(value).strip()
        if text and (PurePath(text.replace("\\", "/")).name != text or text in (".", "..")):
            problems.append(
                InputError(
                    "the file must be the name of an uploaded table, without folders",
                    file=design_path.name,
                    row=row,
                    column="file",
                    value=text,
                )
            )
    if problems:
        raise DesignError(problems, file=design_path.name)


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
