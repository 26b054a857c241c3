"""One index of a stack, built once per ``AnalyzeStack`` and shared by every stack rule.

Why: the SDK hands each stack policy the whole stack, and a naive rule scans all of it (and
re-reads properties through the SDK's proxies) for the few types it cares about. The index groups
resources by type and URN once and resolves vendors and sites on demand, so each rule touches
only its own types: building it is linear, and no rule needs more than O(n log n) on top.

Vendor and site: a resource's vendor is the vendor of the policy reader whose cloud its package
is (:mod:`skyweave.policy.readers`), else that of its provider's package; its site is the site a
skyweave component recorded for its explicit provider (the components' ``siteProviders`` output),
else that provider's name (a program written without components names its providers as it likes).
What components say about themselves (a MultiCloudApp's placements) is kept apart as *claims*;
what the resources show is derived in :mod:`skyweave.policy.facts`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..core.naming import (
    BARE_METAL_POOL,
    KUBERNETES_FLEET,
    MULTI_CLOUD_APP,
    SITE_PROVIDERS,
    sites_by_provider,
)
from ..planning.failure import Placement
from . import readers
from .values import Resource, UnknownValue, get, is_unknown, items

__all__ = [
    "APP_TYPES",
    "StackIndex",
]

APP_TYPES = frozenset({MULTI_CLOUD_APP, BARE_METAL_POOL, KUBERNETES_FLEET})
_PROVIDER_PREFIX = "pulumi:providers:"


@dataclass
class StackIndex:
    """Resources by URN and type, with vendors, sites and reverse dependencies resolved."""

    resources: list[Resource]
    by_urn: dict[str, Resource] = field(default_factory=dict)
    by_type: dict[str, list[Resource]] = field(default_factory=lambda: defaultdict(list))
    #: Derived views rules share within one call (see facts.py), keyed by name.
    memo: dict[str, Any] = field(default_factory=dict)
    #: How a row that is not a plain dict (an SDK proxy) is read whole: by default key by key
    #: through :func:`~skyweave.policy.values.get`; the fast path passes its own (see :func:`_plain`).
    unwrap: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None

    @classmethod
    def build(
        cls,
        resources: Iterable[Resource],
        *,
        unwrap: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None,
    ) -> StackIndex:
        index = cls(list(resources), unwrap=unwrap)
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
        reader = readers.reader_for_package(res.package)
        if reader is None and res.provider_type and res.provider_type.startswith(_PROVIDER_PREFIX):
            reader = readers.reader_for_package(res.provider_type[len(_PROVIDER_PREFIX) :])
        return reader.vendor if reader is not None else None

    def site(self, res: Resource) -> str | None:
        """The site of ``res``: the one a component recorded for its explicit provider, else the
        provider's name (the URN's last segment)."""
        if not res.provider_urn:
            return None
        return self.recorded_sites.get(res.provider_urn) or res.provider_urn.rsplit("::", 1)[-1]

    @cached_property
    def recorded_sites(self) -> dict[str, str]:
        """Provider URN → site, as skyweave's components recorded them (unknown records left out)."""
        records = []
        for type_name, members in self.by_type.items():
            if not type_name.startswith("skyweave:"):
                continue
            for res in members:
                try:
                    record = get(res.props, SITE_PROVIDERS)
                    if isinstance(record, Mapping):
                        records.append({str(site): get(record, site) for site in record})
                except UnknownValue:
                    continue
        return sites_by_provider(records)

    @cached_property
    def placements(self) -> dict[str, list[Placement]]:
        """Placements of each MultiCloudApp / BareMetalPool, by component URN (unknown ones left out)."""
        result: dict[str, list[Placement]] = {}
        for res in self.of_type(*APP_TYPES):
            try:
                rows = items(res.props, "placements")
                result[res.urn] = [Placement.from_mapping(_plain(row, self.unwrap)) for row in rows]
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
                if vendor is not None and readers.package_vendor(res.package) == vendor:
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


def _plain(value: Any, unwrap: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None) -> Mapping[str, Any]:
    """A placement row as a plain dict; an unknown value in it raises :class:`UnknownValue`.

    A plain dict (a plan read from a file, a test) and what ``unwrap`` makes of a proxy (the fast
    path's: the proxy's underlying dict, :func:`skyweave.policy.fast.unwrap`) are checked value by
    value here: a large estate has many rows, and each proxied read costs. Without ``unwrap`` (the
    public path) a proxy is read key by key (:func:`~skyweave.policy.rule.get` sees every unknown).
    """
    if not isinstance(value, Mapping):
        return {}
    raw: Mapping[str, Any] = value
    if type(value) is not dict:
        if unwrap is None:
            return {key: get(value, key) for key in value}
        raw = unwrap(value)
    for key, inner in raw.items():
        if is_unknown(inner):
            raise UnknownValue(["placements", key])
    return raw
