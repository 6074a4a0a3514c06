"""A real HTTP server on 127.0.0.1 for the fetch and preview tests.

Each test starts its own `LocalServer` on an ephemeral port and registers
what each path answers. Nothing here ever talks to another host. The slow,
compressed and redirecting answers are real: the server sleeps, gzips and
redirects, so the fetcher's deadline, byte cap and redirect cap are tested
against the real thing.
"""

from __future__ import annotations

import contextlib
import gzip
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from email.utils import formatdate
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

Handler = Callable[["RequestHandler"], None]


class RequestHandler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        owner = self.server.owner
        with owner.lock:
            owner.hits[path] += 1
            owner.requests.append((path, {k.lower(): v for k, v in self.headers.items()}))
        handler = owner.routes.get(path)
        if handler is None:
            self.reply(404, b"<html><body>Not here</body></html>")
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            handler(self)

    def reply(
        self,
        status: int = 200,
        body: bytes = b"",
        content_type: str | None = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    owner: LocalServer


class LocalServer:
    """An HTTP server on 127.0.0.1 with per-path handlers."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), RequestHandler)
        self._httpd.owner = self
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.running = False

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        self._thread.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.running = False
            self._httpd.shutdown()
            self._httpd.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.url(path)

    def page(
        self,
        path: str,
        body: bytes | str,
        content_type: str | None = "text/html; charset=utf-8",
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body

        def handler(request: RequestHandler) -> None:
            request.reply(status, data, content_type, headers)

        return self.add(path, handler)

    def redirect(self, path: str, to: str, status: int = 302) -> str:
        def handler(request: RequestHandler) -> None:
            request.reply(status, b"", None, {"Location": to})

        return self.add(path, handler)

    def drip(self, path: str, interval: float = 0.2, limit: float = 10.0) -> str:
        """A page that sends one byte every `interval` seconds (for `limit` seconds)."""

        def handler(request: RequestHandler) -> None:
            request.send_response(200)
            request.send_header("Content-Type", "text/html; charset=utf-8")
            request.send_header("Content-Length", "100000")
            request.end_headers()
            request.wfile.flush()
            end = time.monotonic() + limit
            while time.monotonic() < end and self.running:
                request.wfile.write(b"x")
                request.wfile.flush()
                time.sleep(interval)

        return self.add(path, handler)

    def gzip_bomb(self, path: str) -> str:
        """About 200 KB of gzip that inflates to 200 MB of zeros."""
        body = bomb_200mb()

        def handler(request: RequestHandler) -> None:
            request.reply(200, body, "text/html; charset=utf-8", {"Content-Encoding": "gzip"})

        return self.add(path, handler)

    def gzipped(self, path: str, html: str) -> str:
        body = gzip.compress(html.encode("utf-8"))

        def handler(request: RequestHandler) -> None:
            request.reply(200, body, "text/html; charset=utf-8", {"Content-Encoding": "gzip"})

        return self.add(path, handler)

    def validated(self, path: str, body: str, etag: str = '"v1"', max_age: int = 0) -> str:
        """A page with an ETag that answers 304 to a matching If-None-Match."""
        data = body.encode("utf-8")

        def handler(request: RequestHandler) -> None:
            headers = {
                "ETag": etag,
                "Cache-Control": f"max-age={max_age}",
                "Date": formatdate(usegmt=True),
            }
            if request.headers.get("If-None-Match") == etag:
                request.send_response(304)
                for key, value in headers.items():
                    request.send_header(key, value)
                request.end_headers()
                return
            request.reply(200, data, "text/html; charset=utf-8", headers)

        return self.add(path, handler)


@cache
def bomb_200mb() -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(200)]
    parts.append(compressor.flush())
    return b"".join(parts)


def refused_url(path: str = "/") -> str:
    """A 127.0.0.1 URL where nothing listens (connection refused)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


# ---------------------------------------------------------------------------
# Pages

FILLER = (
    "The council met on Tuesday evening to discuss the budget for the coming year, "
    "and members spoke at length about the cost of repairing the old harbour wall. "
)


def news_page(title: str = "Harbour wall repairs approved", extra: str = "") -> str:
    """An article wrapped in navigation, teasers, share buttons and a footer."""
    body = "".join(f"<p>{FILLER}Paragraph {i} of the story goes on.</p>" for i in range(6))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | Coast News</title>
<meta name="author" content="Maria Lopez">
<meta property="article:published_time" content="2024-05-02T10:00:00Z">
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/sport">Sport</a></li>
<li><a href="/weather">Weather</a></li></ul></nav></header>
<div class="share">Share on Facebook Share on Twitter</div>
<main><article>
<h1>{title}</h1>
<p class="byline">By Maria Lopez</p>
{body}
<h2>What happens next</h2>
<ul><li>Work starts in June on the northern section.</li>
<li>The road along the quay will close for two weeks.</li></ul>
<p>Read the <a href="/report.html">full council report</a> for details. {extra}</p>
</article></main>
<aside class="teasers"><h3>Most read</h3><ul>
<li><a href="/t1">Celebrity chef opens beach cafe</a></li>
<li><a href="/t2">Ten things to do this weekend</a></li></ul></aside>
<footer><p>Copyright 2024 Coast News Ltd. All rights reserved.</p>
<p>Subscribe to our newsletter</p></footer>
</body></html>"""
