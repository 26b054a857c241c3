"""Native peering between two networks of one vendor (AWS VPC peering, GCP VPC network peering).

The vendor's own redundant fabric: no tunnels, no keys. The driver peers both directions and
routes (``PeeringService``).
"""

from __future__ import annotations

from typing import Any

import pulumi

from ...drivers.scope import current_scope, link_owned
from ...planning.vpn import LinkPlan, Routing
from .builder import PEERING, LinkBuilder, VpnLink, register_builder


def build(builder: LinkBuilder, link: LinkPlan, parent: VpnLink) -> None:
    """Each link's peerings come after the last peering made on either network, so a vendor that
    serialises peering operations per network (GCP) gets one chain per network. In a link's unit
    those earlier peerings are other units' (its prerequisites, ``estate.units.plan_units``): it
    waits for the stack references that read them."""
    a, b = link.a.site, link.b.site
    last: dict[str, Any] = builder.once("peering:last", dict)
    after: list[pulumi.Resource] = list(
        {id(r): r for r in (last.get(a), last.get(b)) if r is not None}.values()
    )
    if current_scope() is not None:
        after = [_key(builder, earlier).reference for earlier in _earlier(builder, link)]
    done = link_owned(
        a,
        b,
        _name(builder, link),
        lambda: builder.peering_service(a).peering(
            builder.context(a, parent),
            builder.context(b, parent),
            builder.network(a),
            builder.network(b),
            after,
        ),
        ((),),
    )
    last[a] = last[b] = done


def _name(builder: LinkBuilder, link: LinkPlan) -> str:
    """What a link's unit records of its last peering, for the next peering on either network."""
    return f"{builder.component}.peering.{link.a.site}.{link.b.site}"


def _key(builder: LinkBuilder, link: LinkPlan) -> Any:
    """Another unit's last peering of ``link`` (read, never made: it is not this unit's)."""
    return link_owned(link.a.site, link.b.site, _name(builder, link), _not_here, ((),))


def _not_here() -> Any:
    raise AssertionError("an earlier link's peering is its own unit's")  # pragma: no cover


def _earlier(builder: LinkBuilder, link: LinkPlan) -> list[LinkPlan]:
    """The last peering link before ``link`` on each of its sites, in the links' order (once)."""
    found: dict[str, LinkPlan] = {}
    for other in builder.links:
        if other is link:
            break
        if other.routing is Routing.PEERING:
            for site in (other.a.site, other.b.site):
                found[site] = other
    wanted = [found[s] for s in (link.a.site, link.b.site) if s in found]
    return list({id(w): w for w in wanted}.values())


register_builder(PEERING, build)
