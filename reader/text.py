"""Cleaning untrusted text where it enters newsdesk.

Every string read from the store or from the web passes through `clean()`
once. After that it is plain data: no terminal control or escape sequence
survives, and widgets receive it wrapped in `rich.text.Text` /
`textual.content.Content` (never as markup), so `[bold]` or `[@click=...]`
are shown exactly as typed.
"""

from __future__ import annotations

import re

# ESC-introduced sequences: CSI (ESC [ ... final), OSC/DCS/SOS/PM/APC
# (terminated by BEL or ST), and two-character escapes (ESC + one byte).
# The 8-bit C1 forms (U+009B CSI, U+009D OSC, ...) are matched as well.
_ESCAPES = re.compile(
    r"""
    (?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?       # CSI
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])                  # OSC, DCS, SOS, PM, APC
      [^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?                    # ... up to BEL or ST
    | \x1b[\x20-\x2f]*[\x30-\x7e]?                             # other ESC sequences
    """,
    re.VERBOSE,
)
# Whatever control characters remain: C0 except tab and newline, DEL, C1,
# plus the Unicode bidi overrides that can make text render misleadingly.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_WHITESPACE = re.compile(r"\s+")
# Characters that show up when UTF-8 was decoded as Windows-1252 or Latin-1.
_MOJIBAKE_HINT = re.compile("[ÂÃâ][\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]")


def clean(value: object) -> str:
    """Return `value` as a safe plain string.

    Strips escape sequences and control characters (keeping tab and
    newline), normalises line endings and repairs mojibake such as
    ``stateâ€™s``. Non-strings are converted with `str()` first; None becomes
    the empty string.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.isascii():
        if text.isprintable():
            return text
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        return _CONTROLS.sub("", _ESCAPES.sub("", text))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS.sub("", _ESCAPES.sub("", text))
    if _MOJIBAKE_HINT.search(text):
        text = _fix_mojibake(text)
    return text


def clean_line(value: object) -> str:
    """`clean()` for one-line fields (titles, names): all white space runs,
    newlines included, become one space."""
    text = clean(value)
    if text.isascii() and " " not in text and "\t" not in text and "\n" not in text:
        return text
    return _WHITESPACE.sub(" ", text).strip()


def _fix_mojibake(text: str) -> str:
    # ftfy is imported only when a string looks damaged: most stores never
    # need it, and start-up does not pay for its import.
    import ftfy

    fixed = ftfy.fix_text(
        text,
        unescape_html=False,
        uncurl_quotes=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
        normalization="NFC",
    )
    return _CONTROLS.sub("", fixed)


def shown_path(path: object) -> str:
    """A file name or path made fit to show or print: escape sequences and
    control characters removed, bytes that are not UTF-8 (a name Python
    keeps as lone surrogates) shown as U+FFFD. Only for display: files are
    still opened by their real path."""
    text = path if isinstance(path, str) else str(path)
    if not text.isascii():
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    elif text.isprintable():
        return text
    return _CONTROLS.sub("", _ESCAPES.sub("", text.replace("\n", " ").replace("\r", " ")))
