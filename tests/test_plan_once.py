"""A preview plans each thing exactly once: one IPAM pass, one shape decision per link, one
capacity plan per app, per Kubernetes fleet and per fleet's workload, one range plan per fleet,
one placement per pool
(the stack loader's plan is the components' plan).

Calls are counted by code object with a profile hook, so a planner is counted however it was
imported or bound — a second call through another name still counts.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from types import CodeType, FrameType
from typing import Any

import pytest
from conftest import ROOT
from skyweave.estate.project import Project
from skyweave.planning import capacity, clusters, ipam, placement, vpn


@contextmanager
def counting(**functions: Any) -> Iterator[Counter[str]]:
    codes: dict[CodeType, str] = {fn.__code__: name for name, fn in functions.items()}
    counts: Counter[str] = Counter()

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event == "call" and frame.f_code in codes:
            counts[codes[frame.f_code]] += 1

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield counts
    finally:
        sys.setprofile(previous)


PLANNERS = {
    "plan_addresses": ipam.plan_addresses,
    "plan_link": vpn.plan_link,
    "shape": vpn._shape,
    "plan_capacity": capacity.plan_capacity,
    "plan_placement": placement.plan_placement,
    "plan_cluster_ranges": clusters.plan_cluster_ranges,
}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_a_preview_plans_each_thing_once(stack: str) -> None:
    from skyweave.engine.preview import preview_stack

    project = Project.find(ROOT)
    with counting(**PLANNERS) as counts:
        run = preview_stack(project, stack)
    links = sum(1 for r in run.resources if r.type == "skyweave:network:VpnLink")
    apps = sum(1 for r in run.resources if r.type == "skyweave:app:MultiCloudApp")
    pools = sum(1 for r in run.resources if r.type == "skyweave:compute:BareMetalPool")
    fleets = sum(1 for r in run.resources if r.type == "skyweave:kubernetes:KubernetesFleet")
    # a fleet's workload sizes its pods with the same planner: one more plan per workload
    workloads = sum(
        1
        for r in run.resources
        if r.type == "skyweave:kubernetes:KubernetesFleet" and run.component_outputs[r.urn].get("workload")
    )
    assert links > 0
    assert counts["plan_addresses"] == 1
    assert counts["plan_link"] == links
    assert counts["shape"] == links
    assert counts["plan_capacity"] == apps + fleets + workloads
    assert counts["plan_cluster_ranges"] == fleets
    assert counts["plan_placement"] == pools


def test_the_counter_sees_a_second_call() -> None:
    """The check could fail: planning the network again is seen."""
    from conftest import stack_raw
    from skyweave.estate.config import parse_stack_config

    with counting(**PLANNERS) as counts:
        config = parse_stack_config(stack_raw("dev"), source="dev")
        from skyweave.network.hybrid_vpc import plan_hybrid_vpc

        plan_hybrid_vpc(config.hybrid_vpc_args())
    assert counts["plan_addresses"] == 2


def test_a_component_refuses_a_plan_made_for_other_arguments() -> None:
    from conftest import run, stack_raw
    from skyweave import HybridVpc, InvalidArgsError, SiteProviders
    from skyweave.estate.config import parse_stack_config

    config = parse_stack_config(stack_raw("dev"), source="dev")
    other = config.hybrid_vpc_args().model_copy(update={"tags": {"changed": "yes"}})

    def program() -> None:
        HybridVpc("core", other, providers=SiteProviders(config.sites), plan=config.plan.network)

    with pytest.raises(InvalidArgsError, match="plan: was made for other arguments"):
        run(program)
