# ruff: noqa: E501  (a table reads best one action a line)
"""Every action of newsdesk, written once.

Each action has an id, its default keys, a short label, a description and
the place it applies (a screen, or a pane of the main screen). The key
bindings of every screen and pane, the key bar, the `?` screen, the command
palette, `newsdesk keys`, the README's key tables and config.toml's `[keys]`
are all made from `ACTIONS`. Nothing here imports the UI: the settings
check `[keys]` against this table without loading Textual.

Keys are written as Textual names them ("question_mark", "slash",
"shift+tab"), several separated by commas. An action whose `run` is empty
is handled by its widget's own code (the link list's arrows, the related
items): it is listed in the help but has no binding and no remap.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class Place:
    id: str
    title: str
    """Its heading in `?`, `newsdesk keys` and the README."""
    shares_keys_with: tuple[str, ...] = ()
    """Places whose keys are live at the same time (the main screen's keys
    while a pane has the focus): a key on two of them is a clash."""
    modal: bool = False
    """A pop-up that holds the keys: it binds the keys of every screen
    ("app") itself, as the app's own do not reach it."""


PLACES: tuple[Place, ...] = (
    Place("main", "Main screen (every pane)", ("app",)),
    Place("list", "Article list", ("main", "app")),
    Place("tree", "Topic tree", ("main", "app")),
    Place("detail", "Detail view", ("main", "app")),
    Place("related", "Related items (tab in the detail view)", ("main", "app")),
    Place("query", "Query bar (/)", ("app",)),
    Place("preview", "Preview (p)", ("app",)),
    Place("links", "Link list (w; l in the preview)", ("app",), modal=True),
    Place("confirm", "Yes / no questions", ("app",), modal=True),
    Place("prompt", "Text prompts (tags, names)", ("app",)),
    Place("help", "This help (?)", ("app",), modal=True),
    Place("app", "Everywhere"),
)
PLACE = {place.id: place for place in PLACES}


@dataclass(frozen=True, slots=True)
class Action:
    id: str
    """What config.toml's `[keys]` calls it: `toggle_star`, `list.down`."""
    place: str
    keys: str
    """The default keys ("" for the palette only)."""
    label: str
    """Its short name in the key bar."""
    help: str
    """What it does: in `?`, the palette and the README."""
    run: str | None = None
    """The Textual action it runs (`action_<run>` of the place's widget, or
    `app.<name>`); None: the id's last part; "": handled by the widget."""
    palette: str = ""
    """Its name in the command palette ("" for keys only)."""
    show: bool = False
    """Whether the key bar shows it."""

    @property
    def action(self) -> str:
        """The Textual action string this action's bindings run."""
        if self.run is not None:
            return self.run
        return (
            self.id.rpartition(".")[2]
            if "." in self.id and not self.id.startswith("app.")
            else self.id
        )

    @property
    def bound(self) -> bool:
        """Whether it is a key binding (not only a line of the help)."""
        return bool(self.action) and bool(self.keys)


ACTIONS: tuple[Action, ...] = (
    # The main screen: these keys work whichever pane has the focus.
    Action("app.quit", "main", "q", "Quit", "Quit newsdesk and print what the session decided (asks first if decisions are not saved)", palette="Quit", show=True),
    Action("app.help", "main", "question_mark", "Keys", "The keys of the screen it is pressed on", palette="Show keys", show=True),
    Action("toggle_read", "main", "m", "Read", "Mark the article, the folded story (all its articles) or the selection read / unread", palette="Toggle read", show=True),
    Action("toggle_star", "main", "s", "Star", "Star or unstar the article, the folded story or the selection", palette="Toggle star", show=True),
    Action("archive", "main", "e", "Archive", "Archive the article, the folded story or the selection (done with it: out of the Inbox, and marked read) and move on; again to unarchive", palette="Archive", show=True),
    Action("tag", "main", "t", "Tag", "Add or remove a tag (on the article, the folded story or the selection), completing from the tags in use", palette="Tag", show=True),
    Action("undo", "main", "u", "Undo", "Undo the last action, as far back as you like, across restarts; the cursor goes to the article it changed", palette="Undo", show=True),
    Action("redo", "main", "U", "Redo", "Redo the last undone action", palette="Redo"),
    Action("next_unread", "main", "n", "Next unread", "Jump to the next unread article", palette="Next unread"),
    Action("previous_unread", "main", "N", "Previous unread", "Jump to the previous unread article", palette="Previous unread"),
    Action("select", "main", "x", "Select", "Select the article under the cursor (a folded story: all its articles), or leave it", palette="Select"),
    Action("select_range", "main", "V", "Select range", "Select from the last selected article to the cursor", palette="Select range"),
    Action("mark_view_read", "main", "A", "Mark view read", "Mark every article in the view read, after a question with the count", palette="Mark view read"),
    Action("search", "main", "slash", "Search", "Edit the query; the list follows as you type", palette="Search", show=True),
    Action("save_search", "main", "S", "Save search", "Save the query as a node of the tree, with a live count", palette="Save search"),
    Action("preview", "main", "p", "Preview", "Fetch the article's page (or the related item under the cursor) and show it readable", palette="Preview page", show=True),
    Action("open_browser", "main", "o", "Browser", "Open the page in the browser ($BROWSER is respected)", palette="Open in browser"),
    Action("copy_url", "main", "y", "Copy URL", "Copy the page's address", palette="Copy URL"),
    Action("links", "main", "w", "Web links", "List the web links of the article and of its body; enter previews one", palette="Links of the article"),
    Action("toggle_stories", "main", "z", "Stories", "Group the articles that tell the same story into one row, or show every article on its own (kept for the next session)", palette="Toggle stories"),
    Action("toggle_tree", "main", "backslash", "Tree", "Hide or show the topic tree", palette="Toggle topic tree", show=True),
    Action("cycle_layout", "main", "L", "Layout", "Cycle the layouts: three panes, list and detail, the list alone", palette="Cycle layout"),
    Action("app.focus_next", "main", "tab", "Next pane", "Move to the next pane", palette="Next pane"),
    Action("app.focus_previous", "main", "shift+tab", "Previous pane", "Move to the previous pane", palette="Previous pane"),
    Action("escape", "main", "escape", "Back", "Clear the selection; from a typed query, back to the view chosen in the tree; else back to the list"),
    Action("focus_tree", "main", "", "Topic tree", "Move to the topic tree", palette="Focus topic tree"),
    Action("focus_list", "main", "", "Article list", "Move to the article list", palette="Focus article list"),
    Action("focus_detail", "main", "", "Detail view", "Move to the detail view", palette="Focus detail view"),
    Action("focus_related", "main", "", "Related items", "Move to the related items", palette="Focus related items"),
    # The article list.
    Action("list.down", "list", "j,down", "Down", "Move down (a number first repeats it: 5j)", run="cursor_down"),
    Action("list.up", "list", "k,up", "Up", "Move up", run="cursor_up"),
    Action("list.first", "list", "g,home", "First", "Jump to the first article", palette="First article"),
    Action("list.last", "list", "G,end", "Last", "Jump to the last article", palette="Last article"),
    Action("list.page_down", "list", "pagedown,ctrl+f,space", "Page down", "Page down"),
    Action("list.page_up", "list", "pageup,ctrl+b", "Page up", "Page up"),
    Action("list.open", "list", "enter", "Open", "Open the article in the detail view (and mark it read)", palette="Open article", show=True),
    Action("list.expand", "list", "l,right", "Expand", "Expand the story under the cursor: each of its articles on a row of its own", run="expand_story", palette="Expand story"),
    Action("list.fold", "list", "h,left", "Fold", "Fold the story under the cursor back into one row (from any of its rows)", run="fold_story", palette="Fold story"),
    # The topic tree.
    Action("tree.down", "tree", "j,down", "Down", "Move down", run="cursor_down"),
    Action("tree.up", "tree", "k,up", "Up", "Move up", run="cursor_up"),
    Action("tree.first", "tree", "g,home", "First", "Jump to the first node", run="scroll_home"),
    Action("tree.last", "tree", "G,end", "Last", "Jump to the last node", run="scroll_end"),
    Action("tree.page_down", "tree", "pagedown,ctrl+f", "Page down", "Page down"),
    Action("tree.page_up", "tree", "pageup,ctrl+b", "Page up", "Page up"),
    Action("tree.choose", "tree", "enter", "Choose", "Show the node's articles in the list, or open a group", run="select_cursor"),
    Action("tree.toggle", "tree", "space", "Open / fold", "Open or fold a group", run="toggle_node"),
    Action("tree.fold", "tree", "left,h", "Fold", "Fold a group; on a name, go to its group"),
    Action("tree.unfold", "tree", "right,l", "Open", "Open a group", run="unfold"),
    Action("tree.rename", "tree", "r", "Rename", "Rename the saved search under the cursor", run="rename_saved"),
    Action("tree.delete", "tree", "delete,d", "Delete", "Delete the saved search under the cursor", run="delete_saved"),
    Action("tree.jump", "tree", "a-z", "Jump", "Typing a name's first letters jumps to the next node that matches", run=""),
    # The detail view.
    Action("detail.down", "detail", "j,down", "Down", "Scroll down"),
    Action("detail.up", "detail", "k,up", "Up", "Scroll up"),
    Action("detail.top", "detail", "g,home", "Top", "Scroll to the top", run="first"),
    Action("detail.bottom", "detail", "G,end", "Bottom", "Scroll to the bottom", run="last"),
    Action("detail.page_down", "detail", "space", "Page down", "Page down"),
    Action("detail.more", "detail", "plus,equals_sign", "More", "Render more of a long body"),
    Action("detail.related", "detail", "tab", "Related", "Move into the related items, then to the next pane", run="related_or_next"),
    Action("detail.previous_pane", "detail", "shift+tab", "Previous pane", "Leave the related items, else move to the previous pane", run="leave_or_previous"),
    Action("detail.leave_related", "detail", "escape", "Leave related", "Leave the related items", run="leave_related"),
    # The related items (their keys are the detail view's, read differently).
    Action("related.move", "related", "j,k", "Move", "Next / previous related item", run=""),
    Action("related.use", "related", "p,o,y", "Use", "Preview, open or copy the related item under the cursor", run=""),
    Action("related.leave", "related", "tab,escape", "Leave", "Leave the related items", run=""),
    # The query bar.
    Action("query.keep", "query", "enter", "Keep", "Keep the query (refused while it has an error)", run=""),
    Action("query.cancel", "query", "escape", "Back", "Go back to the previous query", run="cancel"),
    # The preview.
    Action("preview.close", "preview", "escape,q", "Close", "Close the preview (and cancel a fetch)", run="close", show=True),
    Action("preview.back", "preview", "backspace", "Back", "Go back to the page before a followed link", run="back", show=True),
    Action("preview.open_browser", "preview", "o", "Browser", "Open the page in the browser", run="open_browser", show=True),
    Action("preview.copy_url", "preview", "y", "Copy URL", "Copy the page's address", run="copy_url", show=True),
    Action("preview.refetch", "preview", "r", "Refetch", "Fetch the page again", run="refetch", show=True),
    Action("preview.links", "preview", "l", "Links", "List the page's links; enter follows one", run="links", show=True),
    Action("preview.down", "preview", "j", "Down", "Scroll down", run="scroll_body(1)"),
    Action("preview.up", "preview", "k", "Up", "Scroll up", run="scroll_body(-1)"),
    Action("preview.page_down", "preview", "space", "Page down", "Page down", run="page_body(1)"),
    Action("preview.page_up", "preview", "b", "Page up", "Page up", run="page_body(-1)"),
    Action("preview.help", "preview", "question_mark", "Keys", "The preview's keys", run="app.help"),
    # The link list.
    Action("links.down", "links", "j,down", "Down", "Move to the next link"),
    Action("links.up", "links", "k,up", "Up", "Move to the previous link"),
    Action("links.follow", "links", "enter", "Follow", "Follow the link: show its page in the preview", run=""),
    Action("links.close", "links", "w,l,escape", "Close", "Close the link list", run="close"),
    # Questions and prompts.
    Action("confirm.yes", "confirm", "y,enter", "Yes", "Answer yes", run="answer(True)"),
    Action("confirm.no", "confirm", "n,escape,q", "No", "Answer no", run="answer(False)"),
    Action("prompt.accept", "prompt", "enter", "Accept", "Take what is typed (→ takes the completion)", run=""),
    Action("prompt.cancel", "prompt", "escape", "Cancel", "Cancel the prompt", run="cancel"),
    # The help screen.
    Action("help.close", "help", "escape,q,question_mark", "Close", "Close this screen", run="dismiss"),
    Action("help.down", "help", "j", "Down", "Scroll down", run="scroll(1)"),
    Action("help.up", "help", "k", "Up", "Scroll up", run="scroll(-1)"),
    Action("help.page_down", "help", "space", "Page down", "Page down", run="page(1)"),
    Action("help.page_up", "help", "b", "Page up", "Page up", run="page(-1)"),
    Action("help.top", "help", "g", "Top", "Scroll to the top", run="edge(0)"),
    Action("help.bottom", "help", "G", "Bottom", "Scroll to the bottom", run="edge(1)"),
    # Everywhere.
    Action("app.quit_now", "app", "Q", "Quit", "Quit from any screen (ctrl+q too)", run="app.quit"),
    Action("app.command_palette", "app", "ctrl+p", "Palette", "The command palette: every action by name", run=""),
)  # fmt: skip

ACTION = {action.id: action for action in ACTIONS}

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
    "list.cursor_down": "list.down",
    "list.cursor_up": "list.up",
}
"""Short names `[keys]` in config.toml also takes for an action id."""

FIXED = frozenset({"app.command_palette"})
"""Actions whose keys config.toml cannot change."""


def remappable(action: Action) -> bool:
    """Whether `[keys]` can give the action keys (a palette-only one too)."""
    return bool(action.action) and action.id not in FIXED


def action_names() -> list[str]:
    """The names `[keys]` takes: each action id that can be remapped, and the aliases."""
    return [action.id for action in ACTIONS if remappable(action)] + list(ALIASES)


def action_id(name: str) -> str | None:
    """The action id `name` stands for (itself or an alias), or None if
    unknown or not one whose keys can change."""
    name = ALIASES.get(name, name)
    action = ACTION.get(name)
    return name if action is not None and remappable(action) else None


_KEY_NAME_REPLACEMENTS = {
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
}


def normalize_key(key: str) -> str:
    """A key as Textual writes it in a binding: "?" is "question_mark", "/"
    is "slash" (`tests/test_actions.py` checks this against Textual's own)."""
    key = key.strip()
    if key == ",":
        return "comma"  # a comma separates keys in a binding
    if len(key) != 1 or key.isalnum():
        return key
    try:
        name = unicodedata.name(key).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        return key
    return _KEY_NAME_REPLACEMENTS.get(name, name)


def split_keys(keys: str) -> tuple[str, ...]:
    return tuple(normalize_key(key) for key in keys.split(",") if key.strip())


def default_keys(place: str | None = None) -> dict[str, tuple[str, ...]]:
    """Each bound action id (of `place`, or of all) and its default keys."""
    return {
        action.id: split_keys(action.keys)
        for action in ACTIONS
        if action.bound and (place is None or action.place == place)
    }


def actions(place: str, keys: Mapping[str, tuple[str, ...]] | None = None) -> list[Action]:
    """The actions of `place`, with the keys of those in `keys` (action id to
    keys, from config.toml's `[keys]`) in place of their defaults."""
    return [
        replace(action, keys=",".join(keys[action.id])) if keys and keys.get(action.id) else action
        for action in ACTIONS
        if action.place == place
    ]


KEY_NAMES = {
    "question_mark": "?",
    "backslash": "\\",
    "slash": "/",
    "plus": "+",
    "equals_sign": "=",
    "comma": ",",
    "down": "↓",
    "up": "↑",
    "left": "←",
    "right": "→",
    "pagedown": "PgDn",
    "pageup": "PgUp",
    "home": "Home",
    "end": "End",
}


def key_label(keys: str) -> str:
    """How the help shows `keys`: "j, ↓" for "j,down"."""
    return ", ".join(KEY_NAMES.get(key, key) for key in split_keys(keys) or (keys,))


PANES = ("list", "tree", "detail")
"""The main screen's panes: the focused one's keys come before the screen's."""


def shown_keys(action: Action) -> str:
    """An action's keys as the help and the tables show them ("(palette)"
    for an action without keys)."""
    return key_label(action.keys) if action.keys else "(palette)"


def clashes(
    remap: Mapping[str, tuple[str, ...]],
) -> list[tuple[str, list[str]]]:
    """Each key that `remap` (laid over the defaults) makes a problem of,
    with the actions involved (remapped ones first, in the order of
    `remap`): a key given to two actions of one place, or a key of the main
    screen (or of every screen) that never reaches it, because every pane
    (or the main screen) has it too. A pane may keep a key of the main
    screen for itself (`delete` in the tree, `archive` elsewhere). Problems
    among the defaults alone are not the file's doing and are not listed."""
    order = list(remap)
    holders: dict[tuple[str, str], list[str]] = {}
    for action in sorted(ACTIONS, key=lambda a: order.index(a.id) if a.id in remap else len(order)):
        keys = remap.get(action.id) or (split_keys(action.keys) if action.bound else ())
        for key in keys:
            holders.setdefault((action.place, key), []).append(action.id)
    found: list[tuple[str, list[str]]] = []
    reported: set[frozenset[str]] = set()

    def add(key: str, names: list[str]) -> None:
        names = list(dict.fromkeys(names))
        if not any(name in remap for name in names) or frozenset(names) in reported:
            return
        reported.add(frozenset(names))
        names.sort(key=lambda name: order.index(name) if name in remap else len(order))
        found.append((key, names))

    for (place, key), names in holders.items():
        if len(names) > 1:
            add(key, names)
        if place in ("main", "app"):
            panes = [holders.get((pane, key), []) for pane in PANES]
            if all(panes):
                add(key, names + [name for pane in panes for name in pane])
        if place == "app" and holders.get(("main", key)):
            add(key, names + holders[("main", key)])
    found.sort(key=lambda clash: order.index(clash[1][0]))
    return found


def markdown_tables(keys: Mapping[str, tuple[str, ...]] | None = None) -> str:
    """The key tables of the README (and of `newsdesk keys --markdown`): a
    table for each place, each action on a line with its keys and id."""
    out: list[str] = []
    for place in PLACES:
        rows = actions(place.id, keys)
        if not rows:
            continue
        out += [f"**{place.title}**", "", "| keys | does | action id |", "| --- | --- | --- |"]
        for action in rows:
            shown = shown_keys(action)
            key_cells = ", ".join(f"`{key}`" for key in shown.split(", ")) if action.keys else shown
            key_cells = key_cells.replace("|", "\\|")
            does = action.help.replace("|", "\\|")
            ident = f"`{action.id}`" if remappable(action) else ""
            out.append(f"| {key_cells} | {does} | {ident} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def plain_table(keys: Mapping[str, tuple[str, ...]] | None = None) -> list[str]:
    """The keys in force, as lines for a terminal (`newsdesk keys`)."""
    lines: list[str] = []
    for place in PLACES:
        rows = actions(place.id, keys)
        if not rows:
            continue
        if lines:
            lines.append("")
        lines.append(place.title)
        width = max(len(shown_keys(action)) for action in rows)
        for action in rows:
            shown = shown_keys(action)
            ident = f"  [{action.id}]" if remappable(action) else ""
            lines.append(f"  {shown.ljust(width)}  {action.help}{ident}")
    return lines


def palette_actions(keys: Mapping[str, tuple[str, ...]] | None = None) -> Iterable[Action]:
    """The actions the command palette lists (the main screen's and the list's)."""
    for place in ("main", "list"):
        yield from (action for action in actions(place, keys) if action.palette)
