"""reader.web.extract: bytes of a page in, readable text out."""

from __future__ import annotations

import json
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from reader.web.extract import (
    Block,
    Span,
    blocks_from_markdown,
    decode_html,
    extract,
    markdown_with_byline,
    render_text,
    same_heading,
    text_with_byline,
    without_title_heading,
)
from tests.http_server import FILLER, news_page

URL = "https://news.example/2024/harbour"


def test_news_page_keeps_main_text_and_drops_boilerplate() -> None:
    result = extract(news_page().encode(), URL, "text/html; charset=utf-8")

    assert result.found_main_text
    assert "Paragraph 3 of the story goes on." in result.text
    assert "What happens next" in result.text
    assert "The road along the quay will close for two weeks." in result.text
    for boilerplate in ("Copyright 2024", "Celebrity chef", "Share on Facebook", "Subscribe"):
        assert boilerplate not in result.text
    assert result.title == "Harbour wall repairs approved"
    assert result.byline == "Maria Lopez"
    assert result.date == "2024-05-02"


def test_markdown_has_headings_lists_and_absolute_links() -> None:
    result = extract(news_page().encode(), URL, "text/html")

    assert "## What happens next" in result.markdown
    assert "- Work starts in June" in result.markdown
    assert "[full council report](https://news.example/report.html)" in result.markdown
    assert ("full council report", "https://news.example/report.html") in result.links


def test_text_has_no_markdown_syntax() -> None:
    result = extract(news_page().encode(), URL, "text/html")

    assert "##" not in result.text
    assert "](" not in result.text
    assert "• Work starts in June on the northern section." in result.text
    assert "Read the full council report for details." in result.text


def test_windows_1252_declared_only_in_meta_reads_correctly() -> None:
    title = "Caf\u00e9 owners \u201cdelighted\u201d \u2013 na\u00efve r\u00e9sum\u00e9"
    html = news_page(
        title,
        extra="Prices rose by 5\u20ac \u2014 \u201cquite a lot\u201d, said the owner.",
    ).replace(
        '<meta charset="utf-8">',
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">',
    )
    data = html.encode("cp1252")

    result = extract(data, URL, "text/html")

    assert result.title == title
    assert "Prices rose by 5\u20ac \u2014 \u201cquite a lot\u201d" in result.text
    assert "\ufffd" not in result.text


def test_charset_in_the_header_wins_over_the_meta_tag() -> None:
    html = news_page("Gr\u00fc\u00dfe aus K\u00f6ln").replace(
        '<meta charset="utf-8">', '<meta charset="windows-1252">'
    )
    result = extract(html.encode("utf-8"), URL, "text/html; charset=utf-8")

    assert result.title == "Gr\u00fc\u00dfe aus K\u00f6ln"


def test_decode_html_passes_over_a_declared_charset_the_bytes_contradict() -> None:
    data = '<html><head><meta charset="utf-8"></head><body>caf\u00e9 \u2013 ok</body></html>'
    text, codec = decode_html(data.encode("cp1252"))

    assert "caf\u00e9 \u2013 ok" in text
    assert codec != "utf-8"


def test_markup_and_escape_sequences_stay_literal_text() -> None:
    html = news_page(extra="Try [@click=app.quit]this[/] and \x1b[2J and [bold]that[/bold].")
    result = extract(html.encode(), URL, "text/html")

    assert "[@click=app.quit]this[/]" in result.text
    assert "[bold]that[/bold]" in result.text
    assert "\x1b" not in result.text
    assert "\x1b" not in result.markdown


def test_control_character_references_do_not_hide_the_main_text() -> None:
    html = news_page(extra="Odd bytes &#27;[2J here &#150; and there.")
    result = extract(html.encode(), URL, "text/html")

    assert result.found_main_text
    assert "Odd bytes [2J here \u2013 and there." in result.text


def test_only_web_links_are_clickable_and_no_link_syntax_shows() -> None:
    extra = (
        '<a href="javascript:alert(1)">script link</a> '
        '<a href="file:///etc/passwd">file link</a> '
        '<a href="mailto:desk@example.org">mail link</a> '
        '<a href="//cdn.example/x">protocol relative</a>'
    )
    result = extract(news_page(extra=extra).encode(), URL, "text/html")

    hrefs = [href for _text, href in result.links]
    assert all(href.startswith(("http://", "https://")) for href in hrefs)
    assert any(href.endswith("//cdn.example/x") for href in hrefs)
    assert "script link" in result.text
    assert "javascript:" not in result.text
    assert "](" not in result.text


def test_page_without_main_text_shows_all_its_text() -> None:
    html = (
        b"<html><head><title>Tiny</title><style>p {color: red}</style></head><body>"
        b"<footer><p>Only a footer here.</p><p>And a second line.</p></footer>"
        b"<script>var hidden = 1;</script></body></html>"
    )
    result = extract(html, URL, "text/html")

    assert not result.found_main_text
    assert result.source == "page-text"
    assert result.title == "Tiny"
    assert result.text == "Only a footer here.\n\nAnd a second line."


def test_empty_page_is_empty() -> None:
    assert extract(b"", URL, "text/html").is_empty
    assert extract(b"<html><body></body></html>", URL, "text/html").is_empty


def test_plain_text_is_shown_line_for_line() -> None:
    data = b"Line one\n  indented two\n\nSecond para [@click=app.quit]x[/]\n"
    result = extract(data, URL, "text/plain; charset=utf-8")

    assert result.source == "plain-text"
    assert result.text == "Line one\n  indented two\n\nSecond para [@click=app.quit]x[/]"
    assert result.markdown.startswith("```text\n")
    assert [b.kind for b in result.blocks] == ["pre", "pre"]


def test_unknown_content_type_is_sniffed() -> None:
    result = extract(news_page().encode(), URL, None)
    assert result.found_main_text
    assert extract(b"just some words", URL, None).text == "just some words"


def test_blocks_render_exactly_to_text() -> None:
    markdown = (
        "# Title\n\nA *para* with [a link](https://x.example/) and `code`.\n\n"
        "- one\n- two\n  - nested\n\n1. first\n2. second\n\n> quoted\n> line\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode\n  block\n```\n\n---\n"
    )
    blocks = blocks_from_markdown(markdown, "https://x.example/")
    text = render_text(blocks)

    assert text == (
        "Title\n\nA para with a link and code.\n\n• one\n• two\n  ◦ nested\n\n"
        "1. first\n2. second\n\n│ quoted line\n\na │ b\n1 │ 2\n\ncode\n  block\n\n" + "─" * 20
    )
    for block in blocks:
        assert block.plain == "".join(text for text, _span in block.segments())


def test_multiline_block_lines_up_continuations() -> None:
    block = Block("item", (Span("first\nsecond"),), prefix="• ")
    assert block.plain == "• first\n  second"


def test_trafilatura_is_not_imported_with_the_module() -> None:
    code = "import sys, reader.web.extract, reader.web.fetch; print('trafilatura' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    for content_type in ("text/html", "text/plain", None):
        result = extract(data, URL, content_type)
        assert "\x1b" not in result.text


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_markdown_renders_consistently(markdown: str) -> None:
    blocks = blocks_from_markdown(markdown, URL)
    text = render_text(blocks)
    assert "\x1b" not in text
    for block in blocks:
        assert block.plain == "".join(t for t, _ in block.segments())
        for span in block.spans:
            assert span.href is None or span.href.startswith(("http://", "https://"))


def test_long_page_extracts() -> None:
    body = "".join(f"<p>{FILLER} number {i}.</p>" for i in range(400))
    html = f"<html><body><article><h1>Long</h1>{body}</article></body></html>"
    result = extract(html.encode(), URL, "text/html")
    assert "number 399." in result.text


# --------------------------------------------------------------------------
# Extraction quality: small pages that show each of the extractor's rules.

STORY = "".join(
    f"<p>Paragraph {i} of the story: the harbour wall will be repaired over the summer, "
    "and the council has set aside the money for it after a long debate.</p>"
    for i in range(8)
)
LEAD = "The council voted on Tuesday to pay for the repairs of the old harbour wall before winter."


def article_page(article: str, head: str = "", before: str = "", after: str = "") -> bytes:
    return (
        f"<html><head><meta charset='utf-8'><title>Harbour wall</title>{head}</head><body>"
        f"<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>{before}"
        f"<article><h1>Harbour wall repairs approved</h1>{article}</article>{after}"
        "<footer><p>Copyright 2024 News Example</p></footer></body></html>"
    ).encode()


def test_utf8_page_with_a_stray_byte_is_read_as_utf8() -> None:
    words = "Grüße aus Köln, schöne Größe, süße Äpfel. " * 4
    html = news_page(extra=words).encode("utf-8")
    # One windows-1252 byte in a script, as a pasted snippet leaves it.
    data = html.replace(b"</head>", b"<script>var title = 'M\xe4rz';</script></head>")

    text, codec = decode_html(data)
    result = extract(data, URL, "text/html")

    assert codec == "utf-8"
    assert "Grüße aus Köln, schöne Größe, süße Äpfel." in text
    assert "Grüße aus Köln, schöne Größe, süße Äpfel." in result.text


def test_superscripts_and_subscripts_keep_their_text() -> None:
    extra = (
        "<p>The park covers 5000 m<sup>2</sup>; the pool holds H<sub>2</sub>O, not &lt;sup&gt;.</p>"
    )
    result = extract(article_page(STORY + extra), URL, "text/html")

    assert "The park covers 5000 m2; the pool holds H2O, not <sup>." in result.text
    assert "<sub>" not in result.text


def test_markdown_inline_tags_other_than_the_extractors_stay_text() -> None:
    blocks = blocks_from_markdown("x<sup>2</sup> and <b>bold</b> and \\<u>", URL)
    assert render_text(blocks) == "x2 and <b>bold</b> and <u>"


def test_list_item_text_indented_in_the_source_is_not_shown_as_code() -> None:
    items = "".join(
        f"<li><span class='icon'></span>\n     <a href='/step{i}'>\n"
        f"                                Step {i}: check the wall and note every crack</a>\n</li>"
        for i in range(3)
    )
    result = extract(article_page(STORY + f"<ul>{items}</ul>" + STORY), URL, "text/html")

    assert "• Step 0: check the wall and note every crack\n• Step 1:" in result.text
    assert "](" not in result.text
    assert all(block.kind != "code" for block in result.blocks)
    assert ("Step 2: check the wall and note every crack", "https://news.example/step2") in (
        result.links
    )


def test_short_main_text_gets_a_second_look() -> None:
    # The fast mode stops at the short introduction; the full mode finds the rest.
    sentence = (
        "the harbour wall will be repaired over the summer, "
        "and the council has set aside the money for it after a long debate"
    )
    intro = f"<p>The harbour wall is old. {sentence}. What it costs and who pays, read on.</p>"
    modules = "".join(
        "<div class='container-fluid module'><div class='row'><div class='col-md-6 text-column'>"
        f"<div class='text'><h2>Question {i}?</h2><p>Answer {i}: {sentence}. {sentence}.</p>"
        "</div></div></div></div>"
        for i in range(8)
    )
    html = (
        "<html><head><title>Harbour questions</title></head><body><div class='page-wrapper'>"
        "<div class='container-fluid'><div class='row'><div class='col-lg-8'>"
        f"<div class='col-12 text one-column'>{intro}</div></div></div></div>{modules}"
        "</div></body></html>"
    )
    result = extract(html.encode(), URL, "text/html")

    assert result.found_main_text
    assert result.text.startswith("The harbour wall is old.")
    assert "Question 7?" in result.text
    assert "Answer 7: the harbour wall will be repaired" in result.text


def test_structured_article_body_stands_in_for_a_teaser() -> None:
    body = "\n".join(
        f"Paragraph {i} of the story, as the page's structured data tells it." for i in range(12)
    )
    data = json.dumps({"@type": "NewsArticle", "headline": "Harbour", "articleBody": body})
    teaser = (
        "<p>The harbour wall will be repaired over the summer. Subscribers read the whole "
        "story of the council's long debate about the money.</p>"
    ) * 2
    head = f"<script type='application/ld+json'>{data}</script>"
    result = extract(article_page(teaser, head=head), URL, "text/html")

    assert result.found_main_text
    assert "Paragraph 0 of the story, as the page's structured data tells it." in result.text
    assert "Paragraph 11 of the story" in result.text
    assert [block.kind for block in result.blocks] == ["paragraph"] * 12


def test_article_body_does_not_replace_a_full_main_text() -> None:
    data = json.dumps({"@type": "NewsArticle", "articleBody": "A summary of the story. " * 10})
    head = f"<script type='application/ld+json'>{data}</script>"
    result = extract(article_page(STORY, head=head), URL, "text/html")

    assert "Paragraph 7 of the story" in result.text
    assert "A summary of the story." not in result.text


def test_lead_set_apart_from_the_body_comes_back_first() -> None:
    head = f'<meta name="description" content="{LEAD}">'
    article = f'<div class="teaser-text"><p>{LEAD}</p></div>{STORY}'
    result = extract(article_page(article, head=head), URL, "text/html")

    paragraphs = result.text.split("\n\n")
    assert paragraphs[:3] == [
        "Harbour wall repairs approved",
        LEAD,
        paragraphs[2],
    ]
    assert paragraphs[2].startswith("Paragraph 0 of the story")
    assert result.text.count(LEAD) == 1


def test_description_not_shown_as_the_lead_is_not_added() -> None:
    head = f'<meta name="description" content="{LEAD}">'
    # Not on the page at all; only in a link to another article; already in the text.
    hidden = extract(article_page(STORY, head=head), URL, "text/html")
    linked = extract(
        article_page(STORY, head=head, after=f"<div class='teaser'><a href='/b'>{LEAD}</a></div>"),
        URL,
        "text/html",
    )
    inside = extract(article_page(f"<p>{LEAD}</p>{STORY}", head=head), URL, "text/html")

    assert LEAD not in hidden.text
    assert LEAD not in linked.text
    assert inside.text.count(LEAD) == 1


def test_links_that_lead_away_from_the_text_are_dropped() -> None:
    html = (
        "<html><head><title>Harbour</title></head><body><div class='main'><div class='article'>"
        '<a href="/newsroom">Back to the newsroom</a>'
        f"<h1>Harbour wall repairs approved</h1>{STORY}"
        '<p>Read the <a href="/report">full council report</a> for the details.</p>'
        "<p><strong>Read more:</strong></p>"
        '<p><a href="/a">Ferry timetable changes for the winter season</a></p>'
        '<p><a href="/b">New lighthouse keeper starts work in the spring</a></p>'
        '<p><a href="/c">Fishing fleet returns early after the storm</a></p>'
        "</div></div></body></html>"
    )
    result = extract(html.encode(), URL, "text/html")

    assert result.text.startswith("Harbour wall repairs approved\n\nParagraph 0")
    assert result.text.endswith("Read the full council report for the details.")
    for gone in ("Back to the newsroom", "Read more", "Ferry timetable", "lighthouse"):
        assert gone not in result.text
        assert gone not in result.markdown


def test_links_that_belong_to_the_text_stay() -> None:
    def closing(links: str) -> str:
        html = (
            "<html><head><title>Harbour</title></head><body><div class='main'><div class='article'>"
            f"<h1>Harbour wall repairs approved</h1>{STORY}{links}</div></div></body></html>"
        )
        return extract(html.encode(), URL, "text/html").text

    # A bare address is a reference; a sentence is text; a link amid the text is text.
    address = closing('<a href="https://council.example/report">https://council.example/report</a>')
    sentence = closing('<a href="/all">Everything the council decided this year, in one place.</a>')
    amid = closing(
        '<a href="/a">Ferry timetable changes for the winter season</a>'
        "<p>The ferry will keep running while the wall is repaired, the harbour master said.</p>"
    )

    assert address.endswith("https://council.example/report")
    assert sentence.endswith("Everything the council decided this year, in one place.")
    assert "Ferry timetable changes for the winter season" in amid


# -- the byline as the page writes it, and the title heading -----------------------


def test_byline_is_kept_as_the_page_writes_it() -> None:
    result = extract(news_page().encode(), URL, "text/html; charset=utf-8")
    assert result.byline == "Maria Lopez"
    assert result.byline_text == "By Maria Lopez"
    # The extractor drops the byline from the text; the helpers put it under the title.
    assert "By Maria Lopez" not in result.text
    assert text_with_byline(result).startswith(
        "Harbour wall repairs approved\n\nBy Maria Lopez\n\nThe council met"
    )
    assert markdown_with_byline(result).startswith(
        "# Harbour wall repairs approved\n\nBy Maria Lopez\n\nThe council met"
    )


def test_byline_without_a_byline_element_is_made_from_the_author() -> None:
    html = news_page().replace('<p class="byline">By Maria Lopez</p>', "")
    result = extract(html.encode(), URL, "text/html")
    assert result.byline == "Maria Lopez"
    assert result.byline_text == "By Maria Lopez"


def test_byline_is_clean_data_and_stays_literal_in_markdown() -> None:
    html = news_page().replace(
        "By Maria Lopez</p>", "By  Maria Lopez \x1b[2J*and* [@click=app.quit]x[/]</p>"
    )
    result = extract(html.encode(), URL, "text/html")
    assert result.byline_text == "By Maria Lopez [2J*and* [@click=app.quit]x[/]"
    markdown = markdown_with_byline(result)
    assert "\x1b" not in markdown
    # The Markdown shows the byline's characters, not emphasis or a link.
    assert render_text(blocks_from_markdown(markdown, URL)) == text_with_byline(result)


def test_no_author_no_byline() -> None:
    html = news_page().replace('<meta name="author" content="Maria Lopez">', "")
    html = html.replace('<p class="byline">By Maria Lopez</p>', "")
    result = extract(html.encode(), URL, "text/html")
    assert result.byline == "" and result.byline_text == ""
    assert text_with_byline(result) == result.text
    assert markdown_with_byline(result) == result.markdown


def test_byline_goes_first_when_the_text_does_not_open_with_the_title() -> None:
    html = news_page().replace("<h1>Harbour wall repairs approved</h1>", "")
    result = extract(html.encode(), URL, "text/html")
    assert result.byline_text == "By Maria Lopez"
    assert text_with_byline(result) == "By Maria Lopez\n\n" + result.text


def test_only_a_first_heading_equal_to_the_title_is_dropped() -> None:
    blocks = blocks_from_markdown("#  Harbour  WALL \n\nText.\n\n## Harbour wall", URL)
    assert same_heading("  Harbour\tWALL ", "harbour wall")
    assert not same_heading("", "")
    assert render_text(without_title_heading(blocks, "Harbour wall")) == "Text.\n\nHarbour wall"
    # Another first heading, a paragraph that says the title, no title: all kept.
    assert without_title_heading(blocks, "Harbour walls") == blocks
    said = blocks_from_markdown("Harbour wall\n\nText.", URL)
    assert without_title_heading(said, "Harbour wall") == said
    assert without_title_heading(blocks, "") == blocks
