"""Property values as a rule reads them: :func:`get` and :func:`items` over plain JSON or the SDK's
unknown-checking proxies, :class:`UnknownValue` for a value a preview cannot know, the one
:class:`Resource` every rule and the stack index are given, and the :class:`Finding` a check (or a
vendor's policy reader) yields.

Below :mod:`.rule` and :mod:`.index` (both read values; the rule runs over the index), so neither
imports the other back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy.proxy import UnknownValueError

from ..core.display import ENGINE_UNKNOWN, SECRET, UNKNOWN

__all__ = [
    "SECRET_MASK",
    "UNKNOWN_SENTINELS",
    "Finding",
    "Resource",
    "SecretValue",
    "UnknownValue",
    "as_int",
    "cant_check",
    "get",
    "is_unknown",
    "items",
]

#: How an offline preview (``skyweave preview --format json``) shows a secret.
SECRET_MASK = SECRET

#: The engine's markers for values not known until the update runs (pulumi_policy/proxy.py),
#: plus the offline preview's own rendering of one.
UNKNOWN_SENTINELS = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
        ENGINE_UNKNOWN,
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
        "030794c1-ac77-496b-92df-f27374a8bd58",
        "e48ece36-62e2-4504-bad9-02848725956a",
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
        UNKNOWN,
    }
)


class UnknownValue(Exception):
    """A check needed a value that is unknown until the update runs."""

    def __init__(self, path: Sequence[str | int]) -> None:
        self.path = ".".join(str(p) for p in path)
        super().__init__(f"{self.path} is not known until the update runs")


class SecretValue(UnknownValue):
    """A check needed a value that is a secret: a plan shows it as ``[secret]``, and a rule must not
    judge the placeholder as if it were the value (``publicAccess is [secret]``)."""

    def __init__(self, path: Sequence[str | int]) -> None:
        super().__init__(path)
        self.args = (f"{self.path} is a secret: its value is not shown to a check of a plan",)

    def __str__(self) -> str:
        return str(self.args[0])


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value in UNKNOWN_SENTINELS


def as_int(value: Any) -> int | None:
    """An integer property (numbers arrive as floats; ports may be strings); ``None`` if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def get(container: Any, *path: str | int, default: Any = None) -> Any:
    """``container[path[0]][path[1]]…``; ``default`` when any step is missing.

    Raises:
        UnknownValue: a step (or the result) is unknown in this preview.
        SecretValue: a step (or the result) is a secret's placeholder: "can't check here", like
            an unknown value, never judged as the text ``[secret]``.
    """
    value = container
    for depth, key in enumerate(path):
        try:
            if isinstance(key, int):
                if not _is_sequence(value):
                    return default
                value = value[key]
            else:
                if not isinstance(value, Mapping):
                    return default
                value = value[key]
        except (KeyError, IndexError):
            return default
        except UnknownValueError:
            raise UnknownValue(path[: depth + 1]) from None
        if is_unknown(value):
            raise UnknownValue(path[: depth + 1])
        if value == SECRET_MASK:
            raise SecretValue(path[: depth + 1])
    return default if value is None else value


def _is_sequence(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def items(container: Any, *path: str | int) -> list[Any]:
    """The list at ``path`` (a missing list is empty; a single object counts as a list of one)."""
    value = get(container, *path)
    if value is None:
        return []
    if _is_sequence(value):
        result = []
        for index in range(len(value)):
            result.append(get(value, index))
        return result
    return [value]


@dataclass(slots=True)
class Resource:
    """One resource as a rule sees it, whether it came from the engine or an offline run.

    ``props`` are the properties the engine sent (inputs for a resource rule, outputs for a
    stack rule); ``secret_outputs`` names the properties the provider or program declared
    secret (``additional_secret_outputs``), whose values the SDK hands over unwrapped.
    Not frozen, for speed: the pack builds one per resource per call; rules never mutate it.
    """

    urn: str
    type: str
    name: str
    props: Mapping[str, Any] = field(default_factory=dict)
    protect: bool = False
    parent: str | None = None
    provider_type: str | None = None
    provider_urn: str | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    secret_outputs: frozenset[str] = frozenset()

    @property
    def package(self) -> str:
        """``aws``, ``gcp``, ``openstack``, ``skyweave``, ``pulumi`` …"""
        return self.type.split(":", 1)[0]

    @property
    def engine_internal(self) -> bool:
        """The engine's own resources (the stack, providers) are nobody's infrastructure."""
        return self.type.startswith("pulumi:")


@dataclass(frozen=True)
class Finding:
    """One violation a check found; ``unknown`` marks "could not check in this preview"."""

    message: str
    urn: str | None = None
    unknown: bool = False


def cant_check(res: Resource, exc: UnknownValue) -> Finding:
    """The advisory "can't check during preview" finding for a value of ``res`` a preview cannot know."""
    return Finding(f"can't check {res.urn} during preview: {exc}", res.urn, unknown=True)
