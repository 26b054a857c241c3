"""The services a driver may offer beyond networks, one protocol each (Libcloud's shape).

Why protocols and not base-class methods that refuse: a driver *offers* a service by
implementing its methods, so the capability a component checks and the code it then calls can
never disagree, and there is no ``NotImplementedError`` default to reach. A component asks
:func:`service` for the protocol it needs; a vendor without it fails with
:class:`~skyweave.core.errors.UnsupportedCapabilityError` before anything is registered, naming
the capability. :class:`~skyweave.drivers.base.CloudDriver` adds each implemented service's
:class:`~skyweave.drivers.capability.Capability` to the driver's ``capabilities``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

import pulumi

from ..core.errors import UnsupportedCapabilityError
from ..core.sites import SiteArgs
from .capability import Capability
from .clusters import ClusterHandle, ClusterSpec, ClusterTerms, FixedAddresses, WorkloadSpec
from .hosts import HostHandle, HostSpec, HostTerms
from .site import SiteContext, SiteNetwork
from .workloads import (
    AppEndpoint,
    AppSiteSpec,
    AppTerms,
    AppValue,
    BucketHandle,
    BucketSpec,
    BucketTerms,
    CopyTerms,
    DnsSpec,
    DnsTerms,
    EndpointKind,
    FederatedIdentity,
)

if TYPE_CHECKING:
    from ..planning.placement import Domain
    from .bare_metal import BareMetalNode, BareMetalRequest, BareMetalSourceArgs

__all__ = [
    "SERVICES",
    "AppService",
    "BareMetalService",
    "BucketCopyService",
    "BucketReadService",
    "BucketService",
    "ClusterService",
    "DnsService",
    "HostService",
    "service",
]


@runtime_checkable
class AppService(Protocol):
    """Runs a MultiCloudApp site: instances over the site's zones behind a health-checked LB."""

    def app_terms(self) -> AppTerms:
        """What the vendor's sites take (image, size, certificate) and how they serve HTTPS."""
        ...

    def app_endpoint_kind(self, site: SiteArgs) -> EndpointKind:
        """How the site's load balancer is reached (pure; a component validates DNS with it)."""
        ...

    def app_site_problems(self, site: SiteArgs) -> list[str]:
        """Why ``site`` cannot run a MultiCloudApp as configured (pure; empty when it can)."""
        ...

    def app_value_problems(self, value: AppValue) -> list[str]:
        """Why ``value`` (an image, size or certificate) cannot serve ``value.sites`` (pure; empty
        when it can): a format the vendor does not take, a size its SDK does not list, a regional
        value on a site of another region. Each string says what is wrong and what would work."""
        ...

    def create_app_site(self, ctx: SiteContext, network: SiteNetwork, spec: AppSiteSpec) -> AppEndpoint:
        """Run ``spec`` on the site: instances over its zones behind a health-checked load balancer."""
        ...


@runtime_checkable
class DnsService(Protocol):
    """Managed DNS with health-checked failover or weighted records."""

    def dns_terms(self) -> DnsTerms:
        """What the vendor's DNS is called and what its zone, routing and checks take."""
        ...

    def dns_problems(self, dns: DnsSpec, endpoints: Mapping[str, EndpointKind]) -> list[str]:
        """Why this vendor's DNS cannot serve ``dns`` over sites reached as ``endpoints`` (pure).

        An empty list means it can. Each string says what is wrong and what would work.
        """
        ...

    def create_dns(
        self, ctx: SiteContext, dns: DnsSpec, endpoints: list[AppEndpoint]
    ) -> Mapping[str, pulumi.Resource]:
        """Health checks and records sending ``dns.record_name`` to the healthy endpoints."""
        ...

    def dns_name_servers(self, ctx: SiteContext, dns: DnsSpec) -> pulumi.Output[list[str]]:
        """The name servers of ``dns.zone`` at this vendor: what the registrar lists (with every
        other provider's, when several serve the zone)."""
        ...


@runtime_checkable
class BucketService(Protocol):
    """An object store: the primary or a copy of a MultiCloudBucket."""

    def bucket_terms(self) -> BucketTerms:
        """What one bucket is called there and which options (encryption key, policy) it takes."""
        ...

    def create_bucket(self, ctx: SiteContext, spec: BucketSpec) -> BucketHandle:
        """A versioned, encrypted, private bucket (or container), protected from deletion."""
        ...


@runtime_checkable
class BucketReadService(Protocol):
    """Lets another vendor's copy service read this vendor's bucket (the copy's source side)."""

    def grant_bucket_read(
        self, ctx: SiteContext, bucket: BucketHandle, reader: FederatedIdentity
    ) -> pulumi.Output[str]:
        """Let another vendor's identity list and read ``bucket``; returns what it presents (a role)."""
        ...


@runtime_checkable
class BucketCopyService(Protocol):
    """A scheduled copy from another vendor's bucket into this vendor's (the copy's sink side)."""

    def copy_terms(self) -> CopyTerms:
        """Whose buckets the vendor's transfer service reads, and how often it may run."""
        ...

    def copy_identity(self, ctx: SiteContext) -> FederatedIdentity:
        """The identity this vendor's copy service uses to read another vendor's bucket."""
        ...

    def create_bucket_copy(
        self,
        ctx: SiteContext,
        sink: BucketHandle,
        source: BucketHandle,
        source_access: pulumi.Output[str],
        interval_seconds: int,
        identity: FederatedIdentity,
    ) -> Mapping[str, pulumi.Resource]:
        """A scheduled copy of ``source`` into ``sink``, run as ``identity`` presenting ``source_access``."""
        ...


@runtime_checkable
class BareMetalService(Protocol):
    """Whole physical servers (the driver's ``bare_metal_sources`` are the models of its sources)."""

    def bare_metal_domains(self, site: SiteArgs, source: BareMetalSourceArgs) -> tuple[Domain, ...]:
        """The failure domains ``source`` offers on ``site``, in a stable order. Pure."""
        ...

    def create_bare_metal(self, ctx: SiteContext, request: BareMetalRequest) -> list[BareMetalNode]:
        """Create (or, for servers you bring, bootstrap) the request's nodes; one record each."""
        ...


@runtime_checkable
class ClusterService(Protocol):
    """Runs a managed Kubernetes cluster on a site: a control plane that survives a zone, and
    nodes in each of the site's zones (what a KubernetesFleet places its clusters with)."""

    def cluster_terms(self) -> ClusterTerms:
        """What the vendor's clusters are: their name, how pods get addresses, the ranges the
        vendor accepts, the published SLA, whether a node image must be given."""
        ...

    def cluster_site_problems(self, site: SiteArgs) -> list[str]:
        """Why ``site`` cannot run a cluster as configured (pure; empty when it can)."""
        ...

    def cluster_value_problems(self, site: SiteArgs, spec: ClusterSpec) -> list[tuple[str, str]]:
        """Why ``spec`` cannot run on ``site`` (pure; empty when it can): a node size the vendor's
        SDK does not list, a version it does not take, a missing image — each as the field it
        blames (``node_size``, ``kubernetes_version``, ``image``) and what is wrong and what would
        work."""
        ...

    def create_cluster(self, ctx: SiteContext, network: SiteNetwork, spec: ClusterSpec) -> ClusterHandle:
        """The cluster and its nodes on the site's network; its kubeconfig a secret."""
        ...

    def create_fixed_addresses(
        self, ctx: SiteContext, network: SiteNetwork, handle: ClusterHandle, spec: WorkloadSpec
    ) -> FixedAddresses | None:
        """Fixed public addresses for ``spec``'s load balancer on ``handle``'s cluster, made before
        the Service, with the annotations that give them to it, for DNS that health-checks IP
        targets only; ``None`` where the load balancer already has a fixed IP (what
        :attr:`ClusterTerms.fixed_addresses` says)."""
        ...


@runtime_checkable
class HostService(Protocol):
    """Single servers with a fixed private address, an encrypted sized boot disk that outlives the
    VM, and a firewall admitting exactly the rules given: what a database member runs on."""

    def host_terms(self) -> HostTerms:
        """What the vendor's hosts take (image, size) and how their disks are encrypted."""
        ...

    def host_problems(self, site: SiteArgs) -> list[str]:
        """Why ``site`` cannot hold a host as configured (pure; empty when it can)."""
        ...

    def host_subnet(self, site: SiteArgs, zone: str) -> str:
        """The key of the subnet a host in ``zone`` of ``site`` sits in (pure)."""
        ...

    def reserved_tail(self) -> int:
        """How many addresses at the top of a subnet the vendor keeps for itself (pure)."""
        ...

    def create_host(self, ctx: SiteContext, network: SiteNetwork, spec: HostSpec) -> HostHandle:
        """One VM as ``spec`` says, with its disk and firewall; protected from deletion."""
        ...


#: Each service and the capability a driver gains by implementing it.
SERVICES: Mapping[type, Capability] = {
    AppService: Capability.INSTANCE_GROUP,
    DnsService: Capability.DNS,
    BucketService: Capability.OBJECT_STORAGE,
    BareMetalService: Capability.BARE_METAL,
    ClusterService: Capability.KUBERNETES,
    HostService: Capability.HOST,
}
#: Services that refine another (no capability of their own): what they need for messages.
_NEEDS: Mapping[type, str] = {BucketReadService: "federated_bucket_read", BucketCopyService: "bucket_copy"}

_S = TypeVar("_S")


class Vendor(Protocol):
    """What :func:`service` needs of a driver besides the protocol: its name, for the message
    (a :class:`~skyweave.drivers.base.CloudDriver`; named structurally so this module, which the
    base class reads, does not import it back)."""

    @property
    def vendor(self) -> str: ...


def service(driver: Vendor, protocol: type[_S], *, needed_for: str) -> _S:
    """``driver`` as the service ``protocol``, or :class:`UnsupportedCapabilityError` naming it."""
    if isinstance(driver, protocol):
        return driver
    capability = SERVICES.get(protocol)
    name = capability.value if capability is not None else _NEEDS.get(protocol, protocol.__name__)
    raise UnsupportedCapabilityError(driver.vendor, name, needed_for=needed_for)
