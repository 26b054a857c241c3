"""Pulumi URNs (``urn:pulumi:<stack>::<project>::<qualified type>::<name>``), read the way the
engine reads them (sdk/go/common/resource/urn/urn.go), and the two type tokens the engine itself
registers: the root stack and a provider.
"""

from __future__ import annotations

__all__ = ["PROVIDER_PREFIX", "STACK_TYPE", "URN_PREFIX", "urn_name", "urn_parts", "urn_type", "valid_urn"]

URN_PREFIX = "urn:pulumi:"
#: The root resource every program registers first.
STACK_TYPE = "pulumi:pulumi:Stack"
#: A provider resource's type is this and its package (``pulumi:providers:aws``).
PROVIDER_PREFIX = "pulumi:providers:"


def urn_type(urn: str) -> str:
    """The type of a URN: the last ``$``-separated part of its third ``::`` component (urn.go)."""
    qualified = urn[len(URN_PREFIX) :].split("::", 3)[2] if urn.count("::") >= 3 else ""
    return qualified.rsplit("$", 1)[-1]


def urn_name(urn: str) -> str:
    """The name of a URN: everything after its third ``::`` (names may contain ``::``; urn.go)."""
    parts = urn[len(URN_PREFIX) :].split("::", 3)
    return parts[3] if len(parts) == 4 else ""


def urn_parts(urn: str) -> tuple[str, str]:
    """The stack and project a URN names."""
    stack, project = urn[len(URN_PREFIX) :].split("::", 2)[:2]
    return stack, project


def valid_urn(value: str) -> bool:
    """``urn.IsValid`` (sdk/go/common/resource/urn/urn.go): the prefix and at least three ``::``."""
    return value.startswith(URN_PREFIX) and value.count("::") >= 3
