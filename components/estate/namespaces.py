"""Pulumi config namespaces in a stack file: refuse the keys skyweave would silently ignore
(``SKYWEAVE:tags``, ``skyweav:sites``) or read twice (``sites`` beside ``skyweave:sites`` in a
project named ``skyweave``), and warn of a skyweave key that belongs to another project.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Callable, Mapping
from typing import Any

from ..core.errors import ConfigIssue, ProjectError

__all__ = ["check_namespaces"]


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
