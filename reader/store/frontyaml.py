"""Front matter YAML: the split from the body, the safe loader, its budget,
and the reasons it gives.

Imported when the first file is parsed, not at start: a warm start draws
its first screen from the index, and PyYAML takes about 20 ms to import.

The budget. No front matter may cost more than a fixed amount, whatever it
holds: a few hundred bytes of nested aliases (a "billion laughs", 8 levels
of 9 aliases) expand to hundreds of millions of values in anything that
walks the result as a tree (cleaning unknown fields took 10 GB and nearly
3 minutes), and a plain list of 100,000 topics freezes whatever shows it.
The caps:

- `MAX_CHARS` of front matter text (1 MiB; a real one is 3-10 KB, one with
  100 related items some 150 KB): bounds the work of libyaml's scanner;
- `MAX_NODES` values, counted with aliases expanded (50,000; a real front
  matter has a few hundred, a related list of 100 items about 3,000);
- `MAX_DEPTH` levels of nesting (64; a real one has 6: the top mapping,
  the related list, an item, its images, an image, a value);
- and, for the aliases only, `MAX_TEXT` characters of text once expanded
  (4 MiB): 49,000 aliases of one long string are under the node cap but
  would have every field cleaner and the screen go through gigabytes.

The composer calls back into Python as it enters and leaves each node (the
path resolver hooks): the loader counts nodes and levels there, and stops
at the first node over either cap, so a file is refused after at most
50,000 nodes composed (0.13-0.19 s for 100,000 topics). Without an anchor
nothing is shared and that count is the expanded count. With one (or what
could be one: see `may_hold_anchor`), the composed graph is walked once,
iteratively and memoised by node, to measure what the aliases expand to;
the walk stops at the first node over budget (the bomb: 1 ms). Together
the caps bound time as well as memory, so no clock is needed: the worst
front matter within them, 1 MiB of 50,000 values, parses in about 0.25 s
(see tests/test_parse_budget.py).
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    # The pure-Python loader has the same interface as the C one.
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

YAMLError = yaml.YAMLError
_HANDLER = YAMLHandler()
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_STR_TAG = "tag:yaml.org,2002:str"
_IMPLICIT_FIRST = frozenset(key for key in _SafeLoader.yaml_implicit_resolvers if key)
"""First characters of the plain scalars that may be something other than
a string (a number, a date, a boolean, null, ...)."""
_PLAIN_TAGS: dict[str, str] = {}
"""The tags of plain scalars resolved so far."""
_PLAIN_TAGS_MAX = 20_000

MAX_CHARS = 1 << 20
"""Characters of front matter text, at most (1 MiB)."""
MAX_NODES = 50_000
"""Values (nodes) in a front matter, at most, counted with aliases expanded."""
MAX_DEPTH = 64
"""Levels of nesting, at most: the top mapping is one, a value in it two."""
MAX_TEXT = 4 * MAX_CHARS
"""Characters of text (scalars) in a front matter, at most, with aliases
expanded. Without an alias the text cap bounds it to `MAX_CHARS`."""


class BudgetError(YAMLError):
    """The front matter is over the budget; the message says which cap."""


def _over(nodes: int) -> BudgetError:
    if nodes > MAX_NODES:
        return BudgetError(f"too many values (over {MAX_NODES:,})")
    return _too_deep()


def _too_deep() -> BudgetError:
    return BudgetError(f"too deeply nested (over {MAX_DEPTH} levels)")


def _count_as_composed(loader: Any, stock: bool = False) -> None:
    """Have `loader` count the nodes it composes and how deep it is, and
    stop at the first node over the budget.

    The composer calls the loader's `descend_resolver` as it enters a node
    (not an alias: that is not composed again) and `ascend_resolver` as it
    leaves it. Here they are a closure and a list's own `pop`: counting with
    attributes of the loader cost 20% more instructions in the composer
    (attribute access on a subclass of the C parser is not specialised); this
    costs 4% (callgrind, 500 generated files), about 2% of a row's parse.
    With `stock`, the stock resolver's hooks are called as well.
    """
    path: list[Any] = []
    push = path.append
    nodes = 0

    def descend(current_node: Any, current_index: Any) -> None:
        nonlocal nodes
        nodes += 1
        push(current_node)
        if nodes > MAX_NODES or len(path) > MAX_DEPTH:
            raise _over(nodes)

    if not stock:
        loader.descend_resolver = descend
        loader.ascend_resolver = path.pop
        return
    stock_descend = loader.descend_resolver  # pragma: no cover - see below
    stock_ascend = loader.ascend_resolver  # pragma: no cover

    def descend_too(current_node: Any, current_index: Any) -> None:  # pragma: no cover
        descend(current_node, current_index)
        stock_descend(current_node, current_index)

    def ascend_too() -> None:  # pragma: no cover
        path.pop()
        stock_ascend()

    loader.descend_resolver = descend_too  # pragma: no cover
    loader.ascend_resolver = ascend_too  # pragma: no cover


class Loader(_SafeLoader):
    """The safe loader, with the resolver's per-node work cut short, held to
    the budget as it composes (see `_count_as_composed`).

    The C parser calls back into Python three times per node: to descend
    into and ascend out of the path resolvers (there are none) and to
    resolve the node's tag. A scalar that is quoted, or plain and starting
    with a character no implicit resolver looks at, is a string: only the
    rest go through the stock resolver. About a fifth of a file's parse.
    """

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        _count_as_composed(self)

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if implicit[0] and (not value or value[0] in _IMPLICIT_FIRST):
                # A plain scalar's tag depends on its text alone: keys
                # ("topics", "name") and labels ("news", "The Times")
                # repeat from file to file.
                tag = _PLAIN_TAGS.get(value)
                if tag is None:
                    tag = super().resolve(kind, value, implicit)
                    if len(_PLAIN_TAGS) >= _PLAIN_TAGS_MAX:
                        _PLAIN_TAGS.clear()
                    _PLAIN_TAGS[value] = tag
                return tag
            return _STR_TAG
        return _SEQ_TAG if kind is SequenceNode else _MAP_TAG


_LOADER: type[_SafeLoader] = Loader
"""The loader class `_loader` makes: `Loader`, or the stock one below."""

if _SafeLoader.yaml_path_resolvers or None in _SafeLoader.yaml_implicit_resolvers:
    # Someone added path or catch-all resolvers: the shortcuts would miss
    # them. The stock resolver does its work, and the budget still holds.

    class _StockLoader(_SafeLoader):  # pragma: no cover
        def __init__(self, stream: Any) -> None:
            super().__init__(stream)
            _count_as_composed(self, stock=True)

    _LOADER = _StockLoader  # pragma: no cover


def detect(text: str) -> bool:
    """Whether `text` starts with a front matter boundary."""
    return bool(_HANDLER.detect(text))


def split(text: str) -> tuple[str, str]:
    """The front matter and the body; ValueError when it is not closed."""
    front, body = _HANDLER.split(text)
    return front, body


def load(front: str) -> Any:
    """The front matter, built in full by the safe loader; raises
    `BudgetError` (a `YAMLError`) when it is over the budget."""
    loader = _loader(front)
    try:
        node = _compose(loader, front)
        return None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()


def load_some(front: str, only: frozenset[str]) -> tuple[Any, int, tuple[str, ...]]:
    """The fields named in `only`, built, the number of related items,
    counted from the composed nodes, and the related items' addresses
    (each item's `webUrl`, else its `ampWebUrl`, else its `cdnAmpWebUrl`:
    plain strings, as written);
    other fields are only checked for tags the safe loader refuses. The
    whole front matter is held to the budget, as with `load`."""
    loader = _loader(front)
    try:
        node = _compose(loader, front)
        if not isinstance(node, MappingNode) or node.tag != _MAP_TAG:
            # Not a plain mapping: build it all, for the same answer and error.
            return (None if node is None else loader.construct_document(node)), 0, ()
        loader.flatten_mapping(node)
        # Only an explicit tag (which starts with "!") can be one the safe
        # loader refuses: without one in the text, nothing needs looking at.
        known = loader.yaml_constructors if "!" in front else None
        meta: dict[Any, Any] = {}
        related: Any = None
        for key_node, value_node in node.value:
            # A string is its node's text: no constructor needed.
            key = (
                key_node.value
                if key_node.tag == _STR_TAG
                else loader.construct_object(key_node, deep=True)
            )
            if isinstance(key, str) and key in only:
                meta[key] = (
                    value_node.value
                    if value_node.tag == _STR_TAG and type(value_node) is ScalarNode
                    else loader.construct_object(value_node, deep=True)
                )
                continue
            if known is not None:
                check_tags(value_node, known)
            if key == "related":
                related = value_node
        n_related = 0
        urls: list[str] = []
        if isinstance(related, SequenceNode) and related.tag == _SEQ_TAG:
            for item in related.value:
                if not (isinstance(item, MappingNode) and item.tag == _MAP_TAG):
                    continue
                n_related += 1
                found: dict[str, str] = {}
                for key_node, value_node in item.value:
                    if (
                        type(key_node) is ScalarNode
                        and key_node.value in _RELATED_URL_KEYS
                        and type(value_node) is ScalarNode
                        and value_node.tag == _STR_TAG
                        and value_node.value
                    ):
                        found[key_node.value] = value_node.value
                # One address an item: its page, else an AMP copy of it.
                url = next((found[key] for key in _RELATED_URL_KEYS if key in found), None)
                if url is not None:
                    urls.append(url)
        return meta, n_related, tuple(urls)
    finally:
        loader.dispose()


_RELATED_URL_KEYS = ("webUrl", "ampWebUrl", "cdnAmpWebUrl")


def _loader(front: str) -> _SafeLoader:
    if len(front) > MAX_CHARS:
        raise BudgetError(f"front matter larger than {MAX_CHARS >> 20} MB")
    return _LOADER(front)


def _compose(loader: _SafeLoader, front: str) -> yaml.Node | None:
    """The document's node graph, held to the budget (see the module's notes)."""
    node: yaml.Node | None = loader.get_single_node()
    if node is not None and may_hold_anchor(front):
        measure(node)
    return node


_ANCHOR_START = re.compile(r"&[0-9A-Za-z_-]")
_BEFORE_TOKEN = frozenset("\ufeff[]{},:?'\"-")


def may_hold_anchor(front: str) -> bool:
    """Whether `front` may hold an anchor: False only when it has none.

    Only a node with an anchor can be shared (an alias names an anchor), so
    without one the composer's count is the expanded count and the walk is
    not needed. An anchor is a token: a `&` and a name of letters, digits,
    `_` or `-`, where a token starts, that is at the start or after white
    space, a flow indicator (`[]{},`), `?` or `:` (in a flow collection), or
    a closing quote (a parse error, but cheap to allow); never after any
    other character (the scanner requires a blank after an anchor, an alias
    or a tag, and `&` inside a plain scalar is text). Many articles have a
    `&` ("Harbor & Finch", a URL's query), few have one like that: the
    check takes a microsecond, the walk some 60.
    """
    if "&" not in front:
        return False
    for match in _ANCHOR_START.finditer(front):
        at = match.start()
        if at == 0:
            return True
        before = front[at - 1]
        if before in _BEFORE_TOKEN or before.isspace():
            return True
    return False


def measure(root: yaml.Node) -> tuple[int, int, int]:
    """The number of nodes, the depth and the characters of text of `root`
    with its aliases expanded; raises `BudgetError` as soon as one is over
    the budget.

    Each distinct node is measured once (its figures are its own and its
    children's, kept by node), so the walk is linear in the composed graph
    however far it would expand; it uses a stack of its own, never Python's.
    A node met again while its own children are being measured is an alias
    inside its own anchor: it would expand without end.
    """
    done: dict[int, tuple[int, int, int]] = {}
    entered: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        key = id(node)
        if leaving:
            count, height, chars = 1, 0, 0
            for child in _children(node):
                child_count, child_height, child_chars = done[id(child)]
                count += child_count
                height = max(height, child_height)
                chars += child_chars
            height += 1
            if count > MAX_NODES:
                raise BudgetError(
                    f"too many YAML aliases (the front matter expands to over {MAX_NODES:,} values)"
                )
            if chars > MAX_TEXT:
                raise BudgetError(
                    "too many YAML aliases (the front matter expands to over "
                    f"{MAX_TEXT >> 20} MB of text)"
                )
            if height > MAX_DEPTH:
                raise _too_deep()
            done[key] = (count, height, chars)
            entered.discard(key)
        elif key not in done:
            if key in entered:
                raise BudgetError(
                    "a YAML alias inside its own anchor (the front matter expands without end)"
                )
            if isinstance(node, ScalarNode):
                done[key] = (1, 1, len(node.value))
                continue
            entered.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))
    return done[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, SequenceNode):
        return node.value
    if isinstance(node, MappingNode):
        return [item for pair in node.value for item in pair]
    return []


def check_tags(node: yaml.Node, known: dict[Any, Any]) -> None:
    """Refuse, as the safe loader would, a tag it has no constructor for."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if item.tag not in known:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"could not determine a constructor for the tag {item.tag!r}",
                item.start_mark,
            )
        if isinstance(item, SequenceNode):
            stack.extend(item.value)
        elif isinstance(item, MappingNode):
            for key, value in item.value:
                stack.append(key)
                stack.append(value)


def reason(error: yaml.YAMLError) -> str:
    """What is wrong, and where, in words (not yet cleaned for the screen)."""
    # The front matter text starts with the newline that ends the opening
    # '---' line, so its line numbers, counted from 0, are the file's less one.
    problem = getattr(error, "problem", None)
    mark = getattr(error, "problem_mark", None)
    if not problem or mark is None:
        return str(error).splitlines()[0] if str(error) else type(error).__name__
    said = f"{problem} (line {mark.line + 1}, column {mark.column + 1})"
    context = getattr(error, "context", None)
    context_mark = getattr(error, "context_mark", None)
    if context and context_mark is not None and context_mark.line != mark.line:
        said = f"{context} started on line {context_mark.line + 1}: {said}"
    return said
