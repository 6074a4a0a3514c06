"""`newsdesk preview URL [--format text|markdown|json]`.

Prints the readable page through the same pipeline as the preview screen
(limits, charsets, extraction, cache). `text` is the text a reader sees in
the preview pane, with the byline as the page writes it ("By A. Writer")
under the title heading that opens it (the pane shows both in its header);
`markdown` is the main text as Markdown, the byline placed the same way;
`json` carries both with the title, byline, date and where the page came from.
A failure is one line on stderr and a non-zero exit status: a URL that is
not a web address or is malformed (`http://[::1`, a port of 99999), a
network failure, output that cannot be written (`> /dev/full`: `newsdesk:
cannot write output: No space left on device`, status 1; a closed pipe ends
quietly, see `reader.cli.output_failed`). A user name and password in the
URL are never sent, stored or printed (see `reader.web.fetch`).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from reader.text import clean_line
from reader.web.extract import markdown_with_byline, text_with_byline
from reader.web.fetch import Fetcher, FetchError, Limits, Page, describe_age
from reader.web.urls import redact

FORMATS = ("text", "markdown", "json")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NOT_TEXT = 3


def main(
    url: str,
    fmt: str,
    cache_dir: Path | None,
    *,
    limits: Limits | None = None,
    force: bool = False,
) -> int:
    """Print the readable page at `url` in format `fmt`; return the exit status.

    `cache_dir` None means the user cache directory. `limits` and `force`
    (skip a fresh stored copy) are for callers and tests.
    """
    if fmt not in FORMATS:
        _error(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
        return EXIT_USAGE
    try:
        page = asyncio.run(_preview(url, cache_dir, limits, force))
    except FetchError as error:
        _error(_failure_line(error))
        return EXIT_FAILED
    except KeyboardInterrupt:
        _error("interrupted")
        return 130

    if page.kind == "other" or page.extracted is None:
        _error(page.describe_other())
        return EXIT_NOT_TEXT

    for note in _notes(page):
        _note(note)
    extracted = page.extracted
    if fmt == "text":
        output = text_with_byline(extracted)
    elif fmt == "markdown":
        output = markdown_with_byline(extracted)
    else:
        output = json.dumps(_as_json(page), ensure_ascii=False, indent=2)
    return _write(sys.stdout, output.rstrip("\n") + "\n" if output else "")


async def _preview(url: str, cache_dir: Path | None, limits: Limits | None, force: bool) -> Page:
    async with Fetcher(cache_dir, limits=limits) as fetcher:
        return await fetcher.preview([url], force=force)


def _failure_line(error: FetchError) -> str:
    line = error.message
    others = [a for a in error.attempts if a.url != error.url]
    if others:
        line += f" (also tried {len(others)} other address{'es' if len(others) > 1 else ''})"
    return line


def _notes(page: Page) -> list[str]:
    notes: list[str] = []
    fetched = page.fetched
    if page.candidate > 0 and page.failures:
        notes.append(f"showing {page.url} instead: {page.failures[0].message}")
    if fetched.offline:
        notes.append(f"offline: showing the copy saved {describe_age(fetched.age())}")
    elif fetched.error is not None:
        notes.append(
            f"showing the copy saved {describe_age(fetched.age())}: {fetched.error.message}"
        )
    if page.notice:
        notes.append(page.notice)
    return notes


def _as_json(page: Page) -> dict[str, Any]:
    extracted = page.extracted
    assert extracted is not None
    fetched = page.fetched
    age = fetched.age()
    return {
        "url": page.url,
        "final_url": fetched.final_url,
        "candidate": page.candidate,
        "title": extracted.title,
        "byline": extracted.byline,
        "date": extracted.date,
        "content_type": fetched.media_type,
        "source": extracted.source,
        "notice": page.notice,
        "from_cache": fetched.from_cache,
        "revalidated": fetched.revalidated,
        "offline": fetched.offline,
        "age_seconds": round(age, 1) if age is not None else None,
        "failures": [
            {"url": f.url, "kind": str(f.kind), "message": f.message} for f in page.failures
        ],
        "links": [{"text": text, "url": href} for text, href in extracted.links],
        "markdown": extracted.markdown,
        "text": extracted.text,
    }


def _write(stream: TextIO, text: str) -> int:
    try:
        buffer = getattr(stream, "buffer", None)
        if buffer is not None:
            encoding = stream.encoding or "utf-8"
            stream.flush()
            buffer.write(text.encode(encoding, errors="replace"))
            buffer.flush()
        else:
            stream.write(text)
            stream.flush()
    except OSError as error:
        # A closed pipe (`| head`) ends quietly; a full disk is one line.
        from reader.cli import output_failed

        return output_failed(error)
    return EXIT_OK


def _error(message: str) -> None:
    _say(f"newsdesk: {message}")


def _note(message: str) -> None:
    _say(f"newsdesk: note: {message}")


def _say(line: str) -> None:
    # Messages quote URLs and server text: one clean line, no password.
    print(redact(clean_line(line)), file=sys.stderr)
