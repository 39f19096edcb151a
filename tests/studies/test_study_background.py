"""The study PDF written by a forked process (``write_study(jobs > 1)``) is the file the serial
writer writes, and a failed or impossible fork falls back to writing it in this process."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from ganglioside.simulate.study import simulate_study
from ganglioside.studies import study
from ganglioside.studies.background import can_fork, finish_file, start_file
from ganglioside.studies.outputs import write_study

pytestmark = pytest.mark.slow

#: Files that hold random element ids (the HTML's figures) or the time they were written
#: (the workbook's properties): equal in content, not in bytes, between any two writes.
UNSTABLE = {"study_report.html", "study.xlsx"}


def test_a_forked_pdf_writer_gives_the_files_of_the_serial_writer(tmp_path: Path) -> None:
    sim = simulate_study(5, n_per_group=3)
    sim.write(tmp_path / "in")
    result = study(tmp_path / "in" / "design.csv")
    serial = write_study(result, tmp_path / "serial", images=False, jobs=1)
    forked = write_study(result, tmp_path / "forked", images=False, jobs=2)
    assert list(serial) == list(forked)  # the same names, in the same order
    assert "study_report.pdf" in forked
    for name, path in serial.items():
        if name not in UNSTABLE:
            assert forked[name].read_bytes() == path.read_bytes(), name
    assert not list((tmp_path / "forked").glob(".*.part"))  # no partial file left


@pytest.mark.skipif(not can_fork(), reason="no fork start method here")
def test_a_forked_writer_that_dies_is_replaced_by_this_process(tmp_path: Path) -> None:
    parent = os.getpid()

    def render() -> bytes:
        if os.getpid() != parent:
            os._exit(3)  # the forked process dies before writing anything
        return b"written here"

    pending = start_file(tmp_path / "report.pdf", render)
    assert pending.process is not None
    assert finish_file(pending)
    assert pending.process.exitcode == 3
    assert (tmp_path / "report.pdf").read_bytes() == b"written here"


def test_a_file_rendered_as_nothing_is_not_written(tmp_path: Path) -> None:
    pending = start_file(tmp_path / "none.pdf", lambda: None)
    assert not finish_file(pending)
    assert not (tmp_path / "none.pdf").exists()


def _report_can_fork(queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    queue.put(can_fork())


@pytest.mark.skipif(not can_fork(), reason="no fork start method here")
def test_no_process_is_forked_from_a_daemonic_process() -> None:
    # a pool's worker or a Celery prefork child is daemonic: it may not start children
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_report_can_fork, args=(queue,), daemon=True)
    child.start()
    answer = queue.get(timeout=30)
    child.join()
    assert answer is False


def _analyse_in_daemon(queue: multiprocessing.Queue, tasks: list) -> None:  # type: ignore[type-arg]
    from ganglioside.studies.run import pool_allowed, run_samples

    results = run_samples(tasks, jobs=2)  # no pool may start here: the loop runs instead
    queue.put((pool_allowed(), [r.ok for r in results]))


@pytest.mark.skipif(not can_fork(), reason="no fork start method here")
def test_a_pool_worker_asked_for_jobs_analyses_its_samples_itself() -> None:
    from ganglioside.studies.run import SampleTask

    sim = simulate_study(8, n_per_group=2, n_rows=60)
    tasks = [SampleTask(s, t) for s, t in list(sim.tables.items())[:2]]
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_analyse_in_daemon, args=(queue, tasks), daemon=True)
    child.start()
    allowed, ok = queue.get(timeout=120)
    child.join()
    assert allowed is False
    assert ok == [True, True]
