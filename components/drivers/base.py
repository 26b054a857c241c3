"""The one interface every vendor driver implements; components talk to nothing else.

A driver turns vendor-neutral requests ("a network here, with these subnets") into one vendor's
resources, each with the site's explicit provider. It also declares, up front, what the vendor
can do (:class:`Capability`), the address sizes it accepts (:class:`NetworkLimits`) and the
documented limits of its VPN end (:class:`~skyweave.planning.limits.VpnLimit`, each with its
source), so a component can refuse an impossible request before a single resource is registered.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import pulumi

from ..core.errors import UnsupportedCapabilityError, adopt_run_error
from ..core.sites import SiteArgs
from ..planning.ipam import SitePlan, SubnetSlot
from ..planning.limits import VpnLimit
from ..planning.vpn import VpnEndpoint
from .capability import Capability
from .site import SiteContext, SiteNetwork

if TYPE_CHECKING:
    from .bare_metal import BareMetalSourceArgs

adopt_run_error(pulumi.RunError)


class PreviewAnswers(Protocol):
    """What a vendor's ``preview`` module answers for an offline preview (a module satisfies it):
    the values its provider would compute on create, and its data sources' results."""

    def preview_outputs(
        self, type_token: str, name: str, inputs: Mapping[str, Any], provider: Mapping[str, Any] | None = None
    ) -> dict[str, Any]: ...

    def preview_call(
        self, token: str, args: Mapping[str, Any], provider: Mapping[str, Any] | None = None
    ) -> dict[str, Any] | None: ...


__all__ = [
    "BgpTimers",
    "Capability",
    "CloudDriver",
    "ComputeSla",
    "NetworkLimits",
    "PreviewAnswers",
    "SiteContext",
    "SiteNetwork",
    "VpnLimit",
    "missing_methods",
    "regional_subnets",
]


@dataclass(frozen=True)
class ComputeSla:
    """A vendor's published monthly uptime commitment for compute, and where it is published.

    ``multi_zone``: the service runs in two or more zones of a region; ``single``: one instance.
    """

    multi_zone: float
    single: float
    source: str

    def for_zones(self, zones: int) -> float:
        return self.multi_zone if zones >= 2 else self.single


@dataclass(frozen=True)
class BgpTimers:
    """The BGP keepalive interval and hold time (seconds) a vendor's VPN gateway uses, and the
    document saying so: what a BGP speaker skyweave configures itself (the VPN appliance) gives
    its sessions with that gateway, so both ends agree rather than negotiate down.
    """

    keepalive: int
    hold: int
    source: str


@dataclass(frozen=True)
class NetworkLimits:
    """Block sizes (prefix lengths, inclusive) the vendor accepts for a network and a subnet."""

    network_min: int = 0
    network_max: int = 32
    subnet_min: int = 0
    subnet_max: int = 32


def regional_subnets(subnet_prefixlen: int) -> tuple[SubnetSlot, ...]:
    """Slots for a vendor whose subnets span the whole region (GCP, Neutron): one ``main``."""
    return (SubnetSlot(key="main", slot=0, prefixlen=subnet_prefixlen, tier="main"),)


class CloudDriver(abc.ABC):
    """One vendor. Subclasses set the class attributes and implement the abstract methods.

    Attributes:
        vendor: the identifier used in site configuration (``vendor: aws``).
        display_name: the vendor's name for people.
        site_model: the pydantic model of this vendor's sites.
        capabilities: what the vendor can do; components check before they ask.
        limits: block sizes the vendor accepts.
        example: a minimal valid site of this vendor (the docs show it; the contract suite builds it).
    """

    vendor: ClassVar[str]
    display_name: ClassVar[str]
    site_model: ClassVar[type[SiteArgs]]
    capabilities: ClassVar[frozenset[Capability]]
    limits: ClassVar[NetworkLimits] = NetworkLimits()
    example: ClassVar[Mapping[str, object]]
    vpn_endpoint: ClassVar[VpnEndpoint | None] = None
    """What the vendor's end of a site-to-site VPN is; with the VPN capabilities it decides
    every link's shape (:mod:`skyweave.planning.vpn`). ``None``: the vendor has no VPN."""
    vpn_product: ClassVar[str] = ""
    """What the vendor calls that endpoint, for messages (e.g. "GCP HA VPN")."""
    packages: ClassVar[tuple[str, ...]] = ()
    #: The vendor's offline-preview stand-ins (its ``preview`` module), or ``None``: ids and
    #: computed values fall back to the runtime's name-based ones.
    preview_answers: PreviewAnswers | None = None
    """The provider packages (type-token prefixes) whose resources this driver creates; default:
    the vendor's own name. The offline preview asks this driver for those resources' stand-ins."""
    compute_sla: ClassVar[ComputeSla | None] = None
    """The published compute SLA the availability model starts from; ``None``: none published."""
    bgp_timers: ClassVar[BgpTimers | None] = None
    """The BGP timers its VPN gateway uses (documented), which a skyweave-configured peer matches;
    ``None``: nothing documented, the peer uses skyweave's own (``device_config.DEFAULT_BGP_TIMERS``)."""
    vpn_limits: ClassVar[tuple[VpnLimit, ...]] = ()
    """The vendor's documented limits on its VPN end that a plan can reach, each with its source;
    the connectivity planner refuses a plan over one (docs/limits.md). Empty: none published."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "vendor" in cls.__dict__ and "packages" not in cls.__dict__:
            cls.packages = (cls.vendor,)
        if "bare_metal_sources" in cls.__dict__:
            sources = cls.bare_metal_sources
            cls.bare_metal_source = sources[0] if len(sources) == 1 else None
        elif "bare_metal_source" in cls.__dict__:
            one = cls.bare_metal_source
            cls.bare_metal_sources = (one,) if one is not None else ()
        if "capabilities" in cls.__dict__:
            from .services import SERVICES

            offered = {cap for protocol, cap in SERVICES.items() if _implements(cls, protocol)}
            cls.capabilities = frozenset(cls.capabilities) | offered

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def preview_outputs(
        self,
        type_token: str,
        name: str,
        inputs: Mapping[str, object],
        provider: Mapping[str, object] | None = None,
    ) -> dict[str, object]:
        """What the provider would compute on create that skyweave or a program reads back, for an
        offline preview (``skyweave preview`` has no cloud): deterministic stand-ins, ``id`` shaped
        as the vendor shapes it included (the runtime's name-based id otherwise). ``provider`` is
        the provider configuration that applies: the stack's ``<package>:`` keys under an explicit
        provider's inputs (wire names: ``region``, ``project``, ``subscriptionId``). Default: what
        :attr:`preview_answers` says, nothing without it."""
        if self.preview_answers is None:
            return {}
        return self.preview_answers.preview_outputs(type_token, name, inputs, provider)

    def preview_call(
        self, token: str, args: Mapping[str, object], provider: Mapping[str, object] | None = None
    ) -> dict[str, object] | None:
        """An offline preview's answer to a provider function (data source), or ``None``; the
        runtime completes it to the SDK's result type (``provider`` as for :meth:`preview_outputs`)."""
        if self.preview_answers is None:
            return None
        return self.preview_answers.preview_call(token, args, provider)

    def site_capabilities(self, site: SiteArgs) -> frozenset[Capability]:
        """What the vendor can do for this site; a vendor whose abilities depend on the site's
        configuration (an on-prem device that may or may not speak BGP) narrows or adds here."""
        return self.capabilities

    def site_vpn_endpoint(self, site: SiteArgs) -> VpnEndpoint | None:
        """What this site's end of a VPN is; a vendor that offers a choice per site (OpenStack:
        VPNaaS or an appliance pair) answers from the site's model. Default: ``vpn_endpoint``."""
        return self.vpn_endpoint

    def site_vpn_product(self, site: SiteArgs) -> str:
        """What to call this site's VPN endpoint in messages. Default: ``vpn_product``."""
        return self.vpn_product

    def site_vpn_limits(self, site: SiteArgs) -> tuple[VpnLimit, ...]:
        """The limits of this site's VPN end; a vendor whose limits depend on the site (Azure:
        its gateway SKU) answers from its model. Default: ``vpn_limits``."""
        return self.vpn_limits

    def failure_hosts(self, site: SiteArgs) -> tuple[str, ...]:
        """Other vendors' regions the site runs on (``vendor/region``), which fail it too: a
        hosted private cloud (VMware Cloud on AWS) is lost with its host's vendor and region.
        Default: none (the site's own vendor and region are its failure domains)."""
        return ()

    def quota_account(self, site: SiteArgs) -> str:
        """What tells apart the accounts sites of this vendor deploy into, so limits of an account's
        region add up only the sites sharing one. Default: "" (one account for every site)."""
        return ""

    def require(self, capability: Capability, *, needed_for: str) -> None:
        """Raise :class:`UnsupportedCapabilityError` unless the vendor has ``capability``."""
        if capability not in self.capabilities:
            raise UnsupportedCapabilityError(self.vendor, capability.value, needed_for=needed_for)

    @abc.abstractmethod
    def subnet_slots(self, site: SiteArgs, subnet_prefixlen: int) -> tuple[SubnetSlot, ...]:
        """The subnets a site's network has, each at a slot fixed by its own identity. Pure."""

    @abc.abstractmethod
    def ipv6_prefixlen(self, site: SiteArgs) -> int | None:
        """Size of the IPv6 block IPAM must plan for the site, or ``None`` (vendor-assigned / none)."""

    @abc.abstractmethod
    def create_provider(
        self, site: SiteArgs, name: str, opts: pulumi.ResourceOptions | None = None
    ) -> pulumi.ProviderResource | None:
        """The site's explicit provider, configured for its region/project/endpoint."""

    @abc.abstractmethod
    def create_network(self, ctx: SiteContext, plan: SitePlan) -> SiteNetwork:
        """Create (or, on-prem, record) the site's network from its address plan."""

    bare_metal_sources: ClassVar[tuple[type[BareMetalSourceArgs], ...]] = ()
    """The models of this vendor's bare-metal sources, one per ``kind`` (empty without bare
    metal). A pool's ``sources`` accept exactly the registered drivers' models."""
    bare_metal_source: ClassVar[type[BareMetalSourceArgs] | None] = None
    """A vendor with one source kind may declare it here instead (the earlier spelling); it is
    then ``bare_metal_sources`` too, and a driver declaring one ``bare_metal_sources`` has it here."""


def missing_methods(cls: type, protocol: type) -> tuple[str, ...]:
    """The methods of ``protocol`` that ``cls`` does not define (its own or inherited), sorted."""
    methods = [m for m in protocol.__dict__ if not m.startswith("_") and callable(getattr(protocol, m))]
    return tuple(sorted(m for m in methods if not callable(getattr(cls, m, None))))


def _implements(cls: type, protocol: type) -> bool:
    """Whether ``cls`` defines every method of ``protocol`` (its own or inherited, not the base's)."""
    return not missing_methods(cls, protocol)
