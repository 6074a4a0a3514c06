"""`reader.gc_pause`: holds on the cyclic garbage collector, shared by threads.

The collector's switch belongs to the whole process: the checks that look at
what a hold leaves frozen run in a child process of their own.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader import gc_pause
from reader.triage.state import State
from reader.ui.app import NewsdeskApp
from tests.conftest import SHARED_SAMPLE, needs_shared, wait_loaded


@pytest.fixture(autouse=True)
def collector_enabled() -> Iterator[None]:
    gc.enable()
    yield
    gc_pause.start_up_done()
    gc.enable()


def test_the_collector_runs_again_once_the_last_hold_is_released() -> None:
    first = gc_pause.Hold()
    second = gc_pause.Hold()
    assert not gc.isenabled()
    first.release()
    assert not gc.isenabled()
    first.release()  # a second release of the same hold counts for nothing
    assert not gc.isenabled()
    second.release()
    assert gc.isenabled()


def test_an_inactive_hold_leaves_the_collector_alone() -> None:
    hold = gc_pause.Hold(active=False)
    assert gc.isenabled()
    assert not hold.held
    hold.release()
    assert gc.isenabled()


def test_a_collector_paused_before_the_first_hold_stays_paused() -> None:
    gc.disable()
    with gc_pause.paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_paused_releases_its_hold_when_the_block_raises() -> None:
    with pytest.raises(ValueError), gc_pause.paused():
        raise ValueError
    assert gc.isenabled()


SETTLE = textwrap.dedent(
    """
    import gc, sys
    from reader import gc_pause
    settle = sys.argv[1] == "settle"
    start_up = sys.argv[2] == "start-up"
    if start_up:
        gc_pause.hold_start_up()
    hold = gc_pause.Hold()
    kept = [[i] for i in range(10_000)]  # containers the collector tracks
    before = gc.get_freeze_count()
    hold.release(settle=settle)
    after_hold = gc.get_freeze_count()
    gc_pause.start_up_done()
    print(gc.isenabled(), after_hold - before >= 10_000, gc.get_freeze_count() - before >= 10_000)
    """
)


@pytest.mark.parametrize(
    ("settle", "start_up", "expected"),
    [
        # Settled as the last hold goes.
        ("settle", "no", "True True True"),
        # Not settled: nothing is frozen.
        ("keep", "no", "True False False"),
        # The start-up hold is still on: neither settled nor running until it ends.
        ("settle", "start-up", "True False True"),
        ("keep", "start-up", "True False True"),
    ],
)
def test_what_the_holds_made_is_settled_when_the_last_one_goes(
    settle: str, start_up: str, expected: str
) -> None:
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", SETTLE, settle, start_up],
        capture_output=True,
        text=True,
        cwd=root,
        check=True,
    )
    assert done.stdout.split() == expected.split()


@needs_shared
async def test_the_app_ends_the_start_up_hold(tmp_path: Path) -> None:
    gc_pause.hold_start_up()
    assert not gc.isenabled()
    frozen = gc.get_freeze_count()
    app = NewsdeskApp(SHARED_SAMPLE, state=State(tmp_path / "state.sqlite3"))
    async with app.run_test(size=(120, 32)) as pilot:
        await wait_loaded(pilot)
        assert gc.isenabled()
        assert gc.get_freeze_count() > frozen
