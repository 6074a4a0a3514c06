"""Turn a fetched page into readable text.

`extract()` takes the raw bytes of a page (never text that an HTTP library
guessed), its URL and its Content-Type, and returns an `Extracted`: title,
byline and date where found, the main text as Markdown, and the same text
as a list of `Block`s, the structure the preview pane renders and from
which the plain `text` is made. The pane and `newsdesk preview --format
text` show the very same characters, because both come from the blocks.

The main text of an HTML page is trafilatura's (fast mode, on a tree parsed
once), with a few general rules around it, measured on the real pages of
`benchmarks/bench_extraction.py`: a short result gets a second look (the
full mode, then the page's JSON-LD `articleBody`); a lead that the page sets
apart from the body, and that its description names, goes back in front;
lone links that lead away from the text (navigation at either end, a closing
"Read more:" list of headlines) go; and nothing of the extractor's Markdown
is lost on the way to the blocks.

Every string that leaves this module has been through `reader.text.clean()`:
it is plain data, free of terminal escape and control sequences.

This module imports nothing from Textual.
"""

from __future__ import annotations

import codecs
import contextlib
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from reader.text import clean
from reader.web.urls import is_web_url  # the one gate for addresses (re-exported)

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

__all__ = [
    "SOURCE_MAIN",
    "SOURCE_PAGE",
    "SOURCE_PLAIN",
    "Block",
    "Extracted",
    "Span",
    "blocks_from_markdown",
    "decode_html",
    "extract",
    "is_web_url",
    "markdown_with_byline",
    "render_text",
    "same_heading",
    "text_with_byline",
    "without_title_heading",
]


SOURCE_MAIN = "main-text"
"""`Extracted.source` when the main text of an HTML page was found."""
SOURCE_PAGE = "page-text"
"""`Extracted.source` when no main text was found and all the page's text is shown."""
SOURCE_PLAIN = "plain-text"
"""`Extracted.source` for a `text/plain` (or other non-HTML text) document."""


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text with one style, inside a block."""

    text: str
    style: str = ""
    """Space-separated names from: `strong`, `em`, `code`, `strike`, `dim`."""
    href: str | None = None
    """Absolute http(s) URL when the span is a link; other schemes are dropped."""


@dataclass(frozen=True, slots=True)
class Block:
    """One paragraph-like unit of the readable page."""

    kind: str
    """`heading`, `paragraph`, `item`, `code`, `row`, `rule` or `pre`."""
    spans: tuple[Span, ...]
    prefix: str = ""
    """Shown before the text: indentation, a list bullet or number, a quote bar."""
    level: int = 0
    """Heading level (1-6) for headings; nesting depth for list items."""
    tight: bool = False
    """Separated from the previous block by one newline instead of a blank line
    (the second and later items of a list, the rows of a table)."""

    @property
    def plain(self) -> str:
        """The block exactly as a reader sees it, without any markup."""
        if not self.prefix:
            return "".join(span.text for span in self.spans)
        return "".join(text for text, _span in self.segments())

    def segments(self) -> list[tuple[str, Span | None]]:
        """The block's text in display order: `(text, span)` pairs, where the
        prefix (and its repeat on continuation lines) has no span."""
        if not self.prefix:
            return [(span.text, span) for span in self.spans]
        out: list[tuple[str, Span | None]] = [(self.prefix, None)]
        # Continuation lines line up under the first one.
        pad = _continuation_prefix(self.prefix)
        for span in self.spans:
            lines = span.text.split("\n")
            out.append((lines[0], span))
            for line in lines[1:]:
                out.append(("\n", span))
                out.append((pad, None))
                out.append((line, span))
        return [(text, span) for text, span in out if text]


@dataclass(frozen=True, slots=True)
class Extracted:
    """A readable page."""

    title: str
    byline: str
    date: str
    """Publication date as found on the page (usually YYYY-MM-DD), or ''."""
    markdown: str
    """The main text as Markdown (headings, lists, links, emphasis)."""
    blocks: tuple[Block, ...]
    text: str
    """The main text exactly as the preview pane shows it: no Markdown syntax."""
    links: tuple[tuple[str, str], ...]
    """`(link text, absolute http(s) URL)` for each link in the text, in order."""
    source: str
    """How the text was found: `main-text`, `page-text` or `plain-text`."""
    byline_text: str = ""
    """The byline as the page writes it ("By Maria Lopez"): the page's byline
    element that names `byline`, else "By " and `byline`; '' when no author
    was found."""

    @property
    def found_main_text(self) -> bool:
        """False when no main text was found and the page's whole text (or
        nothing) is shown instead."""
        return self.source != SOURCE_PAGE and bool(self.text.strip())

    @property
    def is_empty(self) -> bool:
        return not self.text.strip() and not self.title


def extract(data: bytes, url: str, content_type: str | None) -> Extracted:
    """Make a readable page out of `data`, fetched from `url`.

    `content_type` is the Content-Type header as received (its `charset`
    parameter is honoured), or None when unknown. HTML is reduced to its
    main text; any other text is shown as it is. Never raises on bad input:
    undecodable bytes are replaced, and a page with no main text yields its
    whole visible text (`source == "page-text"`).
    """
    media_type, charset = _parse_content_type(content_type)
    if media_type is None:
        media_type = _sniff(data)
    if media_type in ("text/html", "application/xhtml+xml"):
        try:
            return _extract_html(data, url, charset)
        finally:
            _PARSERS.last = None
    return _extract_plain(data, charset)


# --------------------------------------------------------------------------
# Decoding


# WHATWG Encoding Standard labels that Python spells differently or where
# the web means a superset of what the label says.
_ENCODING_ALIASES = {
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "cp819": "cp1252",
    "windows-1252": "cp1252",
    "x-cp1252": "cp1252",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "gb2312": "gbk",
    "gb_2312-80": "gbk",
    "x-gbk": "gbk",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "big5": "big5hkscs",
    "x-user-defined": "cp1252",
    "unicode": "utf-8",
    "utf8": "utf-8",
}

_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_:.+-]+)""",
    re.IGNORECASE,
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _python_codec(label: str | None) -> str | None:
    """The Python codec for an encoding label, or None if unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    name = _ENCODING_ALIASES.get(label, label)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(data: bytes, header_charset: str | None = None) -> tuple[str, str]:
    """Decode an HTML document as a browser would; return `(text, codec)`.

    Order: byte order mark, the charset of the Content-Type header, a
    `<meta charset>` (or `http-equiv`) declaration in the first 8 KB, valid
    UTF-8, a statistical guess, then windows-1252. A declared charset that
    the bytes contradict (invalid UTF-8, say) is passed over.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace"), codec

    declared: list[str] = []
    header_codec = _python_codec(header_charset)
    if header_codec:
        declared.append(header_codec)
    match = _META_CHARSET.search(data[:8192])
    if match:
        meta_codec = _python_codec(match.group(1).decode("ascii", "replace"))
        # A document that could be read as ASCII can't be UTF-16, whatever it says.
        if meta_codec and meta_codec.startswith("utf-16"):
            meta_codec = "utf-8"
        if meta_codec:
            declared.append(meta_codec)
    for codec in declared:
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            continue
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(data):
        # A UTF-8 page with a few stray bytes (a pasted windows-1252 quote,
        # a truncated character): a browser shows it as UTF-8, and so do we.
        return data.decode("utf-8", errors="replace"), "utf-8"
    guess = _guess_codec(data)
    codec = guess or (declared[0] if declared else "cp1252")
    return data.decode(codec, errors="replace"), codec


_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _mostly_utf8(data: bytes) -> bool:
    """True when `data` is UTF-8 but for a few invalid bytes.

    Text in a legacy single-byte charset read as UTF-8 is nearly all
    invalid sequences; UTF-8 with a stray byte is nearly all valid ones.
    """
    valid = len(_UTF8_MULTIBYTE.findall(data))
    if valid < 8:
        return False
    invalid = data.decode("utf-8", errors="replace").count("\ufffd") - data.count("\ufffd".encode())
    return invalid * 20 <= valid


def _guess_codec(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - it comes with trafilatura
        return None
    sample = data if len(data) <= 20000 else data[:10000] + data[-10000:]
    best = from_bytes(sample).best()
    return _python_codec(best.encoding) if best is not None else None


def _parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    media, _, params = value.partition(";")
    media_type = media.strip().lower() or None
    charset = None
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip("\"'") or None
    return media_type, charset


def _sniff(data: bytes) -> str:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in head:
        return "text/html"
    if head.startswith(b"<") and re.search(rb"<(p|div|title|meta|a|h[1-6])[\s>]", head):
        return "text/html"
    return "text/plain"


# --------------------------------------------------------------------------
# HTML

# Numeric character references to C0 controls and DEL (libxml2 chokes on
# them, and trafilatura then finds nothing), and to the C1 range, which
# HTML maps to windows-1252 characters.
_CHAR_REF = re.compile(r"&#(?:[xX]0*([0-9a-fA-F]{1,6})|0*([0-9]{1,7}));?")
_RAW_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _fix_char_ref(match: re.Match[str]) -> str:
    hex_digits, dec_digits = match.groups()
    code = int(hex_digits, 16) if hex_digits else int(dec_digits)
    if code in (9, 10, 13):
        return match.group(0)
    if code < 0x20 or code == 0x7F:
        return ""
    if 0x80 <= code <= 0x9F:
        char = bytes([code]).decode("cp1252", errors="ignore")
        return char or ""
    return match.group(0)


def _scrub_html(html: str) -> str:
    if "&#" in html:
        html = _CHAR_REF.sub(_fix_char_ref, html)
    return _RAW_CONTROLS.sub("", html)


def _extract_html(data: bytes, url: str, charset: str | None) -> Extracted:
    html, _codec = decode_html(data, charset)
    html = _scrub_html(html)
    if not html.strip():
        return _finish("", "", "", "", url, SOURCE_PAGE)

    title = byline = date = description = written = ""
    markdown = ""
    tree = _load_tree(html)
    if tree is not None:
        document = _trafilatura(tree, url, fast=True, metadata=True)
        if document is not None:
            title = _one_line(getattr(document, "title", None))
            byline = _one_line(getattr(document, "author", None))
            date = _one_line(getattr(document, "date", None))
            description = _one_line(getattr(document, "description", None))
            markdown = _document_markdown(document)
            with contextlib.suppress(Exception):
                written = _written_byline(tree, byline)
        # Safety nets: whatever goes wrong in a second look, the first stands.
        with contextlib.suppress(Exception):
            markdown = _second_opinion(tree, url, markdown)
        if markdown and not title:
            title = _one_line(tree.findtext(".//title"))
    markdown = _drop_away_links(markdown)
    if markdown.strip():
        result = _finish(markdown, title, byline, date, url, SOURCE_MAIN, written)
        if result.text.strip():
            lead = ""
            if tree is not None and description:
                with contextlib.suppress(Exception):
                    lead = _missing_lead(tree, description, result.text)
            if lead:
                markdown = _insert_lead(markdown, _escape_markdown(lead))
                result = _finish(markdown, title, byline, date, url, SOURCE_MAIN, written)
            return result

    page_title, paragraphs = _page_text(html)
    markdown = "\n\n".join(_escape_markdown(p) for p in paragraphs)
    return _finish(markdown, title or page_title, byline, date, url, SOURCE_PAGE, written)


_BYLINE_HINT = re.compile(r"byline|author|writer|credit", re.IGNORECASE)
_BY = re.compile(r"by\b", re.IGNORECASE)
_MAX_BYLINE = 200
"""A byline element with more text than this is a biography, not a byline."""


def _written_byline(tree: Any, author: str) -> str:
    """The byline as the page writes it ("By Maria Lopez"), for `author`.

    The shortest element marked as a byline or author (class, id, rel or
    itemprop) whose text starts with "By" and names the (first) author; else
    "By " and the author's name(s). '' when there is no author.
    """
    names = [name.strip() for name in author.split(";") if name.strip()]
    if not names:
        return ""
    first = names[0].casefold()
    found = ""
    if tree is not None:
        for element in tree.xpath("//*[@class or @id or @rel or @itemprop]"):
            hints = " ".join(str(element.get(a) or "") for a in ("class", "id", "rel", "itemprop"))
            if not _BYLINE_HINT.search(hints):
                continue
            text = _one_line(element.text_content())
            if (
                _BY.match(text)
                and len(text) <= _MAX_BYLINE
                and first in text.casefold()
                and (not found or len(text) < len(found))
            ):
                found = text
    if found:
        return found
    if _BY.match(names[0]):
        return ", ".join(names)
    return "By " + ", ".join(names)


def _load_tree(html: str) -> Any:
    """The page parsed once, shared by every pass over it (none changes it)."""
    try:
        from trafilatura import load_html
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    try:
        return load_html(html)
    except Exception:
        return None


def _trafilatura(tree: Any, url: str, *, fast: bool, metadata: bool) -> Any:
    # Imported here: it costs a few hundred milliseconds that start-up must not pay.
    try:
        import trafilatura
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    try:
        return trafilatura.bare_extraction(
            tree,
            url=url or None,
            fast=fast,
            include_comments=False,
            include_tables=True,
            include_formatting=True,
            include_links=True,
            with_metadata=metadata,
            # No search of the whole text for date-like strings: it finds
            # little that the page's metadata does not say, and its first use
            # in a process costs seconds (dateparser compiles its patterns).
            date_extraction_params=_date_params() if metadata else None,
        )
    except Exception:
        # A page that breaks the extractor still gets its plain text shown.
        return None


def _date_params() -> dict[str, Any]:
    from datetime import datetime

    today = datetime.now().astimezone().strftime("%Y-%m-%d")
    return {"original_date": True, "extensive_search": False, "max_date": today}


def _document_markdown(document: Any) -> str:
    markdown = unicodedata.normalize("NFC", clean(getattr(document, "text", None) or ""))
    return _dedent_stray_code(markdown)


_INDENTED_LINE = re.compile(r"^(?: {4}|\t)", re.MULTILINE)
_EMPTY_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s*$")


def _dedent_stray_code(markdown: str) -> str:
    """Un-indent text that Markdown would take for an indented code block.

    The extractor writes code as fenced blocks; indentation elsewhere is the
    page source's own (a list item whose text starts on the next line, deep
    in the source's indentation), and shown as code it would show its
    Markdown syntax. Such an item's text goes back up beside its bullet.
    """
    if not _INDENTED_LINE.search(markdown):
        return markdown
    lines: list[str | None] = list(markdown.split("\n"))
    changed = False
    for token in _tokens(markdown):
        if token.type != "code_block" or not token.map:
            continue
        first, end = token.map[0], min(token.map[1], len(lines))
        for line in range(first, end):
            text = lines[line]
            if text is not None:
                lines[line] = text.lstrip()
        above = lines[first - 1] if first > 0 else None
        if above is not None and _EMPTY_ITEM.match(above) and lines[first]:
            lines[first - 1] = f"{above.rstrip()} {lines[first]}"
            lines[first] = None
        changed = True
    if not changed:
        return markdown
    return "\n".join(line for line in lines if line is not None)


# --------------------------------------------------------------------------
# Second opinions: trafilatura's fast mode finds the main text of most pages;
# when what it found is short, the full mode (which weighs its result against
# readability and jusText) and the page's own structured data get a say.

_SHORT_TEXT = 500
"""Main text shorter than this (in characters) is short on any page."""
_SHORT_SHARE = 0.1
"""Main text under this share of the page's visible text is short for the page."""
_ARTICLE_BODY_FACTOR = 3
"""How much longer a structured-data `articleBody` must be to replace the text."""

_MARKDOWN_SYNTAX = re.compile(r"\]\([^)\s]*\)|[\\*_`#>|\[\]]")


def _visible_text(markdown: str) -> str:
    """About the text a reader sees of `markdown` (cheaper than rendering it)."""
    return _collapse(_MARKDOWN_SYNTAX.sub("", markdown))


def _text_length(markdown: str) -> int:
    return len(_visible_text(markdown))


def _visible_length(tree: Any) -> int:
    """About how many characters of text the page shows."""
    body = tree.find(".//body")
    if body is None:
        body = tree
    hidden = sum(
        len(_collapse(element.text_content()))
        for element in body.iter("script", "style", "noscript", "template")
    )
    return max(0, len(_collapse(body.text_content())) - hidden)


def _second_opinion(tree: Any, url: str, markdown: str) -> str:
    length = _text_length(markdown)
    if length >= _SHORT_TEXT and length >= _SHORT_SHARE * _visible_length(tree):
        return markdown
    # Only a main text that was found gets a fuller look: where the fast mode
    # found none, the full mode finds footers and menus, and "no main text"
    # is the truer answer (the preview then tries the page's AMP version).
    full = _trafilatura(tree, url, fast=False, metadata=False) if length else None
    if full is not None:
        candidate = _document_markdown(full)
        candidate_length = _text_length(candidate)
        if candidate_length > length:
            markdown, length = candidate, candidate_length
    body = _article_body(tree)
    if body and len(body) >= max(_SHORT_TEXT, _ARTICLE_BODY_FACTOR * length):
        markdown = "\n\n".join(_escape_markdown(p) for p in _body_paragraphs(body))
    return markdown


def _article_body(tree: Any) -> str:
    """The longest `articleBody` in the page's JSON-LD, or ''."""
    import json

    best = ""
    for script in tree.iterfind(".//script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue
        stack: list[Any] = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                for key, value in item.items():
                    if key == "articleBody" and isinstance(value, str):
                        if len(value) > len(best):
                            best = value
                    elif isinstance(value, dict | list):
                        stack.append(value)
            elif isinstance(item, list):
                stack.extend(item)
    return clean(best).strip()


def _body_paragraphs(body: str) -> list[str]:
    import html as html_lib

    body = html_lib.unescape(body)
    if re.search(r"</?(?:p|br|div|h[1-6]|li)\b", body, re.IGNORECASE):
        return _page_text(f"<html><body>{body}</body></html>")[1]
    return [p for p in (_collapse(line) for line in body.split("\n")) if p]


# --------------------------------------------------------------------------
# The lead: many pages set their standfirst apart from the body (a teaser or
# intro box), where the main-text extractor drops it. The page's description
# says what the lead is; when that text is shown on the page and missing
# from the main text, it goes back in front.

_LEAD_MIN_CHARS = 50
_LEAD_PROBE = 60
_LEAD_SKIP = frozenset(
    {
        "head", "title", "h1", "script", "style", "noscript", "template", "nav", "footer",
        "aside", "form", "button", "select", "option", "a", "figcaption",
    }
)  # fmt: skip
_TAG = re.compile(r"<[^<>]*>")
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…|\[…\]|\[\.\.\.\])\s*$")


def _missing_lead(tree: Any, description: str, text: str) -> str:
    """The page's lead as shown on it, when the main text lacks it; else ''."""
    # Some pages put markup in their description.
    description = _ELLIPSIS.sub("", _collapse(_TAG.sub(" ", description)))
    if len(description) < _LEAD_MIN_CHARS or len(description.split()) < 8:
        return ""
    seen = _collapse(text)
    probe = description
    if len(probe) > _LEAD_PROBE:
        probe = probe[:_LEAD_PROBE].rsplit(" ", 1)[0]
    if probe in seen:
        return ""
    body = tree.find(".//body")
    if body is None or probe not in _collapse(body.text_content()):
        return ""
    # The innermost elements whose text holds the probe.
    matches = body.xpath(
        ".//*[contains(normalize-space(.), $probe)][not(*[contains(normalize-space(.), $probe)])]",
        probe=probe,
    )
    for element in matches:
        if any(
            isinstance(node.tag, str) and node.tag.lower() in _LEAD_SKIP
            for node in (element, *element.iterancestors())
        ):
            continue
        lead = clean(_collapse(element.text_content()))
        if len(lead) > 2 * len(description) + 100 or lead in seen:
            continue
        return lead
    return ""


def _insert_lead(markdown: str, lead: str) -> str:
    """`lead` as the first paragraph of `markdown`, after the headline if it opens the text."""
    tokens = _tokens(markdown)
    lines = markdown.split("\n")
    at = 0
    if tokens and tokens[0].type == "heading_open" and tokens[0].tag == "h1" and tokens[0].map:
        at = tokens[0].map[1]
    return "\n".join([*lines[:at], "", lead, "", *lines[at:]]).strip("\n")


# --------------------------------------------------------------------------
# Links that lead away from the text: "Back to the newsroom" or the author's
# profile opening or closing it, and a closing list of other articles ("Read
# more:" and a few headlines, each a paragraph that is nothing but a link).

_EDGE_LINK_MAX = 60
"""Longest label of a lone link dropped at either end of the text."""
_EDGE_LINK_BLOCKS = 3
_RUN_MIN_LINKS = 2
_RUN_MIN_WORDS = 3
"""A headline has a few words; a list of single-word links is more likely tags
or ingredients, which stay."""
_LINKS_LABEL_MAX = 40
_SENTENCE_END = (".", "!", "?", "…", ":", '"', "“", "”", "»", "«")
_BARE_ADDRESS = re.compile(r"(?:https?://|www\.)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _TopBlock:
    start: int
    end: int
    kind: str
    """The opening token's type: `paragraph_open`, `heading_open`, ..."""
    text: str
    """About the text a reader sees (Markdown syntax taken out), for paragraphs and headings."""
    link_label: str | None
    """The label when the block is a paragraph holding one link and nothing else."""


def _drop_away_links(markdown: str) -> str:
    if "](" not in markdown:
        return markdown
    chunks = markdown.strip("\n").split("\n\n")
    if len(chunks) > 2 * _EDGE_LINK_BLOCKS and not any(
        "](" in chunk for chunk in chunks[len(chunks) // 2 :] + chunks[:_EDGE_LINK_BLOCKS]
    ):
        return markdown
    blocks = _top_blocks(markdown)
    count = len(blocks)

    def edge_link(index: int) -> bool:
        label = blocks[index].link_label
        return (
            label is not None and len(label) <= _EDGE_LINK_MAX and not label.endswith(_SENTENCE_END)
        )

    def headline_link(index: int) -> bool:
        label = blocks[index].link_label
        return label is not None and len(label.split()) >= _RUN_MIN_WORDS

    def is_label(index: int) -> bool:
        """A heading or a short "Read more:" paragraph that announces the links after it."""
        block = blocks[index]
        return block.kind == "heading_open" or (
            block.kind == "paragraph_open"
            and len(block.text) <= _LINKS_LABEL_MAX
            and block.text.endswith(":")
        )

    drop: set[int] = set()
    for index in range(min(_EDGE_LINK_BLOCKS, count)):
        if not edge_link(index):
            break
        drop.add(index)
    index = count - 1
    while index >= 0 and count - index <= _EDGE_LINK_BLOCKS and edge_link(index):
        drop.add(index)
        index -= 1
    if index < count - 1 and index >= 0 and is_label(index):
        drop.add(index)
    index = count // 2
    while index < count:
        run_end = index
        while run_end < count and headline_link(run_end):
            run_end += 1
        if run_end - index >= _RUN_MIN_LINKS:
            drop.update(range(index, run_end))
            if index > 0 and is_label(index - 1):
                drop.add(index - 1)
        index = run_end + 1
    if not drop or len(drop) == count:
        return markdown
    lines = markdown.split("\n")
    cut = [False] * len(lines)
    for index in drop:
        block = blocks[index]
        for line in range(block.start, min(block.end, len(lines))):
            cut[line] = True
    return "\n".join(line for line, gone in zip(lines, cut, strict=True) if not gone).strip("\n")


def _top_blocks(markdown: str) -> list[_TopBlock]:
    tokens = _tokens(markdown)
    blocks: list[_TopBlock] = []
    for index, token in enumerate(tokens):
        if token.level != 0 or not token.map or token.nesting == -1:
            continue
        inline = tokens[index + 1] if index + 1 < len(tokens) else None
        if inline is None or inline.type != "inline":
            inline = None
        label = _lone_link_label(inline) if token.type == "paragraph_open" and inline else None
        text = _visible_text(inline.content) if inline is not None else ""
        blocks.append(_TopBlock(token.map[0], token.map[1], token.type, text, label))
    return blocks


def _lone_link_label(inline: Token) -> str | None:
    """The link's label when `inline` is one link and nothing else (and the
    label is not a bare address, which is a reference the text gives)."""
    children = [
        child
        for child in inline.children or []
        if not (child.type == "text" and not child.content.strip()) and child.type != "softbreak"
    ]
    if len(children) < 3 or children[0].type != "link_open" or children[-1].type != "link_close":
        return None
    inner = children[1:-1]
    if any(child.type in ("link_open", "link_close") for child in inner):
        return None
    label = _collapse("".join(c.content for c in inner if c.type in ("text", "code_inline")))
    if not label or _BARE_ADDRESS.match(label):
        return None
    return label


_SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "svg", "math", "head", "iframe", "object"}
)
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "br", "dd", "details", "div",
        "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
        "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
        "summary", "table", "td", "th", "tr", "ul",
    }
)  # fmt: skip


def _parse_html(html: str) -> Any:
    from lxml import etree
    from lxml import html as lxml_html

    try:
        return lxml_html.document_fromstring(html)
    except ValueError:
        # A string with an XML encoding declaration: hand lxml UTF-8 bytes instead.
        parser = lxml_html.HTMLParser(encoding="utf-8")
        try:
            return lxml_html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
        except (ValueError, etree.ParserError):
            return None
    except etree.ParserError:
        return None


def _page_text(html: str) -> tuple[str, list[str]]:
    """The page's `<title>` and all its visible text, one entry per block."""
    from lxml import etree

    root = _parse_html(html)
    if root is None:
        return "", []
    title = ""
    title_el = root.find(".//title")
    if title_el is not None:
        title = _one_line(title_el.text_content())
    body = root.find(".//body")
    if body is None:
        body = root
    # Comments go (their tails stay); invisible elements go with their text.
    etree.strip_tags(body, etree.Comment, etree.ProcessingInstruction)
    for element in [e for e in body.iter() if isinstance(e.tag, str) and e is not body]:
        if element.tag.lower() in _SKIP_TAGS and element.getparent() is not None:
            element.drop_tree()
    pieces: list[str] = []
    # Iterative, so that deep nesting can't exhaust the stack.
    for event, element in etree.iterwalk(body, events=("start", "end")):
        block = isinstance(element.tag, str) and element.tag.lower() in _BLOCK_TAGS
        if event == "start":
            if block:
                pieces.append("\n\n")
            if element.text:
                pieces.append(element.text)
            continue
        if block:
            pieces.append("\n\n")
        if element.tail and element is not body:
            pieces.append(element.tail)
    paragraphs = [_collapse(part) for part in "".join(pieces).split("\n\n")]
    return title, [clean(p) for p in paragraphs if p]


# --------------------------------------------------------------------------
# Plain text


def _extract_plain(data: bytes, charset: str | None) -> Extracted:
    codec = _python_codec(charset)
    text = ""
    if codec:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            codec = None
    if not codec:
        if data.startswith(codecs.BOM_UTF8):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            guess = _guess_codec(data) or "cp1252"
            text = data.decode(guess, errors="replace")
    text = clean(text.expandtabs(8)).strip("\n")
    lines = [line.rstrip() for line in text.split("\n")]
    # Blank-line separated chunks, each kept line for line as written.
    chunks: list[str] = []
    current: list[str] = []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            chunks.append("\n".join(current))
            current = []
    if current:
        chunks.append("\n".join(current))
    blocks = tuple(Block("pre", (Span(chunk),)) for chunk in chunks)
    body = "\n\n".join(chunks)
    markdown = _fence(body) if body else ""
    return Extracted(
        title="",
        byline="",
        date="",
        markdown=markdown,
        blocks=blocks,
        text=body,
        links=(),
        source=SOURCE_PLAIN,
    )


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


# --------------------------------------------------------------------------
# Markdown -> blocks

_ASCII_PUNCT_ESCAPE = re.compile(r"([\\`*_\[\]<>&|~])")
_LINE_START_ESCAPE = re.compile(r"^(\s*\d*)([#>+=-]|(?<=\d)[.)])", re.MULTILINE)
_WHITESPACE = re.compile(r"\s+")

BULLETS = ("• ", "◦ ", "▪ ")
QUOTE_BAR = "│ "
RULE = "─" * 20
CELL_SEPARATOR = " │ "


_MARKUP_TAG = re.compile(r"</?(?:sup|sub|u)>", re.IGNORECASE)
"""Inline tags the extractor writes into its Markdown for lack of syntax."""


def _escape_markdown(text: str) -> str:
    """Escape `text` so that Markdown shows it literally."""
    text = _ASCII_PUNCT_ESCAPE.sub(r"\\\1", text)
    return _LINE_START_ESCAPE.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def _collapse(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def _one_line(value: object) -> str:
    return _collapse(clean(value)) if value else ""


def _continuation_prefix(prefix: str) -> str:
    stripped = prefix.rstrip(" ")
    # Quote bars repeat on every line; bullets and numbers turn into spaces.
    kept = "".join(ch if ch == QUOTE_BAR[0] else " " for ch in stripped)
    return kept + " " * (len(prefix) - len(stripped))


_PARSERS = threading.local()


def _parser() -> MarkdownIt:
    """The Markdown parser, one per thread (extraction runs in worker threads)."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = _new_parser()
    return parser


def _tokens(markdown: str) -> list[Token]:
    """`markdown` parsed; the last parse is kept, as each step of an
    extraction that changes nothing hands the next the same text."""
    last = getattr(_PARSERS, "last", None)
    if last is not None and last[0] == markdown:
        return last[1]
    tokens = _parser().parse(markdown)
    _PARSERS.last = (markdown, tokens)
    return tokens


def _new_parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    class _AnyLinkParser(MarkdownIt):
        def validateLink(self, url: str) -> bool:
            # Every link is parsed as a link, so that its syntax never shows;
            # which ones stay clickable (http and https only) is decided in
            # `_href`.
            return True

    # Raw HTML never renders: no html blocks; inline tags are parsed only so
    # that the extractor's own <sup>, <sub> and <u> (it escapes every literal
    # "<" in page text) can go while their text stays; any other tag is text.
    parser = _AnyLinkParser("commonmark", {"html": True}).enable(["table", "strikethrough"])
    parser.disable("html_block")
    return parser


def blocks_from_markdown(markdown: str, base_url: str) -> tuple[Block, ...]:
    """Parse Markdown into the blocks the preview shows."""
    tokens = _parser().parse(markdown)
    return tuple(_Builder(base_url).build(tokens))


class _Builder:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        # Each open list: [ordered, next number, depth]
        self.lists: list[list[Any]] = []
        self.quote_depth = 0
        self.item_marker: str | None = None
        self.in_item = 0
        self.previous_kind = ""
        self.row: list[tuple[Span, ...]] = []
        self.row_is_header = False
        self.rows_in_table = 0
        self._in_table = False

    def _prefix(self, marker: str | None = None) -> str:
        quote = QUOTE_BAR * self.quote_depth
        depth = len(self.lists)
        if depth == 0:
            return quote
        indent = "  " * (depth - 1)
        if marker is None:
            # A later paragraph of a list item: indented to the item's text.
            return quote + indent + "  " + (" " if self.lists[-1][0] else "")
        return quote + indent + marker

    def build(self, tokens: Sequence[Token]) -> Iterable[Block]:
        pending_heading = 0
        for token in tokens:
            kind = token.type
            if kind == "heading_open":
                pending_heading = int(token.tag[1:]) if token.tag[1:].isdigit() else 1
            elif kind == "heading_close":
                pending_heading = 0
            elif kind in ("bullet_list_open", "ordered_list_open"):
                if not self.lists:
                    # A new list is a blank line away from whatever came before.
                    self.previous_kind = ""
                ordered = kind == "ordered_list_open"
                start = token.attrGet("start") if ordered else None
                number = int(start) if isinstance(start, (int, str)) and str(start).isdigit() else 1
                self.lists.append([ordered, number, len(self.lists) + 1])
            elif kind in ("bullet_list_close", "ordered_list_close"):
                if self.lists:
                    self.lists.pop()
            elif kind == "list_item_open":
                if self.lists:
                    current = self.lists[-1]
                    if current[0]:
                        self.item_marker = f"{current[1]}. "
                        current[1] += 1
                    else:
                        self.item_marker = BULLETS[(len(self.lists) - 1) % len(BULLETS)]
                else:
                    self.item_marker = BULLETS[0]
                self.in_item += 1
            elif kind == "list_item_close":
                self.in_item = max(0, self.in_item - 1)
                if self.item_marker is not None:
                    # An empty item still shows its bullet.
                    yield self._block("item", (), self._prefix(self.item_marker))
                    self.item_marker = None
            elif kind == "blockquote_open":
                self.quote_depth += 1
            elif kind == "blockquote_close":
                self.quote_depth = max(0, self.quote_depth - 1)
            elif kind == "inline":
                spans = tuple(self._inline(token.children or []))
                if pending_heading:
                    yield self._block(
                        "heading",
                        spans,
                        self._prefix(None) if self.lists else QUOTE_BAR * self.quote_depth,
                        level=pending_heading,
                    )
                elif self._in_table:
                    self.row.append(spans)
                elif self.in_item and self.item_marker is not None:
                    marker = self.item_marker
                    self.item_marker = None
                    yield self._block("item", spans, self._prefix(marker))
                else:
                    yield self._block(
                        "paragraph",
                        spans,
                        self._prefix(None) if self.lists else QUOTE_BAR * self.quote_depth,
                    )
            elif kind in ("fence", "code_block"):
                code = clean(token.content.rstrip("\n"))
                if self.item_marker is not None:
                    marker = self.item_marker
                    self.item_marker = None
                    yield self._block("item", (), self._prefix(marker))
                prefix = self._prefix(None) if self.lists else QUOTE_BAR * self.quote_depth
                yield self._block("code", (Span(code, "code"),) if code else (), prefix)
            elif kind == "hr":
                yield self._block("rule", (Span(RULE, "dim"),), QUOTE_BAR * self.quote_depth)
            elif kind == "table_open":
                self._in_table = True
                self.rows_in_table = 0
            elif kind == "table_close":
                self._in_table = False
            elif kind == "thead_open":
                self.row_is_header = True
            elif kind == "thead_close":
                self.row_is_header = False
            elif kind == "tr_open":
                self.row = []
            elif kind == "tr_close":
                yield self._row()
            elif kind == "html_block":  # pragma: no cover - html is disabled
                text = _collapse(clean(token.content))
                if text:
                    yield self._block("paragraph", (Span(text),), "")

    def _row(self) -> Block:
        spans: list[Span] = []
        for index, cell in enumerate(self.row):
            if index:
                spans.append(Span(CELL_SEPARATOR, "dim"))
            if self.row_is_header:
                cell = tuple(Span(s.text, _add_style(s.style, "strong"), s.href) for s in cell)
            spans.extend(cell)
        self.row = []
        tight = self.rows_in_table > 0
        self.rows_in_table += 1
        block = Block("row", _merge(spans), QUOTE_BAR * self.quote_depth, tight=tight)
        self.previous_kind = "row"
        return block

    def _block(self, kind: str, spans: tuple[Span, ...], prefix: str, level: int = 0) -> Block:
        tight = kind == "item" and self.previous_kind == "item" and bool(self.lists)
        block = Block(kind, spans, prefix, level or len(self.lists), tight)
        self.previous_kind = kind
        return block

    def _inline(self, children: Sequence[Token]) -> Iterable[Span]:
        styles: list[str] = []
        hrefs: list[str | None] = []
        spans: list[Span] = []

        def add(text: str, extra: str = "") -> None:
            if not text:
                return
            style = " ".join(dict.fromkeys([*styles, *([extra] if extra else [])]))
            href = next((h for h in reversed(hrefs) if h is not None), None) if hrefs else None
            spans.append(Span(text, style, href))

        for child in children:
            kind = child.type
            if kind == "text":
                add(_WHITESPACE.sub(" ", clean(child.content)))
            elif kind == "softbreak":
                add(" ")
            elif kind == "hardbreak":
                add("\n")
            elif kind == "code_inline":
                add(clean(child.content), "code")
            elif kind == "em_open":
                styles.append("em")
            elif kind == "strong_open":
                styles.append("strong")
            elif kind == "s_open":
                styles.append("strike")
            elif kind in ("em_close", "strong_close", "s_close"):
                if styles:
                    styles.pop()
            elif kind == "link_open":
                hrefs.append(self._href(child.attrGet("href")))
            elif kind == "link_close":
                if hrefs:
                    hrefs.pop()
            elif kind == "image":
                alt = _collapse(clean(child.content))
                if alt:
                    add(f"[{alt}]", "dim")
            elif kind == "html_inline" and not _MARKUP_TAG.fullmatch(child.content.strip()):
                add(_WHITESPACE.sub(" ", clean(child.content)))
        merged = _merge(spans)
        # Trim the white space a reader can't see at either end.
        if merged and merged[0].text != merged[0].text.lstrip(" "):
            first = merged[0]
            merged = (Span(first.text.lstrip(" "), first.style, first.href), *merged[1:])
        if merged and merged[-1].text != merged[-1].text.rstrip(" "):
            last = merged[-1]
            merged = (*merged[:-1], Span(last.text.rstrip(" "), last.style, last.href))
        return tuple(span for span in merged if span.text)

    def _href(self, value: object) -> str | None:
        if not isinstance(value, str) or not value.strip():
            return None
        try:
            absolute = urljoin(self.base_url, value.strip()) if self.base_url else value.strip()
        except ValueError:
            return None
        absolute = clean(absolute)
        return absolute if is_web_url(absolute) else None


def _add_style(style: str, extra: str) -> str:
    return " ".join(dict.fromkeys([*style.split(), extra]))


def _merge(spans: Iterable[Span]) -> tuple[Span, ...]:
    merged: list[Span] = []
    for span in spans:
        if merged and merged[-1].style == span.style and merged[-1].href == span.href:
            merged[-1] = Span(merged[-1].text + span.text, span.style, span.href)
        else:
            merged.append(span)
    return tuple(merged)


def render_text(blocks: Iterable[Block]) -> str:
    """The blocks as the plain text a reader sees."""
    parts: list[str] = []
    for block in blocks:
        if parts:
            parts.append("\n" if block.tight else "\n\n")
        parts.append(block.plain)
    return "".join(parts)


def _finish(
    markdown: str,
    title: str,
    byline: str,
    date: str,
    url: str,
    source: str,
    byline_text: str = "",
) -> Extracted:
    parsed = tuple(_Builder(url).build(_tokens(markdown))) if markdown else ()
    blocks = tuple(block for block in parsed if block.plain.strip())
    links: list[tuple[str, str]] = []
    seen: set[str] = set()
    for block in blocks:
        run_href: str | None = None
        run_text: list[str] = []
        for span in (*block.spans, Span("")):
            if span.href != run_href or not span.text:
                if run_href and run_href not in seen:
                    seen.add(run_href)
                    links.append((_collapse("".join(run_text)) or run_href, run_href))
                run_href, run_text = span.href, []
            run_text.append(span.text)
    return Extracted(
        title=title,
        byline=byline,
        date=date,
        markdown=markdown,
        blocks=blocks,
        text=render_text(blocks),
        links=tuple(links),
        source=source,
        byline_text=byline_text,
    )


# --------------------------------------------------------------------------
# The title and the byline around the body


def same_heading(text: str, title: str) -> bool:
    """True when a heading's `text` says `title`: compared after cleaning,
    ignoring case and white space."""
    heading = _collapse(clean(text)).casefold()
    return bool(heading) and heading == _collapse(clean(title)).casefold()


def _is_title_heading(blocks: Sequence[Block], title: str) -> bool:
    return bool(blocks) and blocks[0].kind == "heading" and same_heading(blocks[0].plain, title)


def without_title_heading(blocks: Sequence[Block], title: str) -> tuple[Block, ...]:
    """`blocks` without their first one when it is a heading that repeats
    `title` (shown apart, above the body); only the first block is looked at."""
    if _is_title_heading(blocks, title):
        return tuple(blocks[1:])
    return tuple(blocks)


def text_with_byline(extracted: Extracted) -> str:
    """The plain text with the byline as the page writes it: under the title
    heading that opens the text, else first; the text alone when no byline."""
    if not extracted.byline_text:
        return extracted.text
    line = Block("paragraph", (Span(extracted.byline_text),))
    blocks = extracted.blocks
    if _is_title_heading(blocks, extracted.title):
        return render_text((blocks[0], line, *blocks[1:]))
    return render_text((line, *blocks))


def markdown_with_byline(extracted: Extracted) -> str:
    """The Markdown with the byline as the page writes it (escaped: it shows
    literally), placed as in `text_with_byline`."""
    markdown = extracted.markdown
    if not extracted.byline_text:
        return markdown
    line = _escape_markdown(extracted.byline_text)
    stripped = markdown.lstrip("\n")
    first, _, rest = stripped.partition("\n")
    if _is_title_heading(blocks_from_markdown(first, ""), extracted.title):
        rest = rest.lstrip("\n")
        return f"{first}\n\n{line}\n\n{rest}" if rest else f"{first}\n\n{line}"
    return f"{line}\n\n{markdown}" if markdown else line
