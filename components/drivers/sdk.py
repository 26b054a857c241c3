"""Provider SDKs, imported on first use.

Why: a driver's site model, capabilities and limits are what validating a stack file, planning
addresses and drawing the site graph need, and ``skyweave schema``, ``ipam show``, ``graph`` and
``--help`` need nothing more; the provider SDKs they would otherwise load cost about a second
(``pulumi_aws`` alone). So driver modules bind each SDK to a stand-in that imports the real
module the first time a resource type is looked up on it — by then a program is building
resources and needs it anyway. Type checkers see the real module (``if TYPE_CHECKING``).
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import importlib.util
import re
import typing
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from types import ModuleType, NoneType, UnionType
from typing import Any

__all__ = ["fill_result", "invoke_result_type", "lazy_sdk", "sdk_enum_values", "sdk_module_name"]


class _LazySdk:
    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)

    def __repr__(self) -> str:
        state = "loaded" if self._module is not None else "not loaded yet"
        return f"<provider SDK {self._name} ({state})>"


def lazy_sdk(name: str) -> Any:
    """A stand-in for the module ``name`` that imports it on the first attribute lookup."""
    return _LazySdk(name)


@cache
def sdk_enum_values(package: str, module: str, enum: str) -> frozenset[str]:
    """The values a provider SDK's generated enum declares, read from its source without importing it.

    Why: validating a stack file (``skyweave ipam show``, ``graph``, ``schema``) must not load a
    provider SDK, yet lists such as AWS regions or metal instance types must come from the
    provider, not from a copy here that goes stale. The SDKs' ``_enums.py`` files are generated
    code with one ``NAME = "value"`` line per member; they are parsed, never executed. Should the
    layout ever change, the module is imported instead — slower, same answer.

    >>> "us-east-1" in sdk_enum_values("pulumi_aws", "_enums", "Region")
    True
    """
    spec = importlib.util.find_spec(package)
    if spec is not None and spec.origin is not None:
        source = Path(spec.origin).parent.joinpath(*module.split(".")).with_suffix(".py")
        if source.is_file():
            tree = ast.parse(source.read_text(encoding="utf-8"), str(source))
            for node in tree.body:
                if isinstance(node, ast.ClassDef) and node.name == enum:
                    return frozenset(
                        stmt.value.value
                        for stmt in node.body
                        if isinstance(stmt, ast.Assign)
                        and isinstance(stmt.value, ast.Constant)
                        and isinstance(stmt.value.value, str)
                    )
    loaded = importlib.import_module(f"{package}.{module}")  # pragma: no cover - layout changed
    return frozenset(m.value for m in getattr(loaded, enum))  # pragma: no cover


def sdk_module_name(package: str) -> str:
    """The Python package of a Pulumi package: ``aws`` → ``pulumi_aws``, ``azure-native`` →
    ``pulumi_azure_native`` (how pulumi-language-python names every generated SDK)."""
    return "pulumi_" + package.replace("-", "_")


def _snake(name: str) -> str:
    """``getPublicIPAddress`` → ``get_public_ip_address``, as the Python SDK generator names it."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


@cache
def invoke_result_type(token: str) -> type | None:
    """The result class the provider SDK declares for the invoke ``token`` (``GetAmiResult`` for
    ``aws:ec2/getAmi:getAmi``), or ``None`` when the SDK is not installed or has no such function.

    The token names the module (``<package>:<module path>[/<function>]:<function>``; ``index`` is
    the package's top module) and the function; the SDK generates one module per function,
    holding ``<Function>Result``.
    """
    try:
        package, module, function = token.split(":")
    except ValueError:
        return None
    parts = [p for p in module.split("/") if p and p != "index"]
    if parts and parts[-1] == function:
        parts.pop()
    name = ".".join([sdk_module_name(package), *parts, _snake(function)])
    try:
        loaded = importlib.import_module(name)
    except ImportError:
        return None
    result = getattr(loaded, function[:1].upper() + function[1:] + "Result", None)
    return result if isinstance(result, type) else None


@cache
def _fields(cls: type) -> dict[str, tuple[str, Any]]:
    """An SDK output type's properties: wire name → (python name, declared return type)."""
    module = importlib.import_module(cls.__module__)
    fields: dict[str, tuple[str, Any]] = {}
    for klass in reversed(cls.__mro__):
        for attr, value in vars(klass).items():
            if isinstance(value, property) and value.fget is not None:
                wire = getattr(value.fget, "_pulumi_name", None)
                if isinstance(wire, str):
                    try:
                        hint = typing.get_type_hints(value.fget, globalns=vars(module)).get("return", Any)
                    except (NameError, TypeError):  # a forward reference the module cannot resolve
                        hint = Any
                    fields[wire] = (attr, hint)
    return fields


def _optional(hint: Any) -> bool:
    return typing.get_origin(hint) in (typing.Union, UnionType) and NoneType in typing.get_args(hint)


def _stand_in(hint: Any, key: str, seed: str) -> Any:
    """A value of the declared type: a stable string, ``False``/``0``, an empty mapping, a list of
    one such value, and an output type's own required fields."""
    origin = typing.get_origin(hint)
    if hint is str:
        return f"{key}-{hashlib.sha256(f'{seed}/{key}'.encode()).hexdigest()[:8]}"
    if hint is bool:
        return False
    if hint in (int, float):
        return 0
    if origin is not None and isinstance(origin, type) and issubclass(origin, Mapping):
        return {}
    if origin is not None and isinstance(origin, type) and issubclass(origin, Sequence):
        # One element: a list the provider always returns (the result type does not make it
        # optional) has entries in the common case, and programs read the first one
        # (`list_storage_account_keys(...).keys[0].value`).
        (item,) = typing.get_args(hint) or (str,)
        element = _stand_in(item, f"{key}[0]", seed)
        return [] if element is None else [element]
    if isinstance(hint, type) and hasattr(hint, "_pulumi_output_type"):
        return fill_result(hint, {}, {}, seed=f"{seed}/{key}")
    return None


def fill_result(
    cls: type, args: Mapping[str, object], answer: Mapping[str, object], *, seed: str
) -> dict[str, object]:
    """``answer`` completed to the shape of the SDK result class ``cls``, in wire names.

    What a data source echoes (a field named like one of the invoke's arguments) is the argument;
    every field the SDK declares without ``Optional`` that neither gives is a stand-in of its
    declared type (so ``zones.names[0]`` or ``vpc.id`` is there, as it is from the provider);
    optional fields nobody gave stay absent (``None``), as a provider may leave them.
    """
    result: dict[str, object] = {}
    for wire, (_, hint) in _fields(cls).items():
        if wire in answer:
            result[wire] = answer[wire]
        elif wire in args and args[wire] is not None:
            result[wire] = args[wire]
        elif not _optional(hint):
            value = _stand_in(hint, wire, seed)
            if value is not None:
                result[wire] = value
    result.update({k: v for k, v in answer.items() if k not in result})
    return result
