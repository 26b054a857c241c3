"""``skyweave graph``: the site graph, and who can still reach whom when a vendor or site is lost.

Text for a terminal, DOT (Graphviz) and Mermaid for a picture in docs, JSON for tools. Every
format carries each link's shape and tunnel count; text and JSON also answer the outage question
for every single vendor and single site (:meth:`~skyweave.planning.topology.SiteGraph.failures`).
"""

from __future__ import annotations

import json
from typing import Any

from ..network.connectivity import ConnectivityPlan
from ..planning.topology import Partition
from ..planning.vpn import LinkPlan

__all__ = ["render_dot", "render_json", "render_mermaid", "render_text"]


def _label(link: LinkPlan) -> str:
    if not link.tunnels:
        return str(link.shape)
    label = f"{link.shape}, {len(link.tunnels)} tunnel{'s' if len(link.tunnels) != 1 else ''}"
    paths = link.active_paths
    if paths is not None and paths < len(link.tunnels):  # a policy-based end: say what carries traffic
        label += f", {paths} active path{'s' if paths != 1 else ''}"
    return label


def _partition_dict(partition: Partition) -> dict[str, Any]:
    return {
        "lost": partition.lost,
        "removed": list(partition.removed),
        "connected": partition.connected,
        "groups": [list(group) for group in partition.groups],
    }


def render_json(plan: ConnectivityPlan) -> str:
    graph = plan.graph
    doc = {
        "sites": {
            site: {"vendor": vendor, "asn": plan.asns[site]} for site, vendor in sorted(graph.vendors.items())
        },
        "links": {link.id: link.as_dict() for link in plan.links},
        "cut_sites": graph.cut_sites(),
        "failures": [_partition_dict(p) for p in graph.failures()],
    }
    return json.dumps(doc, indent=2)


def render_text(plan: ConnectivityPlan) -> str:
    graph = plan.graph
    lines = [f"Sites ({len(graph.vendors)}):"]
    for site, vendor in sorted(graph.vendors.items()):
        lines.append(f"  {site:<18} {vendor:<10} ASN {plan.asns[site]}")
    lines.append(f"Links ({len(plan.links)}):")
    for link in plan.links:
        note = "" if link.redundant else "  NOT REDUNDANT"
        lines.append(
            f"  {link.a.site:<16} <-> {link.b.site:<16} {link.routing.value:<8} {_label(link)}{note}"
        )
    if not plan.links:
        lines.append("  (none)")
    lines.append("If one of these fails, the surviving sites form:")
    for partition in graph.failures():
        groups = " | ".join(", ".join(group) for group in partition.groups) or "(no sites left)"
        verdict = "connected" if partition.connected else f"PARTITIONED into {len(partition.groups)}"
        lines.append(f"  {partition.lost:<26} {verdict:<24} {groups}")
    cuts = graph.cut_sites()
    lines.append("Cut sites (their loss alone splits the rest): " + (", ".join(cuts) if cuts else "none"))
    return "\n".join(lines)


def _sites_by_vendor(plan: ConnectivityPlan) -> list[tuple[str, list[str]]]:
    """Vendors in name order, each with its sites in name order: the pictures group by vendor."""
    groups: dict[str, list[str]] = {}
    for site, vendor in sorted(plan.graph.vendors.items()):
        groups.setdefault(vendor, []).append(site)
    return sorted(groups.items())


def render_dot(plan: ConnectivityPlan) -> str:
    lines = ["graph estate {", "  node [shape=box];"]
    for vendor, sites in _sites_by_vendor(plan):
        lines += [f'  subgraph "cluster_{vendor}" {{', f'    label="{vendor}";']
        lines += [f'    "{site}";' for site in sites]
        lines.append("  }")
    for link in plan.links:
        style = "" if link.redundant else ", style=dashed, color=red"
        lines.append(f'  "{link.a.site}" -- "{link.b.site}" [label="{_label(link)}"{style}];')
    lines.append("}")
    return "\n".join(lines)


def render_mermaid(plan: ConnectivityPlan) -> str:
    def node(site: str) -> str:
        return site.replace("-", "_")

    lines = ["flowchart LR"]
    for vendor, sites in _sites_by_vendor(plan):
        lines.append(f"  subgraph {vendor}")
        lines += [f'    {node(site)}["{site}"]' for site in sites]
        lines.append("  end")
    for link in plan.links:
        arrow = "---" if link.redundant else "-.-"
        lines.append(f'  {node(link.a.site)} {arrow}|"{_label(link)}"| {node(link.b.site)}')
    return "\n".join(lines)
