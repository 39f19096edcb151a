"""Progress reporting of an analysis, and the time spent in each step."""

from __future__ import annotations

import time
from collections.abc import Callable

#: ``progress(step, fraction, message)``: a step of :data:`~ganglioside.result.PROGRESS_STEPS`,
#: the fraction of the work done (0 to 1) and a message in words.
Progress = Callable[[str, float, str], None]


class Steps:
    """Calls the user's progress callback and times each step."""

    def __init__(self, callback: Progress | None) -> None:
        self.callback = callback
        self.timings: dict[str, float] = {}
        self._t = time.perf_counter()
        self._step: str | None = None

    def __call__(self, step: str, fraction: float, message: str) -> None:
        now = time.perf_counter()
        if self._step is not None:
            self.timings[self._step] = self.timings.get(self._step, 0.0) + now - self._t
        self._step, self._t = step, now
        if self.callback is not None:
            self.callback(step, fraction, message)

    def done(self) -> None:
        self("summary", 1.0, "done")
        self._step = None
