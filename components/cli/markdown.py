"""Markdown for pull-request comments (GitHub-flavoured): tables, folded sections, safe text.

Why a module: ``preview --diff``, ``check`` and ``simulate`` each post a comment a reviewer reads
top-down — the verdict first, what needs attention next, the rest folded away — and must not
break the comment's layout with a ``|`` or a newline inside a table cell.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ..core.escape import terminal

__all__ = ["cell", "code", "details", "escape", "table"]

#: The characters that can start markup inside a line: emphasis, code, links, images, HTML and
#: entities, tables, strikethrough, GitHub's @mentions and #references (CommonMark lets any ASCII
#: punctuation be backslash-escaped; these are the ones that need it).
_MARKUP = re.compile(r"([\\`*_\[\]<>!&|~@#])")
#: What starts a block at the beginning of a line: a list item, a setext underline, a numbered item.
_BLOCK_START = re.compile(r"^(\s*\d*)([-+=.)])")
#: What GitHub's autolinks start from: ``scheme://`` and ``www.`` (escaping the ``:`` or the ``.``
#: stops them; an e-mail address is linked whatever is escaped, as a harmless ``mailto:``).
_AUTOLINK = re.compile(r"(?<=[A-Za-z])(:)(?=//)|(?<=\b[Ww]{3})(\.)")
_BACKTICKS = re.compile(r"`+")


def escape(text: str, *, lines: bool = False) -> str:
    """Text that renders as itself in Markdown prose: every character that can start markup
    escaped, control characters shown as escapes, line breaks made spaces (``lines``: kept, for a
    table cell, which shows them as ``<br>``), so nothing in it can start a heading, HTML, an
    image, a link, a fold or a new block."""
    parts = str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    escaped = [
        _indent_as_entities(
            _AUTOLINK.sub(
                lambda m: "\\" + m.group(),
                _BLOCK_START.sub(r"\1\\\2", _MARKUP.sub(r"\\\1", terminal(part))),
            )
        )
        for part in parts
    ]
    return ("\n" if lines else " ").join(escaped)


def _indent_as_entities(line: str) -> str:
    """Leading spaces as ``&#32;``: four of them at a line's start (after ``> ``, say) would open an
    indented code block, and CommonMark measures indentation before it decodes entities."""
    stripped = line.lstrip(" ")
    return "&#32;" * (len(line) - len(stripped)) + stripped


def code(text: str) -> str:
    """``text`` as an inline code span nothing inside can close: the fence is one backtick longer
    than the longest run of backticks in it, padded with a space either side (which CommonMark strips)
    when it starts or ends with one;
    control characters and line breaks are shown as escapes. Inside a code span no Markdown or HTML
    is interpreted, so a URN or a value from a file is shown exactly, and inert."""
    shown = terminal(str(text))
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(shown)), default=0) + 1)
    pad = " " if shown.startswith("`") or shown.endswith("`") or not shown.strip(" ") else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


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
