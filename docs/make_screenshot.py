"""Regenerate docs/screenshot.svg: the reader on its bundled sample store."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

from reader.store.files import SAMPLE_STORE
from reader.triage.state import State
from reader.ui.app import NewsdeskApp


async def main() -> None:
    os.environ["TZ"] = "UTC"
    time.tzset()
    with tempfile.TemporaryDirectory() as scratch:
        # A state of its own: the picture must not touch the user's.
        app = NewsdeskApp(SAMPLE_STORE, state=State(Path(scratch) / "state.db"))
        async with app.run_test(size=(132, 36)) as pilot:
            while app.library.loading:
                await pilot.pause(0.1)
            await pilot.pause(0.3)
            await pilot.press("j", "s", "j", "j")
            await pilot.pause(0.5)
            out = Path(__file__).parent
            app.save_screenshot(filename="screenshot.svg", path=str(out))


if __name__ == "__main__":
    asyncio.run(main())
