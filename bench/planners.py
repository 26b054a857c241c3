"""The pure planners at 10,000 sites (target: each under 1 s), measured in-process.

Each planner gets an input of the size a 10,000-site estate gives it, built the way the stack
loader builds it, and is timed ``repeat`` times after one untimed warm-up. Where a planner's
input is bounded by something physical (169.254.0.0/16 holds 2,041 usable /27 tunnel blocks,
the private 2-byte ASN range holds 1,023 numbers), the benchmark runs it at that bound and says so.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import time
from collections.abc import Callable
from typing import Any

from .measure import Samples

__all__ = ["PLANNERS", "measure"]

SITES = 10_000
_VENDORS = ("aws", "gcp", "openstack", "onprem")


def _ipam(n: int) -> Callable[[], object]:
    from skyweave.planning.ipam import Reservation, SiteSpec, SubnetSlot, plan_addresses

    supernet = ipaddress.ip_network("10.0.0.0/8")
    subnets = tuple(
        SubnetSlot(f"{tier}-{z}", slot, 26, z, tier)
        for slot, (tier, z) in enumerate(
            [("public", "a"), ("private", "a"), ("public", "b"), ("private", "b")]
        )
    )
    specs = []
    for i in range(n):
        # Every other site pinned (as after `skyweave ipam lock`), the rest placed first-fit.
        pin = ipaddress.ip_network((int(supernet.network_address) + i * 1024, 22)) if i % 2 == 0 else None
        specs.append(SiteSpec(f"site-{i}", f"sites[{i}]", 22, pin, subnets=subnets))
    reserved = [Reservation(ipaddress.ip_network("10.255.0.0/16"), "reserved")]
    return lambda: plan_addresses(supernet, specs, reserved=reserved)


def _tunnels(n: int) -> Callable[[], object]:
    from skyweave.planning.topology import link_id
    from skyweave.planning.tunnels import plan_tunnel_blocks

    # The range holds 2,048 /27s, 7 of them touched by AWS's reserved /30s: 2,041 links at most.
    links = [link_id("hub-a", f"site-{i}") for i in range(min(n, 2_000))]
    pins = {link: block for link, block in list(plan_tunnel_blocks(links, {}).items())[::2]}
    return lambda: plan_tunnel_blocks(links, pins)


def _asns(n: int) -> Callable[[], object]:
    from skyweave.planning.asn import AsnRequest, assign_asns

    # 1,000 sites derive a 2-byte ASN from their name (the range holds 1,023); the rest are pinned.
    requests = [
        AsnRequest(f"site-{i}", f"sites[{i}].asn", None if i < 1_000 else 4_200_000_000 + i) for i in range(n)
    ]
    return lambda: assign_asns(requests)


def _graph(n: int) -> Callable[[], object]:
    from skyweave.planning.topology import SiteGraph, Topology, plan_links

    names = [f"site-{i:05d}" for i in range(n)]
    vendors = {name: _VENDORS[i % 4] for i, name in enumerate(names)}

    def run() -> object:
        links = plan_links(names, Topology.HUB_SPOKE, hubs=names[:2])
        graph = SiteGraph(vendors, links)
        return graph.cut_sites(), graph.groups(), [graph.lose_vendor(v) for v in _VENDORS]

    return run


def _placement(n: int) -> Callable[[], object]:
    from skyweave.planning.failure import FailureKind
    from skyweave.planning.placement import Domain, plan_placement

    domains = [
        Domain(f"src-{i}", f"site-{i}", _VENDORS[i % 4], f"r{i % 7}", zone, 4 if i % 4 == 3 else None)
        for i in range(n)
        for zone in ("a", "b")
    ]
    return lambda: plan_placement(n, domains, min_healthy=n * 7 // 10, survive=FailureKind.VENDOR)


def _capacity(n: int) -> Callable[[], object]:
    from skyweave.planning.capacity import SiteZones, plan_capacity
    from skyweave.planning.failure import FailureKind

    sites = [SiteZones(f"site-{i}", _VENDORS[i % 4], f"r{i % 7}", ("a", "b"), 1) for i in range(n)]
    return lambda: (
        plan_capacity(sites, min_healthy=2 * n, survive=FailureKind.VENDOR),
        plan_capacity(sites, min_healthy=2 * n, survive=FailureKind.ZONE),
    )


#: How many sites one app spans in the app benchmark (see APP_SITES in docs/benchmarks.md).
APP_SITES = 100
#: The AWS image of the app benchmark: AWS sites span regions, so an SSM parameter, not an AMI id.
AL2023 = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"


def _app(n: int, app_sites: int = APP_SITES) -> Callable[[], object]:
    """One app on ``app_sites`` cloud sites of an ``n``-site estate.

    The app's own availability model enumerates vendor states and convolves its sites'
    capacities once per single-site failure (O(sites^2 x capacity)), so it is measured on an
    app of ``app_sites`` sites, not on all 10,000: docs/benchmarks.md gives its growth.
    """
    from skyweave.app.plan import MultiCloudAppArgs, plan_multi_cloud_app
    from skyweave.estate.config import parse_stack_config

    from .estate import site_entries

    entries = site_entries(n)
    config = parse_stack_config(
        {
            "network": {"topology": "none"},
            "ipam": {"supernet": "10.0.0.0/8", "site_prefix": 22, "subnet_prefix": 26},
            "sites": entries,
        },
        source="bench",
    )
    chosen = [s for s in entries if s["vendor"] in ("aws", "gcp", "openstack")][:app_sites]
    args = MultiCloudAppArgs(
        sites=tuple(s["name"] for s in chosen),
        # AWS sites in several regions: a parameter each region resolves (an AMI id is one region's)
        images={"aws": AL2023, "gcp": "debian-12", "openstack": "image-1"},
        sizes={"aws": "m6i.large", "gcp": "n2-standard-2", "openstack": "m1.large"},
        min_healthy=2 * len(chosen),
        availability={s["name"]: 0.995 for s in chosen if s["vendor"] == "openstack"},
    )
    return lambda: plan_multi_cloud_app(args, config.sites)


def _stack_config(n: int) -> Callable[[], object]:
    from skyweave.estate.config import parse_stack_config

    from .estate import site_entries

    raw = {
        "network": {"topology": "none"},
        "ipam": {"supernet": "10.0.0.0/8", "site_prefix": 22, "subnet_prefix": 26},
        "sites": site_entries(n),
    }
    return lambda: parse_stack_config(raw, source="bench")


#: name → (what is planned, input builder)
PLANNERS: dict[str, tuple[str, Callable[[int], Callable[[], object]]]] = {
    "ipam": ("plan_addresses: n sites (half pinned, half first-fit), 4 subnets each", _ipam),
    "tunnels": ("plan_tunnel_blocks: 2,000 links (the /16's capacity is 2,041), half pinned", _tunnels),
    "asns": ("assign_asns: n sites, 1,000 derived 2-byte + the rest pinned 4-byte", _asns),
    "topology": ("plan_links hub-spoke + SiteGraph cut_sites, groups, lose each vendor", _graph),
    "placement": ("plan_placement: n bare-metal nodes over 2n domains, survive a vendor", _placement),
    "capacity": ("plan_capacity: n sites x 2 zones, survive a vendor, then a zone", _capacity),
    "app": (f"plan_multi_cloud_app: one app on {APP_SITES} of the n sites (sizing + availability)", _app),
    "stack-config": ("parse_stack_config: validate + plan n sites (no links)", _stack_config),
}


def measure(sites: int = SITES, repeat: int = 3, only: tuple[str, ...] = ()) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, (what, build) in PLANNERS.items():
        if only and name not in only:
            continue
        func = build(sites)
        func()  # warm-up: first-call imports and caches
        samples = []
        for _ in range(repeat):
            start = time.perf_counter()
            func()
            samples.append(time.perf_counter() - start)
        results[name] = {
            "what": what.replace("n sites", f"{sites:,} sites").replace("n bare", f"{sites:,} bare"),
            **Samples(tuple(samples)).as_dict(),
        }
    return {"sites": sites, "planners": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=SITES)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=())
    args = parser.parse_args()
    print(json.dumps(measure(args.sites, args.repeat, tuple(args.only)), indent=2))


if __name__ == "__main__":
    main()
