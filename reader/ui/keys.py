# ruff: noqa: E501  (a table reads best one command a line)
"""The main screen's commands, written once: its key bindings, the key bar,
the help screen and the command palette are all made from this table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from textual.binding import Binding


@dataclass(frozen=True, slots=True)
class Command:
    action: str
    """The action's name (`action_<name>` of the main screen, or of the
    article list when it starts with `list.`)."""
    keys: str
    """The keys that run it, as Textual writes them ("" for palette only)."""
    label: str
    """Its short name in the key bar and the help screen."""
    title: str
    """Its name in the command palette ("" for keys only)."""
    help: str = ""
    """What it does, in the palette."""
    show: bool = False
    """Whether the key bar shows it."""

    def binding(self) -> Binding:
        return Binding(self.keys, self.action, self.label, show=self.show)


MAIN_COMMANDS: tuple[Command, ...] = (
    Command("app.quit", "q", "Quit", "Quit", "Quit newsdesk (asks first if decisions are not saved)", show=True),
    Command("app.help", "question_mark", "Keys", "Show keys", "Every key binding of newsdesk", show=True),
    Command("toggle_read", "m", "Read", "Toggle read", "Mark the article or selection read / unread", show=True),
    Command("toggle_star", "s", "Star", "Toggle star", "Star or unstar the article or selection", show=True),
    Command("archive", "e", "Archive", "Archive", "Archive or unarchive, then move on", show=True),
    Command("tag", "t", "Tag", "Tag", "Add or remove a tag", show=True),
    Command("undo", "u", "Undo", "Undo", "Undo the last action", show=True),
    Command("redo", "U", "Redo", "Redo", "Redo the last undone action"),
    Command("next_unread", "n", "Next unread", "Next unread", "Jump to the next unread article"),
    Command("previous_unread", "N", "Previous unread", "Previous unread", "Jump to the previous unread article"),
    Command("select", "x", "Select", "Select", "Select the article under the cursor"),
    Command("select_range", "V", "Select range", "Select range", "Select from the last selected to the cursor"),
    Command("mark_view_read", "A", "Mark view read", "Mark view read", "Mark every article in this view read"),
    Command("search", "slash", "Search", "Search", "Type a query for the list", show=True),
    Command("save_search", "S", "Save search", "Save search", "Save the query as a node of the tree"),
    Command("preview", "p", "Preview", "Preview page", "Fetch and show the linked page", show=True),
    Command("open_browser", "o", "Browser", "Open in browser", "Open the page in the system browser"),
    Command("copy_url", "y", "Copy URL", "Copy URL", "Copy the page's address"),
    Command("toggle_tree", "backslash", "Tree", "Toggle topic tree", "Hide or show the tree pane", show=True),
    Command("cycle_layout", "L", "Layout", "Cycle layout", "Three panes, list and detail, or the list alone"),
    Command("app.focus_next", "tab", "Next pane", "Next pane", "Move to the next pane"),
    Command("app.focus_previous", "shift+tab", "Previous pane", "Previous pane", "Move to the previous pane"),
    Command("escape", "escape", "Back to list / clear selection", ""),
    Command("focus_tree", "", "Focus topic tree", "Focus topic tree", "Move to the topic tree"),
    Command("focus_list", "", "Focus article list", "Focus article list", "Move to the list"),
    Command("focus_detail", "", "Focus detail view", "Focus detail view", "Move to the detail pane"),
    Command("focus_related", "", "Focus related articles", "Focus related articles", "Move to the related list"),
    Command("list.first", "", "First article", "First article", "Jump to the top of the list (g)"),
    Command("list.last", "", "Last article", "Last article", "Jump to the end of the list (G)"),
    Command("list.open", "", "Open article", "Open article", "Show it in the detail pane (enter)"),
)  # fmt: skip


ALIASES: dict[str, str] = {
    "quit": "app.quit",
    "help": "app.help",
    "read": "toggle_read",
    "star": "toggle_star",
    "tree": "toggle_tree",
    "layout": "cycle_layout",
    "browser": "open_browser",
    "next_pane": "app.focus_next",
    "previous_pane": "app.focus_previous",
}
"""Short names `[keys]` in config.toml also takes for an action id."""


def action_names() -> list[str]:
    """The names `[keys]` takes: each main-screen action id, and the aliases."""
    return [command.action for command in MAIN_COMMANDS] + list(ALIASES)


def action_id(name: str) -> str | None:
    """The action id `name` stands for (itself or an alias), or None if unknown."""
    name = ALIASES.get(name, name)
    return name if any(command.action == name for command in MAIN_COMMANDS) else None


def normalize_key(key: str) -> str:
    """A key as Textual writes it in a binding: "?" is "question_mark"."""
    key = key.strip()
    if key == ",":
        return "comma"  # a comma separates keys in a binding
    return next(iter(Binding.make_bindings([Binding(key, "")]))).key if key else key


def default_keys() -> dict[str, tuple[str, ...]]:
    """Each action id and its default keys (normalized), from `MAIN_COMMANDS`."""
    return {
        command.action: tuple(normalize_key(key) for key in command.keys.split(",") if key)
        for command in MAIN_COMMANDS
    }


def main_commands(keys: Mapping[str, tuple[str, ...]] | None = None) -> tuple[Command, ...]:
    """`MAIN_COMMANDS`, with the keys of the actions in `keys` (action id to
    keys, from config.toml's `[keys]`) in place of their defaults."""
    if not keys:
        return MAIN_COMMANDS
    return tuple(
        replace(command, keys=",".join(keys[command.action]))
        if keys.get(command.action)
        else command
        for command in MAIN_COMMANDS
    )


def main_bindings(keys: Mapping[str, tuple[str, ...]] | None = None) -> list[Binding]:
    """The main screen's key bindings, from `MAIN_COMMANDS` (remapped by `keys`)."""
    return [command.binding() for command in main_commands(keys) if command.keys]
