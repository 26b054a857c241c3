"""What every link builder shares: the link component, site contexts, per-site gateways, keys.

A builder (one module per shape in this package) turns one :class:`~skyweave.planning.vpn.LinkPlan`
into resources by calling the two sites' drivers through the VPN protocols of
:mod:`skyweave.drivers.vpn` — never a vendor's class. Gateways a site shares between links (a
managed gateway, an HA gateway and its router, a VPN service) are made the first time a link
needs them and reused by the site's other links.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pulumi

from ...core.errors import PlanningError, RegistrationError, UnsupportedCapabilityError
from ...core.naming import VPN_LINK, child_name
from ...core.registry import Registry, qualified_name
from ...core.sites import PEER_SITE_TAG, SiteArgs
from ...drivers.base import Capability, SiteContext, SiteNetwork
from ...drivers.registry import get_driver
from ...drivers.scope import current_scope, site_owned
from ...drivers.secrets import random_provider, tunnel_psks
from ...drivers.vpn import GatewayVpnService, HaVpnService, PeeringReads, PeeringService, PolicyVpnService
from ...planning.ipam import SitePlan
from ...planning.topology import LinkId
from ...planning.vpn import (
    LinkPlan,
    Routing,
    SiteEnd,
    VpnEndpoint,
    is_shape_name,
    kind_shape,
    shape_rule,
)

__all__ = [
    "PEERING",
    "Build",
    "LinkBuilder",
    "SitePart",
    "VpnLink",
    "builder_for",
    "register_builder",
    "register_site_part",
    "unit_problem",
]

_T = TypeVar("_T")
_S = TypeVar("_S")

#: Builds one link's resources under its VpnLink component.
Build = Callable[["LinkBuilder", LinkPlan, "VpnLink"], None]
#: What :func:`register_builder` is given for every native peering shape (``<vendor>-vpc-peering``).
PEERING = "peering"
#: What a link reads of a site's shared gateways (the drivers' VPN services read these): in a
#: unit's program the site's unit exports them and a link's unit reads them (drivers/scope.py).
GATEWAY_ATTRIBUTES = (("id",),)
HA_GATEWAY_ATTRIBUTES = (("id", "vpn_interfaces"), ("id", "name"))
#: A policy-based VPN service's pieces a link's site connections name (Neutron VPNaaS).
POLICY_PARTS = {"service": ("id", "external_v4_ip"), "ike": ("id",), "ipsec": ("id",), "local": ("id",)}
_EXAMPLE_NAME = kind_shape(VpnEndpoint.APPLIANCE, VpnEndpoint.DEVICE)
_BUILDERS: Registry[str, Build] = Registry("the builder of link shape")
#: What a site owns of a link ending on it, by the end's kind: built in the site's own unit
#: whichever unit the link is (a site's gateway shared by its links), read by the link's unit
#: through ``site_owned`` keys (drivers/scope.py). A kind with one is buildable in units.
SitePart = Callable[["LinkBuilder", LinkPlan, SiteEnd], object]
_SITE_PARTS: Registry[VpnEndpoint, SitePart] = Registry("the site part of endpoint kind")


def register_site_part(kind: VpnEndpoint, part: SitePart) -> None:
    """``part`` makes (in the site's unit) or reads (elsewhere) what a ``kind`` end's site owns of
    its links; every handle it returns goes through ``site_owned`` (drivers/scope.py), so a
    unit's program builds links ending on ``kind`` (``estate.units.unit_scope``)."""
    _SITE_PARTS.register(kind, part, qualified_name(part))


def unit_problem(link: LinkPlan) -> str | None:
    """Why a unit's program cannot build ``link`` yet (``None``: it can): an end whose kind
    declares no site part (a device needs none: it is configured outside Pulumi)."""
    if link.routing is Routing.PEERING:
        for end in (link.a, link.b):
            driver = get_driver(end.vendor)
            if not isinstance(driver, PeeringReads):
                return f"{driver.vendor} does not say what its peering reads of a network (PeeringReads)"
        return None
    for end in (link.a, link.b):
        if end.endpoint is not VpnEndpoint.DEVICE and end.endpoint not in _SITE_PARTS:
            return f"its {end.endpoint} end ({end.site}) declares no site part"
    return None


def register_builder(shape: str, build: Build) -> None:
    """Build links of ``shape`` with ``build`` (:data:`PEERING`: every native peering shape).

    Raises:
        RegistrationError: ``shape`` already has a builder (both registrants are named), or its
            name is neither one of :class:`~skyweave.planning.vpn.Shape` (the names that predate
            kinds) nor named by its two endpoint kinds (:func:`~skyweave.planning.vpn.kind_shape`).
    """
    if shape != PEERING and not is_shape_name(shape):
        raise RegistrationError(
            f"{qualified_name(build)} registers a builder for link shape {shape!r}, which is not a "
            "shape name: a new shape is named by its two endpoint kinds, side a first "
            f"(skyweave.planning.vpn.kind_shape, e.g. {_EXAMPLE_NAME!r}); "
            "the vendor-named ones in skyweave.planning.vpn.Shape are frozen",
            key=shape,
            registrants=(qualified_name(build),),
        )
    _BUILDERS.register(shape, build, qualified_name(build))


def builder_for(link: LinkPlan) -> Build:
    """The builder of ``link``'s shape, or the :class:`PlanningError` saying none is registered
    (asked while planning, so a rule whose shape nobody builds fails before anything exists)."""
    key = PEERING if link.routing is Routing.PEERING else str(link.shape)
    build = _BUILDERS.get(key)
    if build is None:
        found = shape_rule(link.a.endpoint, link.b.endpoint) if link.a.endpoint and link.b.endpoint else None
        decided = f" (decided by {found[1]})" if found is not None else ""
        raise PlanningError(
            f"link {link.id} has shape {key!r}{decided}, which no module builds; register its "
            "builder with skyweave.network.links.register_builder beside the rule",
            value=link.id,
        )
    return build


class VpnLink(pulumi.ComponentResource):
    """One link between two sites; its properties describe it for policy and people."""

    def __init__(self, name: str, link: LinkPlan, opts: pulumi.ResourceOptions | None = None) -> None:
        props = {
            "siteA": link.a.site,
            "siteB": link.b.site,
            "vendorA": link.a.vendor,
            "vendorB": link.b.vendor,
            "kind": "peering" if link.routing is Routing.PEERING else "vpn",
            "shape": str(link.shape),
            "routing": link.routing.value,
            "tunnels": len(link.tunnels),
            # Tunnels that carry traffic at once (a policy-based end: one, whatever "tunnels" says)
            # and the verdict, so policy and people need not re-derive either from the shape.
            "activePaths": link.active_paths,
            "redundant": link.redundant,
            "insideCidrs": list(link.inside_cidrs),
        }
        super().__init__(VPN_LINK, name, props, opts)
        self.link = link
        self.register_outputs(props)


@dataclass
class LinkBuilder:
    """Turns a connectivity plan's links into resources, one link at a time.

    ``psks`` (secret outputs, by link id) and ``devices`` (per device site, what its operator
    must configure) are collected for the component's outputs.
    """

    component: str
    parent: pulumi.Resource
    sites: Mapping[str, SiteArgs]
    networks: Mapping[str, SiteNetwork]
    providers: Mapping[str, pulumi.ProviderResource | None]
    tags: Mapping[str, Mapping[str, str]]
    #: Every link being built (a gateway shared by several links may need all their plans).
    links: tuple[LinkPlan, ...] = ()
    #: Each site's address plan (what a unit reads of another unit's network is named from it).
    plans: Mapping[str, SitePlan] = field(default_factory=dict)
    #: The estate's IPv4 address space (IPAM supernet, ranges outside it): what a forwarding end
    #: (an appliance's ports) must accept, stable when a cloud site is added.
    estate_cidrs: tuple[str, ...] = ()
    psks: dict[LinkId, list[pulumi.Output[str]]] = field(default_factory=dict)
    devices: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    peer_ips: dict[str, dict[str, pulumi.Input[str]]] = field(default_factory=dict)
    _shared: dict[str, Any] = field(default_factory=dict)
    _at_end: list[Callable[[], None]] = field(default_factory=list)

    def context(self, site: str, parent: pulumi.Resource | None = None) -> SiteContext:
        return SiteContext(
            component=self.component,
            parent=parent or self.parent,
            site=self.sites[site],
            provider=self.providers[site],
            tags=self.tags[site],
        )

    def device_context(
        self, site: str, device_site: str, parent: pulumi.Resource | None = None
    ) -> SiteContext:
        """``site``'s context for the resources that stand for ``device_site``'s devices: their tags
        name the device site (:data:`~skyweave.core.sites.PEER_SITE_TAG`), so the policy pack sees
        that every device address is the one site."""
        ctx = self.context(site, parent)
        return dataclasses.replace(ctx, tags={**ctx.tags, PEER_SITE_TAG: device_site})

    def build(self, links: Sequence[LinkPlan], *, only: Sequence[LinkPlan] | None = None) -> None:
        """Build ``links`` (every link of the estate); ``only``: those this program has anything
        to do with (a unit's: its own links and its sites' — the others would be skipped one by
        one)."""
        self.links = tuple(links)
        scope = current_scope()
        for link in links if only is None else only:
            a, b = link.a.site, link.b.site
            if scope is not None and not scope.builds_link(a, b):
                # Another unit's link: this unit builds what it reads of this unit's site.
                for end in (link.a, link.b):
                    if scope.builds_site(end.site):
                        self.site_part(link, end)
                continue
            component = VpnLink(
                child_name(self.component, "link", a, b), link, pulumi.ResourceOptions(parent=self.parent)
            )
            builder_for(link)(self, link, component)
            if not link.redundant:
                pulumi.log.warn(
                    f"link {link.id} has one active path, a single point of failure ({link.shape}): "
                    f"{link.single_path_reason}. {_remedy(link)}; the policy pack rejects it unless "
                    "allowSinglePathLinks lists it.",
                    resource=component,
                )
        for finish in self._at_end:  # what needs every link's part (an appliance's instances)
            finish()

    def site_part(self, link: LinkPlan, end: SiteEnd) -> None:
        """What ``end``'s site owns of ``link`` and builds in its own unit: its shared gateway
        (a peering: what it reads of the network, exported)."""
        if link.routing is Routing.PEERING:
            self.network(end.site)
            return
        if end.endpoint is VpnEndpoint.DEVICE:  # configured outside Pulumi
            return
        part = _SITE_PARTS.get(end.endpoint) if end.endpoint is not None else None
        if part is None:  # refused before anything registers (estate/units.py unit_scope)
            raise PlanningError(
                f"link {link.id}: a {end.endpoint} end ({end.site}) is not built in a unit yet", value=link.id
            )
        part(self, link, end)

    def at_end(self, finish: Callable[[], None]) -> None:
        """Run ``finish`` once every link is built (in the order asked)."""
        self._at_end.append(finish)

    # --- the drivers' VPN services ------------------------------------------------------------

    def service(self, site: str, protocol: type[_S]) -> _S:
        """The site's driver as the VPN service its endpoint kind needs."""
        driver = get_driver(self.sites[site].vendor)
        if not isinstance(driver, protocol):
            raise UnsupportedCapabilityError(
                driver.vendor,
                f"{protocol.__name__} ({driver.vpn_endpoint})",
                needed_for=f"a link of {site!r}",
            )
        return driver

    def peering_service(self, site: str) -> PeeringService:
        """The site's driver as its peering service (the vendor must declare PEERING)."""
        driver = get_driver(self.sites[site].vendor)
        driver.require(Capability.PEERING, needed_for=f"peering {site!r}")
        return self.service(site, PeeringService)

    # --- things created once and shared: site gateways, a link's peer ranges -------------------

    def network(self, site: str) -> SiteNetwork:
        """``site``'s network for a peering: this unit's own (exporting what a peering reads of
        it, :class:`~skyweave.drivers.vpn.PeeringReads`), or in a link's unit those resources
        read from the site's unit, as a network the driver's ``peering`` takes."""
        driver = self.peering_service(site)
        if current_scope() is None or not isinstance(driver, PeeringReads):
            return self.networks[site]  # (in a unit, refused before anything registers: unit_problem)
        plan = self.plans[site]
        reads = driver.peering_reads(plan)
        got = self.once(
            f"network:{site}",
            lambda: site_owned(
                site,
                f"{self.component}.network.{site}",
                lambda: self.networks[site],
                {f"resources.{key}": attributes for key, attributes in reads.items()},
            ),
        )
        if isinstance(got, SiteNetwork):
            return got
        resources = dict(got.resources)
        network_id = resources[next(iter(reads))].id
        return SiteNetwork.from_plan(self.sites[site].vendor, plan, network_id, {}, resources)

    def once(self, key: str, make: Callable[[], _T]) -> _T:
        """``make()`` the first time ``key`` is asked for; the same object after that."""
        if key not in self._shared:
            self._shared[key] = make()
        value: _T = self._shared[key]
        return value

    def gateway(self, site: str, asn: int) -> Any:
        """The site's managed gateway (``VpnEndpoint.GATEWAY``)."""
        driver = self.service(site, GatewayVpnService)
        return self.once(
            f"gateway:{site}",
            lambda: site_owned(
                site,
                f"{self.component}.gateway.{site}",
                lambda: driver.vpn_gateway(self.context(site), self.networks[site], asn),
                GATEWAY_ATTRIBUTES,
            ),
        )

    def ha_gateway(self, site: str, asn: int) -> tuple[Any, Any]:
        """The site's HA gateway and its router (``VpnEndpoint.HA_GATEWAY``)."""
        driver = self.service(site, HaVpnService)
        pair: tuple[Any, Any] = self.once(
            f"ha-gateway:{site}",
            lambda: site_owned(
                site,
                f"{self.component}.ha-gateway.{site}",
                lambda: driver.ha_vpn_gateway(self.context(site), self.networks[site], asn),
                HA_GATEWAY_ATTRIBUTES,
            ),
        )
        return pair

    def policy_endpoint(self, link: LinkPlan, site: str) -> Any:
        """The site's policy-based VPN service (``VpnEndpoint.POLICY``)."""
        driver = self.service(site, PolicyVpnService)
        return self.once(
            f"policy:{site}",
            lambda: site_owned(
                site,
                f"{self.component}.policy.{site}",
                lambda: driver.vpn_service(self.context(site), self.networks[site], link.ciphers),
                POLICY_PARTS,
            ),
        )

    def psks_for(self, link: LinkPlan, parent: pulumi.Resource, count: int) -> list[pulumi.Output[str]]:
        """One generated pre-shared key per tunnel, recorded for the component's outputs."""
        provider = random_provider(self.parent, self.component)
        out = tunnel_psks(self.component, link.a.site, link.b.site, parent, count, provider)
        self.psks[link.id] = out
        return out

    def device_entries(
        self,
        link: LinkPlan,
        device: SiteEnd,
        remote: SiteEnd,
        rows: Sequence[tuple[int, pulumi.Input[str], str | None, str | None]],
    ) -> None:
        """What the device site's operator configures: one entry per tunnel ending on their device.

        ``rows``: (tunnel index, remote public address, local inside ip, remote inside ip). The
        entries are plain data, known at preview; the cloud's public addresses exist only once its
        gateways do, so they go to ``peer_ips`` (by ``link#tunnel``) instead of hiding the rest.
        """
        for index, remote_ip, local_inside, remote_inside in rows:
            tunnel = link.tunnels[index]
            # The device is usually side b; before a newer endpoint kind (ordered last) it is a.
            device_index = tunnel.b_gateway if device.site == link.b.site else tunnel.a_gateway
            self.peer_ips.setdefault(device.site, {})[f"{link.id}#{index}"] = remote_ip
            self.devices.setdefault(device.site, []).append(
                {
                    "link": link.id,
                    "tunnel": index,
                    "device": device.devices[device_index],
                    "remote_site": remote.site,
                    "remote_vendor": remote.vendor,
                    "remote_public_ip": f"onprem_peer_ips[{device.site!r}][{link.id + '#' + str(index)!r}]",
                    "inside_cidr": str(tunnel.inside_cidr) if tunnel.inside_cidr else None,
                    "local_inside_ip": local_inside,
                    "remote_inside_ip": remote_inside,
                    "routing": link.routing.value,
                    "local_asn": device.asn,
                    "remote_asn": remote.asn,
                    "remote_cidrs": list(remote.ipv4_cidrs),
                    "psk": f"vpn_psks[{link.id!r}][{index}]",
                    "ciphers": link.ciphers.as_dict(),
                }
            )


def _remedy(link: LinkPlan) -> str:
    """What would make ``link`` redundant, in terms of the ends it actually has."""
    device = next((end for end in (link.a, link.b) if end.endpoint is VpnEndpoint.DEVICE), None)
    if device is not None and len(device.devices) < 2:
        return (
            f"Give {device.site!r} a second VPN device (vpn_secondary_peer_ip) or join the sites "
            "through others"
        )
    policy = [end.site for end in (link.a, link.b) if end.endpoint is VpnEndpoint.POLICY]
    if policy:
        return (
            f"{link.a.product or link.a.vendor} and {link.b.product or link.b.vendor} make one tunnel "
            f"between {link.a.site!r} and {link.b.site!r}: give {' and '.join(repr(p) for p in policy)} "
            "`vpn: appliance` (route-based, BGP) or join the sites through others"
        )
    return f"Join {link.a.site!r} and {link.b.site!r} through other sites"


def _gateway_part(builder: LinkBuilder, link: LinkPlan, end: SiteEnd) -> object:
    return builder.gateway(end.site, end.asn)


def _ha_gateway_part(builder: LinkBuilder, link: LinkPlan, end: SiteEnd) -> object:
    return builder.ha_gateway(end.site, end.asn)


def _policy_part(builder: LinkBuilder, link: LinkPlan, end: SiteEnd) -> object:
    return builder.policy_endpoint(link, end.site)


register_site_part(VpnEndpoint.GATEWAY, _gateway_part)
register_site_part(VpnEndpoint.POLICY, _policy_part)
register_site_part(VpnEndpoint.HA_GATEWAY, _ha_gateway_part)
