"""HA gateway (GCP HA VPN + Cloud Router) ↔ active-active gateway (Azure): two tunnels, BGP.

Google's professional-services ``gcp-azure-ha-vpn`` reference
(https://github.com/GoogleCloudPlatform/professional-services/tree/main/tools/gcp-azure-ha-vpn)
and "Create HA VPN connections between Google Cloud and Azure": HA VPN interface ``i`` ↔ Azure
instance ``i``; GCP's external VPN gateway lists the two Azure instance addresses
(``TWO_IPS_REDUNDANCY``), Azure has one local network gateway per HA VPN interface address and a
connection to each; BGP over custom APIPA /30s in 169.254.21.0-169.254.22.255 (Cloud Router the
first address, the Azure instance the second).
"""

from __future__ import annotations

from ...drivers.vpn import ActiveActiveVpnService, HaVpnService
from ...planning.vpn import Layout, LinkPlan, Routing, Shape, SiteEnd, VpnEndpoint, register_shape
from . import active_active
from .builder import LinkBuilder, VpnLink, register_builder
from .ha_device import bgp_tunnels

SHAPE = Shape.GCP_AZURE_HA_VPN


def rule(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    active_active.check_asns(a, b)
    return SHAPE, Routing.BGP, [(i, 0, i) for i in (0, 1)]


def build(builder: LinkBuilder, link: LinkPlan, parent: VpnLink) -> None:
    a, b = link.a, link.b
    ha_driver = builder.service(a.site, HaVpnService)
    aa_driver = builder.service(b.site, ActiveActiveVpnService)
    ha_gateway, router = builder.ha_gateway(a.site, a.asn)
    gateway = active_active.gateway(builder, b.site, b.asn)
    psks = builder.psks_for(link, parent, len(link.tunnels))
    aa_ctx = builder.context(b.site, parent)
    external = ha_driver.external_gateway(
        builder.context(a.site, parent), b.site, [aa_driver.instance_ip(gateway, i) for i in (0, 1)]
    )
    by_instance = {t.b_gateway: t for t in link.tunnels}
    for tunnel, interface_ip in bgp_tunnels(builder, link, parent, ha_gateway, router, external, psks):
        assert tunnel.a_inside_ip is not None
        local = aa_driver.local_gateway(
            aa_ctx, f"{a.site}-{tunnel.index}", gateway, interface_ip, a.asn, tunnel.a_inside_ip
        )
        aa_driver.gateway_connection(
            aa_ctx,
            f"{a.site}-{tunnel.index}",
            gateway,
            local,
            psks[tunnel.index],
            link.ciphers,
            active_active.instance_bgp([by_instance[i] for i in (0, 1)]),
        )


register_shape(VpnEndpoint.HA_GATEWAY, VpnEndpoint.ACTIVE_ACTIVE, rule)
register_builder(SHAPE, build)
