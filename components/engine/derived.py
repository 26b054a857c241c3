"""The estate as the policy pack derives it from the resources themselves, for ``graph`` and
``simulate`` on a program without a HybridVpc (plain provider resources: examples/hand-written).

Why: a HybridVpc's outputs say what the network *meant* to build; a program without one has no
such outputs, yet the pack judges it — sites from its providers, links from its tunnels and
peerings, services from its components and DNS names (:mod:`skyweave.policy.facts`). ``graph``
and ``simulate`` read the same facts, so they draw and fail what ``check`` judges instead of
refusing the estate.

What the facts cannot say is left out rather than invented: a node the links reach that is no
site of the plan (an on-prem device named by its addresses) is an ``external`` node, never
failed itself; a service without a component is held to ``skyweave-redundancy-survives-vendor-
loss``'s ``minHealthy`` through its ``mustSurvive`` failure, as the rule holds it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..core.errors import ConfigError, ConfigIssue
from ..core.naming import BARE_METAL_POOL, HYBRID_VPC
from ..estate.simulate import Estate, SinglePath, SiteRow, Workload
from ..planning.failure import FailureKind
from ..policy.facts import EstateFacts, facts
from ..policy.index import StackIndex
from ..policy.model import Edge, known_str, placements_of
from ..policy.redundancy import SURVIVES
from ..policy.values import Resource, UnknownValue, get
from .analyzer import StackResource
from .wire import plain

__all__ = [
    "EXTERNAL",
    "derived_estate",
    "derived_facts",
    "derived_links",
    "edge_data",
    "facts_of_rows",
    "has_network",
]

#: The vendor of a node the links reach that is no site of the plan (an external peer).
EXTERNAL = "external"


def _resource(res: StackResource) -> Resource:
    return Resource(
        urn=res.urn,
        type=res.type,
        name=res.name,
        props=plain(dict(res.properties)),  # a secret never judged, as in a plan
        protect=res.protect,
        parent=res.parent,
        provider_type=res.provider.type if res.provider is not None else None,
        provider_urn=res.provider.urn if res.provider is not None else None,
        dependencies=tuple(res.dependencies),
        property_dependencies={k: tuple(v) for k, v in res.property_dependencies.items()},
        secret_outputs=frozenset(res.additional_secret_outputs),
    )


def has_network(
    rows: Sequence[Mapping[str, Any]], component_outputs: Mapping[str, Mapping[str, Any]]
) -> bool:
    """Whether the preview's rows hold a HybridVpc with outputs (then they describe the network)."""
    return any(r.get("type") == HYBRID_VPC and component_outputs.get(str(r.get("urn"))) for r in rows)


def facts_of_rows(
    rows: Sequence[Mapping[str, Any]], component_outputs: Mapping[str, Mapping[str, Any]], label: str
) -> EstateFacts:
    """:func:`derived_facts` of a preview's rows (an offline run's, or a preview JSON's: each row
    carries its property dependencies, which say which site a tunnel's peer address came from)."""
    from .requests import resources_from_rows

    return derived_facts(resources_from_rows(rows, component_outputs)[1], label)


def derived_facts(for_stack: Sequence[StackResource], label: str) -> EstateFacts:
    """The pack's facts of the resources an ``AnalyzeStack`` call would get (their outputs).

    Raises:
        ConfigError: no site at all (no provider of a cloud the pack reads): nothing to draw.
    """
    found = facts(StackIndex.build(_resource(r) for r in for_stack))
    if not found.site_vendor:
        raise ConfigError(
            [
                ConfigIssue(
                    label,
                    "no site in this preview: graph and simulate need a HybridVpc, or providers of "
                    "a cloud skyweave reads (aws, gcp, openstack, azure-native, vsphere …) with "
                    "resources on them",
                    has_value=False,
                )
            ]
        )
    return found


def edge_data(edge: Edge, sites: set[str]) -> dict[str, Any]:
    """One derived link as ``graph``'s JSON writes a planned one (``sites``, ``shape``,
    ``routing``, ``tunnels``, ``active_paths``, ``redundant``), plus the resource it was read from."""
    if edge.kind == "peering":
        return {
            "sites": [edge.a, edge.b],
            "shape": "peering",
            "routing": "peering",
            "tunnels": 0,
            "redundant": True,
            "from_resource": edge.witness,
        }
    tunnels = edge.tunnels(sites)
    active = 1 if edge.policy_based and tunnels else tunnels
    return {
        "sites": [edge.a, edge.b],
        "shape": "policy-based vpn" if edge.policy_based else "vpn",
        "routing": "vpn",
        "tunnels": tunnels,
        "active_paths": active,
        "redundant": active >= 2,
        "from_resource": edge.witness,
    }


def derived_links(found: EstateFacts) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """Every node (site → vendor, an external peer → :data:`EXTERNAL`) and every link by id."""
    sites = found.sites
    nodes = dict(found.site_vendor)
    links: dict[str, dict[str, Any]] = {}
    for edge in found.edges:
        for end in (edge.a, edge.b):
            nodes.setdefault(end, EXTERNAL)
        link_id = f"{edge.a}/{edge.b}" + ("" if edge.kind == "vpn" else f" ({edge.kind})")
        links[link_id] = edge_data(edge, sites)
    return nodes, links


def _provider_regions(found: EstateFacts) -> dict[str, str]:
    """Each explicit provider's region (``region``, else ``location``) by its site's name; one
    unknown in this preview is left out."""
    out: dict[str, str] = {}
    for type_name, members in found.index.by_type.items():
        if not type_name.startswith("pulumi:providers:"):
            continue
        for provider in members:
            try:
                region = known_str(get(provider.props, "region")) or known_str(
                    get(provider.props, "location")
                )
            except UnknownValue:
                continue
            if region:  # the site a component recorded for it, else its name (as StackIndex.site)
                index = found.index
                out[index.recorded_sites.get(provider.urn) or provider.urn.rsplit("::", 1)[-1]] = region
    return out


def derived_estate(found: EstateFacts, policy_config: Mapping[str, Any] | None = None) -> Estate:
    """What ``simulate`` needs, from the facts: sites with the zones their compute is in, the
    links, and every service the survives-vendor-loss rule judges, held as it holds them
    (``policy_config``: that rule's settings, e.g. from the stack's policy config)."""
    cfg = SURVIVES.config(policy_config)
    must_survive = FailureKind(cfg["mustSurvive"])
    nodes, links = derived_links(found)
    zones: dict[str, dict[str, None]] = {}
    regions: dict[str, str] = {}
    hosts: dict[str, tuple[str, ...]] = {}
    for unit in found.units:
        if unit.unknown is not None:
            continue
        for placement in unit.placements():
            zones.setdefault(placement.site, {})[placement.zone] = None
            regions.setdefault(placement.site, placement.region)
            hosts.setdefault(placement.site, placement.hosts)
    for name, region in _provider_regions(found).items():  # a site without compute: its provider's
        regions.setdefault(name, region)
    sites = tuple(
        SiteRow(node, vendor, regions.get(node, ""), tuple(zones.get(node, {})), hosts.get(node, ()))
        for node, vendor in sorted(nodes.items())
    )
    single = tuple(
        SinglePath(link_id, data["sites"][0], data["sites"][1], data["tunnels"], data["active_paths"])
        for link_id, data in links.items()
        if data["routing"] != "peering" and not data["redundant"]
    )
    workloads: list[Workload] = []
    for service in found.services:
        placements = tuple(placements_of(service.units))
        if service.component is not None:
            kind = "pool" if service.component.type == BARE_METAL_POOL else "app"
            props = service.component.props
            declared = props.get("survive")
            survive = FailureKind(declared) if declared in {k.value for k in FailureKind} else must_survive
            workloads.append(
                Workload(kind, service.component.name, placements, int(props.get("minHealthy") or 0), survive)
            )
            continue
        name = service.label.removeprefix("DNS name ").strip("'")
        dns = found.dns.get(name)
        workloads.append(
            Workload(
                "app",
                name,
                placements,
                max(int(cfg["minHealthy"]), 1),
                must_survive,
                dns_record=name,
                dns_vendors=tuple(sorted(dns.dns_vendors)) if dns is not None else (),
            )
        )
    links_pairs = tuple((data["sites"][0], data["sites"][1]) for data in links.values())
    return Estate(sites, links_pairs, tuple(workloads), single)
