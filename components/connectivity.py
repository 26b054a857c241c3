"""Site-to-site connectivity for :class:`~skyweave.HybridVpc`: arguments, plan, resources.

Order, as everywhere in skyweave: validate (:class:`ConnectivityArgs`) → plan everything without
Pulumi (:func:`plan_connectivity`: topology → pairs → each pair's documented shape → ASNs and
tunnel /30s) → only then register resources (:class:`LinkBuilder`). A pair that cannot be joined
redundantly is refused at planning time, naming the pair, why, and what to do.

Each link is a ``skyweave:network:VpnLink`` component whose properties (sites, vendors, kind,
tunnel count, inside CIDRs) let the policy pack check redundancy from the plan itself. Gateways a
site shares between links (AWS VPN gateway, GCP HA VPN gateway and Cloud Router, the Neutron VPN
service) are created once per site, under the HybridVpc.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pulumi
import pulumi_aws as aws
import pulumi_gcp as gcp
import pulumi_random as random
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .drivers.aws import AwsDriver
from .drivers.base import CloudDriver, SiteContext, SiteNetwork
from .drivers.gcp import GcpDriver
from .drivers.openstack import OpenStackDriver, VpnaasEndpoint
from .drivers.registry import get_driver
from .errors import PlanningError
from .naming import child_name, type_token
from .planning.asn import AsnRequest, assign_asns
from .planning.topology import LinkId, SiteGraph, Topology, link_id, plan_links
from .planning.tunnels import plan_tunnel_blocks
from .planning.vpn import LinkPlan, Routing, Shape, SiteEnd, plan_link, safe_psk, uses_inside_addresses
from .sites import SiteArgs, SiteName
from .validation import FieldValueError

__all__ = ["ConnectivityArgs", "ConnectivityPlan", "LinkBuilder", "VpnLink", "plan_connectivity"]

Pair = tuple[SiteName, SiteName]
_T = TypeVar("_T")
_D = TypeVar("_D", bound=CloudDriver)


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
    tunnel_blocks: dict[str, ipaddress.IPv4Network] = Field(
        default_factory=dict,
        description="Pinned /27 of tunnel inside addresses per link id (`site-a/site-b`, sorted). "
        "Written by `skyweave ipam lock`; omitted links get a block derived from their id.",
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
    """Every link of the estate and every site's ASN, decided before anything is registered."""

    asns: Mapping[str, int]
    links: tuple[LinkPlan, ...]
    graph: SiteGraph

    def as_dict(self) -> dict[str, Any]:
        return {
            "asns": dict(sorted(self.asns.items())),
            "links": {link.id: link.as_dict() for link in self.links},
            "cut_sites": self.graph.cut_sites(),
        }


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
    for key, groups in (
        ("hubs", [(h,) for h in args.hubs]),
        ("links", args.links),
        ("exclude", args.exclude),
    ):
        for i, group in enumerate(groups):
            for j, site in enumerate(group):
                if site not in known:
                    where = f"{path}.{key}[{i}]" + ("" if key == "hubs" else f"[{j}]")
                    raise PlanningError(
                        f"there is no site named {site!r}; sites are: {', '.join(names)}",
                        path=where,
                        value=site,
                    )
    asns = assign_asns([AsnRequest(s.name, f"sites[{i}].asn", s.asn) for i, s in enumerate(sites)])
    by_name = {s.name: s for s in sites}
    ends = {
        s.name: SiteEnd(
            site=s.name,
            vendor=s.vendor,
            asn=asns[s.name],
            cidrs=tuple(cidrs[s.name]),
            devices=s.vpn_devices(),
            bgp=s.speaks_bgp(),
        )
        for s in sites
    }
    pairs = plan_links(names, args.topology, hubs=args.hubs, explicit=args.links, exclude=args.exclude)
    explicit_index = {link_id(a, b): i for i, (a, b) in enumerate(args.links)}
    for a, b in pairs:
        try:
            plan_link(ends[a], ends[b])
        except PlanningError as exc:
            lid = link_id(a, b)
            where = f"{path}.links[{explicit_index[lid]}]" if lid in explicit_index else f"{path}.topology"
            raise PlanningError(exc.message, path=where, value=[a, b]) from None
    need_block = [link_id(a, b) for a, b in pairs if uses_inside_addresses(ends[a], ends[b])]
    blocks = plan_tunnel_blocks(need_block, args.tunnel_blocks, path=f"{path}.tunnel_blocks")
    links = tuple(plan_link(ends[a], ends[b], blocks.get(link_id(a, b))) for a, b in pairs)
    graph = SiteGraph({n: by_name[n].vendor for n in names}, [(link.a.site, link.b.site) for link in links])
    return ConnectivityPlan(asns=asns, links=links, graph=graph)


class VpnLink(pulumi.ComponentResource):
    """One link between two sites; its properties describe it for policy and people."""

    def __init__(self, name: str, link: LinkPlan, opts: pulumi.ResourceOptions | None = None) -> None:
        props = {
            "siteA": link.a.site,
            "siteB": link.b.site,
            "vendorA": link.a.vendor,
            "vendorB": link.b.vendor,
            "kind": "peering" if link.routing is Routing.PEERING else "vpn",
            "shape": link.shape.value,
            "routing": link.routing.value,
            "tunnels": len(link.tunnels),
            "insideCidrs": list(link.inside_cidrs),
        }
        super().__init__(type_token("network", "VpnLink"), name, props, opts)
        self.link = link
        self.register_outputs(props)


@dataclass
class LinkBuilder:
    """Turns a :class:`ConnectivityPlan` into resources, one link at a time.

    Site gateways are created the first time a link needs them and reused by the site's other
    links. ``psks`` (secret outputs, by link id) and ``devices`` (per on-prem site, what its
    operator must configure) are collected for the component's outputs.
    """

    component: str
    parent: pulumi.Resource
    sites: Mapping[str, SiteArgs]
    networks: Mapping[str, SiteNetwork]
    providers: Mapping[str, pulumi.ProviderResource | None]
    tags: Mapping[str, Mapping[str, str]]
    psks: dict[LinkId, list[pulumi.Output[str]]] = field(default_factory=dict)
    devices: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    peer_ips: dict[str, dict[str, pulumi.Input[str]]] = field(default_factory=dict)
    _shared: dict[str, Any] = field(default_factory=dict)

    def context(self, site: str, parent: pulumi.Resource | None = None) -> SiteContext:
        return SiteContext(
            component=self.component,
            parent=parent or self.parent,
            site=self.sites[site],
            provider=self.providers[site],
            tags=self.tags[site],
        )

    def build(self, plan: ConnectivityPlan) -> None:
        for link in plan.links:
            a, b = link.a.site, link.b.site
            component = VpnLink(
                child_name(self.component, "link", a, b), link, pulumi.ResourceOptions(parent=self.parent)
            )
            _BUILDERS[link.shape](self, link, component)
            if not link.redundant:
                pulumi.log.warn(
                    f"link {link.id} has {len(link.tunnels)} tunnel(s): a single point of failure "
                    f"({link.shape.value}). Give the on-prem site a second device (vpn_secondary_peer_ip) "
                    "or join the sites through others; the policy pack rejects it.",
                    resource=component,
                )

    # --- things created once and shared: site gateways, a link's peer ranges -------------------

    def once(self, key: str, make: Callable[[], _T]) -> _T:
        """``make()`` the first time ``key`` is asked for; the same object after that."""
        if key not in self._shared:
            self._shared[key] = make()
        value: _T = self._shared[key]
        return value

    def _aws_gateway(self, site: str, asn: int) -> aws.ec2.VpnGateway:
        return self.once(
            f"aws:{site}",
            lambda: _driver(AwsDriver).vpn_gateway(self.context(site), self.networks[site], asn),
        )

    def _gcp_gateway(self, site: str, asn: int) -> tuple[gcp.compute.HaVpnGateway, gcp.compute.Router]:
        return self.once(
            f"gcp:{site}",
            lambda: _driver(GcpDriver).ha_vpn_gateway(self.context(site), self.networks[site], asn),
        )

    def _vpnaas(self, link: LinkPlan, site: str) -> VpnaasEndpoint:
        return self.once(
            f"openstack:{site}",
            lambda: _driver(OpenStackDriver).vpn_service(
                self.context(site), self.networks[site], link.ciphers
            ),
        )

    def random_provider(self) -> pulumi.ProviderResource:
        """The component's ``random`` provider: the one it was given (``opts.providers``), else one
        it creates as its child, ``{component}-provider-random``, on first use.

        Never the default provider (a stack may disable them all). Not one per site: random has no
        configuration, so nothing ties it to a site, and one per component keeps the component
        whole wherever it runs (in a stack, or for another language through the component
        provider) and its name derived from the component's.
        """

        def make() -> pulumi.ProviderResource:
            given = self.parent.get_provider("random:index/randomPassword:RandomPassword")
            if given is not None:
                return given
            name = child_name(self.component, "provider", "random")
            provider: pulumi.ProviderResource = random.Provider(
                name, opts=pulumi.ResourceOptions(parent=self.parent)
            )
            return provider

        return self.once("provider:random", make)

    def _psks(self, link: LinkPlan, parent: pulumi.Resource, count: int) -> list[pulumi.Output[str]]:
        """One generated pre-shared key per tunnel: 40 characters AWS accepts, secret throughout."""
        out = []
        for index in range(count):
            password = random.RandomPassword(
                child_name(self.component, "psk", link.a.site, link.b.site, str(index)),
                length=40,
                special=True,
                override_special="._",
                opts=pulumi.ResourceOptions(parent=parent, provider=self.random_provider()),
            )
            out.append(pulumi.Output.secret(password.result.apply(safe_psk)))
        self.psks[link.id] = out
        return out

    def _device_entries(
        self,
        link: LinkPlan,
        onprem: SiteEnd,
        remote: SiteEnd,
        rows: Sequence[tuple[int, pulumi.Input[str], str | None, str | None]],
    ) -> None:
        """What the on-prem operator configures: one entry per tunnel ending on their device.

        ``rows``: (tunnel index, remote public address, local inside ip, remote inside ip). The
        entries are plain data, known at preview; the cloud's public addresses exist only once its
        gateways do, so they go to ``peer_ips`` (by ``link#tunnel``) instead of hiding the rest.
        """
        for index, remote_ip, local_inside, remote_inside in rows:
            tunnel = link.tunnels[index]
            self.peer_ips.setdefault(onprem.site, {})[f"{link.id}#{index}"] = remote_ip
            self.devices.setdefault(onprem.site, []).append(
                {
                    "link": link.id,
                    "tunnel": index,
                    "device": onprem.devices[tunnel.b_gateway],
                    "remote_site": remote.site,
                    "remote_vendor": remote.vendor,
                    "remote_public_ip": f"onprem_peer_ips[{onprem.site!r}][{link.id + '#' + str(index)!r}]",
                    "inside_cidr": str(tunnel.inside_cidr) if tunnel.inside_cidr else None,
                    "local_inside_ip": local_inside,
                    "remote_inside_ip": remote_inside,
                    "routing": link.routing.value,
                    "local_asn": onprem.asn,
                    "remote_asn": remote.asn,
                    "remote_cidrs": list(remote.ipv4_cidrs),
                    "psk": f"vpn_psks[{link.id!r}][{index}]",
                    "ciphers": link.ciphers.as_dict(),
                }
            )


def _driver(cls: type[_D]) -> _D:
    """The registered driver of ``cls``'s vendor, typed as that driver (for its VPN methods)."""
    driver = get_driver(cls.vendor)
    if not isinstance(driver, cls):
        raise TypeError(f"the {cls.vendor!r} driver is {type(driver).__name__}, not {cls.__name__}")
    return driver


def _aws_peering(builder: LinkBuilder, link: LinkPlan, parent: VpnLink) -> None:
    driver = _driver(AwsDriver)
    a, b = link.a.site, link.b.site
    driver.peering(
        builder.context(a, parent), builder.context(b, parent), builder.networks[a], builder.networks[b]
    )


def _gcp_peering(builder: LinkBuilder, link: LinkPlan, parent: VpnLink) -> None:
    """Peering operations on one GCP network run one at a time: each link's peerings come after
    the last peering made on either network, so all operations on a network form one chain."""
    driver = _driver(GcpDriver)
    a, b = link.a.site, link.b.site
    last: dict[str, pulumi.Resource] = builder.once("gcp-peering:last", dict)
    after = list({id(r): r for r in (last.get(a), last.get(b)) if r is not None}.values())
    ctx_a, ctx_b = builder.context(a, parent), builder.context(b, parent)
    done = driver.peering(ctx_a, ctx_b, builder.networks[a], builder.networks[b], after)
    last[a] = last[b] = done


def _aws_gcp(builder: LinkBuilder, link: LinkPlan, parent: VpnLink) -> None:
    """GCP HA VPN interface c ↔ AWS customer gateway c ↔ VPN connection c (tunnels 2c, 2c+1)."""
    aws_driver, gcp_driver = _driver(AwsDriver), _driver(GcpDriver)
    a, b = link.a, link.b
    vgw = builder._aws_gateway(a.site, a.asn)
    gateway, router = builder._gcp_gateway(b.site, b.asn)
    psks = builder._psks(link, parent, len(link.tunnels))
    aws_ctx, gcp_ctx = builder.context(a.site, parent), builder.context(b.site, parent)
    connections = []
    for c in (0, 1):
        cgw = aws_driver.customer_gateway(
            aws_ctx, f"{b.site}-{c}", gcp_driver.interface_ip(gateway, c), b.asn
        )
        tunnels = [t for t in link.tunnels if t.a_gateway == c]
        connections.append(
            aws_driver.vpn_connection(
                aws_ctx,
                f"{b.site}-{c}",
                vgw,
                cgw,
                tunnels,
                [psks[t.index] for t in tunnels],
                link.ciphers,
                None,
            )
        )
    outside = [addr for conn in connections for addr in (conn.tunnel1_address, conn.tunnel2_address)]
    external = gcp_driver.external_gateway(gcp_ctx, a.site, outside)
    for tunnel in link.tunnels:
        assert tunnel.a_inside_ip is not None and tunnel.b_inside_ip is not None
        gcp_driver.bgp_tunnel(
            gcp_ctx,
            f"{a.site}-{tunnel.index}",
            gateway,
            router,
            tunnel.b_gateway,
            external,
            2 * tunnel.a_gateway + tunnel.a_tunnel,
            psks[tunnel.index],
            tunnel.b_inside_ip,
            tunnel.a_inside_ip,
            a.asn,
            link.ciphers,
        )


def _aws_site_vpn(builder: LinkBuilder, link: LinkPlan, parent: VpnLink) -> None:
    """AWS VPN gateway ↔ a Neutron VPN service or on-prem device(s): a connection per device."""
    aws_driver = _driver(AwsDriver)
    a, b = link.a, link.b
    vgw = builder._aws_gateway(a.site, a.asn)
    psks = builder._psks(link, parent, len(link.tunnels))
    aws_ctx = builder.context(a.site, parent)
    static = None if link.routing is Routing.BGP else list(b.ipv4_cidrs)
    vpnaas = None
    if b.vendor == "openstack":
        vpnaas = builder._vpnaas(link, b.site)
        addresses: list[pulumi.Input[str]] = [vpnaas.service.external_v4_ip]
    else:
        addresses = list(b.devices)
    device_rows = []
    for d, address in enumerate(addresses):
        key = f"{b.site}-{d}"
        cgw = aws_driver.customer_gateway(aws_ctx, key, address, b.asn)
        tunnels = [t for t in link.tunnels if t.a_gateway == d]
        connection = aws_driver.vpn_connection(
            aws_ctx, key, vgw, cgw, tunnels, [psks[t.index] for t in tunnels], link.ciphers, static
        )
        for tunnel, outside in zip(
            tunnels, (connection.tunnel1_address, connection.tunnel2_address), strict=True
        ):
            if vpnaas is not None:
                _vpnaas_connection(
                    builder, link, parent, b.site, a, vpnaas, outside, psks[tunnel.index], tunnel.index
                )
            else:
                device_rows.append((tunnel.index, outside, tunnel.b_inside_ip, tunnel.a_inside_ip))
    if device_rows:
        builder._device_entries(link, b, a, device_rows)


def _gcp_device(builder: LinkBuilder, link: LinkPlan, parent: VpnLink) -> None:
    """GCP HA VPN (both interfaces) ↔ a BGP-capable on-prem device (or two)."""
    gcp_driver = _driver(GcpDriver)
    a, b = link.a, link.b
    gateway, router = builder._gcp_gateway(a.site, a.asn)
    psks = builder._psks(link, parent, len(link.tunnels))
    gcp_ctx = builder.context(a.site, parent)
    external = gcp_driver.external_gateway(gcp_ctx, b.site, list(b.devices))
    rows = []
    for tunnel in link.tunnels:
        assert tunnel.a_inside_ip is not None and tunnel.b_inside_ip is not None
        gcp_driver.bgp_tunnel(
            gcp_ctx,
            f"{b.site}-{tunnel.index}",
            gateway,
            router,
            tunnel.a_gateway,
            external,
            tunnel.b_gateway,
            psks[tunnel.index],
            tunnel.a_inside_ip,
            tunnel.b_inside_ip,
            b.asn,
            link.ciphers,
        )
        rows.append(
            (
                tunnel.index,
                gcp_driver.interface_ip(gateway, tunnel.a_gateway),
                tunnel.b_inside_ip,
                tunnel.a_inside_ip,
            )
        )
    builder._device_entries(link, b, a, rows)


def _vpnaas_connection(
    builder: LinkBuilder,
    link: LinkPlan,
    parent: VpnLink,
    site: str,
    peer: SiteEnd,
    endpoint: VpnaasEndpoint,
    peer_address: pulumi.Input[str],
    psk: pulumi.Output[str],
    index: int,
) -> None:
    driver = _driver(OpenStackDriver)
    ctx = builder.context(site, parent)
    group = builder.once(
        f"openstack-peer:{link.id}:{site}", lambda: driver.peer_group(ctx, peer.site, list(peer.ipv4_cidrs))
    )
    driver.site_connection(ctx, f"{peer.site}-{index}", endpoint, group, peer_address, psk)


def _vpnaas(builder: LinkBuilder, link: LinkPlan, parent: VpnLink) -> None:
    """Neutron VPNaaS ↔ Neutron VPNaaS (one tunnel, a site connection at each end) or ↔ devices."""
    a, b = link.a, link.b
    psks = builder._psks(link, parent, len(link.tunnels))
    a_end = builder._vpnaas(link, a.site)
    if b.vendor == "openstack":
        b_end = builder._vpnaas(link, b.site)
        _vpnaas_connection(builder, link, parent, a.site, b, a_end, b_end.service.external_v4_ip, psks[0], 0)
        _vpnaas_connection(builder, link, parent, b.site, a, b_end, a_end.service.external_v4_ip, psks[0], 0)
        return
    for tunnel in link.tunnels:
        device = b.devices[tunnel.b_gateway]
        _vpnaas_connection(builder, link, parent, a.site, b, a_end, device, psks[tunnel.index], tunnel.index)
    builder._device_entries(
        link, b, a, [(t.index, a_end.service.external_v4_ip, None, None) for t in link.tunnels]
    )


_BUILDERS = {
    Shape.AWS_PEERING: _aws_peering,
    Shape.GCP_PEERING: _gcp_peering,
    Shape.AWS_GCP_HA_VPN: _aws_gcp,
    Shape.AWS_SITE_VPN: _aws_site_vpn,
    Shape.GCP_HA_VPN_DEVICE: _gcp_device,
    Shape.VPNAAS: _vpnaas,
}
