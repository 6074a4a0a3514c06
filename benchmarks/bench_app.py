"""Benchmark the newsdesk app itself: the real command in a real terminal.

    .venv/bin/python benchmarks/bench_app.py                      # 1k, 10k, 100k; 3 runs
    .venv/bin/python benchmarks/bench_app.py --sizes 1k,10k --runs 5
    .venv/bin/python benchmarks/bench_app.py --modes cold,warm    # needs `--cache`

The package is byte-compiled first, as installing the wheel does. Each run
starts `newsdesk STORE` in a detached tmux session of 140x40 on a
private tmux server (`tmux -L`), with `NEWSDESK_TIMINGS` pointing at a file in
a fresh temporary folder (the triage state, the config, cache and data
folders are there too, so nothing of the user's is read or written). A
tmux control-mode client (`tmux -C`) watches what the app writes to the pane
and sends the keys. Per run:

1. an empty Textual app (`benchmarks/empty_app.py`) is started the same way
   and timed the same way: the baseline the first screen is compared to;
   then it gets the same 200 held `j` keys as newsdesk does in step 4 (it
   counts them on screen): the floor of key latency in this terminal;
2. newsdesk starts; the time from process start to its `first_screen` mark
   is the first screen, cross-checked by the moment the first article row
   (a date) is written to the pane;
3. while the store loads, a key is sent every 40 ms, each once the one
   before has been handled (so that a key's latency is the stall it met,
   not a queue of keys): `j`, then `k` and `j` in turn (the cursor stays on
   rows 1-2: no scrolling). 40 ms is under the detail pane's 50 ms delay,
   so the probe does not make the detail pane render each article (unless
   the keys are slowed down by the app itself). The slowest of those keys
   is the longest stall of the UI during the load ("key latency during
   load, max");
4. after the `loaded` mark, once those keys are handled, and a short pause:
   `g`, then 200 `j` keys 20 ms apart (holding a key down), then 20 keys
   150 ms apart (reading: the detail pane follows the cursor between keys);
   each series waits for the marks of the one before;
5. once the query indexes are built (the `prepared` mark), the process's
   peak resident memory (VmHWM) is read from /proc, and `q` quits.

Key latency is given two ways: "app" is the `ms` of newsdesk's `key` mark
(from handling the cursor move to the end of the next refresh); "end to
end" is from the moment the key is sent to tmux to the `t` of that mark, so
it includes the time the key waits while the UI thread is busy. For the
reading keys, the time from the key sent to the article drawn in the detail
pane (newsdesk's `detail` mark) is given as well. Memory is
given for the newsdesk process (VmHWM) and, sampled every second, for it
with its helper processes (sum of PSS). CPU times of the process (from
/proc) are given too: on a busy machine they show the cost of the work
itself, apart from the wait for a core.

A load that has not finished after `--load-timeout` seconds is reported as
"> N s", and the keys and memory are then measured with the load going on.

The figures are medians over `--runs` runs; a Markdown table is printed
(with the machine it ran on) and everything, per run, goes to
`benchmarks/out/app.json`. Snapshots of the pane at each phase go to
`benchmarks/out/app-panes/`.

Modes: while newsdesk has no article index, every run reads the whole store
("no index"). Once `newsdesk --help` offers `--cache`, the default is to
measure both a cold start (`--cache` in the run's folder, with `--rebuild`
when offered) and then a warm start from the index that cold run wrote.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import json
import math
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV_BIN = ROOT / ".venv" / "bin"
STORES = HERE / "stores"
OUT = HERE / "out"
EMPTY_APP = HERE / "empty_app.py"
WIDTH, HEIGHT = 140, 40

FIRST_SCREEN_TIMEOUT = 60.0
QUIT_TIMEOUT = 30.0
SETTLE = 1.0
"""Seconds between the `loaded` mark and the first measured key."""
DRAIN = 0.5
"""Seconds to wait after the last key of a phase for its marks."""
BACKLOG_TIMEOUT = 120.0
"""Seconds to wait for the marks of keys sent (the app may have queued them)."""
STUCK = 30.0
"""During the load, a key without a mark after this long no longer holds
back the next one."""
PREPARED_TIMEOUT = 60.0
"""Seconds to wait for the query indexes before reading the peak memory."""
SAMPLE_INTERVAL = 1.0
"""Seconds between samples of the memory of newsdesk and its helpers."""

TARGET_RATIO = 1.5
TARGET_P95_MS = 16.0
TARGET_STALL_MS = 50.0
TARGET_MEMORY_MB = 250.0

DATE = re.compile(r"(?<!\d)(?:19|20)\d\d-[01]\d-[0-3]\d(?!\d)")
"""A date in the article list: the first article row is on screen."""
ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    r"|\x1bP[^\x1b]*\x1b\\"  # DCS
    r"|\x1b[@-_]"  # other two-byte sequences
)
OCTAL = re.compile(rb"\\([0-7]{3})")


# -- small helpers ----------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile, or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def median(values: Iterator[float | None] | Sequence[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def read_status_kb(pid: int, field_name: str) -> int | None:
    """A `kB` field of /proc/PID/status (VmHWM, VmRSS), or None once gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (the loader's worker processes)."""
    found = [pid]
    index = 0
    while index < len(found):
        current = found[index]
        index += 1
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as handle:
                    found.extend(int(child) for child in handle.read().split())
            except (OSError, ValueError):
                continue
    return found


def pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return 0
    return 0


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            state = handle.read().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state not in {"Z", "X"}


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU time of a process so far (10 ms resolution)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_delta(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def load_average() -> float:
    return os.getloadavg()[0]


# -- the machine --------------------------------------------------------------------


def machine(python: Path) -> dict[str, Any]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    probe = (
        "import json, platform, textual; "
        "print(json.dumps([platform.python_version(), textual.__version__]))"
    )
    try:
        output = subprocess.run(
            [str(python), "-c", probe], capture_output=True, text=True, check=True
        ).stdout
        python_version, textual_version = json.loads(output)
    except (OSError, subprocess.CalledProcessError, ValueError):
        python_version, textual_version = platform.python_version(), "unknown"
    tmux_version = subprocess.run(["tmux", "-V"], capture_output=True, text=True).stdout.strip()
    memory_mb = (os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")) // 2**20
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory_mb": memory_mb,
        "os": f"{platform.system()} {platform.release()}",
        "python": python_version,
        "textual": textual_version,
        "tmux": tmux_version,
        "terminal": f"{WIDTH}x{HEIGHT}",
    }


# -- what newsdesk offers -----------------------------------------------------------


@dataclass(slots=True)
class Features:
    cache: bool
    rebuild: bool
    cache_is_folder: bool
    """Whether `--cache` names a folder (its metavar says DIR) or a file."""


def detect_features(newsdesk: Path) -> Features:
    """What `newsdesk --help` offers (options of the reader itself, not of a
    subcommand mentioned in the epilog)."""
    help_text = subprocess.run(
        [str(newsdesk), "--help"], capture_output=True, text=True, check=True
    ).stdout
    # In the usage line (`[--cache PATH]`) or at the start of a line of the
    # options list (`  --cache PATH  help`, `  -c PATH, --cache PATH`).
    option = r"(?:\[|^\s*(?:-\w(?: \S+)?, )?)"
    cache = re.search(option + r"--cache\b(?:[ =]([A-Z_]+))?", help_text, re.MULTILINE)
    rebuild = re.search(option + r"--rebuild\b", help_text, re.MULTILINE)
    return Features(
        cache=cache is not None,
        rebuild=rebuild is not None,
        cache_is_folder=bool(cache and cache.group(1) and re.search(r"DIR|FOLDER", cache.group(1))),
    )


MODE_TITLES = {
    "plain": "newsdesk STORE (no index: the whole store is read)",
    "cold": "cold start (no index yet: --cache in an empty folder, --rebuild)",
    "warm": "warm start (from the index the cold run wrote)",
}


def choose_modes(requested: str, features: Features) -> list[str]:
    if requested == "auto":
        return ["cold", "warm"] if features.cache else ["plain"]
    modes = [mode.strip() for mode in requested.split(",") if mode.strip()]
    for mode in modes:
        if mode not in MODE_TITLES:
            raise SystemExit(f"bench_app: unknown mode {mode!r} (plain, cold, warm, auto)")
        if mode in {"cold", "warm"} and not features.cache:
            raise SystemExit(f"bench_app: mode {mode} needs `newsdesk --cache`, not offered yet")
    return modes


# -- tmux -----------------------------------------------------------------------------


class Tmux:
    """A private tmux server (its own socket, no configuration file)."""

    def __init__(self) -> None:
        self.socket = f"newsdesk-bench-{os.getpid()}"
        self.base = ["tmux", "-L", self.socket, "-f", "/dev/null"]

    def run(self, *args: str, check: bool = True) -> str:
        for _ in range(5):
            result = subprocess.run(
                [*self.base, *args], capture_output=True, text=True, check=False
            )
            # The server quits when its last session ends; a command that
            # reaches it as it goes starts a new one on the next try.
            if "server exited unexpectedly" not in result.stderr:
                break
            time.sleep(0.2)
        if check and result.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def kill_server(self) -> None:
        self.run("kill-server", check=False)
        folder = Path(os.environ.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}"
        with contextlib.suppress(OSError):
            (folder / self.socket).unlink()


class Control:
    """A tmux control-mode client: sends keys, and timestamps pane output.

    `first_output` is when the app first wrote to the pane, `first_match`
    when text matching `pattern` first appeared in what it wrote (escape
    sequences removed).
    """

    def __init__(self, tmux: Tmux, session: str, pattern: re.Pattern[str]) -> None:
        self.session = session
        self.pattern = pattern
        self.first_output: float | None = None
        self.first_match: float | None = None
        self.output_lines = 0
        self.attached = threading.Event()
        self.process = subprocess.Popen(
            [*tmux.base, "-C", "attach-session", "-t", f"={session}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        tail = ""
        for line in iter(stdout.readline, b""):
            now = time.time()
            if line.startswith(b"%session-changed"):
                self.attached.set()
            if not line.startswith(b"%output "):
                continue
            self.output_lines += 1
            if self.first_output is None:
                self.first_output = now
            if self.first_match is None:
                data = line.rstrip(b"\n").split(b" ", 2)[-1]
                raw = OCTAL.sub(lambda m: bytes([int(m.group(1), 8)]), data)
                text = tail + ESCAPES.sub("", raw.decode("utf-8", "replace"))
                if self.pattern.search(text):
                    self.first_match = now
                tail = text[-40:]
        self.attached.set()

    def send(self, *keys: str) -> float:
        """Send keys to the pane; return when they were sent (unix time)."""
        stdin = self.process.stdin
        assert stdin is not None
        line = "send-keys -t " + shlex.quote(f"={self.session}:") + " " + " ".join(keys)
        sent = time.time()
        with contextlib.suppress(BrokenPipeError, OSError):
            stdin.write(line.encode() + b"\n")
            stdin.flush()
        return sent

    def close(self) -> None:
        with contextlib.suppress(OSError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# -- timing marks ---------------------------------------------------------------------


@dataclass(slots=True)
class KeyMark:
    t: float
    ms: float


class Marks:
    """Reads the timing marks an app appends to its file, as they come."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0
        self._partial = b""
        self.first_screen: dict[str, Any] | None = None
        self.loaded: dict[str, Any] | None = None
        self.keys: list[KeyMark] = []
        self._key_times: list[float] = []
        self.details: list[KeyMark] = []
        """`detail` marks: an article shown in the detail pane, drawn."""
        self.other: list[dict[str, Any]] = []

    def poll(self) -> None:
        try:
            if os.stat(self.path).st_size == self._offset:
                return
            with open(self.path, "rb") as handle:
                handle.seek(self._offset)
                data = handle.read()
        except FileNotFoundError:
            return
        if not data:
            return
        self._offset += len(data)
        *lines, self._partial = (self._partial + data).split(b"\n")
        for line in lines:
            if not line.strip():
                continue
            record = json.loads(line)
            event = record.get("event")
            if event == "key":
                mark = KeyMark(float(record["t"]), float(record["ms"]))
                self.keys.append(mark)
                self._key_times.append(mark.t)
            elif event == "detail":
                self.details.append(KeyMark(float(record["t"]), float(record["ms"])))
            elif event == "first_screen" and self.first_screen is None:
                self.first_screen = record
            elif event == "loaded" and self.loaded is None:
                self.loaded = record
            else:
                self.other.append(record)

    def count_since(self, start: float) -> int:
        """Key marks at or after `start` (marks come in time order)."""
        return len(self._key_times) - bisect.bisect_left(self._key_times, start)

    def keys_between(self, start: float, end: float) -> list[KeyMark]:
        return [mark for mark in self.keys if start <= mark.t < end]


def match_keys(sent: Sequence[float], marks: Sequence[KeyMark]) -> list[tuple[float, KeyMark]]:
    """Pair each key sent with its mark: the first mark not paired yet that
    came after it. A mark with no key (a cursor moved by the app itself) is
    passed over by the next key sent after it."""
    pairs: list[tuple[float, KeyMark]] = []
    position = 0
    for when in sent:
        while position < len(marks) and marks[position].t < when:
            position += 1
        if position == len(marks):
            break
        pairs.append((when, marks[position]))
        position += 1
    return pairs


@dataclass(slots=True)
class KeyStats:
    sent: int
    marked: int
    app_p50: float | None
    app_p95: float | None
    app_max: float | None
    e2e_p50: float | None
    e2e_p95: float | None
    e2e_max: float | None


def key_stats(sent: Sequence[float], marks: Sequence[KeyMark]) -> KeyStats:
    pairs = match_keys(sent, marks)
    app = [mark.ms for _, mark in pairs]
    e2e = [(mark.t - when) * 1000 for when, mark in pairs]
    return KeyStats(
        sent=len(sent),
        marked=len(pairs),
        app_p50=percentile(app, 0.5),
        app_p95=percentile(app, 0.95),
        app_max=max(app, default=None),
        e2e_p50=percentile(e2e, 0.5),
        e2e_p95=percentile(e2e, 0.95),
        e2e_max=max(e2e, default=None),
    )


# -- one run of one app -------------------------------------------------------------


@dataclass
class RunResult:
    app: str
    mode: str
    size: str
    run: int
    load_average: float
    first_output_s: float | None = None
    first_screen_s: float | None = None
    first_row_s: float | None = None
    first_screen_rows: int | None = None
    loaded_s: float | None = None
    rows: int | None = None
    problems: int | None = None
    keys_during_load: KeyStats | None = None
    keys_held: KeyStats | None = None
    keys_reading: KeyStats | None = None
    detail_reading: KeyStats | None = None
    """Reading keys to the article's detail drawn (its `detail` mark)."""
    cpu_first_screen_s: float | None = None
    """CPU time of the process when its first screen was seen."""
    cpu_loaded_s: float | None = None
    cpu_per_held_key_ms: float | None = None
    """CPU time of the process over the held keys, per key."""
    vmhwm_mb: float | None = None
    tree_pss_peak_mb: float | None = None
    quit_s: float | None = None
    exit_status: str | None = None
    load_timed_out: bool = False
    error: str | None = None
    extra_marks: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class Options:
    newsdesk: Path
    python: Path
    keys: int
    key_interval: float
    reading_keys: int
    reading_interval: float
    load_key_interval: float
    load_keys_max: int
    load_timeout: float
    panes: Path | None


class Session:
    """One app in one tmux session, started on a signal so that the control
    client is attached before the app writes anything."""

    def __init__(
        self,
        tmux: Tmux,
        name: str,
        folder: Path,
        argv: Sequence[str],
        pattern: re.Pattern[str],
    ) -> None:
        self.tmux = tmux
        self.name = name
        self.folder = folder
        self.timings = folder / "timings.jsonl"
        self.marks = Marks(self.timings)
        fifo = folder / "go"
        os.mkfifo(fifo)
        started = folder / "started"
        env = {
            "NEWSDESK_TIMINGS": str(self.timings),
            "XDG_CONFIG_HOME": str(folder / "config"),
            "XDG_CACHE_HOME": str(folder / "cache"),
            "XDG_DATA_HOME": str(folder / "data"),
            "XDG_STATE_HOME": str(folder / "state"),
            "COLORTERM": "truecolor",
            "LANG": os.environ.get("LANG") or "C.UTF-8",
        }
        assignments = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
        command = (
            f"read _ < {shlex.quote(str(fifo))};"
            f" date +%s.%N > {shlex.quote(str(started))};"
            f" cd {shlex.quote(str(folder))};"
            f" {assignments} exec {' '.join(shlex.quote(part) for part in argv)}"
        )
        tmux.run(
            "new-session", "-d", "-s", name, "-x", str(WIDTH), "-y", str(HEIGHT),
            f"exec /bin/sh -c {shlex.quote(command)}",
            ";", "set-option", "-w", "-t", f"={name}:", "remain-on-exit", "on",
        )  # fmt: skip
        self.pid = int(tmux.run("display-message", "-p", "-t", f"={name}:", "#{pane_pid}"))
        self.control = Control(tmux, name, pattern)
        self.control.attached.wait(5)
        released = time.time()
        with open(fifo, "w") as handle:
            handle.write("go\n")
        self.start = released
        deadline = time.time() + 5
        while time.time() < deadline:
            with contextlib.suppress(OSError, ValueError):
                text = started.read_text().strip()
                if text:
                    self.start = float(text)
                    break
            time.sleep(0.002)

    def since_start(self, when: float | None) -> float | None:
        return None if when is None else when - self.start

    def capture(self) -> str:
        return self.tmux.run("capture-pane", "-p", "-t", f"={self.name}:", check=False)

    def quit(self) -> tuple[float | None, str | None]:
        """Press `q`; return the seconds until the process ended, and its status."""
        sent = self.control.send("q")
        deadline = sent + QUIT_TIMEOUT
        while alive(self.pid) and time.time() < deadline:
            time.sleep(0.005)
        ended = None if alive(self.pid) else time.time() - sent
        status = None
        deadline = time.time() + 5
        while ended is not None and time.time() < deadline:
            out = self.tmux.run(
                "display-message", "-p", "-t", f"={self.name}:",
                "#{pane_dead} #{pane_dead_status} #{pane_dead_signal}", check=False,
            ).split()  # fmt: skip
            if out and out[0] == "1":
                status = out[1] if len(out) > 1 else None
                if len(out) > 2 and out[2] not in {"", "0"}:
                    status = f"signal {out[2]}"
                break
            time.sleep(0.02)
        return ended, status

    def close(self) -> None:
        self.control.close()
        self.tmux.run("kill-session", "-t", f"={self.name}", check=False)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if alive(self.pid):
                os.kill(self.pid, 9)


class MemorySampler:
    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kb = 0
        self._next = 0.0

    def maybe(self) -> None:
        now = time.monotonic()
        if now >= self._next:
            self._next = now + SAMPLE_INTERVAL
            self.sample()

    def sample(self) -> None:
        total = sum(pss_kb(pid) for pid in process_tree(self.pid))
        self.peak_kb = max(self.peak_kb, total)


def save_pane(options: Options, session: Session, label: str) -> None:
    if options.panes is None:
        return
    options.panes.mkdir(parents=True, exist_ok=True)
    (options.panes / f"{label}.txt").write_text(session.capture())


def wait_until(
    condition: Callable[[], bool], timeout: float, tick: Callable[[], None] | None = None
) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if tick is not None:
            tick()
        if condition():
            return True
        time.sleep(0.005)
    return False


def wait_for_keys(marks: Marks, sent: Sequence[float], tick: Callable[[], None]) -> None:
    """Wait until every key in `sent` has its mark (a queue of keys drained)."""
    if sent:
        wait_until(lambda: marks.count_since(sent[0]) >= len(sent), BACKLOG_TIMEOUT, tick)
        wait_until(lambda: False, 0.1, tick)


def send_paced(control: Control, count: int, interval: float, key: str = "j") -> list[float]:
    """Send `key` `count` times, `interval` seconds apart (on a fixed schedule)."""
    sent: list[float] = []
    begin = time.time()
    for index in range(count):
        delay = begin + index * interval - time.time()
        if delay > 0:
            time.sleep(delay)
        sent.append(control.send(key))
    return sent


def hold_keys(
    session: Session, options: Options, result: RunResult, tick: Callable[[], None]
) -> list[float]:
    """Send `options.keys` `j` keys as if held down and wait for their marks;
    records the CPU time per key. Returns when each key was sent."""
    cpu_before = cpu_seconds(session.pid)
    held = send_paced(session.control, options.keys, options.key_interval)
    wait_for_keys(session.marks, held, tick)
    cpu_held = cpu_delta(cpu_before, cpu_seconds(session.pid))
    if cpu_held is not None and held:
        result.cpu_per_held_key_ms = cpu_held * 1000 / len(held)
    return held


def run_empty(tmux: Tmux, options: Options, size: str, run: int) -> RunResult:
    result = RunResult("empty", "-", size, run, load_average())
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as tmp:
        folder = Path(tmp)
        marker = re.compile(re.escape("Empty Textual app"))
        session = Session(
            tmux, f"empty-{size}-{run}", folder, [str(options.python), str(EMPTY_APP)], marker
        )
        try:
            marks = session.marks
            ok = wait_until(
                lambda: marks.first_screen is not None and session.control.first_match is not None,
                FIRST_SCREEN_TIMEOUT,
                marks.poll,
            )
            if not ok:
                result.error = "no first screen"
            result.cpu_first_screen_s = cpu_seconds(session.pid)
            if marks.first_screen is not None:
                result.first_screen_s = session.since_start(marks.first_screen["t"])
            result.first_row_s = session.since_start(session.control.first_match)
            result.first_output_s = session.since_start(session.control.first_output)
            save_pane(options, session, f"empty-{size}-run{run}")
            # The same held keys as newsdesk gets: the floor of this terminal
            # and of Textual, key sent to frame written.
            wait_until(lambda: False, 0.3, marks.poll)
            held = hold_keys(session, options, result, marks.poll)
            if held:
                result.keys_held = key_stats(held, marks.keys_between(held[0], math.inf))
            result.vmhwm_mb = (read_status_kb(session.pid, "VmHWM") or 0) / 1024 or None
            result.quit_s, result.exit_status = session.quit()
        finally:
            session.close()
    return result


def newsdesk_argv(
    options: Options, store: Path, folder: Path, mode: str, cache: Path, features: Features
) -> list[str]:
    argv = [str(options.newsdesk), str(store), "--state", str(folder / "state.sqlite3")]
    if mode in {"cold", "warm"}:
        argv += ["--cache", str(cache)]
        if mode == "cold" and features.rebuild:
            argv.append("--rebuild")
    return argv


def run_newsdesk(
    tmux: Tmux,
    options: Options,
    size: str,
    run: int,
    mode: str,
    argv: Sequence[str],
    folder: Path,
) -> RunResult:
    result = RunResult("newsdesk", mode, size, run, load_average())
    label = f"{mode}-{size}-run{run}"
    session = Session(tmux, f"{mode}-{size}-{run}", folder, argv, DATE)
    marks = session.marks
    memory = MemorySampler(session.pid)

    def tick() -> None:
        marks.poll()
        memory.maybe()

    try:
        if not wait_until(lambda: marks.first_screen is not None, FIRST_SCREEN_TIMEOUT, tick):
            result.error = "no first_screen mark"
            save_pane(options, session, f"{label}-error")
            return result
        assert marks.first_screen is not None
        result.cpu_first_screen_s = cpu_seconds(session.pid)
        result.first_screen_s = session.since_start(marks.first_screen["t"])
        result.first_screen_rows = marks.first_screen.get("rows")
        save_pane(options, session, f"{label}-1-first-screen")

        # While the store loads: a key every `load_key_interval` seconds, but
        # only once the previous key has been handled, so that each key's
        # latency is the stall it met, not a queue of keys sent before it.
        load_sent: list[float] = []
        deadline = session.start + options.load_timeout
        next_key = time.time()
        saved_mid = False
        next_check = 0.0
        while marks.loaded is None:
            now = time.time()
            if now >= next_check:
                next_check = now + 0.25
                if not alive(session.pid):
                    result.error = "newsdesk exited during the load"
                    save_pane(options, session, f"{label}-error")
                    return result
                if now > deadline:
                    break
            waiting = bool(load_sent) and marks.count_since(load_sent[0]) < len(load_sent)
            stuck = waiting and now - load_sent[-1] > STUCK
            if (
                options.load_key_interval > 0
                and len(load_sent) < options.load_keys_max
                and now >= next_key
                and (not waiting or stuck)
            ):
                # j, then k and j in turn: the cursor stays on rows 1 and 2,
                # so no key scrolls the list and the view stays anchored.
                key = "k" if len(load_sent) % 2 == 0 and load_sent else "j"
                load_sent.append(session.control.send(key))
                next_key = max(next_key + options.load_key_interval, now)
            if not saved_mid and now - session.start > 5:
                saved_mid = True
                save_pane(options, session, f"{label}-2-loading")
            tick()
            time.sleep(0.005)
        result.first_row_s = session.since_start(session.control.first_match)
        result.first_output_s = session.since_start(session.control.first_output)
        loaded = marks.loaded
        if loaded is None:
            # Not loaded in time: the rest is measured all the same, with the
            # load still going on (the table says so).
            result.error = f"not loaded after {options.load_timeout:g} s"
            result.load_timed_out = True
            save_pane(options, session, f"{label}-2-timeout")
        else:
            result.cpu_loaded_s = cpu_seconds(session.pid)
            result.loaded_s = session.since_start(loaded["t"])
            result.rows = loaded.get("rows")
            result.problems = loaded.get("problems")

        if load_sent:
            wait_for_keys(marks, load_sent, tick)
        wait_until(lambda: False, SETTLE, tick)
        memory.sample()
        save_pane(options, session, f"{label}-3-loaded")
        top = session.control.send("g")
        wait_until(lambda: False, 0.3, tick)

        held = hold_keys(session, options, result, tick)
        wait_until(lambda: False, DRAIN, tick)
        reading = send_paced(session.control, options.reading_keys, options.reading_interval)
        wait_for_keys(marks, reading, tick)
        wait_until(lambda: False, DRAIN, tick)
        memory.sample()
        save_pane(options, session, f"{label}-4-after-keys")

        end = time.time() + 3600
        if load_sent:
            result.keys_during_load = key_stats(load_sent, marks.keys_between(load_sent[0], top))
        if held:
            result.keys_held = key_stats(
                held, marks.keys_between(held[0], reading[0] if reading else end)
            )
        if reading:
            result.keys_reading = key_stats(reading, marks.keys_between(reading[0], end))
            details = [mark for mark in marks.details if mark.t >= reading[0]]
            result.detail_reading = key_stats(reading, details)
        result.extra_marks = marks.other

        # The peak comes once the query indexes are built (they wait while
        # keys come in): read it after the `prepared` mark.
        wait_until(
            lambda: any(mark.get("event") == "prepared" for mark in marks.other),
            PREPARED_TIMEOUT,
            tick,
        )
        memory.sample()
        hwm = read_status_kb(session.pid, "VmHWM")
        result.vmhwm_mb = None if hwm is None else hwm / 1024
        result.tree_pss_peak_mb = memory.peak_kb / 1024 or None
        result.quit_s, result.exit_status = session.quit()
        if result.quit_s is None:
            result.error = "; ".join(filter(None, [result.error, "did not quit"]))
        elif result.exit_status not in {None, "0"}:
            result.error = "; ".join(filter(None, [result.error, f"exit {result.exit_status}"]))
        save_pane(options, session, f"{label}-5-exit")
        return result
    finally:
        session.close()


def prime_index(
    tmux: Tmux, options: Options, size: str, run: int, argv: Sequence[str], folder: Path
) -> None:
    """Fill the index without measuring (for a warm start without a cold run)."""
    session = Session(tmux, f"prime-{size}-{run}", folder, argv, DATE)
    try:
        wait_until(
            lambda: session.marks.loaded is not None, options.load_timeout, session.marks.poll
        )
        session.quit()
    finally:
        session.close()


# -- medians and the table ----------------------------------------------------------


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def summarise(
    runs: Sequence[RunResult], empties: Sequence[RunResult], load_timeout: float
) -> dict[str, Any]:
    """Medians over runs of each figure (a run's key percentiles are its own)."""
    by_run = {empty.run: empty for empty in empties}

    def keys(name: str, attribute: str, of: Sequence[RunResult] = runs) -> float | None:
        values = []
        for run in of:
            stats = getattr(run, name)
            values.append(None if stats is None else getattr(stats, attribute))
        return median(values)

    return {
        "runs": len(runs),
        "load_timeout_s": load_timeout,
        "errors": [run.error for run in runs if run.error] + [e.error for e in empties if e.error],
        "empty_first_screen_s": median([e.first_screen_s for e in empties]),
        "empty_first_row_s": median([e.first_row_s for e in empties]),
        "first_output_s": median([run.first_output_s for run in runs]),
        "first_screen_s": median([run.first_screen_s for run in runs]),
        "first_row_s": median([run.first_row_s for run in runs]),
        "first_screen_vs_empty": median(
            [
                ratio(run.first_screen_s, by_run[run.run].first_screen_s)
                for run in runs
                if run.run in by_run
            ]
        ),
        "loaded_s": median([math.inf if run.load_timed_out else run.loaded_s for run in runs]),
        "load_timeouts": sum(run.load_timed_out for run in runs),
        "rows": median([run.rows for run in runs]),
        "problems": median([run.problems for run in runs]),
        "held_app_p50_ms": keys("keys_held", "app_p50"),
        "held_app_p95_ms": keys("keys_held", "app_p95"),
        "held_app_max_ms": keys("keys_held", "app_max"),
        "held_e2e_p50_ms": keys("keys_held", "e2e_p50"),
        "held_e2e_p95_ms": keys("keys_held", "e2e_p95"),
        "held_e2e_max_ms": keys("keys_held", "e2e_max"),
        "empty_held_e2e_p50_ms": keys("keys_held", "e2e_p50", empties),
        "empty_held_e2e_p95_ms": keys("keys_held", "e2e_p95", empties),
        "empty_cpu_per_held_key_ms": median([e.cpu_per_held_key_ms for e in empties]),
        "reading_app_p95_ms": keys("keys_reading", "app_p95"),
        "reading_app_max_ms": keys("keys_reading", "app_max"),
        "reading_e2e_p95_ms": keys("keys_reading", "e2e_p95"),
        "reading_e2e_max_ms": keys("keys_reading", "e2e_max"),
        "reading_detail_e2e_p95_ms": keys("detail_reading", "e2e_p95"),
        "reading_detail_e2e_max_ms": keys("detail_reading", "e2e_max"),
        "load_keys_sent": keys("keys_during_load", "sent"),
        "load_app_max_ms": keys("keys_during_load", "app_max"),
        "load_e2e_p95_ms": keys("keys_during_load", "e2e_p95"),
        "load_e2e_max_ms": keys("keys_during_load", "e2e_max"),
        "empty_cpu_first_screen_s": median([e.cpu_first_screen_s for e in empties]),
        "cpu_first_screen_s": median([run.cpu_first_screen_s for run in runs]),
        "cpu_loaded_s": median([run.cpu_loaded_s for run in runs]),
        "cpu_per_held_key_ms": median([run.cpu_per_held_key_ms for run in runs]),
        "vmhwm_mb": median([run.vmhwm_mb for run in runs]),
        "tree_pss_peak_mb": median([run.tree_pss_peak_mb for run in runs]),
        "quit_s": median([run.quit_s for run in runs]),
        "load_average": median([run.load_average for run in runs]),
    }


def fmt(value: float | None, digits: int = 2, unit: str = "") -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}{unit}"


def fmt_many(values: Sequence[float | None], digits: int = 1, unit: str = "") -> str:
    if all(value is None for value in values):
        return "–"
    return " / ".join(fmt(value, digits) for value in values) + unit


def fmt_loaded(summary: dict[str, Any]) -> str:
    value = summary["loaded_s"]
    if value is not None and math.isinf(value):
        return f"> {summary['load_timeout_s']:g} s"
    return fmt(value, 2, " s")


Row = tuple[str, Callable[[dict[str, Any]], str]]

TABLE_ROWS: list[Row] = [
    ("empty Textual app, first screen", lambda s: fmt(s["empty_first_screen_s"], 2, " s")),
    ("first screen (`first_screen` mark)", lambda s: fmt(s["first_screen_s"], 2, " s")),
    ("first screen (first article row in the pane)", lambda s: fmt(s["first_row_s"], 2, " s")),
    (
        f"first screen ÷ empty app (target ≤ {TARGET_RATIO}x)",
        lambda s: fmt(s["first_screen_vs_empty"], 2, "x"),
    ),
    ("full load (`loaded` mark)", lambda s: fmt_loaded(s)),
    (
        "key → screen, `j` held (20 ms apart), p50 / p95 / max, app"
        f" (target p95 ≤ {TARGET_P95_MS:g} ms)",
        lambda s: fmt_many(
            [s["held_app_p50_ms"], s["held_app_p95_ms"], s["held_app_max_ms"]], 1, " ms"
        ),
    ),
    (
        "the same, end to end (key sent → frame written)",
        lambda s: fmt_many(
            [s["held_e2e_p50_ms"], s["held_e2e_p95_ms"], s["held_e2e_max_ms"]], 1, " ms"
        ),
    ),
    (
        "the empty app, the same keys (a counter on screen), end to end, p50 / p95",
        lambda s: fmt_many([s["empty_held_e2e_p50_ms"], s["empty_held_e2e_p95_ms"]], 1, " ms"),
    ),
    (
        "key → screen, reading (150 ms apart), p95 / max, end to end",
        lambda s: fmt_many([s["reading_e2e_p95_ms"], s["reading_e2e_max_ms"]], 1, " ms"),
    ),
    (
        "the same keys → the article drawn in the detail pane, p95 / max, end to end",
        lambda s: fmt_many(
            [s["reading_detail_e2e_p95_ms"], s["reading_detail_e2e_max_ms"]], 1, " ms"
        ),
    ),
    (
        f"key latency during load, max, app / end to end (target ≤ {TARGET_STALL_MS:g} ms)",
        lambda s: fmt_many([s["load_app_max_ms"], s["load_e2e_max_ms"]], 1, " ms"),
    ),
    (
        f"peak memory, newsdesk process (VmHWM; target ≤ {TARGET_MEMORY_MB:g} MB)",
        lambda s: fmt(s["vmhwm_mb"], 0, " MB"),
    ),
    (
        "peak memory with helper processes (PSS, sampled)",
        lambda s: fmt(s["tree_pss_peak_mb"], 0, " MB"),
    ),
    (
        "CPU time of the process: empty app / newsdesk at first screen",
        lambda s: fmt_many([s["empty_cpu_first_screen_s"], s["cpu_first_screen_s"]], 2, " s"),
    ),
    ("CPU time of the newsdesk process at full load", lambda s: fmt(s["cpu_loaded_s"], 2, " s")),
    (
        "CPU time per held key: empty app / newsdesk",
        lambda s: fmt_many([s["empty_cpu_per_held_key_ms"], s["cpu_per_held_key_ms"]], 1, " ms"),
    ),
    ("quit (`q` → process ended)", lambda s: fmt(s["quit_s"], 2, " s")),
    ("load average (1 min) at start", lambda s: fmt(s["load_average"], 1)),
]


def markdown(info: dict[str, Any], results: dict[str, dict[str, dict[str, Any]]], runs: int) -> str:
    lines = [
        f"Machine: {info['cores']} cores, {info['cpu']}, {info['memory_mb'] / 1024:.0f} GB RAM,"
        f" {info['os']}; Python {info['python']}, Textual {info['textual']},"
        f" {info['tmux']}, terminal {info['terminal']}. Medians of {runs} runs"
        " (`benchmarks/bench_app.py`).",
    ]
    for mode, sizes in results.items():
        names = list(sizes)
        lines += [
            "",
            f"**{MODE_TITLES[mode]}**",
            "",
            "| what | " + " | ".join(names) + " |",
            "| --- |" + " ---: |" * len(names),
        ]
        for label, cell in TABLE_ROWS:
            cells = [cell(sizes[name]["median"]) for name in names]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# -- stores and main ------------------------------------------------------------------


def store_for(size: str, python: Path) -> Path:
    """The generated store of `size` (1k, 10k, 100k, 1m, ...), made if missing."""
    match = re.fullmatch(r"(\d+)([km])", size)
    if not match:
        raise SystemExit(f"bench_app: size {size!r} is not like 1k, 10k, 100k, 1m")
    count = int(match.group(1)) * (1000 if match.group(2) == "k" else 1_000_000)
    store = STORES / size
    marker = store / ".generated"
    if not marker.exists():
        log(f"generating {store} ({count:,} articles; this takes a while at 100k)")
        subprocess.run(
            [str(python), str(HERE / "generate_store.py"), "--count", str(count),
             "--out", str(store)],
            check=True,
        )  # fmt: skip
    else:
        held = json.loads(marker.read_text()).get("count")
        if held != count:
            log(f"warning: {store} holds {held} articles, not {count}")
    return store


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time newsdesk's first screen, load, keys and memory in a real terminal.",
    )
    parser.add_argument("--sizes", default="1k,10k,100k", help="stores (default 1k,10k,100k)")
    parser.add_argument("--runs", type=int, default=3, help="runs per size (default 3)")
    parser.add_argument(
        "--modes",
        default="auto",
        help="plain, cold, warm, comma-separated; auto: cold,warm when newsdesk has --cache,"
        " else plain",
    )
    parser.add_argument("--keys", type=int, default=200, help="`j` keys held (default 200)")
    parser.add_argument("--key-interval", type=float, default=0.02, help="seconds (0.02)")
    parser.add_argument("--reading-keys", type=int, default=20, help="slow keys (default 20)")
    parser.add_argument("--reading-interval", type=float, default=0.15, help="seconds (0.15)")
    parser.add_argument(
        "--load-key-interval",
        type=float,
        default=0.04,
        help="seconds between keys during the load (0.04; 0: no keys during the load)",
    )
    parser.add_argument(
        "--load-keys-max", type=int, default=5000, help="keys during the load, at most (5000)"
    )
    parser.add_argument("--load-timeout", type=float, default=300.0, help="seconds (300)")
    parser.add_argument(
        "--newsdesk", type=Path, default=VENV_BIN / "newsdesk", help="the newsdesk command"
    )
    parser.add_argument("--out", type=Path, default=OUT / "app.json", help="results (JSON)")
    parser.add_argument(
        "--no-panes", action="store_true", help="do not save pane snapshots in out/app-panes/"
    )
    return parser.parse_args(argv)


def compile_package(python: Path) -> None:
    """Byte-compile newsdesk's package, as installing its wheel does.

    An editable install is compiled on first import, unless
    PYTHONDONTWRITEBYTECODE is set: then every start would compile it again
    and the first screen would be timed with that in it.
    """
    subprocess.run([str(python), "-m", "compileall", "-q", str(ROOT / "reader")], check=False)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("tmux") is None:
        print("bench_app: tmux is needed", file=sys.stderr)
        return 2
    newsdesk = args.newsdesk if args.newsdesk.exists() else Path(shutil.which("newsdesk") or "")
    python = VENV_BIN / "python" if (VENV_BIN / "python").exists() else Path(sys.executable)
    compile_package(python)
    features = detect_features(newsdesk)
    modes = choose_modes(args.modes, features)
    sizes = [size.strip() for size in args.sizes.split(",") if size.strip()]
    stores = {size: store_for(size, python) for size in sizes}
    panes = None if args.no_panes else args.out.parent / "app-panes"
    if panes is not None and panes.exists():
        shutil.rmtree(panes)
    options = Options(
        newsdesk=newsdesk,
        python=python,
        keys=args.keys,
        key_interval=args.key_interval,
        reading_keys=args.reading_keys,
        reading_interval=args.reading_interval,
        load_key_interval=args.load_key_interval,
        load_keys_max=args.load_keys_max,
        load_timeout=args.load_timeout,
        panes=panes,
    )
    info = machine(python)
    log(f"modes: {', '.join(modes)}; features: {features}")

    tmux = Tmux()
    # Killed (SIGTERM): still stop the private tmux server and its apps.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    empties: dict[str, list[RunResult]] = {size: [] for size in sizes}
    runs: dict[str, dict[str, list[RunResult]]] = {
        mode: {size: [] for size in sizes} for mode in modes
    }
    began = time.time()
    try:
        for size in sizes:
            for run in range(1, args.runs + 1):
                empty = run_empty(tmux, options, size, run)
                empties[size].append(empty)
                log(
                    f"{size} run {run}: empty app first screen {fmt(empty.first_screen_s)} s"
                    + (f" ({empty.error})" if empty.error else "")
                )
                with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as tmp:
                    folder = Path(tmp)
                    cache = folder / ("index" if features.cache_is_folder else "index.sqlite3")
                    if "warm" in modes and "cold" not in modes:
                        prime = folder / "prime"
                        prime.mkdir()
                        argv_ = newsdesk_argv(options, stores[size], prime, "cold", cache, features)
                        prime_index(tmux, options, size, run, argv_, prime)
                    for mode in modes:
                        own = folder / mode
                        own.mkdir()
                        argv_ = newsdesk_argv(options, stores[size], own, mode, cache, features)
                        result = run_newsdesk(tmux, options, size, run, mode, argv_, own)
                        runs[mode][size].append(result)
                        held = result.keys_held
                        during = result.keys_during_load
                        log(
                            f"{size} run {run} {mode}: first screen {fmt(result.first_screen_s)} s"
                            f" (row {fmt(result.first_row_s)} s), loaded {fmt(result.loaded_s)} s,"
                            f" held p95 {fmt(held.app_p95 if held else None, 1)} ms,"
                            f" during load max {fmt(during.e2e_max if during else None, 1)} ms"
                            f" ({during.sent if during else 0} keys),"
                            f" VmHWM {fmt(result.vmhwm_mb, 0)} MB"
                            + (f" — {result.error}" if result.error else "")
                        )
    finally:
        tmux.kill_server()

    results = {
        mode: {
            size: {
                "store": str(stores[size]),
                "median": summarise(runs[mode][size], empties[size], args.load_timeout),
                "runs": [asdict(result) for result in runs[mode][size]],
                "empty_runs": [asdict(result) for result in empties[size]],
            }
            for size in sizes
        }
        for mode in modes
    }
    table = markdown(info, results, args.runs)
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "machine": info,
        "features": asdict(features),
        "settings": {key: str(value) for key, value in vars(args).items()},
        "seconds": round(time.time() - began, 1),
        "results": results,
        "table": table,
    }
    args.out.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
    log(f"wrote {args.out} in {record['seconds']:.0f} s")
    failed = any(
        result.error for per_size in runs.values() for rs in per_size.values() for result in rs
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
