"""OpenStack private clouds: a Neutron network, subnet(s) and a router to the external network.

A Neutron network spans the cloud's availability zones, so like GCP a site has one ``main``
subnet; the router gives it SNAT egress through the operator's external (provider) network,
found by name at deploy time. IPv6 uses a block planned from ``ipam.ipv6_supernet`` (OpenStack
has no provider-assigned IPv6), announced with SLAAC.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_openstack as openstack
from pydantic import AnyHttpUrl, Field, field_validator

from ..planning.ipam import SitePlan, SubnetSlot
from ..planning.vpn import CipherSet
from ..sites import CloudSiteArgs, SiteArgs
from .base import Capability, CloudDriver, SiteContext, SiteNetwork, regional_subnets

__all__ = ["OpenStackDriver", "OpenStackSiteArgs"]

_ZONE_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$"


class OpenStackSiteArgs(CloudSiteArgs):
    """An OpenStack cloud region. Credentials come from clouds.yaml or OS_* variables."""

    VENDOR = "openstack"

    vendor: Literal["openstack"] = "openstack"
    auth_url: AnyHttpUrl | None = Field(
        default=None,
        description="Keystone endpoint, e.g. https://keystone.example.net:5000/v3. Omitted: from "
        "the clouds.yaml entry named by `cloud`, or OS_AUTH_URL.",
    )
    cloud: str | None = Field(
        default=None,
        description="Entry in clouds.yaml to authenticate with. Omitted: OS_CLOUD / OS_* variables.",
    )
    external_network: str = Field(
        default="public",
        min_length=1,
        description="Name of the operator's external network the router uses for egress and "
        "floating IPs. Default: public (DevStack's and many distributions' name).",
    )
    dns_nameservers: tuple[ipaddress.IPv4Address, ...] = Field(
        default=(), description="DNS servers handed out by DHCP. Omitted: the cloud's default."
    )

    @field_validator("zones")
    @classmethod
    def _zone_names(cls, zones: tuple[str, ...]) -> tuple[str, ...]:
        for zone in zones:
            if not re.match(_ZONE_NAME, zone):
                raise ValueError(
                    f"zone {zone!r} is not a valid availability-zone name "
                    "(letters, digits, '_', '.', ':', '-'; at most 63 characters)"
                )
        return zones

    def default_zones(self) -> tuple[str, ...]:
        return ("nova",)


class OpenStackDriver(CloudDriver):
    vendor = "openstack"
    display_name = "OpenStack"
    site_model = OpenStackSiteArgs
    example = {"name": "os-dc1", "vendor": "openstack", "region": "RegionOne", "cloud": "dc1"}
    capabilities = frozenset(
        {
            Capability.NETWORK,
            Capability.ZONES,
            Capability.IPV6,
            Capability.STATIC_VPN,
            Capability.LOAD_BALANCER,
            Capability.BARE_METAL,
            Capability.OBJECT_STORAGE,
        }
    )

    def subnet_slots(self, site: SiteArgs, subnet_prefixlen: int) -> tuple[SubnetSlot, ...]:
        return regional_subnets(subnet_prefixlen)

    def ipv6_prefixlen(self, site: SiteArgs) -> int | None:
        assert isinstance(site, OpenStackSiteArgs)
        return 56 if site.ipv6 else None

    def create_provider(
        self, site: SiteArgs, name: str, opts: pulumi.ResourceOptions | None = None
    ) -> pulumi.ProviderResource:
        assert isinstance(site, OpenStackSiteArgs)
        provider: pulumi.ProviderResource = openstack.Provider(
            name,
            auth_url=str(site.auth_url) if site.auth_url else None,
            cloud=site.cloud,
            region=site.region,
            opts=opts,
        )
        return provider

    def create_network(self, ctx: SiteContext, plan: SitePlan) -> SiteNetwork:
        site = ctx.site
        assert isinstance(site, OpenStackSiteArgs)
        tags = [f"{k}={v}" for k, v in sorted(ctx.tags.items())]
        network = openstack.networking.Network(
            ctx.name("network"),
            admin_state_up=True,
            availability_zone_hints=list(site.zones),
            tags=tags,
            opts=ctx.opts(),
        )
        external = openstack.networking.get_network_output(
            name=site.external_network,
            external=True,
            opts=pulumi.InvokeOutputOptions(parent=ctx.parent, provider=ctx.provider),
        )
        router = openstack.networking.Router(
            ctx.name("router"),
            admin_state_up=True,
            external_network_id=external.id,
            tags=tags,
            opts=ctx.opts(),
        )
        subnet_ids: dict[str, pulumi.Output[str]] = {}
        resources: dict[str, pulumi.Resource] = {"network": network, "router": router}
        for key, cidr in plan.subnets.items():
            subnet = openstack.networking.Subnet(
                ctx.name("subnet", key),
                network_id=network.id,
                cidr=str(cidr),
                ip_version=4,
                dns_nameservers=[str(d) for d in site.dns_nameservers] or None,
                tags=tags,
                opts=ctx.opts(),
            )
            openstack.networking.RouterInterface(
                ctx.name("router-if", key), router_id=router.id, subnet_id=subnet.id, opts=ctx.opts()
            )
            subnet_ids[key] = subnet.id
            resources[f"subnet:{key}"] = subnet
            v6 = plan.ipv6_subnets.get(key)
            if v6 is not None:
                subnet6 = openstack.networking.Subnet(
                    ctx.name("subnet6", key),
                    network_id=network.id,
                    cidr=str(v6),
                    ip_version=6,
                    ipv6_address_mode="slaac",
                    ipv6_ra_mode="slaac",
                    tags=tags,
                    opts=ctx.opts(),
                )
                openstack.networking.RouterInterface(
                    ctx.name("router-if6", key), router_id=router.id, subnet_id=subnet6.id, opts=ctx.opts()
                )
                resources[f"subnet6:{key}"] = subnet6
        return SiteNetwork.from_plan(self.vendor, plan, network.id, subnet_ids, resources)

    # --- connectivity (docs/connectivity.md) -------------------------------------------------

    def vpn_service(self, ctx: SiteContext, network: SiteNetwork, ciphers: CipherSet) -> VpnaasEndpoint:
        """The site's Neutron VPNaaS service on its router, with an explicit IKE/IPsec policy.

        Neutron's defaults (IKEv1, AES-128, SHA-1, PFS group 5) are refused by AWS and GCP, so the
        policies spell out the estate's one cipher set. One service per site, shared by its links.
        """
        lifetime1 = openstack.vpnaas.IkePolicyLifetimeArgs(units="seconds", value=ciphers.phase1_lifetime)
        lifetime2 = openstack.vpnaas.IpSecPolicyLifetimeArgs(units="seconds", value=ciphers.phase2_lifetime)
        ike = openstack.vpnaas.IkePolicy(
            ctx.name("ike-policy"),
            ike_version=f"v{ciphers.ike_version}",
            encryption_algorithm=_OS_ENCRYPTION[ciphers.encryption],
            auth_algorithm=ciphers.integrity,
            pfs=f"group{ciphers.dh_group}",
            phase1_negotiation_mode="main",
            lifetimes=[lifetime1],
            opts=ctx.opts(),
        )
        ipsec = openstack.vpnaas.IpSecPolicy(
            ctx.name("ipsec-policy"),
            encryption_algorithm=_OS_ENCRYPTION[ciphers.encryption],
            auth_algorithm=ciphers.integrity,
            pfs=f"group{ciphers.dh_group}",
            transform_protocol="esp",
            encapsulation_mode="tunnel",
            lifetimes=[lifetime2],
            opts=ctx.opts(),
        )
        router = network.resources["router"]
        service = openstack.vpnaas.Service(
            ctx.name("vpn-service"),
            router_id=router.id,  # type: ignore[attr-defined]
            admin_state_up=True,
            opts=ctx.opts(),
        )
        local = openstack.vpnaas.EndpointGroup(
            ctx.name("vpn-local"),
            type="subnet",
            endpoints=list(network.subnet_ids.values()),
            opts=ctx.opts(),
        )
        return VpnaasEndpoint(service=service, ike=ike, ipsec=ipsec, local=local)

    def site_connection(
        self,
        ctx: SiteContext,
        key: str,
        endpoint: VpnaasEndpoint,
        peer_group: openstack.vpnaas.EndpointGroup,
        peer_address: pulumi.Input[str],
        psk: pulumi.Output[str],
    ) -> openstack.vpnaas.SiteConnection:
        """One IPsec site connection from this site's VPN service to a peer address."""
        return openstack.vpnaas.SiteConnection(
            ctx.name("vpn-conn", key),
            vpnservice_id=endpoint.service.id,
            ikepolicy_id=endpoint.ike.id,
            ipsecpolicy_id=endpoint.ipsec.id,
            local_ep_group_id=endpoint.local.id,
            peer_ep_group_id=peer_group.id,
            peer_address=peer_address,
            peer_id=peer_address,
            psk=psk,
            initiator="bi-directional",
            admin_state_up=True,
            opts=ctx.opts(additional_secret_outputs=["psk"]),
        )

    def peer_group(self, ctx: SiteContext, key: str, cidrs: Sequence[str]) -> openstack.vpnaas.EndpointGroup:
        """The ranges a peer routes: VPNaaS's static routes for one link."""
        return openstack.vpnaas.EndpointGroup(
            ctx.name("vpn-peer", key), type="cidr", endpoints=list(cidrs), opts=ctx.opts()
        )


@dataclass(frozen=True)
class VpnaasEndpoint:
    """A site's VPNaaS pieces shared by all its links."""

    service: openstack.vpnaas.Service
    ike: openstack.vpnaas.IkePolicy
    ipsec: openstack.vpnaas.IpSecPolicy
    local: openstack.vpnaas.EndpointGroup


#: Neutral cipher words in Neutron's spelling.
_OS_ENCRYPTION = {"aes256": "aes-256", "aes128": "aes-128"}
