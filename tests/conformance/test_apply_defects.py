"""One test per apply-time defect found in the example estate (issue 13), each failing before its fix.

The general checks live in test_apply_order (every precondition row on every estate); these pin
the specific cases the issue names, in the example stacks, so a regression names its defect.
"""

from __future__ import annotations

from conformance_harness import estate
from preconditions import PRECONDITIONS, violations

_ROWS = {row.key: row for row in PRECONDITIONS}


def test_the_two_directions_of_a_gcp_peering_are_serial() -> None:
    """Defect 2: both directions touch both networks, and use two providers (two processes)."""
    prod = estate("prod")
    there, back = prod.of_type("gcp:compute/networkPeering:NetworkPeering")
    assert there.provider != back.provider
    assert prod.ordered(there.urn, back.urn) or prod.ordered(back.urn, there.urn)


def test_peerings_of_three_gcp_networks_run_one_at_a_time_per_network() -> None:
    """Defect 2, across links: a network peered with two others has four peering operations."""
    gen = estate("gen-1")
    assert len(gen.of_type("gcp:compute/networkPeering:NetworkPeering")) == 6
    assert not list(violations(gen, (_ROWS["gcp-peerings-on-a-network-are-serial"],)))


def test_every_vpnaas_site_connection_comes_after_its_subnets_router_port() -> None:
    """Defect 4: neutron-vpnaas refuses a connection whose local subnet has no router port."""
    prod = estate("prod")
    (port,) = [
        r
        for r in prod.of_type("openstack:networking/routerInterface:RouterInterface")
        if r.name == "core-router-if-os-dc1-main"
    ]
    connections = prod.of_type("openstack:vpnaas/siteConnection:SiteConnection")
    assert connections and all(prod.ordered(port.urn, c.urn) for c in connections)


def test_the_octavia_floating_ip_comes_after_the_router_port_of_its_vip_subnet() -> None:
    """Defect 4: Neutron cannot reach the external network from the VIP subnet until then."""
    prod = estate("prod")
    (fip,) = prod.of_type("openstack:networking/floatingIp:FloatingIp")
    assert not list(violations(prod, (_ROWS["floating-ip-needs-router-port"],))), fip.name
