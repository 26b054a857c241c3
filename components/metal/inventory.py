"""Every bare-metal node as an Ansible inventory: YAML (inventory file) or JSON (``--list`` form).

The data is the pools' ``nodes`` output: name, pool, role, source, site, failure domain and
address. Groups are the pool, ``role_<role>``, ``source_<kind>``, ``site_<site>`` and one per
failure domain, scoped by its site since two sites may name a zone alike: ``zone_<site>_<zone>``,
and for the servers you bring ``room_<site>_<room>`` and ``rack_<site>_<rack>`` — so a play can
roll through one zone or rack at a time. Ansible group names allow only letters, digits and
``_``, not first a digit (Ansible's ``TRANSFORM_INVALID_GROUP_CHARS``); every group starts with
its pool's name or a word. A node whose address the cloud has not
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
from ..core.errors import ConfigError, ConfigIssue

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
            site = str(node["site"])
            domain = {k: v for k, v in dict(node.get("failure_domain") or {}).items() if k != "site"}
            for group in (
                group_name(pool),
                group_name("role", str(node["role"])),
                group_name("source", str(node["source"])),
                group_name("site", site),
                # zone, room, rack …: one group per failure domain, scoped by its site
                *(group_name(str(key), site, str(value)) for key, value in domain.items()),
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


#: What Ansible would template in an inventory variable (Jinja2's delimiters start with ``{``) —
#: and ``%`` for good measure.
_TEMPLATING = re.compile(r"[{%]")
#: A host name as an inventory names a host: what node names are (a template there is refused).
_PLAIN_HOST = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,252}")


class _Unsafe(str):
    """A value Ansible must never template: written with Ansible's ``!unsafe`` tag."""


class _InventoryDumper(yaml.SafeDumper):
    pass


_InventoryDumper.add_representer(
    _Unsafe, lambda dumper, value: dumper.represent_scalar("!unsafe", str(value), style="'")
)


def _plain_hosts(pools: Nodes) -> None:
    for pool, nodes in pools.items():
        for i, node in enumerate(nodes):
            if not _PLAIN_HOST.fullmatch(str(node.get("name"))):
                raise _not_plain(
                    f"{pool}.nodes[{i}].name", "a host name is letters, digits, '.', '_' and '-'"
                )


def _not_plain(path: str, why: str) -> ConfigError:
    return ConfigError(
        [ConfigIssue(path, f"not plain data for an Ansible inventory: {why}", has_value=False)]
    )


def _mark_unsafe(value: Any) -> Any:
    """Every string Ansible could template, tagged ``!unsafe``, as Ansible documents for values
    that must never be templated
    (https://docs.ansible.com/ansible/latest/playbooks_advanced_syntax.html#unsafe-or-raw-strings)."""
    if isinstance(value, dict):
        return {k: _mark_unsafe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mark_unsafe(v) for v in value]
    if isinstance(value, str) and _TEMPLATING.search(value):
        return _Unsafe(value)
    return value


def _templates(value: Any, path: str) -> str | None:
    """The path of the first string Ansible would template, or ``None``."""
    if isinstance(value, dict):
        return next((p for k, v in value.items() if (p := _templates(v, f"{path}.{k}"))), None)
    if isinstance(value, list):
        return next((p for i, v in enumerate(value) if (p := _templates(v, f"{path}[{i}]"))), None)
    return path if isinstance(value, str) and _TEMPLATING.search(value) else None


def render(pools: Nodes, fmt: str) -> str:
    """The inventory as YAML (an inventory file) or JSON (``--list``). Values from a plan are data:
    a host name that is not a plain name is refused; in YAML a value holding ``{`` or ``%`` is
    tagged ``!unsafe``; JSON has no tag, so there such a value is refused, naming where it is."""
    _plain_hosts(pools)
    if fmt == "json":
        doc = ansible_list(pools)
        found = _templates(doc["_meta"]["hostvars"], "hostvars")
        if found is not None:
            raise _not_plain(
                found, "it would be templated by Ansible (use the YAML form, which tags it !unsafe)"
            )
        return json.dumps(doc, indent=2, sort_keys=True)
    header = (
        "# Ansible inventory of the stack's bare-metal pools (skyweave inventory).\n"
        f"# Hosts without ansible_host have no address yet (skyweave_address: {UNKNOWN}).\n"
    )
    body: str = yaml.dump(
        _mark_unsafe(ansible_inventory(pools)),
        Dumper=_InventoryDumper,
        sort_keys=False,
        default_flow_style=False,
    )
    return header + body
