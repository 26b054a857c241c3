"""``skyweave ipam show|lock``: read the address plan, and pin it into the stack file.

Pinning is how a site's block survives later edits (see ``planning/ipam.py``): ``lock`` writes
each unpinned site's planned ``cidr`` (and ``ipv6_cidr``) into its entry in
``Pulumi.<stack>.yaml``, editing the file in place so comments and layout stay as they were.
"""

from __future__ import annotations

import json
from typing import Any

from ruamel.yaml import YAML

from .config import NAMESPACE, StackConfig, parse_stack_config
from .errors import ConfigIssue, ProjectError
from .hybrid_vpc import HybridVpcPlan, plan_hybrid_vpc
from .project import Project

__all__ = ["lock", "show"]


def _load(project: Project, stack: str) -> tuple[StackConfig, HybridVpcPlan, str]:
    stack_file = project.read_stack(stack)
    prefix = f"{NAMESPACE}:"
    raw = {k[len(prefix) :]: v for k, v in stack_file.values.items() if k.startswith(prefix)}
    config = parse_stack_config(raw, source=stack_file.label)
    return config, plan_hybrid_vpc(config.hybrid_vpc_args()), stack_file.label


def show(project: Project, stack: str, fmt: str) -> int:
    _, plan, label = _load(project, stack)
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
    _, plan, label = _load(project, stack)
    path = project.stack_path(stack)
    yaml = YAML()
    yaml.preserve_quotes = True
    with path.open(encoding="utf-8") as handle:
        document: Any = yaml.load(handle)
    entries = document["config"][f"{NAMESPACE}:sites"]
    pins = plan.addresses.pins()
    written: list[str] = []
    for index, entry in enumerate(entries):
        site_pins = pins.get(str(entry.get("name")), {})
        for key, value in site_pins.items():
            if key not in entry:
                entry[key] = value
                written.append(f"{NAMESPACE}:sites[{index}].{key} = {value} ({entry['name']})")
            elif str(entry[key]) != value:
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
    if not written:
        print(f"{label}: every site is already pinned; nothing to write")
        return 0
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(document, handle)
    print(f"{label}: pinned {len(written)} block(s):")
    for line in written:
        print(f"  {line}")
    return 0
