"""One malloc arena for the whole process, where the C library allows it.

glibc gives each thread that allocates its own arena (up to eight per core)
and keeps the memory freed in it for that thread. newsdesk builds its rows
in the loader's thread, its query indexes in a worker's and its screen in
the main one: at 100,000 articles the arenas held about 20 MB freed but not
reusable by the others (peak 245 MB with them, 224 MB with one). Python's
own allocator serves most small objects outside these arenas, and the
interpreter lock already serialises allocation, so one arena costs no
measurable speed.
"""

from __future__ import annotations

import sys

M_ARENA_MAX = -8
"""glibc's `mallopt` parameter for the most arenas (malloc.h)."""


def use_one_arena() -> bool:
    """Ask the C library for a single arena; whether it agreed.

    Call it before any thread starts: a thread keeps the arena it was given.
    Without glibc (macOS, musl) it does nothing and returns False.
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return mallopt(M_ARENA_MAX, 1) == 1
