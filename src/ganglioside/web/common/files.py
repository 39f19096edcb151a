"""Uploaded content as a local file, for the core, which reads paths."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePath


@contextmanager
def as_local_file(content: bytes, filename: str) -> Iterator[Path]:
    """``content`` as a temporary file named ``filename``.

    The core reads paths (and recognises the format by the suffix), so it gets a temporary
    file with the original name.
    """
    with tempfile.TemporaryDirectory(prefix="ganglioside-upload-") as folder:
        path = Path(folder) / (PurePath(filename).name or "input")
        path.write_bytes(content)
        yield path
