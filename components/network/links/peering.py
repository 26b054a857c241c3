"""Native peering between two networks of one vendor (AWS VPC peering, GCP VPC network peering).

The vendor's own redundant fabric: no tunnels, no keys. The driver peers both directions and
routes (``PeeringService``).
"""

from __future__ import annotations

from ...planning.vpn import LinkPlan
from .builder import LinkBuilder, VpnLink, register_builder


def build(builder: LinkBuilder, link: LinkPlan, parent: VpnLink) -> None:
    a, b = link.a.site, link.b.site
    builder.peering_service(a).peering(
        builder.context(a, parent), builder.context(b, parent), builder.networks[a], builder.networks[b]
    )


register_builder("peering", build)
