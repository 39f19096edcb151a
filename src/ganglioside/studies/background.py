"""Write one costly file in a forked process while this process writes the others.

``ganglioside study`` spends most of its writing time on the study PDF (matplotlib draws every
text in Python).  :func:`start_file` forks a process that renders it and writes it to its path;
this process goes on with the other files and :func:`finish_file` waits for it.  The forked
process gets the study as it is in memory (nothing is pickled) and renders the same bytes as
this process would.  Where the system cannot fork, or the forked process fails, the file is
rendered here instead, so the folder always ends up with the same files.

Only :func:`~ganglioside.studies.outputs.write_study` with ``jobs > 1`` uses it (the command
line); the web platform renders its files with ``render_study`` in its own tasks and never
forks here.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path

#: Renders the file's content.
Render = Callable[[], bytes | None]


@dataclass
class Pending:
    """A file being written by a forked process (``process`` None: to render here)."""

    path: Path
    render: Render
    process: BaseProcess | None


def can_fork() -> bool:
    """Whether a process can be forked here: a fork start method, and not inside a daemonic
    process (a process pool's worker, which may not have children)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    return not multiprocessing.current_process().daemon


def start_file(path: Path, render: Render) -> Pending:
    """Start writing ``render()`` to ``path`` in a forked process (when one can be forked)."""
    if not can_fork():
        return Pending(path, render, None)
    context = multiprocessing.get_context("fork")
    process = context.Process(target=_write, args=(path, render), daemon=True)
    process.start()
    return Pending(path, render, process)


def finish_file(pending: Pending) -> bool:
    """Wait for the file; render and write it here when no forked process wrote it.  True
    when the file was written (``render`` may return None: no file)."""
    if pending.process is not None:
        pending.process.join()
        if pending.process.exitcode == 0:
            return pending.path.is_file()
    return _write_here(pending.path, pending.render)


def _write_here(path: Path, render: Render) -> bool:
    content = render()
    if content is None:
        return False
    path.write_bytes(content)
    return True


def _write(path: Path, render: Render) -> None:
    """In the forked process: render, write to a temporary name, then rename (a file at
    ``path`` is always whole)."""
    content = render()
    if content is None:
        return
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    partial.write_bytes(content)
    partial.replace(path)
