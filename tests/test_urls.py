"""reader.web.urls: which addresses may leave the app, how they are shown, and
handing one to a real `$BROWSER` command."""

from __future__ import annotations

import os
import sys
import webbrowser
from pathlib import Path

import pytest

from reader.web.urls import (
    NotWebURL,
    check_url,
    is_web_url,
    open_in_browser,
    redact,
    refusal,
    shown_url,
    web_url,
    web_urls,
    without_credentials,
)

REFUSED = [
    ("http://[::1", "Not a valid web address (the brackets around its host are unbalanced)"),
    ("http://127.0.0.1:99999/", "Not a valid web address (the port is not a number"),
    ("http://127.0.0.1:0/", "Not a valid web address (the port is not a number"),
    ("http://host:http/", "Not a valid web address (the port is not a number"),
    ("http://[vhost]/", "Not a valid web address (the brackets around its host"),
    ("http://a]b[c/", "Not a valid web address (the brackets around its host"),
    ("http://evil.example\\@good.example/", "Not a valid web address (its host part holds"),
    ("http://ex ample.com/", "Not a valid web address (its host part holds"),
    ("http://a\uff03b@c.example/", "Not a valid web address (its host name holds"),
    ("http://h.example/\x1b]0;pwned\x07", "Not a valid web address (it contains control"),
    ("file:///etc/passwd", "Not a web address: file:///etc/passwd"),
    ("javascript:alert(1)", "Not a web address: javascript:alert(1)"),
    ("--help", "Not a web address: --help"),
    ("-x;rm", "Not a web address: -x;rm"),
    ("data:text/html,<h1>hi</h1>", "Not a web address: data:text/html,<h1>hi</h1>"),
    ("ftp://127.0.0.1/x", "Not a web address: ftp://127.0.0.1/x"),
    ("http://", "Not a web address: http://"),
    ("http:///path", "Not a web address: http:///path"),
    ("//example.com/x", "Not a web address: //example.com/x"),
]


@pytest.mark.parametrize(("url", "message"), REFUSED)
def test_only_well_formed_http_and_https_addresses_may_leave(url: str, message: str) -> None:
    checked = check_url(url)
    assert checked.url is None
    assert web_url(url) is None and not is_web_url(url)
    assert refusal(url).startswith(message)


def test_a_refusal_is_one_clean_line_without_the_password() -> None:
    message = refusal("ftp://user:s3cret@host.example/\x1b]0;pwned\x07\nx")
    assert message == "Not a web address: ftp://***@host.example/ x"
    assert refusal("") == "There is no web address."
    assert refusal("  ") == "There is no web address."
    assert refusal(None) == "There is no web address."
    assert len(refusal("gopher://" + "x" * 5000)) < 250


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("https://example.com/a?b=1#c", "https://example.com/a?b=1#c"),
        ("  HTTP://Example.COM/Path  ", "http://example.com/Path"),
        ("http://127.0.0.1:8080/x", "http://127.0.0.1:8080/x"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("http://[2001:DB8::1]/", "http://[2001:db8::1]/"),
        ('https://example.com/a b/"q"', "https://example.com/a%20b/%22q%22"),
        ("https://example.com/<x>{y}|", "https://example.com/%3Cx%3E%7By%7D%7C"),
        ("https://bücher.example/ü", "https://bücher.example/ü"),
        ("https://user:pw@example.com/x", "https://user:pw@example.com/x"),
        ("https://example.com:/x", "https://example.com/x"),
    ],
)
def test_a_web_address_comes_back_normalised(url: str, normal: str) -> None:
    assert web_url(url) == normal
    assert not normal.startswith("-")


def test_web_urls_keeps_the_good_ones_once_in_order() -> None:
    urls = ["javascript:x", "https://a.example/", "HTTPS://A.example/", "--help", "http://b/"]
    assert web_urls(urls) == ["https://a.example/", "http://b/"]


def test_credentials_are_redacted_wherever_an_address_is_quoted() -> None:
    assert redact("https://user:pw@host.example/x") == "https://***@host.example/x"
    assert redact("http://u:p@ss@host/x") == "http://***@host/x"
    assert redact("Can't reach http://u:pw@[::1/ (and //a:b@c/d)") == (
        "Can't reach http://***@[::1/ (and //***@c/d)"
    )
    # An @ in a path or a mail address is not a password.
    assert redact("https://host.example/@someone") == "https://host.example/@someone"
    assert redact("mailto:someone@example.com") == "mailto:someone@example.com"
    assert shown_url("https://user:s3cret@host.example/\x1b[2Jx") == "https://***@host.example/x"
    assert without_credentials("https://user:pw@host.example:8443/x?y#z") == (
        "https://host.example:8443/x?y#z"
    )
    assert check_url("https://user:pw@host.example/").has_credentials
    assert not check_url("https://host.example/").has_credentials


# -- the browser ---------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX script as the browser")
def test_the_browser_gets_the_address_as_its_only_argument(browser: Path) -> None:
    assert open_in_browser("HTTPS://Example.com/a b") is True
    assert browser.read_text(encoding="utf-8").splitlines() == ["https://example.com/a%20b"]


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX script as the browser")
@pytest.mark.parametrize("url", [url for url, _ in REFUSED] + ["", " -h", "\t--new-window"])
def test_what_is_not_a_web_address_never_reaches_the_browser(browser: Path, url: str) -> None:
    with pytest.raises(NotWebURL) as caught:
        open_in_browser(url)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == refusal(url)
    assert not browser.exists()


def test_a_refused_address_never_reaches_the_opener() -> None:
    opened: list[str] = []

    def opener(url: str) -> bool:
        opened.append(url)
        return True

    for url, _message in REFUSED:
        with pytest.raises(NotWebURL):
            open_in_browser(url, opener)
    assert opened == []
    assert open_in_browser("https://user:pw@example.com/x", opener) is True
    assert opened == ["https://user:pw@example.com/x"]


def test_a_browser_that_cannot_start_is_false_not_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken(url: str) -> bool:
        raise OSError("no such program")

    assert open_in_browser("https://example.com/", broken) is False
    missing = tmp_path / "no-such-browser"
    monkeypatch.setenv("BROWSER", str(missing))
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_browsers", {})
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "TERM"):
        monkeypatch.delenv(name, raising=False)
    assert open_in_browser("https://example.com/") is False
    assert not os.path.exists(missing)
