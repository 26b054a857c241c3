"""Editing a YAML file as text at the positions its parser reports, so every other byte — comments,
quoting, ``secure:`` values, anchors, line endings — stays as it was (``skyweave ipam lock``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..core.errors import ConfigError, ConfigIssue, ProjectError
from .yaml_reader import BREAK, Mark, Node, load_yaml

__all__ = ["TextEdit", "YamlText"]


@dataclass(frozen=True)
class TextEdit:
    """Replace the ``removed`` characters at ``offset`` with ``text`` (an insertion removes none)."""

    offset: int
    text: str
    removed: int = 0


class YamlText:
    """A YAML text and the offsets of its lines, for inserting (and removing) keys at a node's position.

    Why text and not a re-dump: a YAML round trip (ruamel included) re-indents lists, moves
    ``secure:`` values, drops header comments before ``---``, unused anchors and CRLF line
    endings, and can attach a comment to the wrong entry. Inserting lines where the positions
    from :func:`load_yaml` say a mapping's content ends changes nothing but what is inserted.
    New lines use the line ending of the line they follow; values are written plain when that
    reads back as the same value, else double-quoted.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *(m.end() for m in BREAK.finditer(text))]
        first = BREAK.search(text)
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

    def remove_from_mapping(
        self, node: Node, keys: Sequence[Any], *, label: str, path: str, emptied: str = "{}"
    ) -> list[TextEdit]:
        """The edits removing the pairs of ``keys`` from the mapping ``node``.

        A block mapping loses each pair's whole lines (the key's line to the line where its value
        ends, a comment on them included; comment lines between pairs stay); one left with no pair
        gets ``emptied`` on a line of its own (``{}``, so the key still holds a mapping; ``""`` when
        keys are being added to it in the same change). A flow mapping loses each pair and its comma.

        Raises:
            ProjectError: the mapping is an alias, or a pair shares its line with something else.
        """
        if node.kind != "mapping" or node.alias:
            raise ProjectError(
                [
                    ConfigIssue(
                        path,
                        "cannot remove keys here: it is an alias or not a mapping; remove them by hand",
                        has_value=False,
                    )
                ],
                source=label,
            )
        gone = [i for i, (key, _) in enumerate(node.pairs) if key.value in set(keys)]
        if not gone:
            return []
        pairs = node.pairs
        if node.flow:
            edits: list[TextEdit] = []
            runs: list[list[int]] = []
            for i in gone:
                if runs and runs[-1][-1] == i - 1:
                    runs[-1].append(i)
                else:
                    runs.append([i])
            for run in runs:
                first, last = run[0], run[-1]
                if first > 0:
                    start, end = self.offset(pairs[first - 1][1].end), self.offset(pairs[last][1].end)
                elif last + 1 < len(pairs):
                    start, end = self.offset(pairs[0][0].start), self.offset(pairs[last + 1][0].start)
                else:
                    start, end = self.offset(pairs[0][0].start), self.offset(pairs[last][1].end)
                edits.append(TextEdit(start, "", end - start))
            return edits
        edits = []
        for i in gone:
            key, value = pairs[i]
            line_start = self.starts[key.start.line]
            if self.text[line_start : self.offset(key.start)].strip(" \t\ufeff"):
                raise ProjectError(
                    [
                        ConfigIssue(
                            f"{path}.{key.value}",
                            "cannot remove it: it shares its line with another value; remove it by hand",
                            has_value=False,
                        )
                    ],
                    source=label,
                )
            _, end_mark = value.content_end() if not value.flow else (value, value.end)
            end, lead = self._line_after(end_mark)
            edits.append(TextEdit(line_start, lead, end - line_start))
        if len(gone) == len(pairs) and emptied:
            pad = " " * pairs[0][0].start.column
            final = edits[-1]
            newline = self._newline_before(final.offset + final.removed)
            edits[-1] = TextEdit(final.offset, f"{pad}{emptied}{newline}", final.removed)
        return edits

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
        if offset and BREAK.fullmatch(self.text[offset - 1]):
            return self.text[offset - 1]
        return self.newline

    def apply(self, edits: Sequence[TextEdit]) -> str:
        """The text with every edit made (edits at one offset keep their order; removals must
        not overlap)."""
        out: list[str] = []
        at = 0
        for edit in sorted(edits, key=lambda e: e.offset):
            if edit.offset < at:
                raise ValueError(f"overlapping text edits at offset {edit.offset}")
            out += [self.text[at : edit.offset], edit.text]
            at = edit.offset + edit.removed
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
