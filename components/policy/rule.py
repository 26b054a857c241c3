"""What a rule is: metadata (name, description, default level, config schema) plus a pure check.

Why not ``pulumi_policy.Policy`` directly: a rule must be testable as a plain function over plain
data, reusable in someone else's pack, and cheap to run over a whole stack. A :class:`Rule` is
that description; :mod:`skyweave.policy.pack` turns a list of them into the SDK's policy objects.

Checks read properties through :func:`get` (and :func:`items`), which accept
both plain JSON and the SDK's unknown-checking proxies, treat a missing key as ``None`` and raise
:class:`UnknownValue` for a value a preview cannot know — the pack turns that into an advisory
"can't check during preview" message for that rule and resource, never a crash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pulumi_policy.proxy import UnknownValueError

if TYPE_CHECKING:
    from .index import StackIndex

__all__ = [
    "SECRET_MASK",
    "UNKNOWN_SENTINELS",
    "Finding",
    "Kind",
    "Level",
    "Resource",
    "Rule",
    "Setting",
    "UnknownValue",
    "as_int",
    "get",
    "is_unknown",
    "items",
]

#: How an offline preview (``skyweave preview --format json``) shows a secret.
SECRET_MASK = "[secret]"

#: The engine's markers for values not known until the update runs (pulumi_policy/proxy.py),
#: plus the offline preview's own rendering of one.
UNKNOWN_SENTINELS = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
        "030794c1-ac77-496b-92df-f27374a8bd58",
        "e48ece36-62e2-4504-bad9-02848725956a",
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
        "[unknown]",
    }
)


class Level(StrEnum):
    """Enforcement levels, as the engine names them."""

    ADVISORY = "advisory"
    MANDATORY = "mandatory"
    REMEDIATE = "remediate"
    DISABLED = "disabled"


class Kind(StrEnum):
    """A resource rule looks at one resource; a stack rule at the whole estate."""

    RESOURCE = "resource"
    STACK = "stack"


class UnknownValue(Exception):
    """A check needed a value that is unknown until the update runs."""

    def __init__(self, path: Sequence[str | int]) -> None:
        self.path = ".".join(str(p) for p in path)
        super().__init__(f"{self.path} is not known until the update runs")


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


@dataclass(frozen=True)
class Setting:
    """One configurable threshold of a rule, with its JSON Schema and default."""

    name: str
    schema: Mapping[str, Any]
    default: Any
    description: str

    def json_schema(self) -> dict[str, Any]:
        return {**self.schema, "default": self.default, "description": self.description}

    def coerce(self, value: Any) -> Any:
        """Config numbers arrive through protobuf as floats: give integer settings back ints."""
        if self.schema.get("type") == "integer" and isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, Sequence) and not isinstance(value, str):
            return [int(v) if isinstance(v, float) and v.is_integer() else v for v in value]
        return value


ResourceCheck = Callable[[Resource, Mapping[str, Any]], Iterable[Finding | str]]
StackCheck = Callable[["StackIndex", Mapping[str, Any]], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """A named rule: what it requires, how strictly by default, and its thresholds.

    Attributes:
        name: ``skyweave-<area>-<rule>``; the policy name the engine shows and config uses.
        description: one sentence saying what is required and why.
        level: the default enforcement level.
        kind: resource or stack rule.
        check: the pure function. A resource check takes ``(resource, config)``; a stack check
            ``(index, config)``. Both yield findings (a resource check may yield plain messages).
        types: the resource types a resource check reads (it never sees others); ``None`` = all.
        settings: its thresholds.
        remediation: what to change to comply.
    """

    name: str
    description: str
    level: Level
    kind: Kind
    check: Callable[..., Iterable[Finding | str]]
    types: frozenset[str] | None = None
    settings: tuple[Setting, ...] = ()
    remediation: str = ""

    @property
    def area(self) -> str:
        return self.name.split("-")[1]

    def config_schema(self) -> dict[str, dict[str, Any]]:
        return {s.name: s.json_schema() for s in self.settings}

    def config(self, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The effective config: defaults, overridden by what was given (engine or file)."""
        result = {s.name: s.default for s in self.settings}
        for setting in self.settings:
            if given is not None and setting.name in given:
                result[setting.name] = setting.coerce(given[setting.name])
        return result

    def applies_to(self, resource_type: str) -> bool:
        return self.types is None or resource_type in self.types

    def run_resource(self, resource: Resource, config: Mapping[str, Any] | None = None) -> list[Finding]:
        """Run a resource rule on one resource; an unknown value yields one ``unknown`` finding."""
        if resource.engine_internal or not self.applies_to(resource.type):
            return []
        try:
            return [
                f if isinstance(f, Finding) else Finding(f, resource.urn)
                for f in self.check(resource, self.config(config))
            ]
        except UnknownValue as exc:
            return [Finding(f"can't check {resource.urn} during preview: {exc}", resource.urn, unknown=True)]

    def run_stack(self, index: StackIndex, config: Mapping[str, Any] | None = None) -> list[Finding]:
        return [f for f in self.check(index, self.config(config)) if isinstance(f, Finding)]
