"""Holds on Python's cyclic garbage collector, shared by newsdesk's threads.

The collector is one switch for the whole process, and several parts of
newsdesk want it off for a while:

- start-up, until the first screen is drawn: Textual's freshly imported
  modules make a full collection take about 50 ms, and the young ones
  another 20 ms between them;
- a load (a warm index's walk, or a cold load until every file is parsed)
  and each batch of rows the index makes: rows hold no reference cycles,
  yet every collection meanwhile would walk all the rows made so far.

Each takes a `Hold`; the collector runs again once the last one is released,
and only if it ran before the first. What start-up and a walk made is then
settled: moved out of the collector's sight for good (`gc.freeze`).
Imported modules and the rows of a store live for the whole session, and a
full collection that walked them would hold the screen.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_holds = 0
_was_enabled = True
_settle_pending = False
_start_up: Hold | None = None


class Hold:
    """The collector paused (when `active`) until `release()`."""

    __slots__ = ("_held",)

    def __init__(self, active: bool = True) -> None:
        global _holds, _was_enabled
        self._held = active
        if not active:
            return
        with _lock:
            if _holds == 0:
                _was_enabled = gc.isenabled()
                gc.disable()
            _holds += 1

    @property
    def held(self) -> bool:
        return self._held

    def release(self, settle: bool = False) -> None:
        """Let the collector run again, unless another hold is still on.

        With `settle`, what is alive once the last hold is gone is settled
        first: the holder made it to keep (a start-up's modules and widgets,
        a warm walk's rows), and the first young collection would otherwise
        walk all of it at once (13 ms after a warm walk of 100,000 rows).
        """
        global _holds, _settle_pending
        if not self._held:
            return
        self._held = False
        with _lock:
            _holds -= 1
            _settle_pending = _settle_pending or settle
            if _holds == 0:
                if _settle_pending:
                    _settle_pending = False
                    gc.freeze()
                if _was_enabled:
                    gc.enable()


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection in this block (nor, meanwhile, in other threads)."""
    hold = Hold()
    try:
        yield
    finally:
        hold.release()


def settle() -> None:
    """Keep every object alive now out of all later collections.

    Freed objects are still freed as they are let go; only a reference
    cycle among them would no longer be found.
    """
    gc.freeze()


def hold_start_up() -> None:
    """Pause the collector until `start_up_done()` (once per process)."""
    global _start_up
    if _start_up is None:
        _start_up = Hold()


def start_up_done() -> None:
    """Start-up is over: settle what it made and let the collector run."""
    global _start_up
    hold, _start_up = _start_up, None
    if hold is not None:
        hold.release(settle=True)
