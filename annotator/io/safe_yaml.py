"""YAML with ``safe_load`` semantics and bounds against hostile documents.

A few lines of aliases can stand for billions of values ("billion laughs"):
each alias repeats everything its anchor holds. PyYAML shares the repeated
objects, but whatever walks the result as a tree (line numbers, checks,
writing it back) does the whole expansion. This loader counts every value as
the document would have it with its aliases expanded, and refuses it past
:data:`MAX_NODES`, at the alias that went over; it also refuses an alias
inside its own anchor (a structure that contains itself) and nesting deeper
than :data:`MAX_DEPTH`, which would otherwise exhaust Python's stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

try:
    from yaml._yaml import CParser

    HAVE_LIBYAML = True
except ImportError:  # PyYAML built without libyaml: the pure-Python parser only
    HAVE_LIBYAML = False

MAX_NODES = 100_000
"""Values (mapping keys, values, list items) a document may hold, aliases expanded."""
MAX_DEPTH = 100
"""Lists and mappings nested in each other."""


class YamlLimitError(yaml.MarkedYAMLError):
    """A document past one of the bounds; ``problem`` says which, ``problem_mark`` where."""


class _Bounds(Composer):
    """The composer's part of the bounds, shared by the two loaders below."""

    def _start_bounds(self) -> None:
        self._nodes = 0
        self._depth = 0
        self._sizes: dict[int, int] = {}
        self._open: list[str] = []
        """Anchors whose node is being composed (an alias to one is recursive)."""

    if TYPE_CHECKING:  # the parser's (SafeLoader's or CParser's); a stub here would win

        def peek_event(self) -> Any: ...

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event: Any = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self._open:
                raise _refusal(f"alias *{event.anchor} is inside its own anchor", event.start_mark)
            node = super().compose_node(parent, index)
            assert node is not None
            self._add(self._size(node), event.start_mark, f"alias *{event.anchor}")
            return node
        self._add(1, event.start_mark, "")
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.CollectionStartEvent):
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise _refusal(f"lists and mappings nested over {MAX_DEPTH} deep", event.start_mark)
        if anchor is not None:
            self._open.append(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            if anchor is not None:
                self._open.pop()
            if isinstance(event, yaml.CollectionStartEvent):
                self._depth -= 1

    def _add(self, count: int, mark: Any, what: str) -> None:
        self._nodes += count
        if self._nodes > MAX_NODES:
            by = f" ({what} repeats {count:,} values)" if what else ""
            raise _refusal(
                f"the document holds over {MAX_NODES:,} values with its aliases expanded{by}",
                mark,
            )

    def _size(self, node: yaml.Node) -> int:
        """Values in ``node`` with aliases expanded (each shared node counted once per use)."""
        size = self._sizes.get(id(node))
        if size is None:
            if isinstance(node, yaml.SequenceNode):
                size = 1 + sum(self._size(item) for item in node.value)
            elif isinstance(node, yaml.MappingNode):
                size = 1 + sum(self._size(k) + self._size(v) for k, v in node.value)
            else:
                size = 1
            self._sizes[id(node)] = size
        return size


def _refusal(problem: str, mark: Any) -> YamlLimitError:
    return YamlLimitError(None, None, problem, mark)


class BoundedLoader(_Bounds, yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses documents past :data:`MAX_NODES` or :data:`MAX_DEPTH`."""

    def __init__(self, stream: Any) -> None:
        yaml.SafeLoader.__init__(self, stream)
        self._start_bounds()


if HAVE_LIBYAML:

    class _FastBoundedLoader(_Bounds, CParser, SafeConstructor, Resolver):
        """The same bounds over libyaml's scanner and parser: about nine times faster
        (a 20,000-label project.yaml reads in 0.4 s instead of 3.5 s). Composing stays
        in Python, so the bounds are the very same code."""

        def __init__(self, stream: Any) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            self._start_bounds()


def load_node(text: str) -> tuple[yaml.Node | None, Any]:
    """The document's node tree (for line numbers) and its data, within the bounds.

    libyaml reads it when it is installed; a document it finds wrong is read
    again by PyYAML's own parser, whose messages are the ones users see (and
    which decides what is valid YAML)."""
    if HAVE_LIBYAML:
        try:
            return _compose_and_construct(_FastBoundedLoader(text))
        except YamlLimitError:
            raise
        except yaml.YAMLError:
            pass
    return _compose_and_construct(BoundedLoader(text))


def _compose_and_construct(loader: Any) -> tuple[yaml.Node | None, Any]:
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` within the bounds (raises :class:`YamlLimitError`)."""
    return load_node(text)[1]
