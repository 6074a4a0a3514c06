"""Optional timing marks for the benchmarks.

When `NEWSDESK_TIMINGS` names a file, the app appends one JSON line per
mark (`{"event": ..., "t": <unix time>, ...}`); otherwise marks cost one
dictionary look-up.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

_PATH = os.environ.get("NEWSDESK_TIMINGS")


def enabled() -> bool:
    return bool(_PATH)


def mark(event: str, **data: Any) -> None:
    if not _PATH:
        return
    record = {"event": event, "t": time.time(), **data}
    with open(_PATH, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")
