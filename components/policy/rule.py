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

import datetime
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pulumi_policy.proxy import UnknownValueError

from ..core.errors import did_you_mean
from .values import (
    SECRET_MASK,
    UNKNOWN_SENTINELS,
    Finding,
    Resource,
    SecretValue,
    UnknownValue,
    as_int,
    cant_check,
    get,
    is_unknown,
    items,
)

if TYPE_CHECKING:
    from .index import StackIndex

__all__ = [
    "DOCS_URL",
    "SECRET_MASK",
    "UNKNOWN_SENTINELS",
    "WAIVERS",
    "Finding",
    "Kind",
    "Level",
    "Resource",
    "Rule",
    "SecretValue",
    "Setting",
    "Severity",
    "UnknownValue",
    "as_int",
    "cant_check",
    "get",
    "is_unknown",
    "items",
    "schema_problem",
]

#: Where each rule is documented; a rule's own section is ``DOCS_URL#<rule name>``.
DOCS_URL = "https://github.com/skyweave/skyweave/blob/main/docs/policies.md"


class Level(StrEnum):
    """Enforcement levels, as the engine names them."""

    ADVISORY = "advisory"
    MANDATORY = "mandatory"
    REMEDIATE = "remediate"
    DISABLED = "disabled"


class Severity(StrEnum):
    """How bad a violation is (the SDK's ``Severity``; reports and SARIF show it)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Kind(StrEnum):
    """A resource rule looks at one resource; a stack rule at the whole estate."""

    RESOURCE = "resource"
    STACK = "stack"


@dataclass(frozen=True)
class Setting:
    """One configurable threshold of a rule, with its JSON Schema and default.

    A list setting is *extendable* by default: besides a list (which replaces the default), the
    config may give ``{"add": [...], "remove": [...]}`` to adjust the default — so adding port
    8080 to the admin ports does not mean copying (and then maintaining) the thirteen defaults.
    The schema the engine sees says both forms, so ``pulumi preview --policy-pack-config``
    validates them too.
    """

    name: str
    schema: Mapping[str, Any]
    default: Any
    description: str
    extendable: bool = True

    @property
    def is_list(self) -> bool:
        return self.schema.get("type") == "array"

    def json_schema(self) -> dict[str, Any]:
        if self.is_list and self.extendable:
            adjust = {
                "type": "object",
                "properties": {"add": dict(self.schema), "remove": dict(self.schema)},
                "additionalProperties": False,
            }
            return {
                "anyOf": [dict(self.schema), adjust],
                "default": self.default,
                "description": self.description + ' A list replaces the default; {"add": [...], '
                '"remove": [...]} adjusts it.',
            }
        return {**self.schema, "default": self.default, "description": self.description}

    def coerce(self, value: Any) -> Any:
        """The effective value: floats back to ints (protobuf), ``add``/``remove`` applied."""
        if self.is_list and isinstance(value, Mapping):
            base = list(self.default)
            removed = {_as_int_if_whole(v) for v in value.get("remove") or ()}
            merged = [v for v in base if v not in removed]
            for extra in value.get("add") or ():
                extra = _as_int_if_whole(extra)
                if extra not in merged and extra not in removed:
                    merged.append(extra)
            return merged
        if self.schema.get("type") == "integer" and isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, Sequence) and not isinstance(value, str):
            return [_as_int_if_whole(v) for v in value]
        return value

    def problem(self, value: Any) -> str | None:
        """What is wrong with ``value`` for this setting (``None`` when it is valid)."""
        if self.is_list and self.extendable and isinstance(value, Mapping):
            extra = sorted(set(value) - {"add", "remove"})
            if extra:
                return f"an adjustment takes only 'add' and 'remove', not {', '.join(map(repr, extra))}"
            for key in ("add", "remove"):
                if key in value:
                    problem = schema_problem(self.schema, value[key])
                    if problem:
                        return f"{key}: {problem}"
            return None
        problem = schema_problem(self.schema, value)
        if problem and self.is_list and self.extendable:
            problem += ' (or {"add": [...], "remove": [...]} to adjust the default)'
        return problem


def _as_int_if_whole(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


_TYPE_NAMES = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
}


def _is_type(value: Any, kind: str) -> bool:
    if kind == "integer":
        whole_float = isinstance(value, float) and value.is_integer()
        return (isinstance(value, int) and not isinstance(value, bool)) or whole_float
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "array":
        return isinstance(value, Sequence) and not isinstance(value, str | bytes)
    if kind == "object":
        return isinstance(value, Mapping)
    return True


def schema_problem(schema: Mapping[str, Any], value: Any, path: str = "") -> str | None:
    """Check ``value`` against the JSON Schema subset the rules' settings use.

    Why not the ``jsonschema`` package: it is not a dependency of the library, the subset is
    small (type, enum, minimum/maximum, minLength, pattern, items, properties, required,
    additionalProperties, anyOf), and the message must say what would be valid in words.
    """
    where = f"{path}: " if path else ""
    if "anyOf" in schema:
        problems = [schema_problem(s, value, path) for s in schema["anyOf"]]
        return None if any(p is None for p in problems) else next(p for p in problems if p)
    kind = schema.get("type")
    if isinstance(kind, str) and not _is_type(value, kind):
        return f"{where}must be {_describe(schema)}"
    if "enum" in schema and value not in schema["enum"]:
        return f"{where}must be one of {', '.join(repr(v) for v in schema['enum'])}"
    if kind in ("integer", "number"):
        if "minimum" in schema and value < schema["minimum"]:
            return f"{where}must be {_describe(schema)}"
        if "maximum" in schema and value > schema["maximum"]:
            return f"{where}must be {_describe(schema)}"
    if kind == "string":
        if len(value) < int(schema.get("minLength", 0)):
            return f"{where}must be at least {schema['minLength']} characters"
        if "pattern" in schema and not _ecma_search(schema["pattern"], value):
            return f"{where}must match {schema.get('patternDescription', schema['pattern'])}"
        if schema.get("format") == "date":
            try:
                datetime.date.fromisoformat(value)
            except ValueError:
                return f"{where}must be a date that exists, YYYY-MM-DD ({value!r} is not one)"
    if kind == "array" and "items" in schema:
        for i, inner in enumerate(value):
            problem = schema_problem(schema["items"], inner, f"{path}[{i}]")
            if problem:
                return problem
    if kind == "object":
        properties = schema.get("properties", {})
        for key in schema.get("required", ()):
            if key not in value:
                return f"{where}needs {key!r}"
        if schema.get("additionalProperties") is False:
            extra = sorted(set(value) - set(properties))
            if extra:
                return f"{where}unknown key(s) {', '.join(map(repr, extra))} (valid: {', '.join(properties)})"
        for key, inner_schema in properties.items():
            if key in value:
                problem = schema_problem(inner_schema, value[key], f"{path}.{key}" if path else key)
                if problem:
                    return problem
    return None


def _ecma_search(pattern: str, value: str) -> bool:
    """``pattern`` searched as JSON Schema means it (ECMA-262, as the engine checks a config):
    ``\\d`` is an ASCII digit, and ``$`` only the end (Python's also matches before a final
    newline, so ``2027-01-01\\n`` passed a date pattern)."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.search(pattern, value, re.ASCII) is not None


def _describe(schema: Mapping[str, Any]) -> str:
    kind = str(schema.get("type", "value"))
    text = _TYPE_NAMES.get(kind, kind)
    if kind == "array" and "items" in schema:
        inner = _describe(schema["items"]).removeprefix("an ").removeprefix("a ")
        head, _, rest = inner.partition(" ")
        text = f"a list of {head}s" + (f" {rest}" if rest else "")
    bounds = []
    if "minimum" in schema:
        bounds.append(f">= {schema['minimum']}")
    if "maximum" in schema:
        bounds.append(f"<= {schema['maximum']}")
    return text + (" " + " and ".join(bounds) if bounds else "")


_WAIVER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "resource": {"type": "string", "minLength": 1},
        "justification": {"type": "string", "minLength": 10},
        "expires": {
            "type": "string",
            "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "format": "date",
            "patternDescription": "a date, YYYY-MM-DD",
        },
    },
    "required": ["resource", "justification"],
    "additionalProperties": False,
}

#: Every rule takes ``waivers``: per-resource exceptions with a reason (see waivers.py).
WAIVERS = Setting(
    "waivers",
    {"type": "array", "items": _WAIVER_SCHEMA},
    [],
    "Resources this rule does not fail: each {resource: URN or name (glob; '*' also matches "
    "estate-wide findings), justification: why (required), expires: YYYY-MM-DD (optional)}. "
    "A waived finding is still reported, as advisory, with its justification.",
    extendable=False,
)


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
        types: the resource types a resource check reads (it never sees others); ``None`` = all;
            a shared rule's are what the readers claim for it (:class:`~skyweave.policy.readers.ReaderTypes`).
        settings: its thresholds (every rule also takes :data:`WAIVERS`).
        remediation: what to change to comply.
        severity: how bad a violation is, for reports.
        equivalents: the comparable checks of common scanners (checkov, trivy/tfsec), so a team
            that runs one can map findings; ``()`` when none has one.
    """

    name: str
    description: str
    level: Level
    kind: Kind
    check: Callable[..., Iterable[Finding | str]]
    types: AbstractSet[str] | None = None
    settings: tuple[Setting, ...] = ()
    remediation: str = ""
    severity: Severity = Severity.MEDIUM
    equivalents: tuple[str, ...] = ()

    @property
    def area(self) -> str:
        return self.name.split("-")[1]

    @property
    def url(self) -> str:
        return f"{DOCS_URL}#{self.name}"

    @property
    def all_settings(self) -> tuple[Setting, ...]:
        return (*self.settings, WAIVERS)

    def config_schema(self) -> dict[str, dict[str, Any]]:
        return {s.name: s.json_schema() for s in self.all_settings}

    def config(self, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The effective config: defaults, overridden by what was given (engine or file).

        A value that does not fit its setting's schema (only possible when something other
        than the engine or ``skyweave check`` configured the pack) falls back to the default
        rather than crashing every check of the rule.
        """
        result = {s.name: s.default for s in self.all_settings}
        for setting in self.all_settings:
            if given is not None and setting.name in given and setting.problem(given[setting.name]) is None:
                result[setting.name] = setting.coerce(given[setting.name])
        return result

    def problems(self, given: Mapping[str, Any]) -> list[tuple[str, Any, str]]:
        """(key, value, what is wrong) for each setting in ``given`` that its schema refuses."""
        found = []
        by_name = {s.name: s for s in self.all_settings}
        for key, value in given.items():
            if key == "enforcementLevel":
                if value not in {level.value for level in Level}:
                    found.append((key, value, "must be one of " + ", ".join(lvl.value for lvl in Level)))
                continue
            setting = by_name.get(key)
            if setting is None:
                valid = ", ".join(["enforcementLevel", *by_name])
                guess = did_you_mean(key, ["enforcementLevel", *by_name])
                found.append((key, value, f"is not a setting of this rule (valid: {valid}){guess}"))
                continue
            problem = setting.problem(value)
            if problem:
                found.append((key, value, problem))
        return found

    def applies_to(self, resource_type: str) -> bool:
        return self.types is None or resource_type in self.types

    def run_resource(self, resource: Resource, config: Mapping[str, Any] | None = None) -> list[Finding]:
        """Run a resource rule on one resource.

        A value unknown in this preview (:class:`UnknownValue` from :func:`get`, or the SDK's own
        ``UnknownValueError`` from a proxy read directly) ends the check with one ``unknown``
        finding; what the check found before it, from known values, is kept.
        """
        if resource.engine_internal or not self.applies_to(resource.type):
            return []
        found: list[Finding] = []
        try:
            for f in self.check(resource, self.config(config)):
                found.append(f if isinstance(f, Finding) else Finding(f, resource.urn))
        except (UnknownValue, UnknownValueError) as exc:
            found.append(
                Finding(
                    f"can't check {resource.urn} during preview: {_unknown_text(exc)}",
                    resource.urn,
                    unknown=True,
                )
            )
        return found

    def run_stack(self, index: StackIndex, config: Mapping[str, Any] | None = None) -> list[Finding]:
        """Run a stack rule over the index.

        A stack check reports each value it cannot know itself, naming the resource; should one
        escape all the same, the findings so far are kept and one estate-wide ``unknown`` finding
        says the rule stopped — a preview never fails on it.
        """
        found: list[Finding] = []
        try:
            for f in self.check(index, self.config(config)):
                if isinstance(f, Finding):
                    found.append(f)
        except (UnknownValue, UnknownValueError) as exc:
            found.append(
                Finding(
                    f"can't check the rest of the estate during preview: {_unknown_text(exc)}", unknown=True
                )
            )
        return found


def _unknown_text(exc: UnknownValue | UnknownValueError) -> str:
    return exc.message if isinstance(exc, UnknownValueError) else str(exc)
