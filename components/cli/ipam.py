"""``skyweave ipam show|lock``: read the address plan, and pin it into the stack file.

Pinning is how a site's block survives later edits (see ``planning/ipam.py``): ``lock`` writes
each unpinned site's planned ``cidr`` (and ``ipv6_cidr``) and BGP ``asn`` into its entry, and each
link's tunnel block into ``network.tunnel_blocks``, in ``Pulumi.<stack>.yaml`` — editing the file in
place so comments and layout stay as they were.
"""

from __future__ import annotations

import json
from typing import Any

from ruamel.yaml import YAML

from ..core.errors import ConfigIssue, ProjectError
from ..estate.config import NAMESPACE, StackConfig, parse_stack_config
from ..estate.project import Project
from ..network.hybrid_vpc import HybridVpcPlan, plan_hybrid_vpc

__all__ = ["load_plan", "lock", "show"]


def load_plan(project: Project, stack: str) -> tuple[StackConfig, HybridVpcPlan, str]:
    stack_file = project.read_stack(stack)
    prefix = f"{NAMESPACE}:"
    raw = {k[len(prefix) :]: v for k, v in stack_file.values.items() if k.startswith(prefix)}
    config = parse_stack_config(raw, source=stack_file.label)
    return config, plan_hybrid_vpc(config.hybrid_vpc_args(), connectivity_path="network"), stack_file.label


def show(project: Project, stack: str, fmt: str) -> int:
    _, plan, label = load_plan(project, stack)
    data = plan.as_dict()
    if fmt == "json":
        print(json.dumps(data, indent=2))
        return 0
    print(f"Address plan of {label} (supernet {data['supernet']})")
    for name, site in data["sites"].items():
        pin = "pinned" if site["pinned"] else "NOT PINNED (run `skyweave ipam lock`)"
        print(f"  {name:<16} {site['vendor']:<10} {', '.join(site['cidrs']):<34} {pin}")
        for key, sub in site["subnets"].items():
            zone = f"  {sub['zone']}" if sub["zone"] else ""
            v6 = f"  {sub['ipv6_cidr']}" if "ipv6_cidr" in sub else ""
            print(f"      {key:<12} {sub['cidr']:<18}{zone}{v6}")
    return 0


def lock(project: Project, stack: str) -> int:
    """Pin every planned block that is not pinned yet; report what was written."""
    _, plan, label = load_plan(project, stack)
    path = project.stack_path(stack)
    yaml = YAML()
    yaml.preserve_quotes = True
    with path.open(encoding="utf-8") as handle:
        document: Any = yaml.load(handle)
    entries = document["config"][f"{NAMESPACE}:sites"]
    pins = plan.addresses.pins()
    written: list[str] = []
    for index, entry in enumerate(entries):
        name = str(entry.get("name"))
        site_pins: dict[str, Any] = {**pins.get(name, {}), "asn": plan.connectivity.asns[name]}
        for key, value in site_pins.items():
            if key not in entry:
                entry[key] = value
                written.append(f"{NAMESPACE}:sites[{index}].{key} = {value} ({entry['name']})")
            elif str(entry[key]) != str(value):
                raise ProjectError(
                    [
                        ConfigIssue(
                            f"{NAMESPACE}:sites[{index}].{key}",
                            f"pinned, but the plan says {value}",
                            entry[key],
                        )
                    ],
                    source=label,
                )
    blocks = {link.id: str(link.block) for link in plan.connectivity.links if link.block is not None}
    network = document["config"].setdefault(f"{NAMESPACE}:network", {})
    recorded = network.setdefault("tunnel_blocks", {})
    for link, block in blocks.items():
        if link not in recorded:
            recorded[link] = block
            written.append(f"{NAMESPACE}:network.tunnel_blocks.{link} = {block}")
    if not recorded:
        del network["tunnel_blocks"]
    if not network:
        del document["config"][f"{NAMESPACE}:network"]
    if not written:
        print(f"{label}: every site and link is already pinned; nothing to write")
        return 0
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(document, handle)
    print(f"{label}: pinned {len(written)} value(s):")
    for line in written:
        print(f"  {line}")
    return 0
