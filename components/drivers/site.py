"""One site as a driver builds it: the context it creates a component's children in
(:class:`SiteContext`) and the network it hands later layers (:class:`SiteNetwork`). Its own
module, below :mod:`.base`, :mod:`.services` and :mod:`.bare_metal`, which all take them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi

from ..core.naming import child_name
from ..core.sites import SiteArgs
from ..planning.ipam import SitePlan

__all__ = ["SiteContext", "SiteNetwork"]


@dataclass(frozen=True)
class SiteContext:
    """Everything a driver needs to create one site's children of one component.

    Attributes:
        component: the component's resource name; children's names derive from it.
        parent: the component, every child's parent.
        site: the site's validated args.
        provider: the site's explicit provider (``None`` only for vendors with no provider).
        tags: estate-wide tags merged with the site's own.
    """

    component: str
    parent: pulumi.Resource
    site: SiteArgs
    provider: pulumi.ProviderResource | None
    tags: Mapping[str, str] = field(default_factory=dict)

    def name(self, role: str, *keys: str) -> str:
        """A child's name: ``{component}-{role}-{site}-{keys…}``."""
        return child_name(self.component, role, self.site.name, *keys)

    def opts(self, **kwargs: object) -> pulumi.ResourceOptions:
        """Options with the component as parent and the site's provider, plus ``kwargs``."""
        return pulumi.ResourceOptions(parent=self.parent, provider=self.provider, **kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True)
class SiteNetwork:
    """A site's network as later layers (VPN, apps) need it.

    Attributes:
        site: the site name.
        vendor: the vendor name.
        network_id: the vendor's network id (VPC id, network self link, Neutron id), ``None`` on-prem.
        cidrs: the IPv4/IPv6 ranges the site routes.
        subnet_ids: subnet ids by subnet key (e.g. ``public-a``).
        subnet_cidrs: subnet ranges by subnet key.
        subnet_zones: the zone of each zonal subnet, by key.
        resources: vendor handles later layers attach to (``vpc``, ``router``, route tables …).
    """

    site: str
    vendor: str
    network_id: pulumi.Output[str] | None
    cidrs: tuple[str, ...]
    subnet_ids: Mapping[str, pulumi.Output[str]] = field(default_factory=dict)
    subnet_cidrs: Mapping[str, str] = field(default_factory=dict)
    subnet_zones: Mapping[str, str] = field(default_factory=dict)
    resources: Mapping[str, pulumi.Resource] = field(default_factory=dict)

    @classmethod
    def from_plan(
        cls,
        vendor: str,
        plan: SitePlan,
        network_id: pulumi.Output[str] | None,
        subnet_ids: Mapping[str, pulumi.Output[str]],
        resources: Mapping[str, pulumi.Resource],
    ) -> SiteNetwork:
        """Build the record from the site's address plan and the ids the driver created."""
        return cls(
            site=plan.name,
            vendor=vendor,
            network_id=network_id,
            cidrs=tuple(str(c) for c in plan.cidrs),
            subnet_ids=subnet_ids,
            subnet_cidrs={k: str(v) for k, v in plan.subnets.items()},
            subnet_zones={k: s.zone for k, s in plan.slots.items() if s.zone is not None},
            resources=resources,
        )
