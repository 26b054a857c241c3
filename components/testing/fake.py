"""A fake vendor for tests: deterministic, in memory, with the base's exact signatures.

Why ship one (Libcloud's ``DummyNodeDriver``, httpx's ``MockTransport``): a test of a component,
of a program or of the contract itself needs a vendor whose every answer is known, without a
cloud SDK; and a plugin vendor's author gets a small, complete driver to read. Libcloud's fake
drifted from its base (``create_node`` lost two parameters) because nothing ran it through the
contract; this one is run through :class:`~skyweave.testing.DriverContract` by skyweave's own
suite, whose signature check compares every method with the base's.

The fake cloud has regional networks with one subnet per zone, native peering, and a
two-interface HA VPN gateway speaking BGP (``VpnEndpoint.HA_GATEWAY``, the kind GCP's is), so it
links to AWS in the ``aws-gcp-ha-vpn`` shape. Its resources are ``fake:<module>:<Type>`` custom
resources on a ``fake`` provider; the addresses it "assigns" are stood in by
:meth:`FakeDriver.preview_outputs` from each resource's name (TEST-NET-3, RFC 5737), so they exist
only under skyweave's offline runtime with the driver registered — use it inside
:func:`~skyweave.drivers.registry.driver_registered`::

    with driver_registered(FakeDriver):
        run_program(my_program, project="p", stack="s")
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pulumi
from pydantic import field_validator

from ..core.sites import ZONE_SLOTS, CloudSiteArgs, SiteArgs
from ..drivers.base import Capability, CloudDriver, NetworkLimits, SiteContext, SiteNetwork
from ..drivers.stand_ins import DOCUMENTATION_NET_3, digest
from ..planning.ipam import SitePlan, SubnetSlot
from ..planning.vpn import CipherSet, VpnEndpoint
from ..policy.reading import Reader

__all__ = ["FakeDriver", "FakeReader", "FakeSiteArgs"]

_GATEWAY = "fake:vpn:HaGateway"
_NETWORK = "fake:network:Network"
_LAST_ZONE = chr(ord("a") + ZONE_SLOTS - 1)


class FakeSiteArgs(CloudSiteArgs):
    """A site of the fake cloud: any region name; zones ``<region>-a`` to ``<region>-h``
    (default ``-a`` and ``-b``)."""

    VENDOR = "fake"

    vendor: Literal["fake"] = "fake"

    @field_validator("zones")
    @classmethod
    def _zone_letters(cls, zones: tuple[str, ...]) -> tuple[str, ...]:
        for zone in zones:
            if not re.fullmatch(rf"[a-z0-9-]+-[a-{_LAST_ZONE}]", zone):
                raise ValueError(f"zone {zone!r} is not <region>-<letter a-{_LAST_ZONE}>, e.g. north-a")
        return zones

    def default_zones(self) -> tuple[str, ...]:
        return (f"{self.region}-a", f"{self.region}-b")


class FakeProvider(pulumi.ProviderResource):
    """The fake cloud's provider: one per site, configured with the site's region."""

    def __init__(self, name: str, region: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fake", name, {"region": region}, opts)


class FakeDriver(CloudDriver):
    """The fake cloud's driver (vendor ``fake``); see the module docstring."""

    vendor = "fake"
    display_name = "Fake Cloud"
    site_model = FakeSiteArgs
    example = {"name": "fake-one", "vendor": "fake", "region": "north"}
    capabilities = frozenset({Capability.PEERING, Capability.BGP_VPN})
    limits = NetworkLimits(network_min=8, network_max=28, subnet_min=8, subnet_max=28)
    vpn_endpoint = VpnEndpoint.HA_GATEWAY
    vpn_product = "Fake HA VPN"

    def preview_outputs(
        self,
        type_token: str,
        name: str,
        inputs: Mapping[str, object],
        provider: Mapping[str, object] | None = None,
    ) -> dict[str, object]:
        if type_token == _GATEWAY:
            return {"interfaceIps": [_address(name, str(i)) for i in (0, 1)]}
        return {}

    def subnet_slots(self, site: SiteArgs, subnet_prefixlen: int) -> tuple[SubnetSlot, ...]:
        # A zone's slot comes from its own letter, so adding a zone never moves another.
        return tuple(
            SubnetSlot(
                key=f"main-{zone[-1]}", slot=ord(zone[-1]) - ord("a"), prefixlen=subnet_prefixlen, zone=zone
            )
            for zone in site.zones
        )

    def ipv6_prefixlen(self, site: SiteArgs) -> int | None:
        return None

    def create_provider(
        self, site: SiteArgs, name: str, opts: pulumi.ResourceOptions | None = None
    ) -> pulumi.ProviderResource | None:
        return FakeProvider(name, site.region, opts)

    def create_network(self, ctx: SiteContext, plan: SitePlan) -> SiteNetwork:
        network = pulumi.CustomResource(
            _NETWORK,
            ctx.name("net"),
            {"cidr": str(plan.cidr), "tags": dict(ctx.tags)},
            ctx.opts(),
        )
        subnets: dict[str, pulumi.Output[str]] = {}
        resources: dict[str, pulumi.Resource] = {"network": network}
        for key, cidr in plan.subnets.items():
            slot = plan.slots[key]
            subnet = pulumi.CustomResource(
                "fake:network:Subnet",
                ctx.name("subnet", key),
                {"network": network.id, "cidr": str(cidr), "zone": slot.zone},
                ctx.opts(),
            )
            subnets[key] = subnet.id
            resources[f"subnet:{key}"] = subnet
        return SiteNetwork.from_plan(self.vendor, plan, network.id, subnets, resources)

    # --- PeeringService ------------------------------------------------------------------------

    def peering(
        self,
        ctx: SiteContext,
        peer: SiteContext,
        network: SiteNetwork,
        peer_network: SiteNetwork,
        after: Sequence[pulumi.Resource] = (),
    ) -> Any:
        return pulumi.CustomResource(
            "fake:network:Peering",
            ctx.name("peering", peer.site.name),
            {"network": network.network_id, "peerNetwork": peer_network.network_id},
            ctx.opts(depends_on=list(after)),
        )

    # --- HaVpnService --------------------------------------------------------------------------

    def ha_vpn_gateway(self, ctx: SiteContext, network: SiteNetwork, asn: int) -> tuple[Any, Any]:
        gateway = pulumi.CustomResource(
            _GATEWAY, ctx.name("ha-vpn"), {"network": network.network_id, "interfaceIps": None}, ctx.opts()
        )
        router = pulumi.CustomResource(
            "fake:vpn:Router", ctx.name("router"), {"network": network.network_id, "asn": asn}, ctx.opts()
        )
        return gateway, router

    def interface_ip(self, gateway: Any, interface: int) -> pulumi.Output[str]:
        addresses: pulumi.Output[list[str]] = gateway.interfaceIps
        return addresses.apply(lambda ips: str(ips[interface]))

    def external_gateway(self, ctx: SiteContext, key: str, addresses: Sequence[pulumi.Input[str]]) -> Any:
        return pulumi.CustomResource(
            "fake:vpn:PeerGateway", ctx.name("peer-gw", key), {"addresses": list(addresses)}, ctx.opts()
        )

    def bgp_tunnel(
        self,
        ctx: SiteContext,
        key: str,
        gateway: Any,
        router: Any,
        interface: int,
        external: Any,
        external_interface: int,
        psk: pulumi.Output[str],
        inside_ip: str,
        peer_inside_ip: str,
        peer_asn: int,
        ciphers: CipherSet,
    ) -> Any:
        return pulumi.CustomResource(
            "fake:vpn:Tunnel",
            ctx.name("tunnel", key),
            {
                "gateway": gateway.id,
                "interface": interface,
                "router": router.id,
                "peerGateway": external.id,
                "peerInterface": external_interface,
                "sharedSecret": psk,
                "insideIp": inside_ip,
                "peerInsideIp": peer_inside_ip,
                "peerAsn": peer_asn,
                "ciphers": ciphers.as_dict(),
            },
            ctx.opts(additional_secret_outputs=["sharedSecret"]),
        )


def _address(*parts: str) -> str:
    host = int(digest(*parts)[:8], 16) % 254 + 1
    return f"{DOCUMENTATION_NET_3}.{host}"


class FakeReader(Reader):
    """The fake cloud's policy reader: its package is a judged cloud, its networks back a
    HybridVpc's claims (serve it with :func:`~skyweave.policy.readers.reader_registered`)."""

    vendor = "fake"
    display_name = "Fake Cloud"
    packages = frozenset({"fake"})
    networks = frozenset({_NETWORK})
