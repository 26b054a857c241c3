"""What the installed provider SDKs declare about each resource's inputs, read from the SDKs.

The conformance tests check every recorded registration against these declarations rather than
against a list kept by hand, so an SDK upgrade that renames, retypes or restricts an input is
caught by the same test that checks skyweave's own code. Everything here is introspection of the
installed packages (``pulumi_aws``, ``pulumi_azure_native``, ``pulumi_gcp``, ``pulumi_openstack``,
``pulumi_random``, ``pulumi_command``):

* **type token → class**: the ``resource_modules`` / ``resource_packages`` tables each SDK's
  ``__init__.py`` hands to ``pulumi.runtime`` (the same tables the engine's resource references
  are resolved with).
* **class → its ``*Args`` class**: the typed overload of the resource's ``__init__``
  (``typing.get_overloads``); some SDK classes are named ``*InitArgs`` where a nested input type
  took the plain name, so the name is never guessed.
* **wire name ↔ Python name**: ``pulumi._types.input_type_py_to_pulumi_names`` (the
  ``@pulumi.getter(name=...)`` table the SDK serialises with). Recorded inputs are in wire form.
* **types**: the ``__init__`` signature's annotations (``pulumi.Input[...]``, ``Optional``,
  ``Sequence``, ``Mapping``, nested ``@pulumi.input_type`` classes and their ``*ArgsDict``
  twins, enums, ``Any``, assets and archives).
* **required**: an ``__init__`` parameter without a default.
* **documented values** — parsed only where the docstring states them in one of these exact
  forms (anything else is not checked, rather than guessed):

  - ``Possible values are: `A`, `B`, and `C`.`` (pulumi-gcp's generated docs);
  - ``Valid values are `A | B | C`.`` and ``Valid values are `A`, `B` and `C`.`` (pulumi-aws);
  - ``Valid value is between `900` and `28800`.`` and ``Valid values are from `1` to `N`.``
    (pulumi-aws numeric ranges, inclusive);
  - ``Valid values are a, b and c.``, ``A valid value is a or b.``, ``Must be one of A, B, or C.``
    (pulumi-openstack, without backticks) — only when every item is a single word of letters,
    digits, ``-`` and ``_``; a list with a range (``group14 to group31``), a pattern
    (``aes-KKK-ctr``) or a remark in parentheses is not a closed list and is not checked.

  A list-typed input must have every element in the set.
* **azure-native enums**: an input typed ``Union[str, <Enum>]`` must be one of the enum's values.
"""

from __future__ import annotations

import collections.abc
import contextlib
import enum
import functools
import importlib
import inspect
import json
import re
import sys
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
from pulumi import _types as pulumi_types

__all__ = ["SDK_PACKAGES", "InputSchema", "Prop", "check_inputs", "resource_class", "resource_schema"]

#: The provider SDKs skyweave registers resources of.
SDK_PACKAGES = (
    "pulumi_aws",
    "pulumi_azure_native",
    "pulumi_gcp",
    "pulumi_openstack",
    "pulumi_vsphere",
    "pulumi_random",
    "pulumi_tls",
    "pulumi_command",
    "pulumi_kubernetes",
)

_NO_DEFAULT = inspect.Parameter.empty


@dataclass(frozen=True)
class Prop:
    """One input as the SDK declares it."""

    py_name: str
    wire_name: str
    annotation: Any
    required: bool
    allowed: frozenset[str] | None = None
    bounds: tuple[int, int] | None = None


@dataclass(frozen=True)
class InputSchema:
    """The inputs of a resource's ``*Args`` class or of a nested input type, by wire name."""

    cls: type
    props: dict[str, Prop]


@functools.cache
def _token_table() -> dict[str, tuple[str, str]]:
    """Type token → (module, class name), from each SDK's own registration tables."""
    table: dict[str, tuple[str, str]] = {}
    for package in SDK_PACKAGES:
        module = importlib.import_module(package)
        text = Path(str(module.__file__)).read_text()
        modules = re.search(r'resource_modules="""(.*?)"""', text, re.S)
        packages = re.search(r'resource_packages="""(.*?)"""', text, re.S)
        assert modules and packages, f"{package}: no resource tables in __init__.py"
        for entry in json.loads(modules.group(1)):
            for token, name in entry["classes"].items():
                table[token] = (entry["fqn"], name)
        for entry in json.loads(packages.group(1)):
            table[entry["token"]] = (entry["fqn"], entry["class"])
    return table


def resource_class(token: str) -> type:
    """The SDK class registered for a type token (``aws:ec2/vpc:Vpc``, ``pulumi:providers:gcp``)."""
    try:
        module, name = _token_table()[token]
    except KeyError:
        raise LookupError(f"no installed SDK declares the type {token!r}") from None
    cls: type = getattr(importlib.import_module(module), name)
    return cls


def _args_class(resource_cls: type) -> type:
    for overload in typing.get_overloads(resource_cls.__init__):  # type: ignore[misc]
        param = inspect.signature(overload).parameters.get("args")
        if param is None:
            continue
        annotation = _resolve(param.annotation, resource_cls.__module__)
        # A provider's args are optional (``Optional[ProviderArgs]``).
        candidates = [a for a in typing.get_args(annotation) if a is not type(None)]
        args: type = candidates[0] if candidates else annotation
        return args
    raise LookupError(f"{resource_cls.__qualname__} has no typed `args` overload")


@functools.cache
def resource_schema(token: str) -> InputSchema:
    return input_schema(_args_class(resource_class(token)))


@functools.cache
def input_schema(cls: type) -> InputSchema:
    """The declared inputs of an ``@pulumi.input_type`` class (a resource's args or a nested type)."""
    names = pulumi_types.input_type_py_to_pulumi_names(cls)
    docs = _param_docs(cls.__init__.__doc__ or "")
    props: dict[str, Prop] = {}
    for py_name, param in inspect.signature(cls.__init__).parameters.items():
        if py_name in ("__self__", "self") or param.kind is not inspect.Parameter.KEYWORD_ONLY:
            continue
        wire = names.get(py_name, py_name)
        text = docs.get(py_name, "")
        props[wire] = Prop(
            py_name=py_name,
            wire_name=wire,
            annotation=param.annotation,
            required=param.default is _NO_DEFAULT,
            allowed=documented_values(text),
            bounds=documented_bounds(text),
        )
    return InputSchema(cls=cls, props=props)


def _param_docs(doc: str) -> dict[str, str]:
    """``:param <type> <name>: <text>`` blocks of a generated docstring, whitespace collapsed."""
    out: dict[str, str] = {}
    for match in re.finditer(r":param [^\n]*?(\w+): (.*?)(?=\n\s*:param |\Z)", doc, re.S):
        out[match.group(1)] = re.sub(r"\s+", " ", match.group(2)).strip()
    return out


_TICKED = r"`[^`]+`"
_LIST = rf"{_TICKED}(?:\s*,\s*{_TICKED})*(?:\s*,?\s*(?:and|or)\s+{_TICKED})?"
_VALUE_SENTENCES = (
    re.compile(rf"Possible values are: ({_LIST})\."),
    re.compile(rf"Valid values are ({_LIST})\."),
)
_BOUNDS = (
    re.compile(r"Valid value is between `(\d+)` and `(\d+)`"),
    re.compile(r"Valid values are from `(\d+)` to `(\d+)`"),
)


_PLAIN_SENTENCE = re.compile(r"(?:Valid values are|A valid value is|Must be one of) ([^.`]*?)\.(?:\s|$)")
_PLAIN_WORD = re.compile(r"[A-Za-z0-9_-]+")


def _plain_values(text: str) -> frozenset[str] | None:
    match = _PLAIN_SENTENCE.search(text)
    if match is None:
        return None
    items = [i.strip() for i in re.split(r",\s*(?:or\s+|and\s+)?|\s+(?:or|and)\s+", match.group(1))]
    if len(items) < 2 or not all(_PLAIN_WORD.fullmatch(i) for i in items) or "KKK" in match.group(1):
        return None
    return frozenset(items)


def documented_values(text: str) -> frozenset[str] | None:
    """The value list a docstring states in one of the forms in the module docstring, or None."""
    for pattern in _VALUE_SENTENCES:
        match = pattern.search(text)
        if match is None:
            continue
        tokens = re.findall(r"`([^`]+)`", match.group(1))
        if len(tokens) == 1 and "|" in tokens[0]:
            tokens = tokens[0].split("|")
        values = frozenset(t.strip() for t in tokens if t.strip())
        return values or None
    return _plain_values(text)


def documented_bounds(text: str) -> tuple[int, int] | None:
    for pattern in _BOUNDS:
        match = pattern.search(text)
        if match is not None:
            return int(match.group(1)), int(match.group(2))
    return None


# --- checking a recorded value against an annotation ------------------------------------------------


def _resolve(ref: Any, module: str) -> Any:
    """A string or ``ForwardRef`` annotation resolved in the SDK module that wrote it."""
    name = ref.__forward_arg__ if isinstance(ref, typing.ForwardRef) else ref
    if isinstance(name, str):
        if name.startswith("Output["):
            return None  # pulumi.Input's Output[T] member: never a recorded value
        namespace = vars(sys.modules[module])
        return eval(name, {**vars(typing), **namespace})  # an SDK-generated annotation, not input
    return ref


def _members(annotation: Any, module: str) -> list[Any]:
    """The alternatives a value may take: ``Input[T]``/``Optional``/``Union`` flattened, awaitables
    and outputs dropped (a recorded value is always resolved)."""
    annotation = _resolve(annotation, module)
    if annotation is None:
        return []
    origin = typing.get_origin(annotation)
    if origin is typing.Union or type(annotation).__name__ == "UnionType":
        out: list[Any] = []
        for arg in typing.get_args(annotation):
            out += _members(arg, module)
        return out
    if origin is collections.abc.Awaitable or annotation is type(None):
        return []
    if isinstance(annotation, type) and issubclass(annotation, pulumi.Output):
        return []
    return [annotation]


def check_value(annotation: Any, value: Any, path: str, module: str) -> list[str]:
    """Problems with a recorded wire ``value`` for ``annotation`` (empty when it fits one member)."""
    if isinstance(value, dict) and value.get("__unknown__"):
        return []  # unknown until apply: nothing to check
    members = _members(annotation, module)
    if not members:
        return [f"{path}: the SDK declares no type for it"]
    enums = [m for m in members if isinstance(m, type) and issubclass(m, enum.Enum)]
    if module.startswith("pulumi_azure_native") and enums and str in members and isinstance(value, str):
        # azure-native types an ARM enum as ``Union[str, Enum]`` (room for values newer than the
        # SDK); a value outside the enum is one this SDK's API version does not know.
        allowed = {str(e.value) for cls in enums for e in cls}
        return [] if value in allowed else [f"{path}: {value!r} is not one of {sorted(allowed)}"]
    problems: list[list[str]] = []
    for member in members:
        found = _check_member(member, value, path, module)
        if not found:
            return []
        problems.append(found)
    return min(problems, key=len)


def _check_member(tp: Any, value: Any, path: str, module: str) -> list[str]:
    if tp is Any:
        return []
    origin = typing.get_origin(tp)
    if origin is typing.Literal:  # pulumi-kubernetes types apiVersion and kind as literals
        allowed = typing.get_args(tp)
        return [] if value in allowed else [f"{path}: {value!r} is not one of {list(allowed)}"]
    if origin in (collections.abc.Sequence, list, tuple):
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {type(value).__name__}"]
        (item,) = typing.get_args(tp)[:1] or (Any,)
        return [p for i, v in enumerate(value) for p in check_value(item, v, f"{path}[{i}]", module)]
    if origin in (collections.abc.Mapping, dict):
        if not isinstance(value, dict):
            return [f"{path}: expected a mapping, got {type(value).__name__}"]
        args = typing.get_args(tp)
        item = args[1] if len(args) == 2 else Any
        return [p for k, v in value.items() for p in check_value(item, v, f"{path}.{k}", module)]
    if isinstance(tp, type):
        if issubclass(tp, enum.Enum):
            allowed = {str(e.value) for e in tp}
            return [] if str(value) in allowed else [f"{path}: {value!r} is not one of {sorted(allowed)}"]
        if pulumi_types.is_input_type(tp):
            if not isinstance(value, dict):
                return [f"{path}: expected an object ({tp.__name__}), got {type(value).__name__}"]
            return check_object(input_schema(tp), value, path)
        if typing.is_typeddict(tp):
            twin = getattr(sys.modules[tp.__module__], tp.__name__.removesuffix("Dict"), None)
            if twin is not None and pulumi_types.is_input_type(twin):
                return _check_member(twin, value, path, module)
            return [] if isinstance(value, dict) else [f"{path}: expected an object"]
        if issubclass(tp, pulumi.Asset | pulumi.Archive):
            if isinstance(value, dict) and value.keys() & {"text", "path", "uri", "assets"}:
                return []
            return [f"{path}: expected an asset or archive, got {value!r}"]
        if tp is bool:
            return [] if isinstance(value, bool) else [f"{path}: expected a bool, got {value!r}"]
        if tp is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
            return [] if ok else [f"{path}: expected an integer, got {value!r}"]
        if tp is float:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            return [] if ok else [f"{path}: expected a number, got {value!r}"]
        if tp is str:
            return [] if isinstance(value, str) else [f"{path}: expected a string, got {value!r}"]
    return [f"{path}: cannot check against {tp!r}"]


def check_object(schema: InputSchema, value: dict[str, Any], path: str) -> list[str]:
    """Unknown keys, missing required keys, wrong types and values outside the documented set."""
    module = schema.cls.__module__
    problems: list[str] = []
    for key, item in value.items():
        prop = schema.props.get(key)
        where = f"{path}.{key}" if path else key
        if prop is None:
            problems.append(
                f"{where}: {schema.cls.__name__} has no input {key!r} "
                f"(declared: {', '.join(sorted(schema.props))})"
            )
            continue
        found = check_value(prop.annotation, item, where, module)
        problems += found
        if not found:
            problems += _check_documented(prop, item, where)
    for key, prop in schema.props.items():
        if prop.required and value.get(key) is None:
            problems.append(f"{path + '.' if path else ''}{key}: required by {schema.cls.__name__}, missing")
    return problems


def _check_documented(prop: Prop, value: Any, where: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, dict) and item.get("__unknown__"):
            continue
        # A boolean is documented in prose as `true`/`false`: compare it as the docs write it.
        shown = str(item).lower() if isinstance(item, bool) else str(item)
        if prop.allowed is not None and not isinstance(item, dict | list) and shown not in prop.allowed:
            out.append(f"{where}: {item!r} is not a documented value ({', '.join(sorted(prop.allowed))})")
        if isinstance(item, str) and item.isdigit():
            item = int(item)  # pulumi-aws passes ASNs as strings with a numeric range
        if prop.bounds is not None and isinstance(item, int | float) and not isinstance(item, bool):
            low, high = prop.bounds
            if not low <= item <= high:
                out.append(f"{where}: {item} is outside the documented range {low}..{high}")
    return out


def check_inputs(token: str, inputs: dict[str, Any]) -> list[str]:
    """Every problem with one registration's recorded (wire-form) inputs."""
    schema = resource_schema(token)
    if token.startswith("pulumi:providers:"):
        inputs = _provider_wire(schema, inputs)
    return check_object(schema, inputs, "")


def _provider_wire(schema: InputSchema, inputs: dict[str, Any]) -> dict[str, Any]:
    """Provider configuration travels as strings: the SDK's ``Provider`` JSON-encodes every
    non-string input (``pulumi.Output.from_input(v).apply(pulumi.runtime.to_json)`` in each
    generated ``provider.py``). Decode exactly those before checking their declared types."""
    out: dict[str, Any] = {}
    for key, value in inputs.items():
        prop = schema.props.get(key)
        if prop is not None and isinstance(value, str):
            members = _members(prop.annotation, schema.cls.__module__)
            if str not in members:
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
        out[key] = value
    return out
