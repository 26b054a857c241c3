"""The pairs of endpoint kinds skyweave refuses to join, each saying why and what to do instead.

Why one module: none of these pairs has a shape (nothing is built), so none belongs to a shape's
module; kept together they are the one place that answers "which pairs are refused?", which
docs/connectivity.md's table of shapes mirrors. Each refusal is a registered pair rule like any
other (:func:`~skyweave.planning.vpn.register_shape`), so a later module cannot silently register a
shape over it (:class:`~skyweave.core.errors.RegistrationError`): building a refused pair means
removing its refusal here, on purpose. Never silently build a non-redundant link.
"""

from __future__ import annotations

from ...core.errors import PlanningError
from ...planning.topology import link_id
from ...planning.vpn import Layout, Routing, SiteEnd, VpnEndpoint, register_shape

__all__ = [
    "appliance_appliance",
    "device_device",
    "ha_policy",
    "policy_active",
    "policy_appliance",
]


def ha_policy(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    raise PlanningError(
        f"{a.site!r} and {b.site!r} cannot be joined: {a.product} requires BGP "
        f"and {b.product} has none, and a classic single-tunnel VPN would be a single point of "
        "failure. Exclude the pair (network.exclude) and let both reach a site that joins them, "
        "e.g. an AWS hub, or give the policy-based site a route-based BGP appliance pair "
        "(an OpenStack site's `vpn: appliance`)",
        value=link_id(a.site, b.site),
    )


def policy_appliance(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    raise PlanningError(
        f"{a.site!r} ({a.product}) is policy-based and {b.site!r} ({b.product}) route-based with BGP; "
        f"skyweave does not join the two. Give {a.site!r} `vpn: appliance` too, or exclude the pair",
        value=link_id(a.site, b.site),
    )


def policy_active(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    """Both gateway instances would offer a policy-based peer the same traffic selectors: not
    two usable paths (see :mod:`.active_active`)."""
    raise PlanningError(
        f"{a.site!r} and {b.site!r} cannot be joined: {b.product} routes with BGP and {a.product} has "
        "none (policy-based, static routes only), and both gateway instances would offer it the same "
        "traffic selectors, which a policy-based VPN cannot use as two paths. Exclude the pair "
        "(network.exclude) and let both reach a site that joins them (an AWS hub), or give the "
        "OpenStack site a route-based BGP appliance pair (`vpn: appliance`), which Azure joins",
        value=link_id(a.site, b.site),
    )


def appliance_appliance(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    raise PlanningError(
        f"{a.site!r} and {b.site!r} both have VPN appliance pairs; appliance-to-appliance links are "
        "not built yet — exclude the pair and let both reach a cloud site that joins them",
        value=link_id(a.site, b.site),
    )


def device_device(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, Layout]:
    raise PlanningError(
        f"{a.site!r} and {b.site!r} are both on-prem: skyweave has no device to configure between "
        "them (join them with your own WAN) — exclude the pair",
        value=link_id(a.site, b.site),
    )


register_shape(VpnEndpoint.HA_GATEWAY, VpnEndpoint.POLICY, ha_policy)
register_shape(VpnEndpoint.POLICY, VpnEndpoint.APPLIANCE, policy_appliance)
register_shape(VpnEndpoint.POLICY, VpnEndpoint.ACTIVE_ACTIVE, policy_active)
register_shape(VpnEndpoint.APPLIANCE, VpnEndpoint.APPLIANCE, appliance_appliance)
register_shape(VpnEndpoint.DEVICE, VpnEndpoint.DEVICE, device_device)
