"""Site-to-site connectivity for :class:`~skyweave.HybridVpc`: arguments and plan.

Order, as everywhere in skyweave: validate (:class:`ConnectivityArgs`) → plan everything without
Pulumi (:func:`plan_connectivity`: topology → pairs → each pair's documented shape, decided from
what each site's driver says its VPN endpoint is and can do → ASNs and tunnel /30s) → only then
register resources (:class:`~skyweave.network.links.LinkBuilder`, one module per shape). A pair
that cannot be joined redundantly is refused at planning time, naming the pair, why, and what to do.

Each link is a ``skyweave:network:VpnLink`` component whose properties (sites, vendors, kind,
tunnel count, inside CIDRs) let the policy pack check redundancy from the plan itself. Gateways a
site shares between links (AWS VPN gateway, GCP HA VPN gateway and Cloud Router, the Neutron VPN
service) are created once per site, under the HybridVpc.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..core.errors import PlanningError
from ..core.sites import IPv4Block, SiteArgs, SiteName
from ..core.validation import FieldValueError
from ..drivers.base import Capability
from ..drivers.registry import get_driver
from ..drivers.vpn import link_end_problem
from ..planning.asn import AsnRequest, assign_asns
from ..planning.limits import LimitedSite, check_limits, check_quotas
from ..planning.topology import SiteGraph, Topology, link_id, plan_links
from ..planning.tunnels import TunnelBlockScope, inside_range, plan_tunnel_blocks
from ..planning.vpn import LinkPlan, Routing, SiteEnd, plan_link, with_tunnel_block
from .links import LinkBuilder, VpnLink, builder_for

__all__ = ["ConnectivityArgs", "ConnectivityPlan", "LinkBuilder", "VpnLink", "plan_connectivity", "site_end"]

Pair = tuple[SiteName, SiteName]


class ConnectivityArgs(BaseModel):
    """How the sites of a HybridVpc are joined (see docs/connectivity.md)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    topology: Topology = Field(
        default=Topology.FULL_MESH,
        description="full-mesh (every pair), hub-spoke (every site to every hub), explicit (exactly "
        "`links`) or none. Default full-mesh.",
    )
    hubs: tuple[SiteName, ...] = Field(
        default=(), description="hub-spoke only: the hub sites (two on different vendors survive one)."
    )
    links: tuple[Pair, ...] = Field(
        default=(), description="explicit only: the pairs of sites to join, e.g. [[aws-use1, gcp-euw1]]."
    )
    exclude: tuple[Pair, ...] = Field(
        default=(),
        description="Pairs the topology leaves out, e.g. a GCP and an OpenStack site (HA VPN needs BGP, "
        "VPNaaS has none). Default none.",
    )
    tunnel_blocks: dict[str, IPv4Block] = Field(
        default_factory=dict,
        description="Pinned /27 of tunnel inside addresses per link id (`site-a/site-b`, sorted). "
        "Written by `skyweave ipam lock`; omitted links get a block derived from their id.",
    )
    tunnel_block_scope: TunnelBlockScope = Field(
        default=TunnelBlockScope.ESTATE,
        description="Which links' tunnel blocks must differ: estate (every link its own /27, at most "
        "~2,041 links with inside addresses) or site (only links sharing a site, as AWS, GCP and "
        "devices require; ~2,041 such links per site). Default estate.",
    )
    quotas: dict[SiteName, dict[str, Annotated[int, Field(gt=0)]]] = Field(
        default_factory=dict,
        description="Quotas your accounts have in place of a vendor's documented default, per site "
        "and limit, e.g. {aws-use1: {vpn_connections_per_gateway: 20}} once AWS has raised it. Only "
        "adjustable limits (docs/limits.md lists every limit the plan is checked against). Default none.",
    )

    @model_validator(mode="after")
    def _shape_fields(self) -> ConnectivityArgs:
        if self.topology is Topology.HUB_SPOKE and not self.hubs:
            raise FieldValueError("hubs", "hub-spoke needs at least one hub site", list(self.hubs))
        if self.hubs and self.topology is not Topology.HUB_SPOKE:
            raise FieldValueError("hubs", f"hubs only apply to topology hub-spoke, not {self.topology}")
        if self.links and self.topology is not Topology.EXPLICIT:
            raise FieldValueError("links", f"links only apply to topology explicit, not {self.topology}")
        for key, pairs in (("links", self.links), ("exclude", self.exclude)):
            for i, (a, b) in enumerate(pairs):
                if a == b:
                    raise FieldValueError(f"{key}[{i}]", "a link joins two different sites", [a, b])
        return self


@dataclass(frozen=True)
class ConnectivityPlan:
    """Every link of the estate and every site's ASN, decided before anything is registered.

    ``usage``: per site, what the links need of each of its vendor's documented limits (by the
    limit's key; a region limit counts the whole region), every one within its limit or quota.
    """

    asns: Mapping[str, int]
    links: tuple[LinkPlan, ...]
    graph: SiteGraph
    usage: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    @functools.cached_property
    def cut_sites(self) -> list[str]:
        """:meth:`SiteGraph.cut_sites`, worked out once per plan (every unit of an estate reads
        it, from a plan made once before the units' processes fork: unit_previews.py)."""
        return self.graph.cut_sites()

    def as_dict(
        self, sites: Collection[str] | None = None, links: Collection[tuple[str, str]] | None = None
    ) -> dict[str, Any]:
        """The plan as plain data; with ``sites`` and ``links``, only their part (a unit's: the
        ASNs and cut sites of the sites it builds, the links it builds, by their two sites in
        the link's order), so the union of every unit's part is the whole."""
        if sites is None or links is None:
            return {
                "asns": dict(sorted(self.asns.items())),
                "links": {link.id: link.as_dict() for link in self.links},
                "cut_sites": self.cut_sites,
            }
        # Looked up rather than filtered: a unit's part costs what it holds, not the estate.
        own = sorted(self._link_index[pair] for pair in links if pair in self._link_index)
        return {
            "asns": {site: self.asns[site] for site in sorted(sites) if site in self.asns},
            "links": {self.links[i].id: self.links[i].as_dict() for i in own},
            "cut_sites": [site for site in self.cut_sites if site in sites],
        }

    @functools.cached_property
    def _link_index(self) -> dict[tuple[str, str], int]:
        return {(link.a.site, link.b.site): i for i, link in enumerate(self.links)}

    @functools.cached_property
    def _site_links(self) -> dict[str, tuple[int, ...]]:
        found: dict[str, list[int]] = {}
        for i, link in enumerate(self.links):
            found.setdefault(link.a.site, []).append(i)
            found.setdefault(link.b.site, []).append(i)
        return {site: tuple(indices) for site, indices in found.items()}

    def index(self) -> None:
        """Work out now what :meth:`as_dict` and :meth:`links_of` look up (a plan made once, before
        the units' processes fork, so none of them works it out again)."""
        _ = self.cut_sites, self._link_index, self._site_links

    def links_of(self, sites: Collection[str], links: Collection[tuple[str, str]]) -> tuple[LinkPlan, ...]:
        """The links of ``sites`` and the ``links`` named (by their two sites in the link's
        order), in the plan's order: what a unit's program goes through, looked up rather than
        filtered (worked out once per plan, every unit asks)."""
        chosen = {i for site in sites for i in self._site_links.get(site, ())}
        chosen.update(self._link_index[pair] for pair in links if pair in self._link_index)
        return tuple(self.links[i] for i in sorted(chosen))


def plan_connectivity(
    sites: Sequence[SiteArgs],
    cidrs: Mapping[str, Sequence[str]],
    args: ConnectivityArgs,
    *,
    path: str = "connectivity",
) -> ConnectivityPlan:
    """Plan every link; raise :class:`PlanningError` (with the key path) for anything impossible."""
    names = [s.name for s in sites]
    known = set(names)
    unknown = [
        PlanningError(
            f"there is no site named {site!r}; sites are: {', '.join(names)}",
            path=f"{path}.{key}[{i}]" + ("" if key == "hubs" else f"[{j}]"),
            value=site,
        )
        for key, groups in (
            ("hubs", [(h,) for h in args.hubs]),
            ("links", args.links),
            ("exclude", args.exclude),
        )
        for i, group in enumerate(groups)
        for j, site in enumerate(group)
        if site not in known
    ]
    if (error := PlanningError.together(unknown)) is not None:
        raise error
    excluded = {link_id(a, b): j for j, (a, b) in enumerate(args.exclude)}
    for i, (a, b) in enumerate(args.links):
        if link_id(a, b) in excluded:
            raise PlanningError(
                f"the link {link_id(a, b)} is also excluded (network.exclude[{excluded[link_id(a, b)]}]); "
                "list it in one place: keep it in links to build it, or drop it",
                path=f"{path}.links[{i}]",
                value=[a, b],
            )
    limited = [_limited_site(i, s, args.quotas.get(s.name, {})) for i, s in enumerate(sites)]
    check_quotas(limited, args.quotas, path=f"{path}.quotas")
    asns = assign_asns([AsnRequest(s.name, f"sites[{i}].asn", s.asn) for i, s in enumerate(sites)])
    by_name = {s.name: s for s in sites}
    ends = {s.name: site_end(s, asns[s.name], cidrs[s.name]) for s in sites}
    pairs = plan_links(names, args.topology, hubs=args.hubs, explicit=args.links, exclude=args.exclude)
    explicit_index = {link_id(a, b): i for i, (a, b) in enumerate(args.links)}
    shaped: list[LinkPlan] = []
    for a, b in pairs:  # each pair's shape is decided once, here
        try:
            shaped.append(plan_link(ends[a], ends[b]))
        except PlanningError as exc:
            lid = link_id(a, b)
            where = f"{path}.links[{explicit_index[lid]}]" if lid in explicit_index else f"{path}.topology"
            raise PlanningError(exc.message, path=where, value=[a, b]) from None
    _check_link_ends(sites, shaped, path=path, explicit_index=explicit_index)
    _check_pins(args.tunnel_blocks, shaped, names, path=f"{path}.tunnel_blocks")
    need_block = [link.id for link in shaped if link.needs_inside_addresses]
    # Some endpoint kinds accept inside addresses from part of 169.254.0.0/16 only (Azure: APIPA).
    narrow = {link.id: inside_range(link.a.endpoint, link.b.endpoint) for link in shaped}
    ranges = {lid: r for lid, r in narrow.items() if r is not None and lid in need_block}
    per_site = args.tunnel_block_scope is TunnelBlockScope.SITE
    blocks = plan_tunnel_blocks(
        need_block,
        args.tunnel_blocks,
        path=f"{path}.tunnel_blocks",
        ranges=ranges,
        sites={link.id: (link.a.site, link.b.site) for link in shaped} if per_site else None,
    )
    links = tuple(with_tunnel_block(link, blocks.get(link.id)) for link in shaped)
    usage = check_limits(limited, links, path=f"{path}.quotas")
    graph = SiteGraph(
        {n: by_name[n].vendor for n in names},
        [(link.a.site, link.b.site) for link in links],
        single_path=[(link.a.site, link.b.site) for link in links if not link.redundant],
    )
    return ConnectivityPlan(asns=asns, links=links, graph=graph, usage=usage)


def site_end(site: SiteArgs, asn: int, cidrs: Sequence[str]) -> SiteEnd:
    """One end of a link as the planner sees it: what the site's driver says it is and can do."""
    driver = get_driver(site.vendor)
    capabilities = driver.site_capabilities(site)
    return SiteEnd(
        site=site.name,
        vendor=site.vendor,
        asn=asn,
        cidrs=tuple(cidrs),
        devices=site.vpn_devices(),
        bgp=Capability.BGP_VPN in capabilities,
        endpoint=driver.site_vpn_endpoint(site),
        product=driver.site_vpn_product(site),
        static=Capability.STATIC_VPN in capabilities,
        peering=Capability.PEERING in capabilities,
    )


def _limited_site(index: int, site: SiteArgs, quotas: Mapping[str, int]) -> LimitedSite:
    """A site as the limit check sees it: its driver's documented limits, its declared quotas."""
    driver = get_driver(site.vendor)
    return LimitedSite(
        name=site.name,
        vendor=driver.display_name,
        region=site.region,
        path=f"sites[{index}]",
        limits=driver.site_vpn_limits(site),
        quotas=dict(quotas),
        account=driver.quota_account(site),
    )


def _check_link_ends(
    sites: Sequence[SiteArgs], links: Sequence[LinkPlan], *, path: str, explicit_index: Mapping[str, int]
) -> None:
    """Every link can be built: its shape has a builder, and both ends' drivers implement what the
    shape calls at their end (the protocol of their endpoint kind, or peering). Checked here, so a
    driver that declares a kind without its protocol is a configuration error naming the site,
    vendor, kind and protocol before anything is registered — not an exception half-way through."""
    index = {s.name: i for i, s in enumerate(sites)}
    by_name = {s.name: s for s in sites}
    for link in links:
        try:
            builder_for(link)
        except PlanningError as exc:
            where = (
                f"{path}.links[{explicit_index[link.id]}]"
                if link.id in explicit_index
                else f"{path}.topology"
            )
            raise PlanningError(exc.message, path=where, value=[link.a.site, link.b.site]) from None
        for end in (link.a, link.b):
            site = by_name[end.site]
            problem = link_end_problem(
                get_driver(site.vendor), end.endpoint, peering=link.routing is Routing.PEERING
            )
            if problem is not None:
                raise PlanningError(
                    f"site {end.site!r} cannot be an end of link {link.id}: {problem}. Implement it in "
                    f"the vendor's driver, or leave {end.site!r}'s links out (network.exclude)",
                    path=f"sites[{index[end.site]}].vendor",
                    value=site.vendor,
                )


def _check_pins(
    pins: Mapping[str, Any], links: Sequence[LinkPlan], sites: Sequence[str], *, path: str
) -> None:
    """A pinned tunnel block must name a link this plan builds, by its id (``a/b``, names sorted);
    a pin under any other key would be ignored, and the link it was meant for renumbered. Every
    such pin is reported at once (removing a site leaves one per link it had)."""
    planned = {link.id: link for link in links}
    errors: list[PlanningError] = []
    for key in pins:
        if key in planned and planned[key].needs_inside_addresses:
            continue
        parts = key.split("/")
        if len(parts) == 2 and link_id(*parts) in planned and link_id(*parts) != key:
            why = f"link ids list the two sites in sorted order: did you mean {link_id(*parts)!r}?"
        elif key in planned:
            why = f"link {key} ({planned[key].shape}) has no tunnel inside addresses to pin; remove the pin"
        elif len(parts) == 2 and set(parts) <= set(sites):
            why = "the topology does not build this link (excluded, or not in it); remove the pin"
        else:
            known = ", ".join(sorted(k for k, link in planned.items() if link.needs_inside_addresses))
            why = f"no link has this id; links with tunnel blocks: {known or 'none'}"
        errors.append(PlanningError(why, path=f"{path}.{key}", value=str(pins[key])))
    if (error := PlanningError.together(errors)) is not None:
        raise error
