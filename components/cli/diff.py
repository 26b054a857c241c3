"""``skyweave preview --diff BASE``'s reports: text for a terminal, JSON for tools, Markdown for a
pull-request comment. What changes, and why, is decided by :mod:`skyweave.engine.diff`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from ..core.display import SECRET, UNKNOWN
from ..core.escape import terminal
from ..engine.diff import _MISSING, Change, Diff
from .markdown import code, details, escape, table
from .style import Style, fit, terminal_width

__all__ = ["render_json", "render_markdown", "render_text"]

_MARK = {"create": "+", "update": "~", "replace": "+-", "delete": "-"}
_COLOR = {"create": "green", "update": "yellow", "replace": "magenta", "delete": "red"}


def _value(value: Any, limit: int | None = 60) -> str:
    """A value as JSON; cut at ``limit`` characters (a table cell), or whole (``None``: the text,
    which wraps instead)."""
    if value is _MISSING:
        return "(not set)"
    text = (
        value
        if isinstance(value, str) and value in (SECRET, UNKNOWN)
        else json.dumps(value, ensure_ascii=False)
    )
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def _leaves(path: str, old: Any, new: Any) -> list[tuple[str, Any, Any]]:
    """Where two values differ, by path (``launchTemplate.version``): a nested change is shown
    where it is, not as two copies of the whole value."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[tuple[str, Any, Any]] = []
        for key in [*old, *(k for k in new if k not in old)]:
            a, b = old.get(key, _MISSING), new.get(key, _MISSING)
            if a != b:
                out += _leaves(f"{path}.{key}", a, b)
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [
            leaf
            for i, (a, b) in enumerate(zip(old, new, strict=True))
            if a != b
            for leaf in _leaves(f"{path}[{i}]", a, b)
        ]
    return [(path, old, new)]


def _headline(diff: Diff) -> str:
    s = diff.summary()
    return (
        f"{s['create']} to create, {s['update']} to update, {s['replace']} to replace, "
        f"{s['delete']} to delete, {s['same']} unchanged"
    )


def render_text(diff: Diff, *, width: int | None = None, style: Any = None) -> str:
    """For a terminal: every change with its inputs, the protected ones loudly, the counts last."""
    width = width or terminal_width()
    style = style or Style()
    out: list[str] = []

    def emit(line: str, paint: str = "") -> None:
        line = terminal(line)  # a base's strings are shown, never sent to the terminal
        for part in fit(line, width):
            out.append(style.paint(part, paint) if paint else part)

    emit(f"Diff of stack '{diff.stack}' against {diff.base.label} ({diff.base.kind})")
    out.append("")
    if not diff.changes:
        emit("No changes.")
    for op in ("replace", "delete", "update", "create"):
        group = [c for c in diff.changes if c.op == op]
        if not group:
            continue
        emit(f"{op.capitalize()} ({len(group)}):", "bold")
        for change in group:
            flag = "  [protected]" if change.protect else ""
            emit(f"  {_MARK[op]} {change.type}  {change.name}{flag}", _COLOR[op])
            for key in change.keys:
                forces = "  (forces replacement)" if key.replaces else ""
                known = f"  ({key.why})" if key.new == UNKNOWN and key.why else ""
                for path, old, new in _leaves(key.key, key.old, key.new) or [(key.key, key.old, key.new)]:
                    emit(f"        {path}: {_value(old, None)} => {_value(new, None)}{forces}{known}")
            if change.reasons and op == "replace":
                emit(f"        replaced because {'; '.join(change.reasons)}")
            if change.note:
                emit(f"        note: {change.note}", "dim")
        out.append("")
    for note in diff.notes:
        emit(f"note: {note}", "dim")
    if diff.refused:
        out.append("")
        emit(
            f"!! {len(diff.refused)} PROTECTED resource(s) would be deleted or replaced; "
            "`pulumi up` will refuse until they are unprotected on purpose:",
            "bold_red",
        )
        for change in diff.refused:
            emit(f"!!   {change.op}: {change.urn}", "bold_red")
    out.append("")
    emit(f"Changes: {_headline(diff)}", "bold")
    return "\n".join(out)


def render_json(diff: Diff) -> str:
    doc = {
        "stack": diff.stack,
        "project": diff.project,
        "base": {"file": diff.base.label, "kind": diff.base.kind},
        "summary": diff.summary(),
        "refused": [c.urn for c in diff.refused],
        "changes": [c.as_dict() for c in diff.changes],
        "notes": list(diff.notes),
    }
    return json.dumps(doc, indent=2, sort_keys=True, default=str)


def render_markdown(diff: Diff) -> str:
    """For a pull-request comment: the counts and protected resources first, then the
    replacements and deletes as tables, updates and creates folded."""
    lines = [f"### skyweave preview --diff: stack {code(diff.stack)}", ""]
    icon = "❌" if diff.refused else ("⚠️" if diff.count("replace") or diff.count("delete") else "✅")
    lines += [f"{icon} **{_headline(diff)}** (against {code(diff.base.label)}, {escape(diff.base.kind)})", ""]
    if diff.refused:
        lines += [
            f"> **{len(diff.refused)} protected resource(s) would be deleted or replaced** — "
            "`pulumi up` will refuse:",
            ">",
        ]
        lines += [f"> - {c.op} {code(c.urn)}" for c in diff.refused]
        lines.append("")

    def rows(changes: Iterable[Change]) -> list[tuple[str, ...]]:
        return [
            (
                change.op + (" (protected)" if change.protect else ""),
                code(change.name),
                code(change.type),
                "\n".join(
                    f"{code(k.key)}: {code(_value(k.old, 40))} → {code(_value(k.new, 40))}"
                    + (" **(replaces)**" if k.replaces else "")
                    for k in change.keys
                )
                or escape("; ".join(change.reasons)),
            )
            for change in changes
        ]

    header = ("op", "resource", "type", "what changes")
    loud = [c for c in diff.changes if c.op in ("replace", "delete")]
    if loud:
        lines += [table(header, rows(loud)), ""]
    quiet = defaultdict(list)
    for change in diff.changes:
        if change.op in ("update", "create"):
            quiet[change.op].append(change)
    for op in ("update", "create"):
        if quiet[op]:
            lines += [details(f"{len(quiet[op])} to {op}", table(header, rows(quiet[op]))), ""]
    lines += [f"> {escape(note)}" for note in diff.notes]
    return "\n".join(lines).rstrip("\n") + "\n"
