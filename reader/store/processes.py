"""Helper processes: how newsdesk starts them, and at what priority.

Parsing (a cold load), walking a large store and filling the body index
run in processes of their own, so that the screen keeps the interpreter
to itself.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import multiprocessing.context

HELPER_NICENESS = 10


def run_below_the_app() -> None:
    """Run a helper at a lower priority than the app.

    The helpers keep every core busy for the length of a cold load; at the
    same priority the app's thread waits its turn for a core (frames of
    40-100 ms for 12-35 ms of work, on 2 cores). Lower, they use what the
    app leaves and it gets a core as soon as it wants one.
    """
    with contextlib.suppress(OSError, AttributeError):
        os.nice(HELPER_NICENESS)


def mp_context() -> multiprocessing.context.BaseContext:
    """How newsdesk starts helper processes (see `reader.store.loader.make_pool`)."""
    # A fork server rather than plain fork: the app runs threads (the event
    # loop, workers), and forking a threaded process can copy held locks.
    import multiprocessing
    from multiprocessing import forkserver, resource_tracker

    methods = multiprocessing.get_all_start_methods()
    use_forkserver = "forkserver" in methods
    context = multiprocessing.get_context("forkserver" if use_forkserver else "spawn")
    if use_forkserver:
        context.set_forkserver_preload(["reader.store.files", "reader.store.frontyaml"])
    # The helper processes inherit standard error. While a Textual app runs,
    # `sys.stderr` is a capture object whose file number is -1, which cannot
    # be passed on: start the helpers against the real stream.
    with _real_stderr():
        resource_tracker.ensure_running()
        if use_forkserver:
            forkserver.ensure_running()
    return context


@contextlib.contextmanager
def _real_stderr() -> Iterator[None]:
    current = sys.stderr
    try:
        valid = current is not None and current.fileno() >= 0
    except (OSError, ValueError, AttributeError):
        valid = False
    if valid or sys.__stderr__ is None:
        yield
        return
    sys.stderr = sys.__stderr__
    try:
        yield
    finally:
        sys.stderr = current
