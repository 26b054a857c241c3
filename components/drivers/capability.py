"""What a vendor can do: each capability decides something (docs/architecture.md, "Capabilities
decide"). Its own module, below :mod:`.base` and :mod:`.services`, which both name capabilities.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Capability"]


class Capability(StrEnum):
    """Something a vendor can do; each one decides something (docs/architecture.md).

    The first four a driver declares in ``capabilities``; the planners read them. The service
    capabilities a driver has by implementing the service's protocol (:mod:`.services`), so
    declaring one without the code, or the reverse, cannot happen.
    """

    IPV6 = "ipv6"
    """Dual-stack networks (HybridVpc refuses ``ipv6: true`` on a site without it)."""
    PEERING = "peering"
    """Native private peering between two networks of this vendor (chosen over a VPN)."""
    BGP_VPN = "bgp_vpn"
    """Its VPN endpoint routes with BGP (a BGP-only peer such as GCP HA VPN needs it)."""
    STATIC_VPN = "static_vpn"
    """Its VPN endpoint routes with static routes."""
    DNS = "dns"
    """Managed DNS with health-checked failover or weighted records (service: DnsService)."""
    BARE_METAL = "bare_metal"
    """Whole physical servers (service: BareMetalService)."""
    OBJECT_STORAGE = "object_storage"
    """An object store (service: BucketService)."""
    INSTANCE_GROUP = "instance_group"
    """A self-healing group of instances over several zones behind a health-checked load
    balancer, what MultiCloudApp runs on a site (service: AppService)."""
    KUBERNETES = "kubernetes"
    """A managed Kubernetes cluster whose control plane survives a zone, with nodes in each of the
    site's zones, what a KubernetesFleet runs on a site (service: ClusterService)."""
    HOST = "host"
    """Single servers with a fixed private address, an encrypted, sized boot disk kept when the VM
    goes, and a firewall admitting exactly the given peers: a database member (service: HostService)."""
