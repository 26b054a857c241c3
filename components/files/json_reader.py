"""The one bounded JSON reader: every JSON file a user hands skyweave (policy configs, plan files,
previews, stack exports, a ``preview --diff`` base) is read here, so all of them share one set of
rules — strict UTF-8 (a UTF-16 file named as such), at most ``limit`` bytes, 64-bit integers,
finite numbers, no ``NaN``/``Infinity``, nesting at most :data:`MAX_DEPTH` deep anywhere in the
file — and a refusal is one :class:`~skyweave.core.errors.ConfigError` naming the file and line.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..core.errors import ConfigError
from .reading import (
    MAX_DEPTH,
    MAX_DOCUMENT_BYTES,
    MAX_INT,
    MIN_INT,
    ErrorType,
    decode_utf8,
    issue,
    read_bytes,
    too_large,
)

__all__ = ["parse_json", "read_json"]


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
    """Read one JSON file as plain, bounded data (:func:`parse_json`); ``limit``: its size bound,
    checked before the file is read."""
    label = label or str(path)
    return parse_json(read_bytes(path, label, limit=limit, error=error), label, limit=limit, error=error)


def parse_json(
    raw: bytes, label: str, *, limit: int = MAX_DOCUMENT_BYTES, error: ErrorType = ConfigError
) -> Any:
    """JSON bytes as plain, bounded data: at most ``limit`` bytes of UTF-8 (a byte-order mark is
    skipped), integers within 64 bits, finite numbers, nesting at most :data:`MAX_DEPTH` deep.
    ``error``: the :class:`~skyweave.core.errors.ConfigError` class a refusal raises."""
    if len(raw) > limit:
        raise issue(error, label, "", too_large(limit))
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise issue(
            error,
            label,
            "",
            "is UTF-16 (PowerShell's `>` writes that); save it as UTF-8, e.g. "
            "`pulumi preview --json | Out-File -Encoding utf8 plan.json`",
        )
    text = decode_utf8(raw, label, error=error)
    try:
        data = json.loads(
            text.removeprefix("\ufeff"),
            parse_int=_json_int,
            parse_float=_json_float,
            parse_constant=_json_constant,
        )
    except json.JSONDecodeError as exc:
        raise issue(
            error, label, "", f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except _JsonBound as exc:
        offset = text.find(exc.literal)
        where = f"line {text.count(chr(10), 0, offset) + 1}: " if offset >= 0 else ""
        raise issue(error, label, "", where + exc.message) from None
    except RecursionError:
        raise issue(error, label, "", f"nested deeper than {MAX_DEPTH} levels of lists and objects") from None
    path_too_deep = _too_deep(data)
    if path_too_deep is not None:
        raise issue(
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
