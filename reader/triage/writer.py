"""Saving triage decisions: one thread owns every use of the state file.

The screen never waits on the disk. A key works out its decision from the
flags the screen shows (`reader.triage.state.plan`: a toggle acts on what the user
sees), applies it to the in-memory flags at once, and hands the write here.
This thread runs the writes in the order they came, and says how each went
through a callback (the app turns those into messages).

A write that fails is not dropped. A decision ("set FIELD to VALUE on KEYS")
stays at the head of the queue, with everything queued after it (order
matters: star then unstar must not land the other way round), and is tried
again every `RETRY` seconds until it goes through. Trying a decision again
is harmless: setting a flag that is already set changes nothing. Undo and
redo are not planned on screen (they need the journal), so when one fails
nothing on screen has changed: it is reported and dropped, never run later
behind the user's back.

Faults, each reported with a reason a user understands:
- another process holds the lock longer than `LOCK_WAIT`: tried again;
- the disk is full, the file or folder is read-only, an I/O error: tried
  again (the user may free space or fix the mode);
- the file is damaged (found at any time, not only at open): it is moved
  aside once (`state.move_aside`), a fresh file is started in its place,
  and the job runs again there. The owner then writes what its screen holds
  into the new file (`restore`), so no decision is lost; the undo history
  starts again.

While idle, the thread asks SQLite whether another process committed to the
file (`PRAGMA data_version`) and reports it, so two instances agree.

Nothing here imports Textual.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

from reader.triage.state import (
    Flags,
    State,
    StateBusyError,
    StateCorruptError,
    StateError,
    move_aside,
)

RETRY = 2.0
"""Seconds between tries of a decision that could not be saved."""
LOCK_WAIT = 1.5
"""Seconds one try waits for another process to release the file's lock."""
POLL = 1.0
"""Seconds between checks, while idle, for commits by other processes."""

_ids = count(1)


@dataclass(eq=False)
class Job:
    """One use of the state, run on the writer's thread."""

    run: Callable[[State], Any]
    keep: bool = False
    """Kept and tried again when it fails (a decision); else dropped."""
    keys: tuple[str, ...] = ()
    """The keys whose flags the screen shows before they are saved."""
    what: str = ""
    """What the job is, for a message ("Starred 1 article")."""
    id: int = field(default_factory=lambda: next(_ids))
    result: Any = None
    _finished: threading.Event = field(default_factory=threading.Event, repr=False)

    def wait(self, timeout: float | None = None) -> Any:
        """Block until the job is done or dropped; its result (None when it
        failed). Never call it on the UI thread."""
        self._finished.wait(timeout)
        return self.result


@dataclass(frozen=True)
class Done:
    job: Job
    result: Any
    after_failure: bool
    """It had failed before: what was waiting is saved now."""


@dataclass(frozen=True)
class Failed:
    job: Job
    reason: str
    kept: bool
    """The job waits to be tried again (else it was dropped)."""
    waiting: int
    """Decisions waiting in the queue, this one included when kept."""


@dataclass(frozen=True)
class Recovered:
    """The state file was damaged: it was moved aside and a new one started."""

    backup: Path
    reason: str
    salvaged: int | None
    """Keys whose flags could still be read from the damaged file (None: none could)."""


@dataclass(frozen=True)
class ChangedElsewhere:
    """Another process committed to the state file."""


Outcome = Done | Failed | Recovered | ChangedElsewhere


def reason_of(error: BaseException) -> str:
    """Why a state write failed, in a few words for the status line."""
    cause = error.__cause__ if isinstance(error, StateError) else error
    if isinstance(error, StateBusyError):
        return "another newsdesk holds the state file's lock"
    if isinstance(cause, sqlite3.Error):
        code = getattr(cause, "sqlite_errorcode", None)
        base = code & 0xFF if isinstance(code, int) else None
        if base == 13 or "full" in str(cause):  # SQLITE_FULL
            return "the disk is full"
        if base == 8:  # SQLITE_READONLY
            return "the state file is read-only"
        if base == 10:  # SQLITE_IOERR
            return "the disk could not be written (I/O error)"
        if base == 14:  # SQLITE_CANTOPEN
            return "the state file cannot be opened"
        return f"SQLite: {cause}"
    if isinstance(error, OSError):
        return error.strerror or str(error)
    return str(error) or type(error).__name__


class StateWriter:
    """Runs jobs on the state, one at a time, on a thread of its own."""

    def __init__(self, state: State, report: Callable[[Outcome], None]) -> None:
        self.state = state
        state.set_busy_timeout(LOCK_WAIT)
        self._report = report
        self._queue: deque[Job] = deque()
        self._cond = threading.Condition()
        self._closing = False
        self._failing: Job | None = None
        """The job at the head that failed and waits to be tried again."""
        self._version: int | None = None
        self._thread = threading.Thread(target=self._loop, name="state-writer", daemon=True)
        self._thread.start()

    # -- the caller's side (any thread) --

    def submit(self, job: Job) -> Job:
        with self._cond:
            self._queue.append(job)
            self._cond.notify()
        return job

    def call(self, run: Callable[[State], Any], what: str = "") -> Job:
        """Run `run(state)` once on this thread; its result comes as `Done`."""
        return self.submit(Job(run, what=what))

    @property
    def failing(self) -> bool:
        """A decision failed to save and waits to be tried again."""
        return self._failing is not None

    def pending(self) -> list[Job]:
        """The jobs not yet done, oldest first."""
        with self._cond:
            return list(self._queue)

    def retry_now(self) -> None:
        """Try a waiting decision again without waiting for `RETRY`."""
        with self._cond:
            self._cond.notify()

    def close(self, timeout: float = 5.0) -> list[Job]:
        """Finish the queue (a failing decision is tried once more), stop the
        thread, and return the jobs that could not be done."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join(timeout)
        with self._cond:
            left = list(self._queue)
            self._queue.clear()
        for job in left:
            job._finished.set()
        return left

    # -- the thread --

    def _loop(self) -> None:
        self._poll()  # the baseline: what others commit from now on is seen
        while True:
            with self._cond:
                # Idle: wait for a job. A decision that failed: wait before
                # the next try. (A new job or `close` wakes either wait.)
                if not self._closing:
                    if not self._queue:
                        self._cond.wait(POLL)
                    elif self._failing is not None:
                        self._cond.wait(RETRY)
                if not self._queue and self._closing:
                    return
                job = self._queue[0] if self._queue else None
            if job is None:
                self._poll()
                continue
            ok = self._attempt(job)
            with self._cond:
                if ok or not job.keep:
                    self._queue.popleft()
                elif self._closing:
                    # What cannot be saved now stays queued, and `close`
                    # hands it back to the caller to say so.
                    return

    def _attempt(self, job: Job) -> bool:
        try:
            try:
                result = job.run(self.state)
            except StateCorruptError as error:
                self._recover(error)
                result = job.run(self.state)
        except (StateError, sqlite3.Error, OSError, ValueError) as error:
            if job.keep:
                self._failing = job
            with self._cond:
                waiting = sum(1 for queued in self._queue if queued.keep)
            if not job.keep:
                job._finished.set()
            self._report(Failed(job, reason_of(error), job.keep, waiting))
            return False
        after = self._failing is job
        if after:
            self._failing = None
        # (Our own commits leave `data_version` as it was: no reset here.)
        job.result = result
        job._finished.set()
        self._report(Done(job, result, after))
        return True

    def _recover(self, error: StateCorruptError) -> None:
        """Move the damaged file aside and start a new one with what can
        still be read of it (the damage may be in the undo journal alone)."""
        path = self.state.path
        salvaged: dict[str, Flags] | None
        try:
            salvaged = self.state.snapshot()
        except (StateError, sqlite3.Error):
            salvaged = None
        with contextlib.suppress(Exception):  # closing a damaged file
            self.state.close()
        backup = move_aside(path)
        self.state = State(path, timeout=LOCK_WAIT)
        if salvaged:
            self.state.restore(salvaged)
        self._version = None
        self._report(Recovered(backup, str(error), None if salvaged is None else len(salvaged)))

    def _poll(self) -> None:
        try:
            version = self.state.data_version()
        except (StateError, sqlite3.Error):
            return
        if self._version is not None and version != self._version:
            self._report(ChangedElsewhere())
        self._version = version


def restore_job(flags: Mapping[str, Flags]) -> Job:
    """A job that writes `flags` (what the screen holds) into a fresh file."""
    snapshot = dict(flags)
    return Job(lambda state: state.restore(snapshot), keep=True, what="restore")
