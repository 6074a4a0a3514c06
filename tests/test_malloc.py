"""`reader.malloc`: one C allocator arena for all threads, on glibc."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import textwrap

import pytest

glibc = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc only")

# Threads that allocate blocks too large for Python's own allocator, then
# glibc's report of its arenas (printed to stderr, one "Arena N:" each).
PROGRAM = textwrap.dedent(
    """
    import ctypes, sys, threading
    from reader.malloc import use_one_arena
    if sys.argv[1] == "one":
        assert use_one_arena()

    def allocate():
        blocks = [bytes(4096) for _ in range(2000)]
        del blocks

    threads = [threading.Thread(target=allocate) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ctypes.CDLL(None).malloc_stats()
    """
)


def arenas(mode: str) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, mode], capture_output=True, text=True, check=True, env=env
    )
    return done.stderr.count("Arena ")


@glibc
def test_threads_share_one_arena() -> None:
    assert arenas("default") > 1  # what the setting is for
    assert arenas("one") == 1


def test_elsewhere_it_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from reader import malloc

    monkeypatch.setattr(malloc.sys, "platform", "darwin")
    assert malloc.use_one_arena() is False
