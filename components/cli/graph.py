"""``skyweave graph``: the site graph, and who can still reach whom when a vendor or site is lost.

Text for a terminal, DOT (Graphviz) and Mermaid for a picture in docs, JSON for tools. Every
format carries each link's shape and tunnel count; text and JSON also answer the outage question
for every single vendor and single site (:meth:`~skyweave.planning.topology.SiteGraph.failures`).

The renderers read a :class:`GraphView`: plain data built from a connectivity plan (a stack file's
estate) or from HybridVpc's ``layout`` and ``links`` outputs (an estate built in code, or a preview
JSON), so both give the same picture.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.escape import terminal
from ..engine.preview_json import network_outputs
from ..network.connectivity import ConnectivityPlan
from ..planning.topology import Partition, SiteGraph

if TYPE_CHECKING:
    from ..engine.offline import OfflineRun
    from ..engine.preview_json import PreviewDoc

__all__ = [
    "GraphView",
    "LinkView",
    "graph_of_preview",
    "graph_of_run",
    "render_dot",
    "render_json",
    "render_mermaid",
    "render_text",
]

#: How each routing kind is named and drawn (DOT edge attributes); non-redundant links are red.
KINDS: dict[str, tuple[str, str]] = {
    "peering": ("peering", 'color="#1f5fa8", penwidth=3'),
    "bgp": ("BGP VPN", 'color="#2b7a0b", penwidth=2'),
    "static": ("static VPN", 'color="#7a5a00", penwidth=2, style=dashed'),
}
_NOT_REDUNDANT = "color=red, fontcolor=red, style=dashed, penwidth=2"


@dataclass(frozen=True)
class LinkView:
    """One link as the pictures need it."""

    id: str
    a: str
    b: str
    shape: str
    routing: str
    tunnels: int
    redundant: bool
    data: Mapping[str, Any]

    @property
    def kind(self) -> str:
        return KINDS.get(self.routing, (self.routing, ""))[0]


@dataclass(frozen=True)
class GraphView:
    """Sites (vendor, ASN) and links: everything ``skyweave graph`` prints."""

    vendors: Mapping[str, str]
    asns: Mapping[str, int]
    links: tuple[LinkView, ...]

    @property
    def graph(self) -> SiteGraph:
        return SiteGraph(
            self.vendors,
            [(link.a, link.b) for link in self.links],
            single_path=[
                (link.a, link.b) for link in self.links if not link.redundant and link.routing != "peering"
            ],
        )

    @classmethod
    def from_plan(cls, plan: ConnectivityPlan) -> GraphView:
        return cls(
            vendors=dict(plan.graph.vendors),
            asns=dict(plan.asns),
            links=tuple(_link(link.id, link.as_dict()) for link in plan.links),
        )

    @classmethod
    def from_outputs(cls, layout: Mapping[str, Any], links: Mapping[str, Any]) -> GraphView:
        """From a HybridVpc's ``layout`` and ``links`` outputs (as a preview records them)."""
        vendors = {name: str(site["vendor"]) for name, site in (layout.get("sites") or {}).items()}
        asns = {name: int(asn) for name, asn in (links.get("asns") or {}).items()}
        return cls(
            vendors=vendors,
            asns=asns,
            links=tuple(_link(str(i), data) for i, data in (links.get("links") or {}).items()),
        )


def graph_of_preview(doc: PreviewDoc) -> GraphView:
    """The site graph of a saved preview (``graph --from-json``)."""
    return _graph(doc.resources, doc.component_outputs, doc.label)


def graph_of_run(run: OfflineRun, label: str) -> GraphView:
    """The site graph an offline run built (for an estate built in code)."""
    return _graph([r.as_dict() for r in run.resources], run.component_outputs, label)


def _graph(
    rows: Sequence[Mapping[str, Any]], component_outputs: Mapping[str, Mapping[str, Any]], label: str
) -> GraphView:
    """The HybridVpc's graph, or, without one, the sites and links the policy pack derives from the
    resources (an external peer is a node of vendor ``external``; each link names the resource it
    was read from)."""
    from ..engine.derived import derived_links, facts_of_rows, has_network

    if not has_network(rows, component_outputs):
        nodes, links = derived_links(facts_of_rows(rows, component_outputs, label))
        return GraphView(vendors=nodes, asns={}, links=tuple(_link(i, data) for i, data in links.items()))
    return _from_network(network_outputs(rows, component_outputs, label))


def _from_network(outputs: Mapping[str, Any]) -> GraphView:
    return GraphView.from_outputs(outputs.get("layout") or {}, outputs.get("links") or {})


def _link(link_id: str, data: Mapping[str, Any]) -> LinkView:
    a, b = data["sites"]
    return LinkView(
        id=link_id,
        a=str(a),
        b=str(b),
        shape=str(data["shape"]),
        routing=str(data["routing"]),
        tunnels=int(data.get("tunnels") or 0),
        redundant=bool(data.get("redundant", True)),
        data=data,
    )


def _view(plan: ConnectivityPlan | GraphView) -> GraphView:
    return plan if isinstance(plan, GraphView) else GraphView.from_plan(plan)


def _label(link: LinkView) -> str:
    if not link.tunnels:
        return link.shape
    label = f"{link.shape}, {link.tunnels} tunnel{'s' if link.tunnels != 1 else ''}"
    paths = link.data.get("active_paths")
    if isinstance(paths, int) and paths < link.tunnels:  # a policy-based end: say what carries traffic
        label += f", {paths} active path{'s' if paths != 1 else ''}"
    return label


def _partition_dict(partition: Partition) -> dict[str, Any]:
    return {
        "lost": partition.lost,
        "removed": list(partition.removed),
        "connected": partition.connected,
        "groups": [list(group) for group in partition.groups],
    }


def render_json(plan: ConnectivityPlan | GraphView) -> str:
    view = _view(plan)
    graph = view.graph
    doc = {
        "sites": {
            site: {"vendor": vendor, "asn": view.asns.get(site)}
            for site, vendor in sorted(view.vendors.items())
        },
        "links": {link.id: dict(link.data) for link in view.links},
        "cut_sites": graph.cut_sites(),
        "failures": [_partition_dict(p) for p in graph.failures()],
    }
    return json.dumps(doc, indent=2)


def render_text(plan: ConnectivityPlan | GraphView, *, width: int | None = None) -> str:
    """Sites, links and what each single failure leaves, as tables that fit ``width`` columns
    (default: the terminal's; cells wrap at spaces), then the cut sites."""
    from .style import fit, table, terminal_width

    width = width or terminal_width()
    view = _view(plan)
    graph = view.graph
    lines = [f"Sites ({len(view.vendors)}):"]
    rows = [(site, vendor, str(view.asns.get(site, "-"))) for site, vendor in sorted(view.vendors.items())]
    lines += ["  " + line for line in table(("site", "vendor", "ASN"), rows, width - 2)]
    lines.append(f"Links ({len(view.links)}):")
    links = [
        (link.a, link.b, link.routing, _label(link) + ("" if link.redundant else "  NOT REDUNDANT"))
        for link in view.links
    ]
    if links:
        lines += ["  " + line for line in table(("site", "site", "routing", "link"), links, width - 2)]
    else:
        lines.append("  (none)")
    lines.append("If one of these fails, the surviving sites form:")
    failures = []
    for partition in graph.failures():
        groups = " | ".join(", ".join(group) for group in partition.groups) or "(no sites left)"
        verdict = "connected" if partition.connected else f"PARTITIONED into {len(partition.groups)}"
        failures.append((partition.lost, verdict, groups))
    lines += ["  " + line for line in table(("failure", "network", "groups"), failures, width - 2)]
    cuts = graph.cut_sites()
    lines += fit(
        "Cut sites (their loss alone splits the rest): " + (", ".join(cuts) if cuts else "none"), width
    )
    return terminal("\n".join(lines), newlines=True)


def _sites_by_vendor(view: GraphView) -> list[tuple[str, list[str]]]:
    """Vendors in name order, each with its sites in name order: the pictures group by vendor."""
    groups: dict[str, list[str]] = {}
    for site, vendor in sorted(view.vendors.items()):
        groups.setdefault(vendor, []).append(site)
    return sorted(groups.items())


def _dot(text: str) -> str:
    """The inside of a quoted DOT string. Graphviz knows one escape there, ``\\"``
    (https://graphviz.org/doc/info/lang.html): a backslash is kept as it is, so a label ending in
    one would escape the closing quote and swallow the statements after it. A backslash is drawn as
    U+2216 (set minus), control characters as escapes, quotes escaped."""
    return terminal(text.replace("\\", "\u2216")).replace('"', '\\"')


def render_dot(plan: ConnectivityPlan | GraphView) -> str:
    """Graphviz: one cluster per vendor; each link drawn by kind (peering, BGP VPN, static VPN),
    red and dashed when not redundant, its label tied to its edge (``decorate``), and a legend."""
    view = _view(plan)
    lines = [
        "graph estate {",
        '  graph [fontname="Helvetica", nodesep=0.6, ranksep=1.1, splines=true];',
        '  node [shape=box, style="rounded,filled", fillcolor="#f4f4f4", fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10, decorate=true];',
    ]
    for vendor, sites in _sites_by_vendor(view):
        lines += [f'  subgraph "cluster_{_dot(vendor)}" {{', f'    label="{_dot(vendor)}";']
        lines += [f'    "{_dot(site)}";' for site in sites]
        lines.append("  }")
    for link in view.links:
        style = KINDS.get(link.routing, (link.routing, ""))[1]
        parts = [link.kind, _label(link)]
        if not link.redundant:
            style = _NOT_REDUNDANT
            parts.append("NOT REDUNDANT")
        label = "\\n".join(_dot(part) for part in parts)  # DOT's \n: a line break in the label
        lines.append(f'  "{_dot(link.a)}" -- "{_dot(link.b)}" [label="{label}", {style}];')
    lines += [
        '  subgraph "cluster_legend" {',
        '    label="links"; fontsize=10; style=dashed; color="#999999";',
        '    node [shape=plaintext, style="", fontsize=10];',
    ]
    for i, (name, style) in enumerate([*KINDS.values(), ("not redundant", _NOT_REDUNDANT)]):
        lines.append(f'    "legend_{i}_a" [label=""]; "legend_{i}_b" [label="{name}"];')
        lines.append(f'    "legend_{i}_a" -- "legend_{i}_b" [{style}];')
    lines += ["  }", "}"]
    return "\n".join(lines)


_MERMAID_PLAIN_ID = re.compile(r"[a-z][a-z0-9_-]*")
#: Words Mermaid's flowchart grammar reads as keywords wherever they stand (``end`` closes a
#: subgraph, ``click`` binds a link): a site so named gets a generated id.
_MERMAID_KEYWORDS = frozenset(
    {
        "end",
        "click",
        "call",
        "href",
        "style",
        "class",
        "classdef",
        "linkstyle",
        "subgraph",
        "graph",
        "flowchart",
        "direction",
        "default",
        "interpolate",
    }
)
_MERMAID_PLAIN_LABEL = re.compile(r"[A-Za-z0-9 ._:/,()+-]")


def _mermaid_label(text: str) -> str:
    """A Mermaid label: every character but letters, digits and ``._:/,()+-`` and space as an
    entity code (``#35;``), Mermaid's documented escape (https://mermaid.js.org/syntax/flowchart.html,
    "Entity codes to escape characters"), so no quote, newline or markup leaves the label."""
    return "".join(c if _MERMAID_PLAIN_LABEL.fullmatch(c) else f"#{ord(c)};" for c in text)


def render_mermaid(plan: ConnectivityPlan | GraphView) -> str:
    """Mermaid: a subgraph per vendor, a node per site, an edge per link. Identifiers are generated
    (a plain site name keeps its readable id, ``aws_use1``; any other gets ``S<n>``, which no site
    name can produce), labels are escaped: a name read from a file cannot add a directive."""
    view = _view(plan)
    ids: dict[str, str] = {}

    def node(site: str) -> str:
        if site not in ids:
            plain = _MERMAID_PLAIN_ID.fullmatch(site) and site.replace("-", "_") not in _MERMAID_KEYWORDS
            ids[site] = site.replace("-", "_") if plain else f"S{len(ids)}"
        return ids[site]

    lines = ["flowchart LR"]
    for i, (vendor, sites) in enumerate(_sites_by_vendor(view)):
        plain = _MERMAID_PLAIN_ID.fullmatch(vendor) and "-" not in vendor and vendor not in _MERMAID_KEYWORDS
        lines.append(f"  subgraph {vendor}" if plain else f'  subgraph V{i}["{_mermaid_label(vendor)}"]')
        lines += [f'    {node(site)}["{_mermaid_label(site)}"]' for site in sites]
        lines.append("  end")
    for link in view.links:
        arrow = "---" if link.redundant else "-.-"
        lines.append(f'  {node(link.a)} {arrow}|"{_mermaid_label(_label(link))}"| {node(link.b)}')
    return "\n".join(lines)
