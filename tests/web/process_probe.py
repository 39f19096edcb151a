"""Functions the tests hand to the server's process pool (pickled by name, so they live in a
module the pool's processes can import)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from ganglioside.studies.run import SampleResult, SampleTask, analyze_sample


def analyze_noting_the_process(task: SampleTask) -> SampleResult:
    """The sample's real analysis, with the id of the process that ran it in its summary."""
    result = analyze_sample(task)
    result.summary = {**result.summary, "analysed_in_pid": os.getpid()}
    return result


def wait_for_file(path: str) -> int:
    """Note that it started (``<path>.started``), then wait until ``path`` exists; its pid."""
    Path(f"{path}.started").touch()
    deadline = time.monotonic() + 60
    while not Path(path).exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    return os.getpid()


def die(task: SampleTask) -> SampleResult:
    """The process ends at once, as when the kernel kills it for memory."""
    os._exit(9)


def pid_of(_: object) -> int:
    return os.getpid()
