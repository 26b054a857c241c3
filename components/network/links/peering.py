"""Native peering between two networks of one vendor (AWS VPC peering, GCP VPC network peering).

The vendor's own redundant fabric: no tunnels, no keys. The driver peers both directions and
routes (``PeeringService``).
"""

from __future__ import annotations

from typing import Any

from ...planning.vpn import LinkPlan
from .builder import PEERING, LinkBuilder, VpnLink, register_builder


def build(builder: LinkBuilder, link: LinkPlan, parent: VpnLink) -> None:
    """Each link's peerings come after the last peering made on either network, so a vendor that
    serialises peering operations per network (GCP) gets one chain per network."""
    a, b = link.a.site, link.b.site
    last: dict[str, Any] = builder.once("peering:last", dict)
    after = list({id(r): r for r in (last.get(a), last.get(b)) if r is not None}.values())
    done = builder.peering_service(a).peering(
        builder.context(a, parent),
        builder.context(b, parent),
        builder.networks[a],
        builder.networks[b],
        after,
    )
    last[a] = last[b] = done


register_builder(PEERING, build)
