"""What every link to an active-active BGP gateway (``VpnEndpoint.ACTIVE_ACTIVE``, Azure) shares.

The endpoint kind's facts, used by its four shape modules (``gateway_active``, ``ha_active``,
``appliance_active``, ``device_active``) and registered with the planners here:

* **Inside addresses**: the gateway speaks BGP from *custom APIPA* addresses, which Azure accepts
  only in 169.254.21.0-169.254.22.255 ("How to connect AWS and Azure using a BGP-enabled VPN
  gateway", https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-howto-aws-bgp). Every link
  touching the kind gets its tunnel /30s there (:func:`~skyweave.planning.tunnels.register_inside_range`);
  the far end takes each /30's first address, the gateway instance the second.
* **One gateway, every link's addresses**: a connection may only use custom addresses its gateway
  lists per instance, so the gateway (made once per site) is given every link's addresses.
* **Reserved ASNs**: Microsoft reserves 8074, 8075, 12076 and 65515-65520; a peer may use none
  of them and the gateway none but its default 65515. The VPN Gateway FAQ ("What ASNs can I
  use?", https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq) lists 8074, 8075,
  12076, 65515 and 65517-65520; Microsoft's BGP documents for the same edge say 65515-65520
  ("We have reserved ASNs from 65515 to 65520 for internal use", ExpressRoute routing
  requirements, https://learn.microsoft.com/azure/expressroute/expressroute-routing; Route
  Server: "any 16-bit number other than the ones in the range of 65515-65520"), so 65516 is
  refused too. Checked on the two ends of each link to the gateway only, not estate-wide: a
  site has one ASN for all its links, so one link to Azure rules the number out everywhere, but
  an ASN reaches Azure only as a direct peer's — every BGP speaker skyweave configures exports
  only its own prefixes (``device_config``), an AWS virtual private gateway does not transit and
  a Cloud Router advertises only its own network — so a site with no link to Azure is free to
  use it.
* **No static peer**: a policy-based VPN (Neutron VPNaaS) has no BGP, and both gateway instances
  would offer it the same traffic selectors — not two usable paths — so the pair is refused
  (:mod:`.refused`); an OpenStack site with ``vpn: appliance`` is joined instead
  (:mod:`.appliance_active`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

from ...core.errors import PlanningError
from ...drivers.scope import site_owned
from ...drivers.vpn import ActiveActiveVpnService
from ...planning.topology import link_id
from ...planning.tunnels import register_inside_range
from ...planning.vpn import LinkPlan, SiteEnd, TunnelPlan, VpnEndpoint
from .builder import LinkBuilder, register_site_part

__all__ = [
    "APIPA_RANGES",
    "AZURE_RESERVED_ASNS",
    "check_asns",
    "gateway",
    "instance_addresses",
    "instance_bgp",
]

KIND = VpnEndpoint.ACTIVE_ACTIVE
#: 169.254.21.0-169.254.22.255.
APIPA_RANGES = (ipaddress.IPv4Network("169.254.21.0/24"), ipaddress.IPv4Network("169.254.22.0/24"))
AZURE_RESERVED_ASNS: frozenset[int] = frozenset({8074, 8075, 12076, *range(65515, 65521)})
_GATEWAY_MAY_USE = frozenset({65515})

register_inside_range(
    KIND,
    APIPA_RANGES,
    "Azure VPN gateways accept custom BGP (APIPA) addresses only in 169.254.21.0-169.254.22.255",
)


def check_asns(peer: SiteEnd, gateway: SiteEnd) -> None:
    """Refuse a pair where either ASN is one Azure reserves, naming the site and what to do."""
    reserved = _spans(sorted(AZURE_RESERVED_ASNS))
    for end, allowed in ((peer, frozenset[int]()), (gateway, _GATEWAY_MAY_USE)):
        if end.asn in AZURE_RESERVED_ASNS - allowed:
            raise PlanningError(
                f"site {end.site!r} uses ASN {end.asn}, which Azure reserves ({reserved}"
                + ("; 65515 only for the Azure gateway itself" if not allowed else "")
                + f"), so {gateway.product} cannot peer with it; pin another with sites[…].asn "
                f"on {end.site!r}",
                value=link_id(peer.site, gateway.site),
            )


def _spans(numbers: Sequence[int]) -> str:
    """``[8074, 8075, 12076, 65515, …, 65520]`` as "8074-8075, 12076, 65515-65520"."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][-1] + 1:
            spans[-1].append(n)
        else:
            spans.append([n])
    return ", ".join(str(s[0]) if len(s) == 1 else f"{s[0]}-{s[-1]}" for s in spans)


def instance_addresses(builder: LinkBuilder, site: str) -> list[list[str]]:
    """Per gateway instance, every address it speaks BGP from over all of ``site``'s links."""
    out: list[list[str]] = [[], []]
    for link in builder.links:
        if link.b.site != site or link.b.endpoint is not KIND:
            continue
        for tunnel in link.tunnels:
            if tunnel.b_inside_ip is not None:
                out[tunnel.b_gateway].append(tunnel.b_inside_ip)
    return out


#: What a link reads of the gateway (its site's unit exports them, a link's unit reads them back:
#: drivers/scope.py): the gateway's id, each instance's public address, the resource group's name.
GATEWAY_PARTS = {
    "gateway": ("id",),
    "public_ips.0": ("ip_address",),
    "public_ips.1": ("ip_address",),
    "resource_group": ("name",),
}


def gateway(builder: LinkBuilder, site: str, asn: int) -> Any:
    """The site's active-active gateway, made the first time one of its links needs it (in a
    unit's program: by the site's unit, read by the links' units)."""
    driver = builder.service(site, ActiveActiveVpnService)
    return builder.once(
        f"active-active:{site}",
        lambda: site_owned(
            site,
            f"{builder.component}.active-active.{site}",
            lambda: driver.active_active_gateway(
                builder.context(site), builder.networks[site], asn, instance_addresses(builder, site)
            ),
            GATEWAY_PARTS,
        ),
    )


def _site_part(builder: LinkBuilder, link: LinkPlan, end: SiteEnd) -> object:
    return gateway(builder, end.site, end.asn)


register_site_part(KIND, _site_part)


def instance_bgp(tunnels: Sequence[TunnelPlan]) -> list[str]:
    """The address each instance speaks BGP from on one connection: the gateway side of
    ``tunnels[i]``, the tunnel of that connection which instance ``i`` terminates."""
    out = []
    for tunnel in tunnels:
        assert tunnel.b_inside_ip is not None
        out.append(tunnel.b_inside_ip)
    return out
