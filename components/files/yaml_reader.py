"""YAML as plain, bounded data, parsed from the event stream without recursion (so the depth bound
holds before anything deep exists), with each value's position when asked (``positions=True``):
what :class:`~skyweave.files.yaml_text.YamlText` edits at. Why each rule: :mod:`skyweave.files`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml import events as ev

from ..core.errors import ConfigError
from .reading import MAX_DEPTH, MAX_INT, MAX_VALUES, MIN_INT, ErrorType, decode_utf8, issue, read_bytes

__all__ = ["BREAK", "Mark", "Node", "YamlDocument", "load_yaml", "read_yaml"]

#: YAML's line breaks (PyYAML and libyaml agree; ``str.splitlines`` knows more, so it is not used).
BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


_Y = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (f"{_Y}{t}" for t in ("str", "int", "float", "bool", "null"))
_MAP, _SEQ, _MERGE = f"{_Y}map", f"{_Y}seq", f"{_Y}merge"
_SCALAR_TAGS = frozenset({_STR, _INT, _FLOAT, _BOOL, _NULL})


class _PlainResolver(yaml.resolver.Resolver):
    """YAML 1.1's implicit types minus the two that are not plain data: timestamps (kept as the
    string as written, as Pulumi passes them) and the ``=`` "value" scalar (no constructor)."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in (f"{_Y}timestamp", f"{_Y}value")]
        for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
    }


_RESOLVER = _PlainResolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Mark:
    """A position in the text: 0-based line and column, in characters."""

    line: int
    column: int

    def __str__(self) -> str:
        return f"line {self.line + 1}, column {self.column + 1}"


@dataclass
class Node:
    """Where a value is written: kind, extent, style, and its children (``positions=True`` only).

    Attributes:
        kind: ``scalar``, ``sequence`` or ``mapping``.
        start, end: the value's extent (for a block collection, ``end`` is where the next
            token starts, which may be lines later: use :meth:`content_end`).
        flow: written in flow style (``[a, b]``, ``{a: b}``).
        style: a scalar's style (``None`` plain, ``'`` ``"`` ``|`` ``>``).
        value: the constructed value.
        items: a sequence's item nodes.
        pairs: a mapping's (key node, value node) pairs as written (merged keys not included).
        alias: this occurrence is an alias (``*name``): ``start``/``end`` are the alias's own.
    """

    kind: str
    start: Mark
    end: Mark
    flow: bool = False
    style: str | None = None
    value: Any = None
    items: list[Node] = field(default_factory=list)
    pairs: list[tuple[Node, Node]] = field(default_factory=list)
    alias: bool = False

    def get(self, key: Any) -> Node | None:
        """The value node of ``key`` in a mapping, or ``None``."""
        for key_node, value_node in self.pairs:
            if key_node.value == key:
                return value_node
        return None

    def content_end(self) -> tuple[Node, Mark]:
        """The last node written inside this one and where it ends (the text after it on that
        line can only be a comment or a closing bracket)."""
        node = self
        while not node.alias and not node.flow:
            if node.kind == "mapping" and node.pairs:
                node = node.pairs[-1][1]
            elif node.kind == "sequence" and node.items:
                node = node.items[-1]
            else:
                break
        return node, node.end


@dataclass(frozen=True)
class YamlDocument:
    """A YAML file as read: its bytes, text, plain data and (optionally) positions."""

    path: Path
    label: str
    raw: bytes
    text: str
    data: Any
    root: Node | None = None


def read_yaml(
    path: Path,
    label: str,
    *,
    error: ErrorType = ConfigError,
    positions: bool = False,
    strip: Sequence[str] = (),
) -> YamlDocument:
    """Read, decode and load one YAML file as plain, bounded data (see the module docstring).

    ``strip`` drops leading path components from key paths in messages (``config`` for stack
    files, so a key reads ``skyweave:tags.created`` as everywhere else).
    """
    raw = read_bytes(path, label, error=error)
    text = decode_utf8(raw, label, error=error)
    data, root = load_yaml(text, label, error=error, positions=positions, strip=strip)
    return YamlDocument(path=path, label=label, raw=raw, text=text, data=data, root=root)


def load_yaml(
    text: str,
    label: str,
    *,
    error: ErrorType = ConfigError,
    positions: bool = False,
    strip: Sequence[str] = (),
) -> tuple[Any, Node | None]:
    """Plain data (and its position tree) from YAML text; raises ``error`` naming the key."""
    builder = _Builder(label, error, positions, tuple(strip))
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            builder.feed(event)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or str(exc)
        if "nesting depth" in problem:  # libyaml's own bound (1,000), met while scanning ahead
            raise builder.fail(mark, f"nested deeper than {MAX_DEPTH} levels of lists and mappings") from None
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        inside = builder._path(slot=False)  # the key being read when the syntax broke, if any
        where += f" (inside {inside})" if inside else ""
        raise issue(error, label, "", f"not valid YAML{where}: {problem}") from None
    except yaml.reader.ReaderError as exc:  # a control character: positioned by index only
        line = len(BREAK.findall(text, 0, exc.position)) + 1
        column = exc.position - max(text.rfind("\n", 0, exc.position), text.rfind("\r", 0, exc.position))
        what = f"the character U+{exc.character:04X}" if isinstance(exc.character, int) else "a character"
        raise issue(
            error,
            label,
            "",
            f"not valid YAML at line {line}, column {column}: {what} is not allowed ({exc.reason})",
        ) from None
    except yaml.YAMLError as exc:
        raise issue(error, label, "", f"not valid YAML: {exc}") from None
    return builder.result, builder.root


@dataclass
class _Frame:
    kind: str  # "sequence" | "mapping"
    part: str | int | None  # where this collection sits in its parent
    anchor: str | None
    node: Node | None
    value: Any
    size: int = 1
    height: int = 0
    key: Any = None
    key_node: Node | None = None
    key_mark: Mark | None = None
    has_key: bool = False
    is_merge: bool = False
    merges: list[dict[Any, Any]] = field(default_factory=list)
    seen: dict[Any, Mark] = field(default_factory=dict)


def _short_tag(tag: str) -> str:
    return f"!!{tag[len(_Y) :]}" if tag.startswith(_Y) else tag


class _Builder:
    """Plain data from a YAML event stream, iteratively, enforcing every bound as it goes."""

    def __init__(self, label: str, error: ErrorType, positions: bool, strip: tuple[str, ...]) -> None:
        self.label = label
        self.error = error
        self.positions = positions
        self.strip = strip
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, Node | None, int, int]] = {}
        self.open_anchors: set[str] = set()
        self.total = 0
        self.documents = 0
        self.result: Any = None
        self.root: Node | None = None

    # -- errors -------------------------------------------------------------------------------

    def _path(self, extra: str | int | None = None, *, slot: bool = True) -> str:
        """The key path being read; ``slot=False`` leaves out the next list index (for a syntax
        error, which may lie between two items)."""
        parts: list[str | int] = [f.part for f in self.stack if f.part is not None]
        if self.stack:
            top = self.stack[-1]
            if extra is not None:
                parts.append(extra)
            elif top.kind == "sequence":
                if slot:
                    parts.append(len(top.value))
            elif top.has_key:
                parts.append(_part(top.key))
        if tuple(str(p) for p in parts[: len(self.strip)]) == self.strip:
            parts = parts[len(self.strip) :]
        return _render(parts)

    def fail(self, mark: Any, message: str, extra: str | int | None = None) -> ConfigError:
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        return issue(self.error, self.label, self._path(extra), where + message)

    # -- events -------------------------------------------------------------------------------

    def feed(self, event: Any) -> None:
        if isinstance(event, ev.ScalarEvent):
            self._scalar(event)
        elif isinstance(event, (ev.SequenceStartEvent, ev.MappingStartEvent)):
            self._start(event)
        elif isinstance(event, (ev.SequenceEndEvent, ev.MappingEndEvent)):
            self._end(event)
        elif isinstance(event, ev.AliasEvent):
            self._alias(event)
        elif isinstance(event, ev.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                line = event.start_mark.line + 1 if event.start_mark is not None else "?"
                raise issue(
                    self.error,
                    self.label,
                    "",
                    f"holds more than one YAML document (the second starts at line {line}); a "
                    "configuration file is one document",
                )

    def _count(self, n: int, mark: Any) -> None:
        self.total += n
        if self.total > MAX_VALUES:
            raise self.fail(
                mark,
                f"more than {MAX_VALUES:,} values once YAML aliases are expanded (a 'billion laughs' "
                "shape?); a configuration file holds far fewer",
            )

    def _depth(self, height: int, mark: Any) -> None:
        if len(self.stack) + height > MAX_DEPTH:
            raise self.fail(mark, f"nested deeper than {MAX_DEPTH} levels of lists and mappings")

    def _scalar(self, event: Any) -> None:
        self._count(1, event.start_mark)
        tag = event.tag
        value_text: str = event.value
        if tag is None or tag == "!":
            plain = tag is None and event.implicit[0]
            tag = _RESOLVER.resolve(yaml.ScalarNode, value_text, (True, False)) if plain else _STR  # type: ignore[no-untyped-call]
        if tag == _MERGE and not self._expecting_key():
            tag = _STR  # `<<` is a merge key only as a key
        if tag == _MERGE:
            value: Any = _MergeKey
        elif tag not in _SCALAR_TAGS:
            raise self.fail(
                event.start_mark,
                f"the YAML tag {_short_tag(tag)} is not plain data; write a string, number, "
                "boolean, null, list or mapping",
                self._key_part(value_text),
            )
        else:
            value = self._construct(tag, value_text, event.start_mark)
        node = None
        if self.positions:
            node = Node(
                "scalar", _mark(event.start_mark), _mark(event.end_mark), style=event.style, value=value
            )
        self._add(value, node, 1, 0, event.anchor, event.start_mark)

    def _expecting_key(self) -> bool:
        return bool(self.stack) and self.stack[-1].kind == "mapping" and not self.stack[-1].has_key

    def _key_part(self, text: str) -> str | None:
        return _part(text) if self._expecting_key() else None

    def _construct(self, tag: str, text: str, mark: Any) -> Any:
        node = yaml.ScalarNode(tag, text)
        try:
            if tag == _STR:
                return text
            if tag == _NULL:
                return None
            if tag == _BOOL:
                return _CONSTRUCTOR.construct_yaml_bool(node)
            if tag == _INT:
                if len(text) > 40:
                    raise self.fail(mark, f"an integer of {len(text):,} characters is outside 64 bits")
                number = _CONSTRUCTOR.construct_yaml_int(node)
                if not MIN_INT <= number <= MAX_INT:
                    raise self.fail(mark, "integer outside the 64-bit range skyweave accepts")
                return number
            real = _CONSTRUCTOR.construct_yaml_float(node)
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            if isinstance(exc, ConfigError):
                raise
            raise self.fail(mark, f"{text!r} is not a valid {_short_tag(tag)}") from None
        if not math.isfinite(real):
            raise self.fail(mark, f"{text} is not a finite number")
        return real

    def _start(self, event: Any) -> None:
        mapping = isinstance(event, ev.MappingStartEvent)
        allowed = _MAP if mapping else _SEQ
        if event.tag not in (None, "!", allowed):
            raise self.fail(
                event.start_mark,
                f"the YAML tag {_short_tag(event.tag)} is not plain data; write a plain "
                f"{'mapping' if mapping else 'list'}",
            )
        if self._expecting_key():
            raise self.fail(event.start_mark, "a mapping key must be a string, not a list or mapping")
        self._depth(1, event.start_mark)
        self._count(1, event.start_mark)
        part: str | int | None = None
        if self.stack:
            top = self.stack[-1]
            part = len(top.value) if top.kind == "sequence" else _part(top.key)
        node = None
        if self.positions:
            kind = "mapping" if mapping else "sequence"
            node = Node(kind, _mark(event.start_mark), _mark(event.end_mark), flow=bool(event.flow_style))
        if event.anchor:
            self.open_anchors.add(event.anchor)
        frame = _Frame("mapping" if mapping else "sequence", part, event.anchor, node, {} if mapping else [])
        self.stack.append(frame)

    def _end(self, event: Any) -> None:
        frame = self.stack.pop()
        value = frame.value
        if frame.kind == "mapping" and frame.merges:
            merged: dict[Any, Any] = {}
            for source in reversed(frame.merges):
                merged.update(source)
            merged.update(value)
            value = frame.value = merged
        if frame.node is not None:
            frame.node.end = _mark(event.end_mark)
            frame.node.value = value
        if frame.anchor:
            self.open_anchors.discard(frame.anchor)
        self._add(value, frame.node, frame.size, frame.height, frame.anchor, event.start_mark)

    def _alias(self, event: Any) -> None:
        name = event.anchor
        if name not in self.anchors:
            why = (
                "refers to a value that contains it" if name in self.open_anchors else "is not defined above"
            )
            raise self.fail(event.start_mark, f"the alias *{name} {why}")
        value, target, size, height = self.anchors[name]
        if self._expecting_key() and (isinstance(value, (dict, list))):
            raise self.fail(event.start_mark, "a mapping key must be a string, not a list or mapping")
        self._depth(height, event.start_mark)
        self._count(size, event.start_mark)
        node = None
        if self.positions and target is not None:
            node = Node(
                target.kind,
                _mark(event.start_mark),
                _mark(event.end_mark),
                flow=target.flow,
                style=target.style,
                value=value,
                items=target.items,
                pairs=target.pairs,
                alias=True,
            )
        self._add(value, node, size, height, None, event.start_mark)

    def _add(
        self, value: Any, node: Node | None, size: int, height: int, anchor: str | None, mark: Any
    ) -> None:
        if anchor:
            self.anchors[anchor] = (value, node, size, height)
        if not self.stack:
            self.result, self.root = value, node
            return
        top = self.stack[-1]
        top.size += size
        top.height = max(top.height, height + 1)
        if top.node is not None and node is not None and top.kind == "sequence":
            top.node.items.append(node)
        if top.kind == "sequence":
            top.value.append(value)
            return
        if not top.has_key:
            if not _hashable(value):
                raise self.fail(mark, "a mapping key must be a string, not a list or mapping")
            top.is_merge = value is _MergeKey
            top.key, top.key_node, top.key_mark, top.has_key = value, node, _mark(mark), True
            return
        key, key_mark = top.key, top.key_mark
        if top.is_merge:
            sources = value if isinstance(value, list) else [value]
            if not all(isinstance(s, dict) for s in sources):
                raise self.fail(mark, "a merge key (<<) takes a mapping or a list of mappings")
            top.merges.extend(sources)
        else:
            if key in top.seen:
                first = top.seen[key]
                raise self.fail(key_mark, f"the key {key!r} appears twice in this mapping (first at {first})")
            assert key_mark is not None
            top.seen[key] = key_mark
            top.value[key] = value
            if top.node is not None and top.key_node is not None and node is not None:
                top.node.pairs.append((top.key_node, node))
        top.key, top.key_node, top.key_mark, top.has_key, top.is_merge = None, None, None, False, False


class _MergeKeyType:
    def __repr__(self) -> str:
        return "<<"


_MergeKey: Any = _MergeKeyType()


def _hashable(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def _render(parts: Sequence[str | int]) -> str:
    """``["skyweave:sites", 2, "zones"]`` → ``skyweave:sites[2].zones``; a path dozens of levels
    deep keeps its first 8 and last 2 steps, so the message stays readable."""
    hidden = 0
    if len(parts) > 12:
        hidden, parts = len(parts) - 10, [*parts[:8], "…", *parts[-2:]]
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "…" and hidden:
            out += f"…({hidden} more levels)…"
        else:
            out += f".{part}" if out else part
    return out


def _part(key: Any) -> str:
    return str(key)


def _mark(mark: Any) -> Mark:
    return Mark(mark.line, mark.column)
