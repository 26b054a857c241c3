"""Output for people: the terminal's width, colour only where it belongs, progress on stderr.

Why one module: ``preview`` (and ``preview --diff``) print long trees to terminals, pipes and CI
logs. A terminal wants lines that fit and colour; a pipe or a file wants neither escape codes nor
``\\r`` progress redraws in its stdout. The conventions followed:

* colour: only when the stream is a terminal, never when ``NO_COLOR`` is set (https://no-color.org),
  always when ``FORCE_COLOR`` is set (and not ``0``), or as ``--color always|never`` says;
* width: :func:`shutil.get_terminal_size` (``COLUMNS`` wins, then the terminal, else 100); a
  table (:func:`table`) narrows its widest columns and wraps their cells at spaces, never inside
  a word;
* progress: on stderr, redrawn in place on a terminal, one line every few seconds with
  ``--progress`` elsewhere (a CI log), never on stdout; on a terminal a command says at once what
  it is doing (:class:`Status`: "running the program of stack 'prod' offline…"), erased before
  its result.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import textwrap
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

__all__ = [
    "Progress",
    "Status",
    "Style",
    "add_color_option",
    "fit",
    "plain_number",
    "table",
    "terminal_width",
    "use_color",
]

_CODES = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
    "bold_red": "1;31",
}


def use_color(stream: IO[str], mode: str = "auto") -> bool:
    """Whether to colour ``stream``: ``mode`` (auto|always|never), then NO_COLOR / FORCE_COLOR,
    then whether it is a terminal (and not a dumb one)."""
    if mode in ("always", "never"):
        return mode == "always"
    if os.environ.get("NO_COLOR"):
        return False
    force = os.environ.get("FORCE_COLOR")
    if force is not None and force not in ("", "0", "false"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def add_color_option(parser: argparse.ArgumentParser) -> None:
    """``--color auto|always|never``, for a command with a text format."""
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="text: colour (auto: on a terminal, unless NO_COLOR is set; FORCE_COLOR forces it)",
    )


def terminal_width(default: int = 100) -> int:
    """Columns to fit in: ``COLUMNS``, else the terminal's, else ``default``; never below 40."""
    return max(40, shutil.get_terminal_size((default, 24)).columns)


@dataclass(frozen=True)
class Style:
    """ANSI colour when ``color`` is true; otherwise every method returns the text unchanged."""

    color: bool = False

    def paint(self, text: str, name: str) -> str:
        if not self.color or not text:
            return text
        return f"\033[{_CODES[name]}m{text}\033[0m"


def fit(line: str, width: int, *, hang: int = 4) -> list[str]:
    """``line`` as lines of at most ``width`` columns: wrapped at spaces, continuation lines
    indented ``hang`` columns past the line's own indentation. A word wider than a line (a long
    type token) breaks after a ``/`` or ``:``; only a word with neither is cut, with ``…``."""
    if len(line) <= width:
        return [line]
    indent = len(line) - len(line.lstrip(" "))
    cont = " " * min(indent + hang, width // 2)
    wrapper = textwrap.TextWrapper(
        width=width,
        initial_indent=" " * indent,
        subsequent_indent=cont,
        break_long_words=False,
        break_on_hyphens=False,
    )
    out: list[str] = []
    for part in wrapper.wrap(line.strip()) or [line]:
        while len(part) > width:
            cut = max(part.rfind("/", 0, width), part.rfind(":", 0, width))
            if cut <= len(cont):
                part = part[: width - 1] + "…"
                break
            out.append(part[: cut + 1])
            part = cont + part[cut + 1 :].lstrip(" ")
        out.append(part)
    return out


def table(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    width: int,
    *,
    style: Style | None = None,
    paint: Callable[[int, str], str] | None = None,
) -> list[str]:
    """``rows`` under ``header`` as lines of at most ``width`` columns.

    Columns are as wide as their longest cell when that fits; otherwise the columns with most
    room above their longest word give it up first (a list of sites wraps before a one-word
    name would), never below their longest word, and their cells wrap at spaces (a wrapped
    row's next lines leave the other columns blank). When even the longest words do not fit side
    by side, each row becomes a block of ``header: value`` lines (fitted by :func:`fit`), one
    blank line between rows. ``paint(column, cell)`` names the colour of a cell (``""``: none),
    applied after the padding so escape codes never count as width.
    """
    style = style or Style()
    body = [[str(cell) for cell in row] for row in rows]
    count = len(header)
    gap = 2
    natural = [max(len(r[i]) for r in [list(header), *body]) for i in range(count)]
    floor = [
        max((len(word) for r in [list(header), *body] for word in r[i].split()), default=1)
        for i in range(count)
    ]
    room = width - gap * (count - 1)
    if sum(floor) > room:
        return _stacked(header, body, width, style, paint)
    widths = list(natural)
    while sum(widths) > room:  # the column with most room above its longest word gives a column
        i = max(
            (i for i in range(count) if widths[i] > floor[i]), key=lambda i: (widths[i] - floor[i], widths[i])
        )
        widths[i] -= 1

    def lines_of(cells: Sequence[str], colored: bool) -> list[str]:
        wrapped = [
            textwrap.wrap(cell, w, break_long_words=False, break_on_hyphens=False) or [""]
            for cell, w in zip(cells, widths, strict=True)
        ]
        out = []
        for n in range(max(len(parts) for parts in wrapped)):
            pieces = []
            for i, parts in enumerate(wrapped):
                text = parts[n] if n < len(parts) else ""
                padded = text.ljust(widths[i]) if i < count - 1 else text
                name = paint(i, cells[i]) if colored and paint is not None and text else ""
                pieces.append(padded.replace(text, style.paint(text, name), 1) if name else padded)
            out.append((" " * gap).join(pieces).rstrip())
        return out

    lines = lines_of(header, False)
    lines.append((" " * gap).join("-" * w for w in widths))
    for row in body:
        lines += lines_of(row, True)
    return lines


def _stacked(
    header: Sequence[str],
    body: list[list[str]],
    width: int,
    style: Style,
    paint: Callable[[int, str], str] | None,
) -> list[str]:
    """Each row as ``header: value`` lines: what a table becomes on a very narrow terminal."""
    lines: list[str] = []
    for row in body:
        if lines:
            lines.append("")
        for i, (name, cell) in enumerate(zip(header, row, strict=True)):
            colour = paint(i, cell) if paint is not None else ""
            for part in fit(f"{name}: {cell}", width):
                lines.append(style.paint(part, colour) if colour else part)
    return lines


def plain_number(value: Any) -> Any:
    """Numbers as people write them: a float's binary noise rounded away (10 significant digits,
    so 0.9999950000000001 → 0.999995 but 0.9999989901 stays), integral floats as integers.
    Applied through mappings and lists."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        rounded = float(f"{value:.10g}")
        return int(rounded) if rounded.is_integer() else rounded
    if isinstance(value, dict):
        return {k: plain_number(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_number(v) for v in value]
    return value


class Status:
    """What a command is doing, as one line on stderr that the next replaces — on a terminal
    only (a pipe or a CI log gets nothing, so its output stays deterministic). Erased when the
    ``with`` block ends, however it ends, so the result or an error starts on a clean line."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.live = bool(isatty and isatty())
        self._drawn = False

    def say(self, text: str) -> None:
        if not self.live:
            return
        room = terminal_width() - 1  # a line that wrapped could not be erased with \r
        line = text if len(text) <= room else text[: room - 1] + "…"
        self.stream.write(f"\r\033[K{line}")
        self.stream.flush()
        self._drawn = True

    def clear(self) -> None:
        if self._drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._drawn = False

    def __enter__(self) -> Status:
        return self

    def __exit__(self, *exc: object) -> None:
        self.clear()


class Progress:
    """Counts registrations and tells stderr about long runs.

    On a terminal: one line redrawn in place at most every ``interval`` seconds, erased at the
    end. Elsewhere (``--progress`` in a CI log): a plain line every ``every`` registrations or
    ``log_interval`` seconds, whichever comes first. Silent for the first ``delay`` seconds, so a
    quick preview prints nothing.
    """

    def __init__(
        self,
        stream: IO[str] | None = None,
        *,
        live: bool | None = None,
        delay: float = 1.0,
        interval: float = 0.5,
        every: int = 1000,
        log_interval: float = 5.0,
        clock: Any = time.monotonic,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.live = bool(isatty and isatty()) if live is None else live
        self.delay, self.interval, self.every, self.log_interval = delay, interval, every, log_interval
        self.clock = clock
        self.start = clock()
        self.count = 0
        self._last_shown = self.start
        self._last_count = 0
        self._drawn = False

    def tick(self) -> None:
        """One more registration."""
        self.count += 1
        now = self.clock()
        elapsed = now - self.start
        if elapsed < self.delay:
            return
        if self.live:
            if now - self._last_shown >= self.interval or not self._drawn:
                self.stream.write(f"\r\033[K  registered {self.count:,} resources ({elapsed:.0f} s)")
                self.stream.flush()
                self._last_shown, self._drawn = now, True
        elif self.count - self._last_count >= self.every or now - self._last_shown >= self.log_interval:
            self.stream.write(f"skyweave: registered {self.count:,} resources ({elapsed:.0f} s)\n")
            self.stream.flush()
            self._last_shown, self._last_count = now, self.count

    def done(self) -> None:
        """Erase the live line (the result follows on stdout); log the total otherwise."""
        elapsed = self.clock() - self.start
        if self.live and self._drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
        elif not self.live and elapsed >= self.delay:
            self.stream.write(f"skyweave: registered {self.count:,} resources in {elapsed:.0f} s\n")
            self.stream.flush()
