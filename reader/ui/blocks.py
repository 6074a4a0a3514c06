"""Parsed Markdown blocks as `Content`: the preview and the detail body.

Block text is untrusted. It becomes `Content` built from plain strings,
never parsed as markup; its links are clickable through a `follow(...)`
action, and only http and https links get one.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content, Span
from textual.style import Style

from reader.web.extract import Block, is_web_url

_SPAN_STYLES = {
    "strong": "bold",
    "em": "italic",
    "code": "$text-warning",
    "strike": "strike",
    "dim": "dim",
}
_PREFIX_STYLE = "dim"
_LINK_STYLE = "underline $text-primary"
_HEADING_STYLES = {1: "bold $text-accent", 2: "bold $text-accent", 3: "bold"}


def block_content_parts(block: Block) -> list[tuple[str, list[Style | str]]]:
    """`(text, styles)` pieces of one block, in display order.

    The texts join to exactly `block.plain`: the pane shows what
    `newsdesk preview --format text` prints.
    """
    parts: list[tuple[str, list[Style | str]]] = []
    heading = _HEADING_STYLES.get(block.level, "bold") if block.kind == "heading" else ""
    for text, span in block.segments():
        if span is None:
            parts.append((text, [_PREFIX_STYLE]))
            continue
        names = [heading] if heading else []
        names.extend(_SPAN_STYLES[name] for name in span.style.split() if name in _SPAN_STYLES)
        styles: list[Style | str] = []
        if span.href and is_web_url(span.href):
            names.append(_LINK_STYLE)
            # The only action page text can trigger: follow an http(s) link.
            styles.append(Style.from_meta({"@click": f"follow({span.href!r})"}))
        if names:
            styles.insert(0, " ".join(names))
        parts.append((text, styles))
    return parts


def chunk_content(blocks: Sequence[Block]) -> Content:
    """One Content for a run of blocks, separated as in the plain text."""
    texts: list[str] = []
    spans: list[Span] = []
    position = 0
    for index, block in enumerate(blocks):
        if index:
            separator = "\n" if block.tight else "\n\n"
            texts.append(separator)
            position += len(separator)
        for text, styles in block_content_parts(block):
            texts.append(text)
            end = position + len(text)
            spans.extend(Span(position, end, style) for style in styles)
            position = end
    return Content("".join(texts), spans)
