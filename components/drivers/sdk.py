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
import importlib
import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["lazy_sdk", "sdk_enum_values"]


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
