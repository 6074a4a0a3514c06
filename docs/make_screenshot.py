"""Regenerate docs/screenshot.svg: the reader on its bundled sample store."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from reader.app import NewsdeskApp
from reader.store import SAMPLE_STORE


async def main() -> None:
    os.environ["TZ"] = "UTC"
    time.tzset()
    app = NewsdeskApp(SAMPLE_STORE, title="sample store")
    async with app.run_test(size=(132, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        await pilot.press("j", "j")
        await pilot.pause(0.3)
        out = Path(__file__).parent
        app.save_screenshot(filename="screenshot.svg", path=str(out))


if __name__ == "__main__":
    asyncio.run(main())
