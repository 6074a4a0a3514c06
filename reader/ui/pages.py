"""Web addresses leaving the app, from any screen: one gate, and one way
each to open a page in the browser or copy its address.

Only what `reader.web.urls.web_url` accepts (absolute, well-formed http or
https) is opened or copied; anything else is refused with the reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.widget import Widget

# `reader.web.urls` is imported by each function: it brings `webbrowser` and
# `subprocess`, which the first screen does not need.


def checked_url(node: Widget, url: str | None, doing: str) -> str | None:
    """`url` made safe to leave the app, or None after telling the user why
    (`doing`: "open", "copy" or "preview")."""
    from reader.web.urls import refusal, web_url

    if not url or not url.strip():
        node.notify(f"This article has no web address to {doing}.", severity="warning")
        return None
    target = web_url(url)
    if target is None:
        node.notify(refusal(url), severity="warning", markup=False)
    return target


def copy_url(node: Widget, url: str) -> None:
    """Copy a checked address to the clipboard, and say so."""
    from reader.web.urls import shown_url

    node.app.copy_to_clipboard(url)
    node.notify(f"Copied {shown_url(url)}", title="URL", markup=False)


async def open_url(node: Widget, url: str, opener: Callable[[str], bool]) -> None:
    """Open a checked address with `opener` (off the UI thread: a browser
    may take a while to start), and say how it went."""
    from reader.web.urls import NotWebURL, shown_url

    try:
        opened = await asyncio.to_thread(opener, url)
    except NotWebURL as error:  # the opener checks the address once more
        node.notify(str(error), severity="warning", markup=False)
        return
    except Exception as error:
        node.notify(f"Could not open a browser: {shown_url(error)}", severity="error", markup=False)
        return
    if opened:
        node.notify(f"Opened {shown_url(url)} in the browser", markup=False)
    else:
        node.notify("No browser found (set $BROWSER).", severity="warning", markup=False)
