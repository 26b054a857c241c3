"""The one interface every vendor driver implements; components talk to nothing else.

A driver turns vendor-neutral requests ("a network here, with these subnets") into one vendor's
resources, each with the site's explicit provider. It also declares, up front, what the vendor
can do (:class:`Capability`) and the address sizes it accepts (:class:`NetworkLimits`), so a
component can refuse an impossible request before a single resource is registered.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar

import pulumi

from ..core.errors import UnsupportedCapabilityError
from ..core.naming import child_name
from ..core.sites import SiteArgs
from ..planning.ipam import SitePlan, SubnetSlot
from .workloads import (
    AppEndpoint,
    AppSiteSpec,
    BucketHandle,
    BucketSpec,
    DnsSpec,
    EndpointKind,
    FederatedIdentity,
)

if TYPE_CHECKING:
    from ..planning.placement import Domain
    from .bare_metal import BareMetalNode, BareMetalRequest, BareMetalSourceArgs

__all__ = [
    "Capability",
    "CloudDriver",
    "NetworkLimits",
    "SiteContext",
    "SiteNetwork",
    "regional_subnets",
]


class Capability(StrEnum):
    """Something a vendor can do. A driver lists what it supports in ``capabilities``."""

    NETWORK = "network"
    """Creates networks and subnets (on-prem records existing ranges instead)."""
    ZONES = "zones"
    """Has several independent failure zones per region."""
    IPV6 = "ipv6"
    """Dual-stack networks."""
    PEERING = "peering"
    """Native private peering between two networks of this vendor."""
    BGP_VPN = "bgp_vpn"
    """Site-to-site IPsec VPN with BGP dynamic routing."""
    STATIC_VPN = "static_vpn"
    """Site-to-site IPsec VPN with static routes."""
    LOAD_BALANCER = "load_balancer"
    """A managed, health-checked load balancer."""
    DNS = "dns"
    """Managed DNS with health-checked failover or weighted records."""
    BARE_METAL = "bare_metal"
    """Whole physical servers."""
    OBJECT_STORAGE = "object_storage"
    """An object store."""
    INSTANCE_GROUP = "instance_group"
    """A self-healing group of instances over several zones behind a health-checked load
    balancer (what MultiCloudApp runs on a site)."""


@dataclass(frozen=True)
class NetworkLimits:
    """Block sizes (prefix lengths, inclusive) the vendor accepts for a network and a subnet."""

    network_min: int = 0
    network_max: int = 32
    subnet_min: int = 0
    subnet_max: int = 32


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


def regional_subnets(subnet_prefixlen: int) -> tuple[SubnetSlot, ...]:
    """Slots for a vendor whose subnets span the whole region (GCP, Neutron): one ``main``."""
    return (SubnetSlot(key="main", slot=0, prefixlen=subnet_prefixlen, tier="main"),)


class CloudDriver(abc.ABC):
    """One vendor. Subclasses set the class attributes and implement the abstract methods.

    Attributes:
        vendor: the identifier used in site configuration (``vendor: aws``).
        display_name: the vendor's name for people.
        site_model: the pydantic model of this vendor's sites.
        capabilities: what the vendor can do; components check before they ask.
        limits: block sizes the vendor accepts.
        example: a minimal valid site of this vendor (the docs show it; the contract suite builds it).
    """

    vendor: ClassVar[str]
    display_name: ClassVar[str]
    site_model: ClassVar[type[SiteArgs]]
    capabilities: ClassVar[frozenset[Capability]]
    limits: ClassVar[NetworkLimits] = NetworkLimits()
    example: ClassVar[Mapping[str, object]]

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def require(self, capability: Capability, *, needed_for: str) -> None:
        """Raise :class:`UnsupportedCapabilityError` unless the vendor has ``capability``."""
        if capability not in self.capabilities:
            raise UnsupportedCapabilityError(self.vendor, capability.value, needed_for=needed_for)

    @abc.abstractmethod
    def subnet_slots(self, site: SiteArgs, subnet_prefixlen: int) -> tuple[SubnetSlot, ...]:
        """The subnets a site's network has, each at a slot fixed by its own identity. Pure."""

    @abc.abstractmethod
    def ipv6_prefixlen(self, site: SiteArgs) -> int | None:
        """Size of the IPv6 block IPAM must plan for the site, or ``None`` (vendor-assigned / none)."""

    @abc.abstractmethod
    def create_provider(
        self, site: SiteArgs, name: str, opts: pulumi.ResourceOptions | None = None
    ) -> pulumi.ProviderResource | None:
        """The site's explicit provider, configured for its region/project/endpoint."""

    @abc.abstractmethod
    def create_network(self, ctx: SiteContext, plan: SitePlan) -> SiteNetwork:
        """Create (or, on-prem, record) the site's network from its address plan."""

    # Bare metal (BareMetalPool). Vendors with Capability.BARE_METAL override all three.

    bare_metal_source: ClassVar[type[BareMetalSourceArgs] | None] = None
    """The model of this vendor's bare-metal source (its ``kind``), ``None`` without bare metal."""

    def bare_metal_domains(self, site: SiteArgs, source: BareMetalSourceArgs) -> tuple[Domain, ...]:
        """The failure domains ``source`` offers on ``site``, in a stable order. Pure."""
        raise UnsupportedCapabilityError(
            self.vendor, Capability.BARE_METAL.value, needed_for="a bare-metal pool"
        )

    def create_bare_metal(self, ctx: SiteContext, request: BareMetalRequest) -> list[BareMetalNode]:
        """Create (or, for servers you bring, bootstrap) the request's nodes; one record each."""
        raise UnsupportedCapabilityError(
            self.vendor, Capability.BARE_METAL.value, needed_for="a bare-metal pool"
        )

    # -- services (MultiCloudApp). Defaults refuse with UnsupportedCapabilityError, so a vendor
    # -- without them fails before anything is registered (components call the pure checks first).

    def app_endpoint_kind(self, site: SiteArgs) -> EndpointKind:
        """How the site's load balancer is reached (pure; a component validates DNS with it)."""
        self.require(Capability.INSTANCE_GROUP, needed_for="a MultiCloudApp site")
        raise NotImplementedError(f"{type(self).__name__}.app_endpoint_kind")  # pragma: no cover

    def app_site_problems(self, site: SiteArgs) -> list[str]:
        """Why ``site`` cannot run a MultiCloudApp as configured (pure; empty when it can)."""
        self.require(Capability.INSTANCE_GROUP, needed_for="a MultiCloudApp site")
        return []

    def create_app_site(self, ctx: SiteContext, network: SiteNetwork, spec: AppSiteSpec) -> AppEndpoint:
        """Run ``spec`` on the site: instances over its zones behind a health-checked load balancer."""
        self.require(Capability.INSTANCE_GROUP, needed_for="a MultiCloudApp site")
        raise NotImplementedError(f"{type(self).__name__}.create_app_site")  # pragma: no cover

    def dns_problems(self, dns: DnsSpec, endpoints: Mapping[str, EndpointKind]) -> list[str]:
        """Why this vendor's DNS cannot serve ``dns`` over sites reached as ``endpoints`` (pure).

        An empty list means it can. Each string says what is wrong and what would work.
        """
        self.require(Capability.DNS, needed_for="health-checked DNS")
        raise NotImplementedError(f"{type(self).__name__}.dns_problems")  # pragma: no cover

    def create_dns(
        self, ctx: SiteContext, dns: DnsSpec, endpoints: list[AppEndpoint]
    ) -> Mapping[str, pulumi.Resource]:
        """Health checks and records sending ``dns.record_name`` to the healthy endpoints."""
        self.require(Capability.DNS, needed_for="health-checked DNS")
        raise NotImplementedError(f"{type(self).__name__}.create_dns")  # pragma: no cover

    # -- object storage (MultiCloudBucket).

    def create_bucket(self, ctx: SiteContext, spec: BucketSpec) -> BucketHandle:
        """A versioned, encrypted, private bucket (or container), protected from deletion."""
        self.require(Capability.OBJECT_STORAGE, needed_for="a MultiCloudBucket copy")
        raise NotImplementedError(f"{type(self).__name__}.create_bucket")  # pragma: no cover

    def grant_bucket_read(
        self, ctx: SiteContext, bucket: BucketHandle, reader: FederatedIdentity
    ) -> pulumi.Output[str]:
        """Let another vendor's identity list and read ``bucket``; returns what it presents (a role)."""
        raise UnsupportedCapabilityError(
            self.vendor, "federated_bucket_read", needed_for="a MultiCloudBucket copy source"
        )

    def copy_identity(self, ctx: SiteContext) -> FederatedIdentity:
        """The identity this vendor's copy service uses to read another vendor's bucket."""
        raise UnsupportedCapabilityError(self.vendor, "bucket_copy", needed_for="a MultiCloudBucket copy")

    def create_bucket_copy(
        self,
        ctx: SiteContext,
        sink: BucketHandle,
        source: BucketHandle,
        source_access: pulumi.Output[str],
        interval_seconds: int,
        identity: FederatedIdentity,
    ) -> Mapping[str, pulumi.Resource]:
        """A scheduled copy of ``source`` (another vendor's bucket) into ``sink``, run as
        ``identity`` (from :meth:`copy_identity`) presenting ``source_access``."""
        raise UnsupportedCapabilityError(self.vendor, "bucket_copy", needed_for="a MultiCloudBucket copy")
