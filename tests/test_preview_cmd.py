"""`newsdesk preview URL`: the readable page on stdout, failures on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from reader.commands.preview import main
from reader.web.extract import extract, text_with_byline
from reader.web.fetch import Limits
from tests.http_server import LocalServer, news_page, refused_url

LIMITS = Limits(deadline=3.0, connect_timeout=2.0)
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


def test_text_is_the_text_the_pane_shows_with_its_byline(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = news_page()
    url = server.page("/news", html)

    status = main(url, "text", tmp_path, limits=LIMITS)

    out, err = capsys.readouterr()
    assert status == 0
    assert err == ""
    extracted = extract(html.encode(), url, "text/html; charset=utf-8")
    assert out == text_with_byline(extracted) + "\n"
    # The byline as the page writes it, under the title; the rest is the pane's text.
    assert out.startswith("Harbour wall repairs approved\n\nBy Maria Lopez\n\nThe council met")
    assert out.replace("By Maria Lopez\n\n", "", 1) == extracted.text + "\n"
    assert "Paragraph 4 of the story goes on." in out
    assert "Celebrity chef" not in out
    assert "](" not in out and "##" not in out


def test_markdown_format(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.page("/news", news_page())
    assert main(url, "markdown", tmp_path, limits=LIMITS) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Harbour wall repairs approved\n\nBy Maria Lopez\n\nThe council met")
    assert "## What happens next" in out
    assert f"[full council report]({server.url('/report.html')})" in out


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_a_byline_made_from_the_author_when_the_page_writes_none(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    html = news_page().replace('<p class="byline">By Maria Lopez</p>', "")
    html = html.replace('content="Maria Lopez"', 'content="Ann Writer"')
    url = server.page("/news", html)
    assert main(url, fmt, tmp_path, limits=LIMITS) == 0
    lines = capsys.readouterr().out.split("\n")
    assert lines[1:4] == ["", "By Ann Writer", ""]
    assert lines[0].endswith("Harbour wall repairs approved")


def test_no_byline_when_the_page_names_no_author(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = news_page().replace('<p class="byline">By Maria Lopez</p>', "")
    html = html.replace('<meta name="author" content="Maria Lopez">', "")
    url = server.page("/news", html)
    assert main(url, "text", tmp_path, limits=LIMITS) == 0
    out = capsys.readouterr().out
    assert out.startswith("Harbour wall repairs approved\n\nThe council met")
    assert "By " not in out


def test_json_format(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.page("/news", news_page())
    assert main(url, "json", tmp_path, limits=LIMITS) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["url"] == url
    assert data["title"] == "Harbour wall repairs approved"
    assert data["byline"] == "Maria Lopez"
    assert data["date"] == "2024-05-02"
    assert data["from_cache"] is False
    assert "Paragraph 1 of the story" in data["text"]
    assert {"text": "full council report", "url": server.url("/report.html")} in data["links"]


def test_second_run_comes_from_the_cache(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.page("/news", news_page(), headers={"Cache-Control": "max-age=300"})
    assert main(url, "json", tmp_path, limits=LIMITS) == 0
    capsys.readouterr()
    assert main(url, "json", tmp_path, limits=LIMITS) == 0
    assert json.loads(capsys.readouterr().out)["from_cache"] is True
    assert server.hits["/news"] == 1


def test_escape_sequences_never_reach_stdout(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.page("/evil", news_page(extra="[@click=app.quit]x[/] \x1b]0;pwned\x07 \x1b[2J"))
    assert main(url, "text", tmp_path, limits=LIMITS) == 0
    out = capsys.readouterr().out
    assert "[@click=app.quit]x[/]" in out
    assert "\x1b" not in out and "\x07" not in out


@pytest.mark.parametrize(
    ("path", "status", "expected"),
    [("/missing", 404, "answered HTTP 404 Not Found."), ("/broken", 500, "answered HTTP 500")],
)
def test_http_failure_is_one_line_on_stderr(
    server: LocalServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    path: str,
    status: int,
    expected: str,
) -> None:
    url = server.page(path, "<h1>no</h1>", status=status)
    assert main(url, "text", tmp_path, limits=LIMITS) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"newsdesk: {url} ") and expected in err


def test_refused_connection_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = refused_url()
    assert main(url, "text", tmp_path, limits=LIMITS) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"newsdesk: Can't reach {url}: 127.0.0.1 refused the connection.\n"


def test_non_web_url_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main("file:///etc/passwd", "text", tmp_path, limits=LIMITS) == 1
    out, err = capsys.readouterr()
    assert out == "" and "only http and https" in err and err.count("\n") == 1


def test_pdf_is_not_text(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.page("/doc.pdf", b"%PDF-1.7\n" + b"1" * 5000, content_type="application/pdf")
    assert main(url, "text", tmp_path, limits=LIMITS) == 3
    out, err = capsys.readouterr()
    assert out == ""
    assert "a PDF document (5 KB)" in err and err.count("\n") == 1


def test_unknown_format_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main("http://127.0.0.1/", "html", tmp_path) == 2
    assert "unknown format" in capsys.readouterr().err


def test_offline_copy_is_printed_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with LocalServer() as server:
        url = server.validated("/story", news_page("Saved story"))
        assert main(url, "text", tmp_path, limits=LIMITS) == 0
    capsys.readouterr()

    assert main(url, "text", tmp_path, limits=LIMITS) == 0

    out, err = capsys.readouterr()
    assert "Saved story" in out
    assert err.startswith("newsdesk: note: offline: showing the copy saved just now")


# -- malformed addresses, credentials, output that cannot be written ---------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://[::1", "newsdesk: Can't preview http://[::1: the brackets around its host are"),
        ("http://127.0.0.1:99999/", "newsdesk: Can't preview http://127.0.0.1:99999/: the port"),
        ("http://alice:s3cret@[::1", "newsdesk: Can't preview http://***@[::1: the brackets"),
        (
            "file://alice:s3cret@host/etc/passwd",
            "newsdesk: Can't preview file://***@host/etc/passwd: only http and https",
        ),
    ],
)
def test_a_malformed_url_is_one_line_and_status_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str, expected: str
) -> None:
    assert main(url, "text", tmp_path, limits=LIMITS) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(expected) and err.count("\n") == 1


def test_credentials_are_not_printed_nor_cached(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.page("/news", news_page())
    server.page("/private", "<h1>log in</h1>", status=401)
    base = f"http://alice:s3cret@127.0.0.1:{server.port}"

    assert main(f"{base}/news", "json", tmp_path, limits=LIMITS) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["url"] == server.url("/news")
    assert err == "newsdesk: note: The user name and password in the address were not sent.\n"
    assert main(f"{base}/private", "text", tmp_path, limits=LIMITS) == 1
    out, err = capsys.readouterr()
    assert err.startswith(f"newsdesk: {server.url('/private')} answered HTTP 401")
    assert main(f"{base}:99999/", "text", tmp_path, limits=LIMITS) == 1
    out, err = capsys.readouterr()
    assert "***@" in err

    on_disk = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert on_disk and b"s3cret" not in on_disk and b"alice" not in on_disk
    assert "authorization" not in server.requests[0][1]


def run_preview(url: str, cache: Path, stdout: int | IO[bytes]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "reader", "preview", "--cache", str(cache), "--", url],
        stdout=stdout,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_one_line_and_status_1(server: LocalServer, tmp_path: Path) -> None:
    url = server.page("/news", news_page())
    with open("/dev/full", "wb") as full:
        result = run_preview(url, tmp_path, full)
    assert result.returncode == 1
    assert result.stderr == "newsdesk: cannot write output: No space left on device\n"


@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:99999/"])
def test_the_command_line_never_shows_a_traceback(tmp_path: Path, url: str) -> None:
    result = run_preview(url, tmp_path, subprocess.PIPE)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("newsdesk: Can't preview")
    assert "Traceback" not in result.stderr and "TaskGroup" not in result.stderr
