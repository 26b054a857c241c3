"""Checking a file's data against its schema: one :class:`~skyweave.core.errors.ConfigError` listing
every value the model refuses, each at its key path inside the file.

Why here: every JSON file skyweave reads back (a baseline, the component outputs of a preview
JSON) is checked the same way, so no later step meets a ``float`` where it expects a mapping
(``KeyError``/``TypeError``, exit 3). Values are **not** echoed by default: a file written by another
run or another tool may carry key material (a URN, a message, a node's attributes), and a refusal
lands in a CI log; the path and what is wrong are enough to find it.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..core.errors import ConfigError, ConfigIssue
from ..core.validation import issues_from_validation
from .reading import ErrorType

__all__ = ["validate"]

_M = TypeVar("_M", bound=BaseModel)


def validate(
    model: type[_M],
    data: Any,
    label: str,
    *,
    prefix: str = "",
    error: ErrorType = ConfigError,
    show_values: bool = False,
) -> _M:
    """``data`` as ``model``, or ``error`` naming ``label`` and each bad value's path (after ``prefix``)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        issues = issues_from_validation(exc, data, model, prefix=prefix)
        if not show_values:
            issues = [ConfigIssue(i.path, i.message, has_value=False) for i in issues]
        raise error(issues, source=label) from None
