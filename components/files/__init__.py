"""The one boundary user files cross: stack files, ``Pulumi.yaml``, policy configs, pack manifests.

(Plan files for ``check --from-json`` have their own reader with the same bounds, which also
validates their structure: :mod:`skyweave.engine.plans`.)

Everything past this module may assume plain, bounded data — strings, numbers, booleans, null,
lists and string-keyed mappings, nested at most :data:`MAX_DEPTH` deep — so no later step can
die with ``UnicodeDecodeError``, ``RecursionError``, "Object of type date is not JSON
serializable" or spend minutes expanding a YAML alias bomb. Every refusal is a
:class:`~skyweave.core.errors.ConfigError` (a :class:`~skyweave.core.errors.ProjectError` for the project's
own files) naming the file, the key and the line, so the CLI prints one message and exits 1.

Why each rule (docs/limits.md, "Input bounds", states the numbers):

* **UTF-8, strictly.** Pulumi reads stack files as UTF-8; a Latin-1 ``é`` would otherwise surface
  as a traceback deep in a parser. The error names the byte offset, line and column.
* **Plain data only.** A stack file's values travel to the program as JSON (``engine_config``),
  so anything JSON cannot carry is refused *here*, naming the key: ``!!binary``, ``!!set``,
  ``!!omap``, ``!!python/...``, application tags (``!foo``), ``.inf``/``.nan``. Unquoted dates and
  times (``created: 2024-01-01``) are **kept as the string as written**: that is what the Pulumi
  CLI passes a program (it never converts them), so a tag value ``2024-01-01`` means the text
  ``2024-01-01`` in both. An explicit ``!!timestamp`` is a tag like any other and refused.
  YAML 1.1's ``=`` "value" scalar is likewise just the string ``=``.
* **Bounded shape.** Nesting deeper than :data:`MAX_DEPTH` (a stack file is about eight levels
  deep; Python's recursion limit is about a thousand), more than :data:`MAX_VALUES` values after
  alias expansion (a 1.3 KB "billion laughs" file once cost 36 s and 3 GiB; now it stops at the
  alias that crosses the bound, in milliseconds), integers outside 64 bits (a 5,000-digit
  integer once hit CPython's int-parsing limit) and files larger than :data:`MAX_DOCUMENT_BYTES`.
  Aliases stay shared objects in the result, so a legal
  alias costs nothing however often it is used; duplicate keys and multi-document files are
  refused (Pulumi refuses both; PyYAML silently keeps the last value / the first document).
* **Environment faults** — a missing or unreadable file, a directory where a file should be, a
  stack name the file system cannot hold, a program directory that is not there — become one
  issue naming the path instead of an ``OSError`` traceback.

The parser runs on the YAML *event* stream and builds values iteratively: no recursion, so the
depth bound is checked before anything deep exists. With ``positions=True`` the reader also
returns a :class:`Node` tree with each value's line and column, which :mod:`skyweave.cli.ipam`
uses to insert pins as text (never re-dumping the file), and :func:`write_atomically` /
:func:`exclusive` give it a crash-safe, single-writer update of the stack file.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import json
import math
import os
import re
import socket
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml import events as ev

from ..core.errors import ConfigError, ConfigIssue, ProjectError

__all__ = [
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "MAX_INT",
    "MAX_STACK_NAME",
    "MAX_VALUES",
    "MIN_INT",
    "Node",
    "TextEdit",
    "YamlDocument",
    "YamlText",
    "check_namespaces",
    "check_program",
    "check_stack_name",
    "decode_utf8",
    "exclusive",
    "file_exists",
    "load_yaml",
    "read_bytes",
    "read_json",
    "read_yaml",
    "unified_diff",
    "write_atomically",
]

#: Largest YAML or policy-config file read (a 10,000-site stack file is about 2.2 MiB).
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
#: Deepest nesting of lists and mappings (the example stacks nest 8 levels, a preview JSON 7).
MAX_DEPTH = 64
#: Most values (scalars, lists, mappings) a document may hold once every alias is expanded.
MAX_VALUES = 1_000_000
#: Integers must fit in 64 bits: what Pulumi's engine (Go) and every cloud API can hold.
MIN_INT = -(2**63)
MAX_INT = 2**63 - 1
#: Pulumi's own limit on stack names (``[A-Za-z0-9_.-]``, at most 100 characters).
MAX_STACK_NAME = 100

_STACK_NAME = re.compile(r"[A-Za-z0-9_.-]+")
#: YAML's line breaks (PyYAML and libyaml agree; ``str.splitlines`` knows more, so it is not used).
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")

_Y = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (f"{_Y}{t}" for t in ("str", "int", "float", "bool", "null"))
_MAP, _SEQ, _MERGE = f"{_Y}map", f"{_Y}seq", f"{_Y}merge"
_SCALAR_TAGS = frozenset({_STR, _INT, _FLOAT, _BOOL, _NULL})

ErrorType = type[ConfigError]


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


def _issue(error: ErrorType, label: str, path: str, message: str) -> ConfigError:
    """One problem: at ``path`` inside ``label`` (a key), or about ``label`` itself (``path=""``)."""
    if path:
        return error([ConfigIssue(path, message, has_value=False)], source=label)
    return error([ConfigIssue(label, message, has_value=False)], fault=True)


# --------------------------------------------------------------------------------------------
# Files and names


def file_exists(path: Path, label: str, *, error: ErrorType = ProjectError) -> bool:
    """``path.is_file()`` that turns "file name too long", "permission denied" … into an issue."""
    try:
        return path.is_file()
    except OSError as exc:
        raise _issue(error, label, "", os_problem(exc)) from None


def os_problem(exc: OSError, doing: str = "read") -> str:
    """What went wrong, in words: "does not exist", "cannot be read: permission denied" …"""
    about_the_name = {
        errno.ENOENT: "does not exist",
        errno.EISDIR: "is a directory, not a file",
        errno.ENOTDIR: "is not under a directory (a part of the path is a file)",
        errno.ENAMETOOLONG: "the file name is longer than the file system allows",
    }
    reasons = {
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ENOSPC: "no space left on the device",
        errno.EDQUOT: "the disk quota is exhausted",
        errno.EFBIG: "larger than the file-size limit (ulimit -f)",
        errno.EROFS: "the file system is read-only",
    }
    code = exc.errno or 0
    if code in about_the_name:
        return about_the_name[code]
    return f"cannot be {doing}: {reasons.get(code) or exc.strerror or exc}"


def read_bytes(
    path: Path, label: str, *, limit: int = MAX_DOCUMENT_BYTES, error: ErrorType = ConfigError
) -> bytes:
    """The file's bytes, refusing anything larger than ``limit`` before reading it all."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise _issue(error, label, "", os_problem(exc)) from None
    if len(data) > limit:
        raise _issue(
            error, label, "", f"is larger than {_size(limit)}, the most skyweave reads from such a file"
        )
    return data


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n >= 1024 * 1024 else f"{n:,} bytes"


def decode_utf8(raw: bytes, label: str, *, error: ErrorType = ConfigError) -> str:
    """Strict UTF-8 (a byte-order mark is kept as U+FEFF, which YAML and :func:`read_json` skip)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _issue(
            error,
            label,
            "",
            f"is not UTF-8: byte 0x{raw[exc.start]:02X} at offset {exc.start} (line {line}, byte "
            f"{column} of the line) cannot be decoded; save the file as UTF-8",
        ) from None


def check_stack_name(stack: str) -> None:
    """Refuse a stack name Pulumi would refuse, before it becomes part of a file name.

    Pulumi allows ``[A-Za-z0-9_.-]``, at most 100 characters; anything else (``/``, ``..``-paths,
    300 characters that the file system cannot hold) is a usage mistake, named as one.
    """
    if not stack or len(stack) > MAX_STACK_NAME or not _STACK_NAME.fullmatch(stack):
        shown = stack if len(stack) <= 40 else f"{stack[:37]}... ({len(stack)} characters)"
        raise ProjectError(
            [
                ConfigIssue(
                    "--stack",
                    f"{shown!r} is not a stack name: Pulumi stack names are 1 to {MAX_STACK_NAME} "
                    "letters, digits, '-', '_' or '.'",
                    has_value=False,
                )
            ],
            fault=True,
        )


def check_program(main: Path, label: str) -> None:
    """The program directory ``Pulumi.yaml``'s ``main`` names exists and has a ``__main__.py``."""
    try:
        if not main.is_dir():
            what = "does not exist" if not main.exists() else "is not a directory"
            raise _issue(ProjectError, label, "", f"its program directory {main} (`main:`) {what}")
        if not (main / "__main__.py").is_file():
            raise _issue(
                ProjectError, label, "", f"its program directory {main} (`main:`) has no __main__.py"
            )
    except OSError as exc:
        raise _issue(ProjectError, label, "", f"its program directory {main}: {os_problem(exc)}") from None


# --------------------------------------------------------------------------------------------
# YAML


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
        raise _issue(error, label, "", f"not valid YAML{where}: {problem}") from None
    except yaml.reader.ReaderError as exc:  # a control character: positioned by index only
        line = len(_BREAK.findall(text, 0, exc.position)) + 1
        column = exc.position - max(text.rfind("\n", 0, exc.position), text.rfind("\r", 0, exc.position))
        what = f"the character U+{exc.character:04X}" if isinstance(exc.character, int) else "a character"
        raise _issue(
            error,
            label,
            "",
            f"not valid YAML at line {line}, column {column}: {what} is not allowed ({exc.reason})",
        ) from None
    except yaml.YAMLError as exc:
        raise _issue(error, label, "", f"not valid YAML: {exc}") from None
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
        return _issue(self.error, self.label, self._path(extra), where + message)

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
                raise _issue(
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


# --------------------------------------------------------------------------------------------
# Editing YAML as text


@dataclass(frozen=True)
class TextEdit:
    """Insert ``text`` at character ``offset`` (nothing is ever removed)."""

    offset: int
    text: str


class YamlText:
    """A YAML text and the offsets of its lines, for inserting keys at a node's position.

    Why text and not a re-dump: a YAML round trip (ruamel included) re-indents lists, moves
    ``secure:`` values, drops header comments before ``---``, unused anchors and CRLF line
    endings, and can attach a comment to the wrong entry. Inserting lines where the positions
    from :func:`load_yaml` say a mapping's content ends changes nothing but what is inserted.
    New lines use the line ending of the line they follow; values are written plain when that
    reads back as the same value, else double-quoted.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *(m.end() for m in _BREAK.finditer(text))]
        first = _BREAK.search(text)
        self.newline = first.group() if first else "\n"
        #: Both parsers skip a byte-order mark without counting it in line 0's columns.
        self.bom = 1 if text.startswith("\ufeff") else 0

    def offset(self, mark: Mark) -> int:
        if mark.line >= len(self.starts):
            return len(self.text)
        column = mark.column + (self.bom if mark.line == 0 else 0)
        return min(self.starts[mark.line] + column, len(self.text))

    def add_to_mapping(
        self, node: Node, items: Sequence[tuple[str, Any]], *, label: str, path: str, step: int = 2
    ) -> TextEdit:
        """The edit adding ``items`` (key, plain value) at the end of the mapping ``node``.

        Block mappings get new lines after the line where their last value ends (before any
        blank line or comment that follows, which belongs to what comes next), indented like
        their first key; flow mappings get ``, key: value`` after their last value.

        Raises:
            ProjectError: the mapping is an alias (the edit would change its anchor elsewhere),
                or has no key written in it to align with (only ``<<`` merges).
        """

        def refuse(why: str) -> ProjectError:
            keys = ", ".join(k for k, _ in items)
            return ProjectError(
                [ConfigIssue(path, f"cannot add {keys} here: {why}; add them by hand", has_value=False)],
                source=label,
            )

        if node.kind != "mapping":
            raise refuse("it is not a mapping")
        if node.alias:
            raise refuse("it is an alias of a value written elsewhere")
        if node.flow:
            body = ", ".join(f"{_key_text(k)}: {_flow_text(v)}" for k, v in items)
            if node.pairs:
                return TextEdit(self.offset(node.pairs[-1][1].end), ", " + body)
            start, close = self.offset(node.start), self.offset(node.end) - 1
            braces = self.text[start : start + 1] + self.text[close : close + 1]
            if braces == "{}" and not self.text[start + 1 : close].strip():
                return TextEdit(start + 1, body)
            raise refuse("it has no key written in it")
        if not node.pairs:
            raise refuse("it has no key written in it")
        indent = node.pairs[0][0].start.column
        _, end = node.content_end()
        offset, lead = self._line_after(end)
        newline = self._newline_before(offset)
        lines = _block_lines(items, indent, step)
        return TextEdit(offset, lead + "".join(line + newline for line in lines))

    def _line_after(self, end: Mark) -> tuple[int, str]:
        """Where a new line goes after content ending at ``end`` (and a break to write first)."""
        at = self.offset(end)
        line_start = self.starts[end.line] if end.line < len(self.starts) else len(self.text)
        if not self.text[line_start:at].strip(" \t\ufeff"):
            return line_start, ""  # a block scalar ends at the start of the next line
        if end.line + 1 < len(self.starts):
            return self.starts[end.line + 1], ""
        return len(self.text), self.newline  # the last line, without a line break

    def _newline_before(self, offset: int) -> str:
        if self.text[max(offset - 2, 0) : offset] == "\r\n":
            return "\r\n"
        if offset and _BREAK.fullmatch(self.text[offset - 1]):
            return self.text[offset - 1]
        return self.newline

    def apply(self, edits: Sequence[TextEdit]) -> str:
        """The text with every edit made (edits at one offset keep their order)."""
        out: list[str] = []
        at = 0
        for edit in sorted(edits, key=lambda e: e.offset):
            out += [self.text[at : edit.offset], edit.text]
            at = edit.offset
        out.append(self.text[at:])
        return "".join(out)


def _scalar_text(value: Any, *, flow: bool) -> str:
    if value is None or isinstance(value, (bool, int, float)):
        return json.dumps(value)
    text = str(value)
    probe = f"{{k: {text}}}" if flow else f"k: {text}"
    try:
        if text and load_yaml(probe, "")[0] == {"k": text}:
            return text
    except ConfigError:
        pass
    return json.dumps(text, ensure_ascii=False)


def _key_text(key: str) -> str:
    try:
        if key and load_yaml(f"{key}: 0", "")[0] == {key: 0}:
            return key
    except ConfigError:
        pass
    return json.dumps(key, ensure_ascii=False)


def _flow_text(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key_text(str(k))}: {_flow_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow_text(v) for v in value) + "]"
    return _scalar_text(value, flow=True)


def _block_lines(items: Sequence[tuple[str, Any]] | Any, indent: int, step: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for key, value in items:
        if isinstance(value, dict) and value:
            lines.append(f"{pad}{_key_text(key)}:")
            lines += _block_lines(list(value.items()), indent + step, step)
        elif isinstance(value, list) and value:
            lines.append(f"{pad}{_key_text(key)}:")
            lines += [f"{pad}{' ' * step}- {_flow_text(v)}" for v in value]
        else:
            text = _flow_text(value) if isinstance(value, (dict, list)) else _scalar_text(value, flow=False)
            lines.append(f"{pad}{_key_text(key)}: {text}")
    return lines


# --------------------------------------------------------------------------------------------
# JSON


class _JsonBound(Exception):
    def __init__(self, message: str, literal: str) -> None:
        super().__init__(message)
        self.message = message
        self.literal = literal


def _json_int(text: str) -> int:
    digits = text.lstrip("-")
    if len(digits) > 19 or not MIN_INT <= int(text) <= MAX_INT:
        raise _JsonBound(f"an integer of {len(digits):,} digits is outside 64 bits", text)
    return int(text)


def _json_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _JsonBound(f"{text} is beyond the range of a number", text)
    return value


def _json_constant(text: str) -> Any:
    raise _JsonBound(f"{text} is not a JSON number", text)


def read_json(
    path: Path, label: str | None = None, *, limit: int = MAX_DOCUMENT_BYTES, error: ErrorType = ConfigError
) -> Any:
    """Read one JSON file as plain, bounded data: UTF-8, at most ``limit`` bytes, 64-bit integers,
    finite numbers, nesting at most :data:`MAX_DEPTH` deep."""
    label = label or str(path)
    text = decode_utf8(read_bytes(path, label, limit=limit, error=error), label, error=error)
    try:
        data = json.loads(
            text.removeprefix("\ufeff"),
            parse_int=_json_int,
            parse_float=_json_float,
            parse_constant=_json_constant,
        )
    except json.JSONDecodeError as exc:
        raise _issue(
            error, label, "", f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except _JsonBound as exc:
        offset = text.find(exc.literal)
        where = f"line {text.count(chr(10), 0, offset) + 1}: " if offset >= 0 else ""
        raise _issue(error, label, "", where + exc.message) from None
    except RecursionError:
        raise _issue(
            error, label, "", f"nested deeper than {MAX_DEPTH} levels of lists and objects"
        ) from None
    path_too_deep = _too_deep(data)
    if path_too_deep is not None:
        raise _issue(
            error, label, path_too_deep, f"nested deeper than {MAX_DEPTH} levels of lists and objects"
        )
    return data


def _too_deep(data: Any) -> str | None:
    """The path of the first value nested deeper than :data:`MAX_DEPTH`, or ``None`` (iterative)."""
    todo: list[tuple[Any, int, str]] = [(data, 0, "")]
    while todo:
        value, depth, where = todo.pop()
        if isinstance(value, dict):
            children: Iterator[tuple[Any, str]] = (
                (v, f"{where}.{k}" if where else str(k)) for k, v in value.items()
            )
        elif isinstance(value, list):
            children = ((v, f"{where}[{i}]") for i, v in enumerate(value))
        else:
            continue
        if depth + 1 > MAX_DEPTH:
            return where or "(top level)"
        todo.extend((child, depth + 1, at) for child, at in children)
    return None


# --------------------------------------------------------------------------------------------
# Stack-file namespaces


def check_namespaces(
    config: Mapping[Any, Any],
    *,
    project: str,
    label: str,
    namespace: str = "skyweave",
    known_keys: frozenset[str] = frozenset(),
    warn: Callable[[str], None] | None = None,
) -> None:
    """Refuse config keys skyweave would silently ignore or read twice.

    * ``SKYWEAVE:tags``, ``skyweav:sites``: a namespace that is almost ``skyweave`` (Pulumi's
      namespaces are case-sensitive, so the key would never reach the program) — an error.
    * ``sites`` and ``skyweave:sites`` in a project named ``skyweave``: one key written twice
      (keys without a namespace belong to the project) — an error.
    * ``sites`` in a project named otherwise: Pulumi reads it as ``<project>:sites``, not
      skyweave's; a warning (the program may read its own ``sites``), only for skyweave's keys.

    ``known_keys``: skyweave's top-level keys (``sites``, ``tags`` …), for the suggestions.
    """
    issues: list[ConfigIssue] = []
    full: dict[str, str] = {}
    for raw_key in config:
        key = str(raw_key)
        ns, sep, name = key.partition(":")
        if not sep:
            ns, name = project, key
        written = full.setdefault(f"{ns}:{name}", key)
        if written != key:
            issues.append(
                ConfigIssue(
                    key,
                    f"is the same key as {written!r} (a key without a namespace belongs to the project "
                    f"{project!r}); keep one",
                    has_value=False,
                )
            )
        if sep and ns != namespace and _looks_like(ns, namespace):
            meant = name.lower() if name.lower() in known_keys else name
            issues.append(
                ConfigIssue(
                    key,
                    f"the namespace {ns!r} is not {namespace!r} (namespaces are case-sensitive), so "
                    f"skyweave would ignore this key; write {namespace}:{meant}",
                    has_value=False,
                )
            )
        if not sep and project != namespace and name in known_keys and f"{namespace}:{name}" not in config:
            message = (
                f"warning: {label}: the config key {key!r} has no namespace, so it is "
                f"{project}:{name} (the project's), which skyweave does not read; write {namespace}:{name}"
            )
            (warn or _stderr)(message)
    if issues:
        raise ProjectError(issues, source=label)


def _looks_like(ns: str, namespace: str) -> bool:
    if ns.lower() == namespace:
        return True
    return difflib.SequenceMatcher(None, ns.lower(), namespace).ratio() >= 0.85


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


# --------------------------------------------------------------------------------------------
# Writing a user file back


def unified_diff(label: str, before: str, after: str) -> str:
    """The change as ``diff -u`` shows it (line endings kept: a CRLF file's diff shows CRLF)."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{label}", f"b/{label}"
    )
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in lines)


def write_atomically(path: Path, label: str, data: bytes, *, expected: bytes) -> None:
    """Replace ``path``'s contents with ``data`` so that no reader ever sees a partial file.

    The bytes go to a temporary file in the same directory (same file system, so the rename is
    atomic), are flushed and fsynced, get the original's mode, and ``os.replace`` the original;
    the directory is fsynced so the rename survives a crash. An interrupt (Ctrl-C) or a failed
    write (disk full, a file-size limit) before the rename leaves the original untouched and
    removes the temporary file. A symlink is written through (its target is replaced). Refused:
    a file without write permission (also for root: read-only is the owner's intent), and a file
    whose bytes are no longer ``expected`` (someone edited it since it was read).
    """
    target = Path(os.path.realpath(path))
    try:
        info = target.stat()
        current = target.read_bytes()
    except OSError as exc:
        raise _issue(ProjectError, label, "", os_problem(exc)) from None
    if not info.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise _issue(ProjectError, label, "", "is read-only; make it writable (chmod u+w) to record the pins")
    if current != expected:
        raise _issue(
            ProjectError,
            label,
            "",
            "changed while skyweave was working on it; nothing was written, run again",
        )
    directory = target.parent
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, info.st_mode & 0o7777)
        with contextlib.suppress(OSError, AttributeError):  # no chown on Windows
            if (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
                os.chown(tmp, info.st_uid, info.st_gid)
        os.replace(tmp, target)
        tmp = None
        _fsync_directory(directory)
    except OSError as exc:
        raise _issue(
            ProjectError, label, "", f"{os_problem(exc, 'written')}; the file was not changed"
        ) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def exclusive(path: Path, label: str) -> Iterator[None]:
    """Hold ``<file>.lock`` next to ``path`` while it is rewritten, so two runs cannot interleave.

    The lock file is created exclusively (``O_EXCL``) and holds the owner's host and pid; it is
    removed on the way out, also after Ctrl-C. A second run gets a message naming the owner, and
    says when that owner is no longer running (a run killed with SIGKILL leaves the file behind;
    it is never removed behind the user's back, since only the user can tell it is stale).
    """
    target = Path(os.path.realpath(path))
    lock = target.with_name(f"{target.name}.lock")
    lock_label = f"{label}.lock"
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        raise _issue(ProjectError, label, "", _lock_owner(lock, lock_label)) from None
    except OSError as exc:
        raise _issue(ProjectError, lock_label, "", f"the lock file {os_problem(exc, 'created')}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f"{socket.gethostname()} {os.getpid()}\n")
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)


def _lock_owner(lock: Path, lock_label: str) -> str:
    try:
        host, pid_text = lock.read_text(encoding="utf-8").split()
        pid = int(pid_text)
    except (OSError, ValueError, UnicodeDecodeError):
        return f"is being updated by another run (lock file {lock_label}); try again when it is done"
    alive = True
    if host == socket.gethostname():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            alive = False
        except PermissionError:
            alive = True
    if alive:
        return (
            f"is being updated by another `skyweave ipam lock` (pid {pid} on {host}, lock file "
            f"{lock_label}); try again when it is done"
        )
    return (
        f"has a lock file {lock_label} left by pid {pid}, which is no longer running (an interrupted "
        "run); check the stack file, remove the lock file and run again"
    )
