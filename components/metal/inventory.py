"""Every bare-metal node as an Ansible inventory: YAML (inventory file) or JSON (``--list`` form).

The data is the pools' ``nodes`` output: name, pool, role, source, site, failure domain and
address. Groups are the pool, ``role_<role>``, ``source_<kind>`` and ``site_<site>`` (Ansible
group names allow only letters, digits and ``_``). A node whose address the cloud has not
assigned yet (any cloud node in a preview) gets no ``ansible_host`` and shows its address as
``[unknown]``: an inventory never invents an address.

``skyweave inventory --stack NAME`` builds it from an offline preview; after ``pulumi up`` the
stack's ``inventory`` output holds the same structure with real addresses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from ..core.display import UNKNOWN

__all__ = ["ansible_inventory", "ansible_list", "render"]


Nodes = Mapping[str, Sequence[Mapping[str, Any]]]


def group_name(*parts: str) -> str:
    """An Ansible-safe group name: ``site_onprem_fra``."""
    return re.sub(r"[^A-Za-z0-9_]", "_", "_".join(parts))


def _known(address: Any) -> bool:
    return isinstance(address, str) and bool(address) and address != UNKNOWN


def hostvars(node: Mapping[str, Any]) -> dict[str, Any]:
    """What Ansible knows about one node: how to reach it, and where it is."""
    address = node.get("address")
    out: dict[str, Any] = {}
    if _known(address):
        out["ansible_host"] = address
    if node.get("ssh_user"):
        out["ansible_user"] = node["ssh_user"]
    out.update(
        {
            "skyweave_pool": node["pool"],
            "skyweave_role": node["role"],
            "skyweave_source": node["source"],
            "skyweave_site": node["site"],
            "skyweave_vendor": node["vendor"],
            "skyweave_region": node["region"],
            "skyweave_zone": node["zone"],
            "skyweave_failure_domain": dict(node.get("failure_domain") or {}),
            "skyweave_address": address if _known(address) else UNKNOWN,
        }
    )
    return out


def _groups(pools: Nodes) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for pool, nodes in pools.items():
        for node in nodes:
            name = str(node["name"])
            for group in (
                group_name(pool),
                group_name("role", str(node["role"])),
                group_name("source", str(node["source"])),
                group_name("site", str(node["site"])),
            ):
                members = groups.setdefault(group, [])
                if name not in members:
                    members.append(name)
    return dict(sorted(groups.items()))


def _all_hosts(pools: Nodes) -> dict[str, dict[str, Any]]:
    hosts: dict[str, dict[str, Any]] = {}
    for nodes in pools.values():
        for node in nodes:
            hosts[str(node["name"])] = hostvars(node)
    return hosts


def ansible_inventory(pools: Nodes) -> dict[str, Any]:
    """The YAML inventory structure: ``all.children.<group>.hosts.<host>``; host vars once, in
    the pool's group."""
    hosts = _all_hosts(pools)
    children: dict[str, Any] = {}
    pool_groups = {group_name(p) for p in pools}
    for group, members in _groups(pools).items():
        if group in pool_groups:
            children[group] = {"hosts": {h: hosts[h] for h in members}}
        else:
            children[group] = {"hosts": {h: None for h in members}}
    return {"all": {"children": children}}


def ansible_list(pools: Nodes) -> dict[str, Any]:
    """The JSON an inventory script returns for ``--list`` (what ``ansible-inventory --list`` prints)."""
    groups = _groups(pools)
    doc: dict[str, Any] = {"_meta": {"hostvars": _all_hosts(pools)}, "all": {"children": list(groups)}}
    for group, members in groups.items():
        doc[group] = {"hosts": members}
    return doc


def render(pools: Nodes, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(ansible_list(pools), indent=2, sort_keys=True)
    header = (
        "# Ansible inventory of the stack's bare-metal pools (skyweave inventory).\n"
        f"# Hosts without ansible_host have no address yet (skyweave_address: {UNKNOWN}).\n"
    )
    body: str = yaml.safe_dump(ansible_inventory(pools), sort_keys=False, default_flow_style=False)
    return header + body
