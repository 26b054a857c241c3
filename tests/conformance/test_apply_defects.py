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
