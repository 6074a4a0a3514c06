"""User settings, read from `config.toml`.

```toml
[triage]
mark_read_on_open = true     # enter / focusing the detail pane marks read
mark_read_after = 0          # seconds resting on an article to mark it read; 0 = never
advance_after_star = false   # `s` moves on to the next article, as `e` does
archive_marks_read = true    # `e` (archive: done with it) also marks it read

[ui]
theme = "nord"               # any Textual theme; choosing one in the palette writes it here
layout = "two"               # at start: "three" panes, "two" (list and detail), "one" (list alone)
tree_width = 30              # cells
detail_width = "35%"         # cells (40) or a share of the width ("35%")
columns = ["date", "title", "provider"]   # which list columns, in order (title always)
date_format = "%d %b %H:%M"  # strftime codes for the list's date column

[hide]                       # no view shows these articles, except with is:hidden
queries = ['provider:"Daily Gossip"', "quality:<10"]

[keys]                       # action id (or alias) = a key or a list of keys
star = "f"                   # toggle_star
archive = ["e", "delete"]
```

The file is the one named with `--config PATH`, else `$NEWSDESK_CONFIG`,
else `config.toml` in the user's config folder. A missing file means the
defaults. Each table is a `msgspec.Struct`, and each value is checked with
strict types (`"false"` is not a bool) one key at a time: a bad value or an
unknown key is one warning line (file, line, key, and the closest known
key), and falls back to its default while the good settings still apply.
A file that is not TOML at all is one warning, and the defaults.

`[keys]` is checked against the table of actions (`reader.actions`): an
unknown action is a warning naming the closest one; a key that ends up on two
actions (the remaps laid over the defaults) is a warning naming both, and
neither remap of that key applies.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import msgspec
import platformdirs

from reader.actions import action_id, action_names, clashes, default_keys, normalize_key
from reader.text import shown_path


class TriageSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """`[triage]`"""

    mark_read_on_open: bool = True
    mark_read_after: Annotated[float, msgspec.Meta(ge=0)] = 0.0
    advance_after_star: bool = False
    archive_marks_read: bool = True


Layout = Literal["three", "two", "one"]
Column = Literal["date", "provider", "title", "quality"]
Percent = Annotated[str, msgspec.Meta(pattern=r"^[1-9][0-9]?%$")]


class UiSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """`[ui]`"""

    theme: str | None = None
    layout: Layout | None = None
    tree_width: Annotated[int, msgspec.Meta(ge=12, le=120)] | None = None
    detail_width: Annotated[int, msgspec.Meta(ge=20, le=200)] | Percent | None = None
    columns: tuple[Column, ...] = ("date", "provider", "title", "quality")
    date_format: str = "%Y-%m-%d"


def _check_columns(value: tuple[str, ...]) -> str | None:
    if "title" not in value:
        return "the title column cannot be left out"
    if len(set(value)) != len(value):
        return "a column is named twice"
    return None


def _check_date_format(value: str) -> str | None:
    import time

    try:
        shown = time.strftime(value, time.localtime(1_790_000_000))
    except (ValueError, OverflowError) as error:
        return f"not a date format: {error}"
    if not shown.strip() or "%" not in value:
        return "not a date format (strftime codes such as %Y-%m-%d %H:%M)"
    if len(shown) > 24:
        return f"{shown!r} is longer than 24 characters"
    return None


CHOICES = {
    key: ", ".join(f'"{value}"' for value in get_args(kind))
    for key, kind in (("layout", Layout), ("columns", Column))
}
"""The values a setting of fixed choices takes, for its error."""

CHECKS: dict[str, Callable[[Any], str | None]] = {
    "columns": _check_columns,
    "date_format": _check_date_format,
}
"""Checks of a value beyond its type: a reason it cannot be used, or None."""


class HideSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """`[hide]`"""

    queries: tuple[str, ...] = ()


TABLES: dict[str, type[msgspec.Struct]] = {
    "triage": TriageSettings,
    "ui": UiSettings,
    "hide": HideSettings,
}
"""Each table of the file, and the struct its values are checked against."""


@dataclass(slots=True, frozen=True)
class Config:
    """The settings in force (the tables' keys, flattened)."""

    mark_read_on_open: bool = True
    mark_read_after: float = 0.0
    advance_after_star: bool = False
    archive_marks_read: bool = True
    theme: str | None = None
    layout: str | None = None
    """The layout at start (None: the last session's)."""
    tree_width: int | None = None
    detail_width: int | str | None = None
    """Cells, or a share of the width ("35%"); None: the layout's own."""
    columns: tuple[str, ...] = ("date", "provider", "title", "quality")
    date_format: str = "%Y-%m-%d"
    queries: tuple[str, ...] = ()
    """`[hide] queries`: no view shows what they match, except with `is:hidden`."""
    keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """`[keys]`: the main-screen actions given other keys (action id to keys)."""


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir("newsdesk")) / "config.toml"


def config_path(option: Path | None = None) -> Path:
    """The settings file: `--config PATH`, else `$NEWSDESK_CONFIG`, else the default."""
    if option is not None:
        return option
    env = os.environ.get("NEWSDESK_CONFIG")
    return Path(env).expanduser() if env else default_config_path()


def table_keys(table: str) -> list[str]:
    return [field.name for field in msgspec.structs.fields(TABLES[table])]


def load_config(
    path: Path | None = None, themes: Iterable[str] | None = None
) -> tuple[Config, list[str]]:
    """The settings, and one warning line for each thing not used.

    `themes`, when given, are the theme names `[ui] theme` may take.
    """
    path = path or default_config_path()
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        return Config(), []
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        return Config(), [f"{_shown(path)}: settings not read: {reason}"]
    warnings: list[str] = []

    def warn(line: int | None, what: str, message: str) -> None:
        where = f"{_shown(path)}:{line}" if line else _shown(path)
        warnings.append(f"{where}: {what}: {message}")

    values: dict[str, Any] = {}
    for name, table in data.items():
        if name == "keys":
            if isinstance(table, dict):
                values["keys"] = _check_keys(text, table, warn)
            else:
                warn(_line_of(text, name), name, "not a table; the default keys apply")
            continue
        if name not in TABLES:
            _unknown_table(text, name, table, warn)
            continue
        if not isinstance(table, dict):
            warn(_line_of(text, name), name, "not a table; the defaults apply")
            continue
        values.update(_check_table(text, name, table, warn))
    config = Config(**values)
    if config.theme is not None and themes is not None:
        known = sorted(themes)
        if config.theme not in known:
            close = difflib.get_close_matches(config.theme, known, n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            liked = ("textual-dark", "textual-light", "nord", "gruvbox", "dracula", "tokyo-night")
            some = ", ".join([name for name in liked if name in known] or known[:6])
            warn(
                _line_of(text, "theme", "ui"),
                "theme",
                f"unknown theme {config.theme!r}; {hint}themes include {some}, ...",
            )
            config = Config(**{**values, "theme": None})
    return config, warnings


def _check_table(text: str, name: str, table: dict[str, Any], warn: Any) -> dict[str, Any]:
    """The good values of one table; a warning for each other key."""
    struct = TABLES[name]
    known = table_keys(name)
    defaults = struct()
    good: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean {close[0]}?" if close else f" in [{name}]"
            warn(_line_of(text, key, name), key, f"unknown setting{hint}")
            continue
        try:
            checked = msgspec.convert({key: value}, struct, strict=True)
        except msgspec.ValidationError as error:
            reason = str(error).split(" - at `", 1)[0]
            if reason.startswith("Invalid enum value") and key in CHOICES:
                reason = f"{reason}: expected one of {CHOICES[key]}"
            warn(_line_of(text, key, name), key, f"{reason}; {_default_applies(defaults, key)}")
            continue
        value = getattr(checked, key)
        check = CHECKS.get(key)
        problem = check(value) if check is not None else None
        if problem is not None:
            warn(_line_of(text, key, name), key, f"{problem}; {_default_applies(defaults, key)}")
            continue
        good[key] = value
    return good


def _default_applies(defaults: msgspec.Struct, key: str) -> str:
    value = getattr(defaults, key)
    return "the default applies" if value is None else f"the default ({toml_value(value)}) applies"


def _check_keys(text: str, table: dict[str, Any], warn: Any) -> dict[str, tuple[str, ...]]:
    """The remaps of `[keys]` that apply (action id to keys); a warning for
    each other one."""
    remap: dict[str, tuple[str, ...]] = {}
    named: dict[str, str] = {}
    """Each remapped action id, and the name the file gives it."""
    flat: dict[str, Any] = {}
    for name, value in table.items():  # `app.quit = "x"` is a table in TOML
        if isinstance(value, dict):
            flat.update({f"{name}.{inner}": item for inner, item in value.items()})
        else:
            flat[name] = value
    for name, value in flat.items():
        line = _line_of(text, name, "keys")
        action = action_id(name)
        if action is None:
            close = difflib.get_close_matches(name, action_names(), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            warn(line, f"keys.{name}", f"unknown action{hint}")
            continue
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(_one_key(item) for item in items):
            warn(line, f"keys.{name}", "expected a key or a list of keys; the default applies")
            continue
        if action in remap:
            warn(line, f"keys.{name}", f"{named[action]} is set already; this one is not used")
            continue
        keys = tuple(dict.fromkeys(normalize_key(item) for item in items))
        remap[action] = keys
        named[action] = name
    order = list(remap)
    while True:  # drop the remaps of each key two live actions end up with, until none is left
        found = clashes({action: remap[action] for action in order})
        if not found:
            return remap
        key, actions = found[0]
        first = named[actions[0]]
        both = " and ".join(named.get(action, action) for action in actions)
        warn(
            _line_of(text, first, "keys"),
            f"keys.{first}",
            f"key {key!r} is given to {both}; the default keys apply",
        )
        for action in actions:
            remap.pop(action, None)
        order = [action for action in order if action in remap]


def _one_key(item: object) -> bool:
    """Whether `item` names one key ("," is the comma key; "a,b" is two)."""
    return isinstance(item, str) and bool(item.strip()) and ("," not in item or item.strip() == ",")


def _unknown_table(text: str, name: str, value: Any, warn: Any) -> None:
    if isinstance(value, dict):
        close = difflib.get_close_matches(name, list(TABLES), n=1)
        hint = f"; did you mean [{close[0]}]?" if close else ""
        warn(_line_of(text, name), f"[{name}]", f"unknown table{hint}")
        return
    homes = [table for table in TABLES if name in table_keys(table)]
    hint = f"; did you mean [{homes[0]}] {name}?" if homes else ""
    warn(_line_of(text, name), name, f"unknown setting{hint}")


def _line_of(text: str, key: str, table: str | None = None) -> int | None:
    """The line (from 1) where `key` is set (in `[table]`, if given), or where
    table `key` starts; None if it cannot be found."""
    lines = text.splitlines()
    start = 0
    if table is not None:
        header = re.compile(rf"^\s*\[\s*[\"']?{re.escape(table)}[\"']?\s*\]")
        start = next((i for i, line in enumerate(lines) if header.match(line)), 0)
    quoted = rf"[\"']?{re.escape(key)}[\"']?"
    pattern = re.compile(rf"^\s*(?:\[\s*{quoted}\s*\]|{quoted}\s*[=.])")
    for i in range(start, len(lines)):
        if pattern.match(lines[i]):
            return i + 1
    if table is not None:  # a dotted key: `triage.mark_read_after = 2`
        dotted = re.compile(rf"^\s*[\"']?{re.escape(table)}[\"']?\s*\.\s*{quoted}\s*=")
        for i, line in enumerate(lines):
            if dotted.match(line):
                return i + 1
    return None


def _shown(path: Path) -> str:
    text = str(path)
    home = str(Path.home())
    if home not in ("", "/") and text.startswith(home + os.sep):
        text = "~" + text[len(home) :]
    return shown_path(text)


def toml_value(value: object) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return str(value)


def describe(config: Config) -> list[str]:
    """The settings in force, each with its default: `triage.x = true   # default true`."""
    defaults = Config()
    table_of = {key: table for table in TABLES for key in table_keys(table)}
    rows = [
        (
            f"{table_of[f.name]}.{f.name} = {toml_value(getattr(config, f.name))}",
            toml_value(getattr(defaults, f.name)),
        )
        for f in fields(Config)
        if f.name != "keys"
    ]
    if config.keys:
        default = default_keys()
        rows += [
            (f"keys.{action} = {_toml_keys(keys)}", _toml_keys(default.get(action, ())))
            for action, keys in config.keys.items()
        ]
    width = max(len(left) for left, _ in rows)
    return [f"{left.ljust(width)}   # default {was}" for left, was in rows]


def _toml_keys(keys: tuple[str, ...]) -> str:
    if len(keys) == 1:
        return toml_value(keys[0])
    return "[" + ", ".join(toml_value(key) for key in keys) + "]"


def save_theme(path: Path, theme: str) -> None:
    """Set `[ui] theme` in the file `path`, keeping the rest of it (other
    settings, comments, layout) as it is. Raises OSError, or ValueError when
    the file is not TOML (it is then left alone)."""
    import tomlkit
    import tomlkit.exceptions

    from reader.private import atomic_write_text

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    try:
        document = tomlkit.parse(text)
        ui = document.get("ui")
        if ui is None:
            ui = tomlkit.table()
            document["ui"] = ui
        if not isinstance(ui, dict):
            raise ValueError("ui is not a table")
        ui["theme"] = theme
        new_text = tomlkit.dumps(document)
    except tomlkit.exceptions.TOMLKitError as error:
        raise ValueError(f"{_shown(path)} is not valid TOML: {error}") from error
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, new_text)
