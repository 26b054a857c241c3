"""``skyweave ipam show|lock``: read the address plan, and pin it into the stack file.

Pinning is how a site's block survives later edits (see ``planning/ipam.py``): ``lock`` writes
each unpinned site's planned ``cidr`` (and ``ipv6_cidr``) and BGP ``asn`` into its entry, and each
link's tunnel block into ``network.tunnel_blocks``, in ``Pulumi.<stack>.yaml``; it removes the
tunnel pins of links the plan no longer builds (a site removed takes its links' pins with it).

Both commands work on a stack whose sites are not pinned yet even when ``ipam.require_pins`` is
true: ``lock`` is that rule's remedy, so the rule cannot refuse it. ``lock`` inserts the pins as
text at the positions the YAML parser reports (:class:`skyweave.core.files.YamlText`), so every other
byte of the file — comments, header comments, quoting, ``secure:`` values, anchors, line endings —
stays as it was, then re-reads the result and refuses to write unless it is exactly the old data
plus the pins (less the stale ones). ``--dry-run`` prints the diff, ``--check`` exits 4 when
anything is unpinned or stale (for CI); a real write holds ``Pulumi.<stack>.yaml.lock`` and
replaces the file atomically (:func:`skyweave.core.files.write_atomically`), so Ctrl-C, a full
disk or a second run never leaves a truncated or clobbered stack file.
"""

from __future__ import annotations

import contextlib
import copy
import json
import sys
from collections.abc import Mapping
from typing import Any

from .. import files
from ..core.errors import ConfigError, ConfigIssue, ProjectError
from ..estate.config import NAMESPACE, StackConfig, parse_stack_config
from ..estate.project import Project
from ..kubernetes.fleet import FleetPlan
from ..network.hybrid_vpc import HybridVpcPlan
from .exit_codes import EXIT_OK, EXIT_REQUIREMENT
from .style import fit, table, terminal_width

__all__ = ["load_plan", "lock", "show"]


def load_plan(
    project: Project,
    stack: str,
    *,
    for_pinning: bool = False,
    document: files.YamlDocument | None = None,
) -> tuple[StackConfig, HybridVpcPlan, str]:
    """The stack's configuration and network plan.

    ``for_pinning``: plan as if ``ipam.require_pins`` were false, for ``ipam show`` and ``ipam
    lock`` (which show and record what the rule asks for); everything else is checked as ever.
    """
    stack_file = project.read_stack(stack, document)
    prefix = f"{NAMESPACE}:"
    raw = {k[len(prefix) :]: v for k, v in stack_file.values.items() if k.startswith(prefix)}
    if for_pinning and isinstance(raw.get("ipam"), dict):
        raw["ipam"] = {**raw["ipam"], "require_pins": False}
    if for_pinning:
        raw = _without_stale_pins(raw, source=stack_file.label, stack=stack)
    config = parse_stack_config(raw, source=stack_file.label, stack=stack)
    return config, config.plan.network, stack_file.label


def _without_stale_pins(raw: dict[str, Any], *, source: str, stack: str) -> dict[str, Any]:
    """``raw`` without the tunnel pins of links the plan no longer builds: a site removed (its
    links with it), a link left out of the topology, or one that no longer has inside addresses.

    A preview refuses such a pin (it would be ignored, and silently renumber the link if the
    site came back); ``lock`` removes it, since removing the site was the user's decision. A pin
    under a link's id written the wrong way round is kept, so the preview's "did you mean"
    still says which link it was meant for.
    """
    network = raw.get("network")
    pins = network.get("tunnel_blocks") if isinstance(network, dict) else None
    if not isinstance(network, dict) or not isinstance(pins, dict) or not pins:
        return raw
    bare = {**raw, "network": {**network, "tunnel_blocks": {}}}
    try:
        links = parse_stack_config(bare, source=source, stack=stack).plan.network.connectivity.links
    except ConfigError:
        return raw  # what else is wrong is reported with the pins as they are
    built = {link.id for link in links if link.needs_inside_addresses}

    def stale(key: object) -> bool:
        parts = str(key).split("/")
        return len(parts) == 2 and str(key) not in built and "/".join(reversed(parts)) not in built

    kept = {k: v for k, v in pins.items() if not stale(k)}
    return raw if len(kept) == len(pins) else {**raw, "network": {**network, "tunnel_blocks": kept}}


def show(project: Project, stack: str, fmt: str) -> int:
    _, plan, label = load_plan(project, stack, for_pinning=True)
    data = plan.as_dict()
    if fmt == "json":
        print(json.dumps(data, indent=2))
        return 0
    print(f"Address plan of {label} (supernet {data['supernet']})")
    rows: list[tuple[str, ...]] = []
    loose = [name for name, site in data["sites"].items() if not site["pinned"]]
    for name, site in data["sites"].items():
        pin = "pinned" if site["pinned"] else "NOT PINNED"
        rows.append((name, site["vendor"], "", ", ".join(site["cidrs"]), "", site.get("ipv6_cidr", ""), pin))
        for key, sub in site["subnets"].items():
            rows.append(("", "", key, sub["cidr"], sub["zone"] or "", sub.get("ipv6_cidr", ""), ""))
    width = terminal_width()
    for line in table(_SHOW_HEADER, rows, width):
        print(line)
    if loose:
        for line in fit(f"NOT PINNED: {', '.join(loose)} (run `skyweave ipam lock --stack {stack}`)", width):
            print(line)
    return 0


#: The columns of ``ipam show``: a site's row, then one row per subnet.
_SHOW_HEADER = ("site", "vendor", "subnet", "ipv4", "zone", "ipv6", "pinned")


def lock(project: Project, stack: str, *, dry_run: bool = False, check: bool = False) -> int:
    """Pin every planned block that is not pinned yet; report what was (or would be) written."""
    path = project.stack_path(stack)
    if not files.file_exists(path, project.label(path)):
        project.read_stack(stack)  # raises the "no stack file" error, listing the stacks there
    writing = not (dry_run or check)

    def note(text: str) -> None:
        print(f"note: {text}", file=sys.stderr)

    with files.exclusive(path, project.label(path), note=note) if writing else contextlib.nullcontext():
        document = project.read_stack_document(stack, positions=True)
        config, plan, label = load_plan(project, stack, for_pinning=True, document=document)
        edits, written, expected = _pin_edits(
            document, project.name, plan, set(config.network.tunnel_blocks), config.plan.fleets
        )
        if not written:
            message = f"{label}: every site and link is already pinned; nothing to write"
            print(message, file=sys.stderr if dry_run else sys.stdout)
            return EXIT_OK
        text = files.YamlText(document.text)
        after = text.apply(edits)
        reread, _ = files.load_yaml(after, label, error=ProjectError, strip=("config",))
        if reread != expected:
            raise ProjectError(
                [
                    ConfigIssue(
                        label,
                        "could not insert the pins without changing anything else (please report "
                        "this); nothing was written. Pin by hand: " + "; ".join(written),
                        has_value=False,
                    )
                ]
            )
        if check:
            print(f"{label}: {_count(written)} (run `skyweave ipam lock --stack {stack}`):")
            for line in written:
                print(f"  {line}")
            return EXIT_REQUIREMENT
        if dry_run:
            print(files.unified_diff(label, document.text, after), end="")
            print(f"{label}: dry run: {_count(written, would=True)}; nothing written", file=sys.stderr)
            return EXIT_OK
        files.write_atomically(path, label, after.encode("utf-8"), expected=document.raw)
    print(f"{label}: {_count(written, done=True)}:")
    for line in written:
        print(f"  {line}")
    return EXIT_OK


#: How a line of ``written`` says a stale pin is removed rather than a value pinned.
_REMOVED = "removed: "


def _count(written: list[str], *, would: bool = False, done: bool = False) -> str:
    """``26 value(s) not pinned``, ``pinned 3 value(s), removed 2 stale pin(s)`` …"""
    removed = sum(line.startswith(_REMOVED) for line in written)
    pinned = len(written) - removed
    if done or would:
        parts = [f"pinned {pinned} value(s)"] if pinned else []
        parts += [f"removed {removed} stale pin(s)"] if removed else []
        text = ", ".join(parts)
        return text.replace("pinned", "would pin", 1).replace("removed", "would remove", 1) if would else text
    parts = [f"{pinned} value(s) not pinned"] if pinned else []
    parts += [f"{removed} stale pin(s) to remove"] if removed else []
    return ", ".join(parts)


def _pin_edits(
    document: files.YamlDocument,
    project_name: str,
    plan: HybridVpcPlan,
    kept_pins: set[str],
    fleets: Mapping[str, FleetPlan] | None = None,
) -> tuple[list[files.TextEdit], list[str], Any]:
    """(the text edits, a line per pinned value or removed stale pin, the document's data once
    pinned). ``kept_pins``: the recorded tunnel pins the plan keeps (the others are stale);
    ``fleets``: each KubernetesFleet's plan, whose clusters' pod and service ranges are pinned as
    site blocks are (EKS, GKE and AKS fix both when a cluster is created)."""
    label = document.label
    text = files.YamlText(document.text)
    data = copy.deepcopy(document.data)
    config = data["config"]
    config_node = document.root.get("config") if document.root is not None else None
    if config_node is None:
        raise ProjectError([ConfigIssue(label, "has no `config:` mapping to pin into", has_value=False)])

    def find(full: str) -> tuple[Any, files.Node | None]:
        """The key (as written) whose full name is ``full``, and its value's node."""
        assert config_node is not None
        for key_node, value_node in config_node.pairs:
            key = str(key_node.value)
            if (key if ":" in key else f"{project_name}:{key}") == full:
                return key_node.value, value_node
        for key in config:
            name = str(key)
            if (name if ":" in name else f"{project_name}:{name}") == full:
                return key, None  # from a `<<` merge: not written in this mapping
        return None, None

    def refuse(where: str, why: str) -> ProjectError:
        return ProjectError(
            [ConfigIssue(where, f"{why}; add the pins by hand", has_value=False)], source=label
        )

    edits: list[files.TextEdit] = []
    written: list[str] = []
    sites_key, sites_node = find(f"{NAMESPACE}:sites")
    pins = plan.addresses.pins()
    for index, entry in enumerate(config[sites_key]):
        name = str(entry.get("name"))
        where = f"{NAMESPACE}:sites[{index}]"
        missing: list[tuple[str, Any]] = []
        for key, value in {**pins.get(name, {}), "asn": plan.connectivity.asns[name]}.items():
            if key not in entry:
                missing.append((key, value))
                written.append(f"{where}.{key} = {value} ({name})")
            elif str(entry[key]) != str(value):
                raise ProjectError(
                    [ConfigIssue(f"{where}.{key}", f"pinned, but the plan says {value}", entry[key])],
                    source=label,
                )
        if not missing:
            continue
        if sites_node is None or sites_node.alias or index >= len(sites_node.items):
            raise refuse(f"{NAMESPACE}:sites", "the list is an alias or comes from a merge key (<<)")
        edits.append(text.add_to_mapping(sites_node.items[index], missing, label=label, path=where))
        entry.update(missing)

    fleets_key, fleets_node = find(f"{NAMESPACE}:kubernetes")
    for index, fleet in enumerate(config.get(fleets_key) or [] if fleets_key is not None else []):
        fleet_plan = (fleets or {}).get(str(fleet.get("name")))
        if fleet_plan is None:
            continue
        ranges = {c.site.name: c.ranges for c in fleet_plan.clusters}
        fleet_node = (
            fleets_node.items[index]
            if fleets_node is not None and not fleets_node.alias and index < len(fleets_node.items)
            else None
        )
        clusters_node = fleet_node.get("clusters") if fleet_node is not None else None
        for number, entry in enumerate(fleet.get("clusters") or []):
            where = f"{NAMESPACE}:kubernetes[{index}].clusters[{number}]"
            got = ranges.get(str(entry.get("site")))
            if got is None:
                continue
            wanted = {"pod_cidr": got.pod, "service_cidr": got.service}
            missing = [
                (key, str(value)) for key, value in wanted.items() if value is not None and key not in entry
            ]
            if not missing:
                continue
            written += [f"{where}.{key} = {value} ({entry.get('site')})" for key, value in missing]
            if clusters_node is None or clusters_node.alias or number >= len(clusters_node.items):
                raise refuse(f"{where}", "the list is an alias or comes from a merge key (<<)")
            edits.append(text.add_to_mapping(clusters_node.items[number], missing, label=label, path=where))
            entry.update(missing)

    blocks = {link.id: str(link.block) for link in plan.connectivity.links if link.block is not None}
    network_key, network_node = find(f"{NAMESPACE}:network")
    network = config.get(network_key) if network_key is not None else None
    recorded = network.get("tunnel_blocks") if isinstance(network, dict) else None
    links = [(link, block) for link, block in blocks.items() if link not in (recorded or {})]
    old_pins: dict[Any, Any] = recorded if isinstance(recorded, dict) else {}
    stale = [key for key in old_pins if str(key) not in kept_pins]
    for key in stale:
        written.append(f"{_REMOVED}{NAMESPACE}:network.tunnel_blocks.{key} = {old_pins[key]} (no such link)")
    for link, block in links:
        written.append(f"{NAMESPACE}:network.tunnel_blocks.{link} = {block}")
    if stale:
        where = f"{NAMESPACE}:network.tunnel_blocks"
        blocks_node = network_node.get("tunnel_blocks") if network_node is not None else None
        if blocks_node is None:
            raise refuse(where, "it comes from a merge key (<<)")
        emptied = "" if links else "{}"
        edits += text.remove_from_mapping(blocks_node, stale, label=label, path=where, emptied=emptied)
        for key in stale:
            del old_pins[key]
    if links and network_key is None:
        new = {"tunnel_blocks": dict(links)}
        # written like the file's own sites key: `network` if it says `sites`, else namespaced
        key = "network" if ":" not in str(sites_key) else f"{NAMESPACE}:network"
        edits.append(text.add_to_mapping(config_node, [(key, new)], label=label, path="config"))
        config[key] = new
    elif links:
        where = f"{NAMESPACE}:network"
        if network_node is None or not isinstance(network, dict):
            raise refuse(where, "it comes from a merge key (<<) or is not a mapping")
        if recorded is None:
            edits.append(
                text.add_to_mapping(network_node, [("tunnel_blocks", dict(links))], label=label, path=where)
            )
            network["tunnel_blocks"] = dict(links)
        else:
            blocks_node = network_node.get("tunnel_blocks")
            if blocks_node is None or not isinstance(recorded, dict):
                raise refuse(f"{where}.tunnel_blocks", "it comes from a merge key (<<) or is not a mapping")
            edits.append(text.add_to_mapping(blocks_node, links, label=label, path=f"{where}.tunnel_blocks"))
            recorded.update(links)
    return edits, written, data
