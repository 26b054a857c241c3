"""The one place child resource names are made.

A Pulumi resource name is part of its URN, and a changed URN is a replaced resource in a real
cloud. So every child name comes from :func:`child_name`, built only from the component's name,
a role and stable keys (site name, zone, tier, tunnel number) — never from list positions, so
reordering or extending the configuration keeps every existing name. ``tests/snapshots`` pins the
names of the example stacks; changing a rule here is a breaking change that needs ``aliases``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from .errors import ConfigIssue, InvalidArgsError

__all__ = [
    "BARE_METAL_POOL",
    "HYBRID_VPC",
    "KUBERNETES_FLEET",
    "MULTI_CLOUD_APP",
    "MULTI_CLOUD_BUCKET",
    "MULTI_CLOUD_DATABASE",
    "NAME_PATTERN",
    "POLICY_RUNNERS",
    "RESOURCE_RULES_RUNNER",
    "SITE_PROVIDERS",
    "STACK_RULES_RUNNER",
    "VPN_LINK",
    "check_component_name",
    "child_name",
    "is_valid_name",
    "sites_by_provider",
    "type_token",
]

#: What a site name, component name or key may look like: it is embedded in resource names
#: of every vendor, and GCP's rule (RFC 1035 label, lowercase) is the strictest.
NAME_PATTERN = r"^[a-z]([a-z0-9-]*[a-z0-9])?$"
_NAME = re.compile(NAME_PATTERN)

#: The two policies through which skyweave's pack runs its rules (``policy/fast.py``; each rule
#: reports under its own name). An implementation detail: never listed as a policy of the pack,
#: and never configurable (disabling one would silently disable every rule it runs).
RESOURCE_RULES_RUNNER = "skyweave-run-resource-rules"
STACK_RULES_RUNNER = "skyweave-run-stack-rules"
POLICY_RUNNERS = frozenset({RESOURCE_RULES_RUNNER, STACK_RULES_RUNNER})

#: The output every skyweave component registers: site name → the URN of the provider its
#: resources on that site use. A resource's site is read from it (the policy pack, the preview
#: tree), never from how a provider happens to be named: a network without ``providers=`` names
#: its own ``{component}-provider-{site}``, and a user's own providers are named as they like.
SITE_PROVIDERS = "siteProviders"


def sites_by_provider(records: Iterable[Mapping[str, object]]) -> dict[str, str]:
    """Provider URN → site, from components' :data:`SITE_PROVIDERS` outputs.

    A provider recorded for two different sites (one provider object passed for both) says
    nothing about which site a resource is on, so it is left out (callers fall back to the
    provider's name, as for a program without components).
    """
    found: dict[str, set[str]] = {}
    for record in records:
        for site, urn in record.items():
            if isinstance(urn, str) and urn:
                found.setdefault(urn, set()).add(site)
    return {urn: next(iter(sites)) for urn, sites in found.items() if len(sites) == 1}


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


# The type tokens of skyweave's components, frozen (part of every child's URN). Written here only
# (tests/test_markers.py): the components register under them, and whatever recognises a component
# in a plan or a state (the policy pack, simulate, inventory, the preview JSON) reads them from here.
HYBRID_VPC = type_token("network", "HybridVpc")
VPN_LINK = type_token("network", "VpnLink")
MULTI_CLOUD_APP = type_token("app", "MultiCloudApp")
MULTI_CLOUD_BUCKET = type_token("storage", "MultiCloudBucket")
MULTI_CLOUD_DATABASE = type_token("database", "MultiCloudDatabase")
BARE_METAL_POOL = type_token("compute", "BareMetalPool")
KUBERNETES_FLEET = type_token("kubernetes", "KubernetesFleet")


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
