from reader.text import clean, clean_line


def test_escape_sequences_are_stripped_and_text_kept() -> None:
    assert clean("a\x1b[2Jb") == "ab"
    assert clean("x\x1b]8;;https://e.example\x07link\x1b]8;;\x07") == "xlink"
    assert clean("\x1b]0;title\x1b\\after") == "after"
    assert clean("\x9b31mred") == "red"
    assert clean("bell\x07 nul\x00 del\x7f") == "bell nul del"


def test_tabs_and_newlines_are_kept_and_line_endings_normalised() -> None:
    assert clean("a\tb\nc\r\nd\re") == "a\tb\nc\nd\ne"


def test_markup_is_left_as_literal_text() -> None:
    assert clean("[@click=app.quit]x[/] [bold]") == "[@click=app.quit]x[/] [bold]"


def test_mojibake_is_repaired_without_touching_quotes() -> None:
    assert clean("the stateâ€™s first") == "the state’s first"
    assert clean("Ã©tÃ©") == "été"
    assert clean("Zürich’s café") == "Zürich’s café"


def test_bidi_overrides_are_removed() -> None:
    assert clean("\u202eevil") == "evil"


def test_clean_line_collapses_white_space() -> None:
    assert clean_line("  A\n title\t x ") == "A title x"
    assert clean_line(None) == ""
    assert clean_line(42) == "42"
