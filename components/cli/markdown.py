"""Markdown for pull-request comments (GitHub-flavoured): tables, folded sections, safe text.

Why a module: ``preview --diff``, ``check`` and ``simulate`` each post a comment a reviewer reads
top-down — the verdict first, what needs attention next, the rest folded away — and must not
break the comment's layout with a ``|`` or a newline inside a table cell.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["cell", "details", "escape", "table"]


def escape(text: str) -> str:
    """Text that renders as itself in Markdown prose (no stray emphasis, links or HTML)."""
    for char in ("\\", "`", "*", "_", "[", "]", "<", ">", "|"):
        text = text.replace(char, "\\" + char)
    return text


def cell(text: str) -> str:
    """Text for one table cell: ``|`` escaped, line breaks as ``<br>``."""
    return str(text).replace("|", "\\|").replace("\r\n", "\n").replace("\n", "<br>")


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A GitHub table; every cell passes through :func:`cell`."""
    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def details(summary: str, body: str) -> str:
    """A folded section: GitHub shows ``summary`` and expands ``body`` on click."""
    return f"<details><summary>{cell(summary)}</summary>\n\n{body}\n\n</details>"
