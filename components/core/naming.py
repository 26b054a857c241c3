"""The one place child resource names are made.

A Pulumi resource name is part of its URN, and a changed URN is a replaced resource in a real
cloud. So every child name comes from :func:`child_name`, built only from the component's name,
a role and stable keys (site name, zone, tier, tunnel number) — never from list positions, so
reordering or extending the configuration keeps every existing name. ``tests/snapshots`` pins the
names of the example stacks; changing a rule here is a breaking change that needs ``aliases``.
"""

from __future__ import annotations

import re

from .errors import ConfigIssue, InvalidArgsError

__all__ = ["NAME_PATTERN", "check_component_name", "child_name", "is_valid_name", "type_token"]

#: What a site name, component name or key may look like: it is embedded in resource names
#: of every vendor, and GCP's rule (RFC 1035 label, lowercase) is the strictest.
NAME_PATTERN = r"^[a-z]([a-z0-9-]*[a-z0-9])?$"
_NAME = re.compile(NAME_PATTERN)


def child_name(name: str, role: str, *keys: str) -> str:
    """Name a child resource ``{name}-{role}-{key}-…``.

    >>> child_name("core", "subnet", "aws-use1", "public", "a")
    'core-subnet-aws-use1-public-a'
    """
    parts = [name, role, *keys]
    for part in parts:
        if not part:
            raise ValueError(f"empty name part in {parts!r}")
    return "-".join(parts)


def type_token(module: str, cls: str) -> str:
    """The Pulumi type token of a skyweave component: ``skyweave:<module>:<Class>``.

    Tokens are frozen once released: a renamed class keeps its token or ships an alias.

    >>> type_token("network", "HybridVpc")
    'skyweave:network:HybridVpc'
    """
    return f"skyweave:{module}:{cls}"


def is_valid_name(value: str, max_length: int = 40) -> bool:
    return len(value) <= max_length and bool(_NAME.fullmatch(value))  # `$` alone lets "core\n" through


def check_component_name(name: str, max_length: int, *, why: str = "") -> None:
    """Refuse a component name that cannot prefix every child's name (before anything registers).

    ``max_length`` is the component's own limit: the longest child name it builds must still fit
    its vendor's limit (``why`` says which, for the message).
    """
    if not is_valid_name(name, max_length=max_length):
        reason = f"they prefix every child's name{'; ' + why if why else ''}"
        raise InvalidArgsError(
            [
                ConfigIssue(
                    "name",
                    f"component names use lowercase letters, digits and '-', start with a letter, at most "
                    f"{max_length} characters ({reason})",
                    name,
                )
            ]
        )
