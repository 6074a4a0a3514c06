"""Benchmark of the triage state (reader/state.py).

The budget from the triage issue: a bulk action over 10,000 articles and its
undo each take under 200 ms. The state file is filled first so that it looks
like a long-used one (100,000 keys with state, a few hundred journaled
actions), then every figure is measured several times and the median printed.

    .venv/bin/python benchmarks/bench_state.py [--runs 7] [--dir FOLDER]
    .venv/bin/python benchmarks/bench_state.py --filled 1000000 --bulk 100000

`--filled` and `--bulk` change the state's size and the bulk actions' (a
store of a million articles: a bulk action on 100,000 and its undo each
within a second, the budget then being 10 ms per 1,000 articles).

`--dir` puts the state file on a given file system (commits are fsynced, so
the disk matters); the default is a temporary folder. The exit status is 1
when a budgeted figure is over budget. CPU time is printed beside the wall
time: on a busy machine it shows the cost of the work itself.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from itertools import count
from pathlib import Path

# Run from a checkout without installing: the repository root goes on the path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reader.triage.state import State

BUDGET_MS = 200.0
BULK = 10_000
FILLED = 100_000


def url(i: int) -> str:
    return f"https://news.example.com/2020/07/{i:06d}/a-headline-of-typical-length"


def fill(state: State) -> None:
    """State for all 100,000 keys and some history, as after months of use."""
    everything = [url(i) for i in range(FILLED)]
    for start in range(0, FILLED, 10_000):
        state.set_read(everything[start : start + 9_000])
    state.set_starred(everything[::20])
    state.set_archived(everything[1::10])
    for n, tag in enumerate(("later", "work", "follow up", "ai")):
        state.add_tag(everything[n::40], tag)
    for i in range(300):  # one-key decisions
        state.toggle_read(everything[i * 7])


Timing = tuple[float, float]
"""Wall-clock and CPU milliseconds of one run."""


def timed(action: Callable[[], object]) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def measure(runs: int, action: Callable[[], object], setup: Callable[[], object]) -> list[Timing]:
    times = []
    for _ in range(runs):
        setup()
        times.append(timed(action))
    return times


def main() -> int:
    global BUDGET_MS, BULK, FILLED
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--filled", type=int, default=FILLED, help="keys with state first")
    parser.add_argument("--bulk", type=int, default=BULK, help="articles of a bulk action")
    args = parser.parse_args()
    runs: int = args.runs
    BULK, FILLED = args.bulk, args.filled
    BUDGET_MS = max(BUDGET_MS, BULK / 100)

    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        path = Path(folder) / "state.sqlite3"
        started = time.perf_counter()
        with State(path) as state:
            fill(state)
        fill_s = time.perf_counter() - started

        results: list[tuple[str, list[Timing], bool]] = []

        def record(name: str, times: list[Timing], budgeted: bool = False) -> None:
            results.append((name, times, budgeted))

        record("open a state file", measure(runs, lambda: State(path).close(), lambda: None))

        state = State(path)
        snapshot_times = measure(runs, state.snapshot, lambda: None)
        size = len(state.snapshot())
        record(f"snapshot() of {size:,} keys", snapshot_times)
        record("tags()", measure(runs, state.tags, lambda: None))

        key = url(FILLED + 1)
        record(
            "one-key toggle (m)",
            measure(max(runs, 30), lambda: state.toggle_read(key), lambda: None),
        )

        # Fresh keys each run, so that all 10,000 change (the worst case).
        batches = ([url(FILLED + 10 + r * BULK + i) for i in range(BULK)] for r in count())
        current: list[list[str]] = [[]]

        def next_batch() -> None:
            current[0] = next(batches)

        def next_batch_done() -> None:
            next_batch()
            state.set_read(current[0])

        record(
            f"bulk mark {BULK:,} read (A)",
            measure(runs, lambda: state.set_read(current[0]), next_batch),
            budgeted=True,
        )
        record(f"undo of bulk read of {BULK:,}", measure(runs, state.undo, next_batch_done), True)

        def undone() -> None:
            next_batch_done()
            state.undo()

        record(f"redo of bulk read of {BULK:,}", measure(runs, state.redo, undone), True)
        record(
            f"bulk tag {BULK:,} (t)",
            measure(runs, lambda: state.add_tag(current[0], "bulk"), next_batch),
            budgeted=True,
        )

        def tagged() -> None:
            next_batch()
            state.add_tag(current[0], "bulk")

        record(f"undo of bulk tag of {BULK:,}", measure(runs, state.undo, tagged), True)
        state.close()

    print(f"newsdesk state benchmark: {platform.python_version()}, {platform.platform()}")
    print(f"{os.cpu_count()} CPUs, load average {_load()}")
    print(f"state file in {args.dir or tempfile.gettempdir()}; filled in {fill_s:.1f} s")
    print(f"median of {runs} runs; the budget ({BUDGET_MS:.0f} ms) applies to the wall time\n")
    over = False
    width = max(len(name) for name, _, _ in results)
    print(f"  {'':<{width}}  {'wall':>8}     {'(min-max)':<15} {'cpu':>8}")
    for name, times, budgeted in results:
        walls = [wall for wall, _ in times]
        median = statistics.median(walls)
        cpu = statistics.median(c for _, c in times)
        verdict = ""
        if budgeted:
            ok = median < BUDGET_MS
            over |= not ok
            verdict = "  ok" if ok else "  OVER BUDGET"
        spread = f"({min(walls):.1f}-{max(walls):.1f})"
        print(f"  {name:<{width}}  {median:8.1f} ms  {spread:<15} {cpu:8.1f} ms{verdict}")
    return 1 if over else 0


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except (AttributeError, OSError):
        return "unknown"


if __name__ == "__main__":
    raise SystemExit(main())
