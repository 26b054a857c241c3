"""Scheduler rules a plan must respect, as data with their source, checked on every estate.

Not an ordering: a placement the cloud's scheduler can never satisfy fails at ``pulumi up`` with
NoValidHost however the resources are ordered.
"""

from __future__ import annotations

import pytest
from conformance_harness import GENERATED, STACKS, estate

#: Nova's anti-affinity filter compares the *nova-compute service host* of a candidate with the
#: hosts the group already uses. Ironic nodes are scheduled through nova-compute services that each
#: serve many nodes, so a hard anti-affinity group can place at most one node per service; skyweave
#: cannot know how a cloud maps nodes to services, so it must never put two Ironic nodes in one.
IRONIC_HARD_ANTI_AFFINITY = {
    "rule": "a server group with policy anti-affinity holds at most one Ironic (bare-metal flavor) server",
    "source": "openstack/nova nova/scheduler/filters/affinity_filter.py: _GroupAntiAffinityFilter."
    "host_passes compares host_state.host (the nova-compute service) with the group's hosts "
    "(https://opendev.org/openstack/nova/src/branch/master/nova/scheduler/filters/affinity_filter.py)",
}


def _bare_metal_flavors(e):  # type: ignore[no-untyped-def]
    """Ids of flavors that request an Ironic resource class (resources:CUSTOM_*=1)."""
    return {
        e.ids[f.urn]
        for f in e.of_type("openstack:compute/flavor:Flavor")
        if any(k.startswith("resources:CUSTOM_") for k in e.inputs(f.urn).get("extraSpecs", {}))
    }


def _is_ironic(e, server) -> bool:  # type: ignore[no-untyped-def]
    """A server on a bare-metal flavor: one skyweave created for a resource class, or a pool's
    server on a named flavor (BareMetalPool servers carry ``skyweave-pool`` metadata)."""
    inputs = e.inputs(server.urn)
    return inputs.get("flavorId") in _bare_metal_flavors(e) or "skyweave-pool" in inputs.get("metadata", {})


@pytest.mark.parametrize("name", (*STACKS, *GENERATED))
def test_no_hard_anti_affinity_group_holds_two_ironic_nodes(name: str) -> None:
    e = estate(name)
    crowded = {}
    for group in e.of_type("openstack:compute/serverGroup:ServerGroup"):
        if e.inputs(group.urn).get("policies") != "anti-affinity":
            continue
        members = [
            s.name
            for s in e.of_type("openstack:compute/instance:Instance")
            if _is_ironic(e, s)
            and any(h.get("group") == e.ids[group.urn] for h in e.inputs(s.urn).get("schedulerHints", []))
        ]
        if len(members) > 1:
            crowded[group.name] = members
    rule = IRONIC_HARD_ANTI_AFFINITY
    assert not crowded, f"{rule['rule']} ({rule['source']}): {crowded}"
