"""Background work that gives way while the user is at the keys.

Background threads share the interpreter with the screen: a thread busy in
Python code (building the query indexes of 100,000 rows takes seconds)
makes each key's frame take about twice as long. A `Pacer` is told when
the user presses a key (`touch`), and a background loop calls `give_way`
between small steps: it returns at once unless a key came in the last
`quiet` seconds, and then waits until the keys pause (at most `longest`
seconds a call, so that the work still moves on under a key held down).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

QUIET = 0.25
"""Seconds without a key before background work goes on."""
LONGEST = 1.0
"""Seconds one `give_way` waits at most."""


class Pacer:
    def __init__(self, quiet: float = QUIET, longest: float = LONGEST) -> None:
        self.quiet = quiet
        self.longest = longest
        self._last = -quiet
        self._stopped = threading.Event()

    def touch(self) -> None:
        """A key was pressed (called on the UI thread)."""
        self._last = time.monotonic()

    def stop(self) -> None:
        """Never wait again (the app is closing)."""
        self._stopped.set()

    def busy(self) -> bool:
        return time.monotonic() - self._last < self.quiet

    def give_way(
        self, longest: float | None = None, until: Callable[[], bool] | None = None
    ) -> float:
        """Wait while the user is pressing keys, at most `longest` seconds
        (the pacer's own when None), and no longer than `until()` is false;
        returns the seconds waited."""
        if not self.busy():
            return 0.0
        limit = self.longest if longest is None else longest
        start = time.monotonic()
        while self.busy() and not self._stopped.is_set() and not (until and until()):
            waited = time.monotonic() - start
            if waited >= limit:
                break
            self._stopped.wait(min(0.02, limit - waited))
        return time.monotonic() - start
