"""reader.web.fetch against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import stat
import time
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from reader.web.fetch import (
    FailureKind,
    Fetcher,
    FetchError,
    FetchProgress,
    Limits,
    Page,
    PageCache,
    classify_error,
    describe_age,
)
from tests.http_server import LocalServer, news_page, refused_url

FAST = Limits(deadline=3.0, connect_timeout=2.0, max_bytes=2 * 1024 * 1024, max_redirects=5)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


@pytest.fixture
async def fetcher(tmp_path: Path) -> AsyncIterator[Fetcher]:
    async with Fetcher(tmp_path / "cache", limits=FAST, trust_env=False) as client:
        yield client


async def fail(fetcher: Fetcher, url: str) -> FetchError:
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(url)
    return caught.value


# -- the pipeline ----------------------------------------------------------


async def test_news_page_preview_has_main_text_without_boilerplate(
    server: LocalServer, fetcher: Fetcher
) -> None:
    url = server.page("/news", news_page())
    stages: list[FetchProgress] = []

    page = await fetcher.preview([url], progress=stages.append)

    assert page.kind == "article"
    assert page.url == url and page.candidate == 0
    assert page.extracted is not None
    assert page.extracted.title == "Harbour wall repairs approved"
    assert page.extracted.byline == "Maria Lopez"
    assert "Paragraph 5 of the story goes on." in page.extracted.text
    assert "Celebrity chef" not in page.extracted.text
    assert "Copyright" not in page.extracted.text
    kinds = [p.stage for p in stages]
    assert kinds[0] == "connecting"
    assert "receiving" in kinds
    assert kinds[-1] == "extracting"
    assert stages[kinds.index("receiving")].received > 0


async def test_windows_1252_page_declared_only_in_meta(
    server: LocalServer, fetcher: Fetcher
) -> None:
    html = news_page("Caf\u00e9 \u201cna\u00efve\u201d \u2013 r\u00e9sum\u00e9").replace(
        '<meta charset="utf-8">', '<meta charset="windows-1252">'
    )
    url = server.page("/cp1252", html.encode("cp1252"), content_type="text/html")

    page = await fetcher.preview([url])

    assert page.extracted is not None
    assert page.extracted.title == "Caf\u00e9 \u201cna\u00efve\u201d \u2013 r\u00e9sum\u00e9"


async def test_gzip_encoded_page_is_decoded(server: LocalServer, fetcher: Fetcher) -> None:
    url = server.gzipped("/gz", news_page())
    page = await fetcher.preview([url])
    assert page.extracted is not None
    assert "Paragraph 2 of the story" in page.extracted.text


async def test_page_text_with_markup_and_escapes_is_literal(
    server: LocalServer, fetcher: Fetcher
) -> None:
    url = server.page("/evil", news_page(extra="Press [@click=app.quit]here[/] \x1b[2J now."))

    page = await fetcher.preview([url])

    assert page.extracted is not None
    assert "Press [@click=app.quit]here[/] [2J now." in page.extracted.text
    assert "\x1b" not in page.extracted.text + page.extracted.markdown


async def test_plain_text_is_shown_as_text(server: LocalServer, fetcher: Fetcher) -> None:
    url = server.page("/notes.txt", "First line\nsecond line\n", "text/plain; charset=utf-8")
    page = await fetcher.preview([url])
    assert page.kind == "text"
    assert page.extracted is not None
    assert page.extracted.text == "First line\nsecond line"


async def test_pdf_is_reported_with_type_and_size_and_not_read(
    server: LocalServer, fetcher: Fetcher
) -> None:
    body = b"%PDF-1.4\n" + b"0" * 300_000
    url = server.page("/report.pdf", body, content_type="application/pdf")

    page = await fetcher.preview([url])

    assert page.kind == "other"
    assert page.extracted is None
    assert page.fetched.body is None
    assert page.fetched.size == len(body)
    assert "a PDF document (293 KB)" in page.describe_other()
    assert url in page.describe_other()


async def test_image_is_reported_as_image(server: LocalServer, fetcher: Fetcher) -> None:
    url = server.page("/photo", b"\x89PNG....", content_type="image/png")
    page = await fetcher.preview([url])
    assert page.kind == "other"
    assert "an image (image/png)" in page.describe_other()


async def test_empty_page_says_so(server: LocalServer, fetcher: Fetcher) -> None:
    url = server.page("/empty", b"")
    with pytest.raises(FetchError) as caught:
        await fetcher.preview([url])
    assert caught.value.kind is FailureKind.EMPTY
    assert caught.value.message == f"{url} is an empty page."


async def test_page_without_main_text_is_shown_with_a_notice(
    server: LocalServer, fetcher: Fetcher
) -> None:
    url = server.page("/footer", "<html><body><footer>Only a footer.</footer></body></html>")
    page = await fetcher.preview([url])
    assert page.extracted is not None
    assert page.extracted.text == "Only a footer."
    assert page.notice.startswith("No main text found")


async def test_amp_version_is_shown_when_the_web_page_fails(
    server: LocalServer, fetcher: Fetcher
) -> None:
    web = server.page("/story", "<h1>Oops</h1>", status=500)
    amp = server.page("/amp/story", news_page("The AMP story"))
    cdn = server.page("/cdn/story", news_page("Never reached"))

    page = await fetcher.preview([web, amp, cdn])

    assert page.url == amp and page.candidate == 1
    assert page.title == "The AMP story"
    assert [f.status for f in page.failures] == [500]
    assert server.hits["/cdn/story"] == 0


async def test_amp_version_with_main_text_beats_a_web_page_without(
    server: LocalServer, fetcher: Fetcher
) -> None:
    web = server.page("/story", "<html><body><footer>Cookie wall.</footer></body></html>")
    amp = server.page("/amp/story", news_page("The AMP story"))

    page = await fetcher.preview([web, amp])

    assert page.url == amp
    assert page.failures[0].kind is FailureKind.NO_TEXT


async def test_all_candidates_failing_raises_the_first_failure_with_all_attempts(
    server: LocalServer, fetcher: Fetcher
) -> None:
    web = server.page("/gone", "", status=404)
    amp = refused_url("/amp")

    with pytest.raises(FetchError) as caught:
        await fetcher.preview([web, amp, ""])

    error = caught.value
    assert error.kind is FailureKind.HTTP and error.status == 404
    assert [a.kind for a in error.attempts] == [FailureKind.HTTP, FailureKind.REFUSED]


# -- limits and failures -----------------------------------------------------


async def test_slow_drip_fails_at_the_deadline(server: LocalServer, tmp_path: Path) -> None:
    url = server.drip("/drip", interval=0.2)
    limits = Limits(deadline=1.0, connect_timeout=1.0)
    async with Fetcher(tmp_path, limits=limits, trust_env=False) as fetcher:
        started = time.monotonic()
        error = await fail(fetcher, url)
        elapsed = time.monotonic() - started

    assert error.kind is FailureKind.TOO_SLOW
    assert 0.9 <= elapsed < 3.0
    assert error.message == f"{url} is too slow: no complete answer within 1 s."


async def test_slow_drip_reports_progress_while_it_lasts(
    server: LocalServer, tmp_path: Path
) -> None:
    url = server.drip("/drip", interval=0.05)
    seen: list[FetchProgress] = []
    async with Fetcher(tmp_path, limits=Limits(deadline=0.8), trust_env=False) as fetcher:
        with pytest.raises(FetchError):
            await fetcher.fetch(url, progress=seen.append)
    received = [p.received for p in seen if p.stage == "receiving"]
    assert received and received[-1] > 1
    assert seen[-1].describe().startswith("Received ")


async def test_gzip_bomb_is_stopped_at_the_cap_without_inflating_it(
    server: LocalServer, tmp_path: Path
) -> None:
    url = server.gzip_bomb("/bomb")
    cap = 1024 * 1024
    limits = Limits(deadline=10.0, max_bytes=cap, chunk_size=16 * 1024)
    async with Fetcher(tmp_path, limits=limits, trust_env=False) as fetcher:
        tracemalloc.start()
        try:
            started = time.monotonic()
            error = await fail(fetcher, url)
            elapsed = time.monotonic() - started
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert error.kind is FailureKind.TOO_LARGE
    assert "is too large" in error.message and url in error.message
    # 200 MB were on offer; a few times the cap is all that was ever held.
    assert peak < 8 * cap
    assert elapsed < 5.0


async def test_large_body_without_compression_is_capped(
    server: LocalServer, tmp_path: Path
) -> None:
    url = server.page("/huge", b"<p>" + b"x" * 300_000)
    limits = Limits(deadline=5.0, max_bytes=100_000)
    async with Fetcher(tmp_path, limits=limits, trust_env=False) as fetcher:
        error = await fail(fetcher, url)
    assert error.kind is FailureKind.TOO_LARGE


async def test_redirect_loop_fails_clearly(server: LocalServer, fetcher: Fetcher) -> None:
    server.redirect("/a", server.url("/b"))
    server.redirect("/b", "/a")
    error = await fail(fetcher, server.url("/a"))
    assert error.kind is FailureKind.REDIRECTS
    assert error.message == f"{server.url('/a')} redirects in a loop."


async def test_long_redirect_chain_is_cut_at_the_cap(server: LocalServer, fetcher: Fetcher) -> None:
    for hop in range(10):
        server.redirect(f"/hop{hop}", f"/hop{hop + 1}", status=301)
    server.page("/hop10", news_page())
    error = await fail(fetcher, server.url("/hop0"))
    assert error.kind is FailureKind.REDIRECTS
    assert "more than 5" in error.message
    assert server.hits["/hop10"] == 0


async def test_redirects_are_followed_to_the_final_url(
    server: LocalServer, fetcher: Fetcher
) -> None:
    server.redirect("/old", "/new", status=308)
    final = server.page("/new", news_page())
    page = await fetcher.preview([server.url("/old")])
    assert page.final_url == final


async def test_redirect_to_a_file_url_is_refused(server: LocalServer, fetcher: Fetcher) -> None:
    server.redirect("/sneaky", "file:///etc/passwd")
    error = await fail(fetcher, server.url("/sneaky"))
    assert error.kind is FailureKind.BAD_URL
    assert "file:///etc/passwd" in error.message


@pytest.mark.parametrize("status", [404, 500])
async def test_http_errors_name_the_code(
    server: LocalServer, fetcher: Fetcher, status: int
) -> None:
    url = server.page("/err", "<h1>error page</h1>", status=status)
    error = await fail(fetcher, url)
    assert error.kind is FailureKind.HTTP and error.status == status
    phrase = "Not Found" if status == 404 else "Internal Server Error"
    assert error.message == f"{url} answered HTTP {status} {phrase}."


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:text/html,<h1>hi</h1>",
        "ftp://127.0.0.1/x",
        "about:blank",
        "http://",
        "",
    ],
)
async def test_only_http_and_https_are_fetched(fetcher: Fetcher, url: str) -> None:
    error = await fail(fetcher, url)
    assert error.kind is FailureKind.BAD_URL
    assert "only http and https" in error.message


async def test_connection_refused(fetcher: Fetcher) -> None:
    url = refused_url("/x")
    error = await fail(fetcher, url)
    assert error.kind is FailureKind.REFUSED
    assert error.message == f"Can't reach {url}: 127.0.0.1 refused the connection."


async def test_tls_failure(server: LocalServer, fetcher: Fetcher) -> None:
    url = f"https://127.0.0.1:{server.port}/"
    error = await fail(fetcher, url)
    assert error.kind is FailureKind.TLS
    assert error.message.startswith(f"Can't reach {url}: the secure (TLS) connection failed")


def test_dns_failure_is_named() -> None:
    # Resolving a name would ask a real resolver, so the failure is built here.
    try:
        raise socket.gaierror(-2, "Name or service not known")
    except socket.gaierror as cause:
        try:
            raise httpx.ConnectError("[Errno -2] Name or service not known") from cause
        except httpx.ConnectError as exc:
            error = classify_error(exc, "https://no-such-host.invalid/x")
    assert error.kind is FailureKind.DNS
    assert error.message == (
        "Can't reach https://no-such-host.invalid/x: the name no-such-host.invalid "
        "could not be found (DNS lookup failed)."
    )
    assert error.offline


def test_error_messages_are_one_clean_line() -> None:
    error = FetchError(FailureKind.BAD_URL, "http://x/", "redirects to \x1b[2Jfile:\n///x")
    assert "\x1b" not in error.message and "\n" not in error.message


# -- the cache ---------------------------------------------------------------


async def test_fresh_copy_is_served_without_a_request(
    server: LocalServer, fetcher: Fetcher
) -> None:
    url = server.page("/fresh", news_page(), headers={"Cache-Control": "max-age=600"})

    first = await fetcher.fetch(url)
    second = await fetcher.fetch(url)

    assert not first.from_cache
    assert second.from_cache and not second.revalidated
    assert second.body == first.body
    assert server.hits["/fresh"] == 1
    assert describe_age(second.age()) == "just now"


async def test_stale_copy_is_revalidated_with_a_conditional_request(
    server: LocalServer, fetcher: Fetcher
) -> None:
    url = server.validated("/etag", news_page(), etag='"v1"')

    await fetcher.fetch(url)
    again = await fetcher.fetch(url)

    assert again.from_cache and again.revalidated
    assert server.hits["/etag"] == 2
    assert server.requests[-1][1].get("if-none-match") == '"v1"'


async def test_changed_page_replaces_the_stored_copy(server: LocalServer, fetcher: Fetcher) -> None:
    url = server.validated("/etag", news_page("Old title"), etag='"v1"')
    await fetcher.fetch(url)
    server.validated("/etag", news_page("New title"), etag='"v2"')

    page = await fetcher.preview([url])

    assert page.title == "New title" and not page.fetched.from_cache
    stored = await fetcher.cached(url)
    assert stored is not None and b"New title" in (stored.body or b"")


async def test_offline_returns_the_stored_copy_marked_offline(tmp_path: Path) -> None:
    async with Fetcher(tmp_path, limits=FAST, trust_env=False) as fetcher:
        with LocalServer() as server:
            url = server.validated("/story", news_page("Kept for later"))
            await fetcher.preview([url])
        # The server is gone: connecting is refused.
        page = await fetcher.preview([url])

    assert page.title == "Kept for later"
    assert page.fetched.from_cache and page.fetched.offline
    assert page.fetched.error is not None and page.fetched.error.kind is FailureKind.REFUSED


async def test_force_refetch_asks_the_server_even_when_fresh(
    server: LocalServer, fetcher: Fetcher
) -> None:
    url = server.page("/fresh", news_page(), headers={"Cache-Control": "max-age=600"})
    await fetcher.fetch(url)
    again = await fetcher.fetch(url, force=True)
    assert not again.from_cache
    assert server.hits["/fresh"] == 2


async def test_no_store_is_not_kept(server: LocalServer, fetcher: Fetcher) -> None:
    url = server.page("/private", news_page(), headers={"Cache-Control": "no-store"})
    await fetcher.fetch(url)
    assert await fetcher.cached(url) is None


async def test_stored_copy_is_offered_at_once_then_confirmed(
    server: LocalServer, fetcher: Fetcher
) -> None:
    url = server.validated("/story", news_page())
    await fetcher.preview([url])
    early: list[Page] = []

    page = await fetcher.preview([url], on_cached=early.append)

    assert len(early) == 1 and early[0].provisional and early[0].fetched.from_cache
    assert page.fetched.revalidated and not page.provisional
    # Nothing changed, so the text extracted for the early copy is reused.
    assert page.extracted is early[0].extracted


async def test_damaged_cache_files_read_as_missing(tmp_path: Path) -> None:
    cache = PageCache(tmp_path)
    cache.store("http://127.0.0.1/x", "http://127.0.0.1/x", 200, [], {}, b"body")
    key = PageCache.key("http://127.0.0.1/x")
    (tmp_path / f"{key}.body").write_bytes(b"other body")
    assert cache.load("http://127.0.0.1/x") is None
    (tmp_path / f"{key}.json").write_text("{not json")
    assert cache.load("http://127.0.0.1/x") is None


async def test_cache_is_pruned_to_its_size(tmp_path: Path) -> None:
    cache = PageCache(tmp_path, max_bytes=10_000)
    for n in range(10):
        cache.store(f"http://127.0.0.1/{n}", f"http://127.0.0.1/{n}", 200, [], {}, b"x" * 3000)
    total = sum(p.stat().st_size for p in tmp_path.glob("*.body"))
    assert total <= 10_000
    assert cache.load("http://127.0.0.1/9") is not None
    meta = json.loads((tmp_path / f"{PageCache.key('http://127.0.0.1/9')}.json").read_text())
    assert "set-cookie" not in dict(meta["headers"])


# -- malformed addresses, credentials, a private cache -------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://[::1", "the brackets around its host are unbalanced"),
        ("http://127.0.0.1:99999/", "the port is not a number from 1 to 65535"),
        ("http://u:s3cret@127.0.0.1:99999/", "the port is not a number from 1 to 65535"),
        ("http://[::1]:70000/x", "the port is not a number from 1 to 65535"),
        ("http://alice:s3cret@[::1/x", "the brackets around its host are unbalanced"),
        ("file://alice:s3cret@host/etc/passwd", "only http and https addresses can be opened"),
        ("ftp://alice:s3cret@127.0.0.1/x", "only http and https addresses can be opened"),
    ],
)
async def test_a_malformed_address_is_a_clean_bad_url_failure(
    fetcher: Fetcher, url: str, reason: str
) -> None:
    error = await fail(fetcher, url)
    assert error.kind is FailureKind.BAD_URL
    assert error.message.endswith(f": {reason}.")
    assert "s3cret" not in error.message and "s3cret" not in error.url

    with pytest.raises(FetchError) as caught:
        await fetcher.preview([url])
    assert caught.value.kind is FailureKind.BAD_URL
    assert await fetcher.cached(url) is None


async def test_a_redirect_to_a_bad_port_is_a_clean_failure(
    server: LocalServer, fetcher: Fetcher
) -> None:
    server.redirect("/odd", "http://127.0.0.1:99999/x")
    error = await fail(fetcher, server.url("/odd"))
    assert error.kind is FailureKind.BAD_URL
    assert "TaskGroup" not in error.message
    assert error.message == (
        f"Can't preview {server.url('/odd')}: it redirects to http://127.0.0.1:99999/x, "
        "which is not a valid web address (the port is not a number from 1 to 65535)."
    )


def test_an_exception_group_is_named_by_what_it_holds() -> None:
    try:
        raise ExceptionGroup("unhandled errors in a TaskGroup", [OverflowError("port 0-65535")])
    except ExceptionGroup as exc:
        error = classify_error(exc, "http://u:s3cret@127.0.0.1/")
    assert "TaskGroup" not in error.message and "port 0-65535" in error.message
    assert "s3cret" not in error.message + error.url


def cache_text(directory: Path) -> str:
    return "".join(
        path.read_bytes().decode("utf-8", "replace")
        for path in directory.rglob("*")
        if path.is_file()
    )


async def test_credentials_are_never_sent_stored_or_shown(
    server: LocalServer, tmp_path: Path
) -> None:
    server.page("/news", news_page(), headers={"Cache-Control": "max-age=600"})
    url = f"http://alice:s3cret@127.0.0.1:{server.port}/news"
    cache = tmp_path / "cache"
    async with Fetcher(cache, limits=FAST, trust_env=False) as fetcher:
        page = await fetcher.preview([url])
        again = await fetcher.preview([url])

    assert server.hits["/news"] == 1 and again.fetched.from_cache
    assert "authorization" not in server.requests[0][1]
    for shown in (page, again):
        assert shown.url == server.url("/news") and shown.final_url == server.url("/news")
        assert shown.notice.endswith("The user name and password in the address were not sent.")
    assert cache_text(cache) and "s3cret" not in cache_text(cache)
    assert "alice" not in cache_text(cache)


async def test_credentials_in_a_failure_are_redacted_and_the_failure_says_so(
    server: LocalServer, fetcher: Fetcher
) -> None:
    server.page("/private", "<h1>log in</h1>", status=401)
    url = f"http://alice:s3cret@127.0.0.1:{server.port}/private"

    error = await fail(fetcher, url)
    with pytest.raises(FetchError) as caught:
        await fetcher.preview([url, f"http://alice:s3cret@{refused_url()[7:]}"])

    assert error.message == (
        f"{server.url('/private')} answered HTTP 401 Unauthorized. "
        "The user name and password in the address were not sent."
    )
    everything = [caught.value, *caught.value.attempts]
    assert all("s3cret" not in e.message and "s3cret" not in e.url for e in everything)
    assert all(e.credentials_dropped for e in everything)
    assert "authorization" not in server.requests[0][1]


async def test_credentials_in_a_redirect_are_dropped_too(
    server: LocalServer, fetcher: Fetcher, tmp_path: Path
) -> None:
    server.redirect("/go", f"http://other:pa55word@127.0.0.1:{server.port}/news")
    server.page("/news", news_page())
    page = await fetcher.preview([server.url("/go")])
    assert page.final_url == server.url("/news")
    assert all("authorization" not in headers for _path, headers in server.requests)
    assert "pa55word" not in cache_text(tmp_path / "cache")


async def test_the_page_cache_is_owner_only(server: LocalServer, tmp_path: Path) -> None:
    url = server.page("/news", news_page())
    cache = tmp_path / "made" / "for" / "pages"
    old_umask = os.umask(0o022)
    try:
        async with Fetcher(cache, limits=FAST, trust_env=False) as fetcher:
            await fetcher.fetch(url)
    finally:
        os.umask(old_umask)

    for folder in (tmp_path / "made", tmp_path / "made" / "for", cache):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    files = list(cache.iterdir())
    assert {p.suffix for p in files} == {".json", ".body"}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_an_existing_folder_is_narrowed_only_when_it_is_newsdesks_own(tmp_path: Path) -> None:
    own, named = tmp_path / "own", tmp_path / "named"
    for folder in (own, named):
        folder.mkdir()
        folder.chmod(0o755)
    PageCache(own, own_directory=True).store("http://h/x", "http://h/x", 200, [], {}, b"x")
    PageCache(named).store("http://h/x", "http://h/x", 200, [], {}, b"x")
    assert stat.S_IMODE(own.stat().st_mode) == 0o700
    assert stat.S_IMODE(named.stat().st_mode) == 0o755
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in named.iterdir())
