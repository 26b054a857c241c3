"""One index of a stack, built once per ``AnalyzeStack`` and shared by every stack rule.

Why: the SDK hands each stack policy the whole stack, and a naive rule scans all of it (and
re-reads properties through the SDK's proxies) for the few types it cares about. The index groups
resources by type and URN once and resolves vendors and sites on demand, so each rule touches
only its own types: building it is linear, and no rule needs more than O(n log n) on top.

Vendor and site: a resource's vendor is its package when that is a cloud (``aws:``, ``gcp:``,
``openstack:`` …), else the package of its provider; its site is the name of its explicit
provider (skyweave names each site's provider after the site). What components say about
themselves (a MultiCloudApp's placements) is kept apart as *claims*; what the resources show is
derived in :mod:`skyweave.policy.facts`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pulumi_policy.proxy import _DictProxy

from ..planning.failure import Placement
from .values import Resource, UnknownValue, is_unknown, items

__all__ = [
    "APP_TYPES",
    "CLOUD_PACKAGES",
    "VPN_LINK_TYPE",
    "StackIndex",
    "package_vendor",
]

#: Packages whose resources live in a vendor's cloud (the others — random, command, tls, the
#: engine's own ``pulumi`` — are not a vendor).
CLOUD_PACKAGES = frozenset(
    {"aws", "gcp", "google-native", "openstack", "azure", "azure-native", "oci", "digitalocean", "equinix"}
)
#: Packages named unlike the vendor whose sites use them (``vendor: azure`` builds with
#: pulumi-azure-native): one vendor, however its resources and placements spell it.
_PACKAGE_VENDOR = {"azure-native": "azure"}


def package_vendor(package: str) -> str:
    """The vendor a cloud package builds on (``azure-native`` → ``azure``; the others are their own)."""
    return _PACKAGE_VENDOR.get(package, package)


APP_TYPES = frozenset({"skyweave:app:MultiCloudApp", "skyweave:compute:BareMetalPool"})
VPN_LINK_TYPE = "skyweave:network:VpnLink"
_PROVIDER_PREFIX = "pulumi:providers:"


@dataclass
class StackIndex:
    """Resources by URN and type, with vendors, sites and reverse dependencies resolved."""

    resources: list[Resource]
    by_urn: dict[str, Resource] = field(default_factory=dict)
    by_type: dict[str, list[Resource]] = field(default_factory=lambda: defaultdict(list))
    #: Derived views rules share within one call (see facts.py), keyed by name.
    memo: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, resources: Iterable[Resource]) -> StackIndex:
        index = cls(list(resources))
        by_urn = index.by_urn
        by_type = index.by_type
        for res in index.resources:
            by_urn[res.urn] = res
            by_type[res.type].append(res)
        return index

    def of_type(self, *types: str) -> list[Resource]:
        if len(types) == 1:
            return self.by_type.get(types[0], [])
        return [r for t in types for r in self.by_type.get(t, [])]

    def vendor(self, res: Resource) -> str | None:
        """The vendor whose cloud holds ``res`` (``None`` for components and non-cloud packages)."""
        package = res.package
        if package in CLOUD_PACKAGES:
            return package_vendor(package)
        if res.provider_type and res.provider_type.startswith(_PROVIDER_PREFIX):
            provider_package = res.provider_type[len(_PROVIDER_PREFIX) :]
            if provider_package in CLOUD_PACKAGES:
                return package_vendor(provider_package)
        return None

    def site(self, res: Resource) -> str | None:
        """The site of ``res``: the name of its explicit provider (URN's last segment)."""
        if not res.provider_urn:
            return None
        return res.provider_urn.rsplit("::", 1)[-1]

    @cached_property
    def placements(self) -> dict[str, list[Placement]]:
        """Placements of each MultiCloudApp / BareMetalPool, by component URN (unknown ones left out)."""
        result: dict[str, list[Placement]] = {}
        for res in self.of_type(*APP_TYPES):
            try:
                rows = items(res.props, "placements")
                result[res.urn] = [Placement.from_mapping(_plain(row)) for row in rows]
            except UnknownValue:
                continue
        return result

    @cached_property
    def vendors(self) -> dict[str, str]:
        """Every vendor the plan's cloud resources are on → one resource URN that proves it.

        Component outputs (placements) are claims, not vendors: the on-prem vendor is proven by
        its nodes (:attr:`skyweave.policy.facts.EstateFacts.vendors`).
        """
        found: dict[str, str] = {}
        for type_name, members in self.by_type.items():
            if type_name.startswith("pulumi:"):
                continue
            for res in members:
                vendor = self.vendor(res)
                if vendor is not None and vendor not in found:
                    found[vendor] = res.urn
                if vendor is not None and package_vendor(res.package) == vendor:
                    break  # every resource of this type has the same vendor
        return found

    def linked(self, res: Resource, prop: str, types: frozenset[str]) -> list[Resource]:
        """Resources of ``types`` that ``res``'s property ``prop`` refers to (via dependencies)."""
        urns = res.property_dependencies.get(prop) or res.dependencies
        found = []
        for urn in urns:
            target = self.by_urn.get(urn)
            if target is not None and target.type in types:
                found.append(target)
        return found


def _plain(value: Any) -> Mapping[str, Any]:
    """A placement row as a plain dict; an unknown value in it raises :class:`UnknownValue`.

    Reads the SDK proxy's underlying dict directly (``proxy["__target"]``, the SDK's own way
    to unwrap) rather than key by key through the proxy: a large estate has many rows.
    """
    if not isinstance(value, Mapping):
        return {}
    raw = value["__target"] if isinstance(value, _DictProxy) else value
    for key, inner in raw.items():
        if is_unknown(inner):
            raise UnknownValue(["placements", key])
    return raw
