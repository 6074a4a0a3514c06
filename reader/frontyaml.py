"""Front matter YAML: the split from the body, the safe loader, and the
reasons it gives.

Imported when the first file is parsed, not at start: a warm start draws
its first screen from the index, and PyYAML takes about 20 ms to import.
"""

from __future__ import annotations

from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
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


class Loader(_SafeLoader):  # type: ignore[misc,valid-type]
    """The safe loader, with the resolver's per-node work cut short.

    The C parser calls back into Python three times per node: to descend
    into and ascend out of the path resolvers (there are none) and to
    resolve the node's tag. A scalar that is quoted, or plain and starting
    with a character no implicit resolver looks at, is a string: only the
    rest go through the stock resolver. About a fifth of a file's parse.
    """

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None

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
                return tag  # type: ignore[no-any-return]
            return _STR_TAG
        return _SEQ_TAG if kind is SequenceNode else _MAP_TAG


if _SafeLoader.yaml_path_resolvers or None in _SafeLoader.yaml_implicit_resolvers:
    # Someone added path or catch-all resolvers: the shortcuts would miss them.
    Loader = _SafeLoader  # type: ignore[misc]  # pragma: no cover


def detect(text: str) -> bool:
    """Whether `text` starts with a front matter boundary."""
    return bool(_HANDLER.detect(text))


def split(text: str) -> tuple[str, str]:
    """The front matter and the body; ValueError when it is not closed."""
    front, body = _HANDLER.split(text)
    return front, body


def load(front: str) -> Any:
    """The front matter, built in full by the safe loader."""
    return yaml.load(front, Loader=Loader)


def load_some(front: str, only: frozenset[str]) -> tuple[Any, int]:
    """The fields named in `only`, built, and the number of related items,
    counted from the composed nodes; other fields are only checked for tags
    the safe loader refuses."""
    loader = Loader(front)
    try:
        node = loader.get_single_node()
        if not isinstance(node, MappingNode) or node.tag != _MAP_TAG:
            # Not a plain mapping: build it all, for the same answer and error.
            return (None if node is None else loader.construct_document(node)), 0
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
        if isinstance(related, SequenceNode) and related.tag == _SEQ_TAG:
            n_related = sum(
                isinstance(item, MappingNode) and item.tag == _MAP_TAG for item in related.value
            )
        return meta, n_related
    finally:
        loader.dispose()


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
