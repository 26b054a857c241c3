"""The driver contract's checks as plain functions: each returns what is wrong (empty: nothing).

:class:`~skyweave.testing.DriverContract` runs them as pytest tests; they are functions so that
any test runner (or a plugin's own tooling) can call them, and so that the contract has one
definition whichever way it is run. Builds run under skyweave's offline runtime (the same one
``skyweave preview`` uses: the SDK's mock monitor, each driver asked for its provider's computed
values), so a driver is checked without a cloud, a Pulumi CLI or credentials.
"""

from __future__ import annotations

import contextlib
import inspect
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, get_args, get_origin

from ..core.errors import UnknownDriverError, UnsupportedCapabilityError
from ..core.naming import HYBRID_VPC, VPN_LINK
from ..core.sites import CloudSiteArgs, SiteArgs
from ..drivers import services as _services
from ..drivers import vpn as _vpn
from ..drivers.base import Capability, CloudDriver, missing_methods
from ..drivers.registry import driver_registered, get_driver
from ..drivers.services import SERVICES, BareMetalService, service
from ..drivers.site_models import AnySite
from ..drivers.vpn import ENDPOINT_PROTOCOLS, link_end_problem

# The offline runtime: `skyweave preview` runs programs under it. (It lives in cli/ today; when it
# moves to its own layer, this import follows it.)
from ..engine.offline import OfflineRun, run_program
from ..network.hybrid_vpc import HybridVpc, HybridVpcArgs
from ..planning.vpn import VpnEndpoint, is_shape_name

__all__ = [
    "COMPONENT",
    "DEFAULT_LINK_PEER",
    "OfflineBuild",
    "ReaderClaim",
    "build_offline",
    "capability_problems",
    "created_types",
    "endpoint_kinds",
    "endpoint_problems",
    "example_site",
    "identity_problems",
    "link_build_problems",
    "link_sites",
    "policy_reader_claim",
    "serving",
    "signature_problems",
    "site_build_problems",
    "unclaimed_types",
]

#: The component every contract build is named after (its children's names start with it).
COMPONENT = "contract"
#: The site a driver's example site is linked to: AWS ships with skyweave, and its managed
#: gateway pairs with every other endpoint kind (with itself: native peering).
DEFAULT_LINK_PEER: Mapping[str, object] = {"name": "contract-aws", "vendor": "aws", "region": "us-east-1"}

#: Says whether a policy reader claims a resource type (``"aws:ec2/vpc:Vpc"`` → ``True``).
ReaderClaim = Callable[[str], bool]


def policy_reader_claim() -> ReaderClaim | None:
    """The policy pack's answer to "does a reader claim this type?": whether the pack judges it —
    its package is one some policy reader reads (:func:`skyweave.policy.readers.judges`; not every
    type of a known package need be claimed), so ``skyweave check`` reports nothing as not judged."""
    from ..policy.readers import judges

    return judges


# --- serving and building a driver -----------------------------------------------------------


@contextlib.contextmanager
def serving(driver_class: type[CloudDriver]) -> Iterator[CloudDriver]:
    """The registered instance of ``driver_class``; registered for the block if it is not (the
    fake, or a driver under test that is not installed)."""
    try:
        found: CloudDriver | None = get_driver(driver_class.vendor)
    except UnknownDriverError:
        found = None
    if type(found) is driver_class:
        assert found is not None
        yield found
        return
    with driver_registered(driver_class) as driver:
        yield driver


def example_site(driver: CloudDriver) -> SiteArgs:
    """The driver's example site, validated by its own site model."""
    return driver.site_model.model_validate(driver.example)


def link_sites(driver: CloudDriver, peer: Mapping[str, object]) -> tuple[SiteArgs, SiteArgs]:
    """The driver's example site and ``peer`` (validated by its vendor's model)."""
    return example_site(driver), get_driver(str(peer["vendor"])).site_model.model_validate(peer)


def network_args(sites: Sequence[SiteArgs]) -> HybridVpcArgs:
    """HybridVpc arguments for ``sites`` (each already validated by its vendor's model).

    The union of site models that validates a ``sites`` list is built when skyweave is imported;
    a driver registered after that (the fake, a driver under test that is not installed) is not in
    it, and only then are the arguments assembled without validating the sites again.
    """
    if all(type(site) in _site_union() for site in sites):
        return HybridVpcArgs(sites=tuple(sites))
    return HybridVpcArgs.model_construct(sites=tuple(sites))


def _site_union() -> tuple[type, ...]:
    union: Any = AnySite
    if get_origin(union) is Annotated:
        union = get_args(union)[0]
    return get_args(union) or (union,)


@dataclass(frozen=True)
class OfflineBuild:
    """One HybridVpc over some sites, run under the offline runtime.

    Attributes:
        run: what was registered and exported.
        vpc: the component (its plan and the drivers' site networks).
    """

    run: OfflineRun
    vpc: HybridVpc

    def resources_of(self, driver: CloudDriver) -> list[Any]:
        """The custom resources of ``driver``'s provider packages (its providers aside)."""
        return [r for r in self.run.resources if r.custom and r.package in driver.packages]

    @property
    def outputs(self) -> Mapping[str, Any]:
        (urn,) = [r.urn for r in self.run.resources if r.type == HYBRID_VPC]
        return self.run.component_outputs[urn]


_BUILDS: dict[tuple[type[CloudDriver], str], OfflineBuild] = {}


def build_offline(driver: CloudDriver, sites: Sequence[SiteArgs], *, cached: bool = True) -> OfflineBuild:
    """A HybridVpc named :data:`COMPONENT` over ``sites``, run offline (the driver must be served).

    Builds are deterministic, so one is made once per driver and sites unless ``cached`` is off.
    """
    key = (type(driver), json.dumps([s.model_dump(mode="json") for s in sites], sort_keys=True))
    if cached and key in _BUILDS:
        return _BUILDS[key]
    args = network_args(sites)
    made: list[HybridVpc] = []
    result = run_program(
        lambda: made.append(HybridVpc(COMPONENT, args)), project="contract", stack="contract"
    )
    build = OfflineBuild(result, made[0])
    if cached:
        _BUILDS[key] = build
    return build


# --- declarations ------------------------------------------------------------------------------


def identity_problems(driver: CloudDriver) -> list[str]:
    """Name, site model, example, zones, limits and subnet slots are declared and coherent."""
    out = []
    site = example_site(driver)
    if not driver.display_name:
        out.append("display_name is empty")
    if not isinstance(driver.capabilities, frozenset) or not all(
        isinstance(c, Capability) for c in driver.capabilities
    ):
        out.append(f"capabilities must be a frozenset of Capability, got {driver.capabilities!r}")
    if not site.vendor == driver.vendor == driver.site_model.VENDOR:
        out.append(
            f"the vendor is not one name: example {site.vendor!r}, driver {driver.vendor!r}, "
            f"site model {driver.site_model.VENDOR!r}"
        )
    if not site.zones:
        out.append("the example site has no zones: a site always ends up with at least one")
    limits = driver.limits
    if not (
        0 <= limits.network_min <= limits.network_max <= 32
        and 0 <= limits.subnet_min <= limits.subnet_max <= 32
    ):
        out.append(f"limits are not prefix ranges within 0-32: {limits}")
    slots = driver.subnet_slots(site, 20)
    if len({s.key for s in slots}) != len(slots) or len({s.slot for s in slots}) != len(slots):
        out.append(f"subnet slots repeat a key or a slot: {slots}")
    if any(s.zone is not None and s.zone not in site.zones for s in slots):
        out.append(f"a subnet slot is in a zone the site does not have: {slots} (zones {site.zones})")
    if driver.subnet_slots(site, 20) != slots:
        out.append("subnet slots are not a pure function of the site")
    return out


def capability_problems(driver: CloudDriver) -> list[str]:
    """Every capability it declares is honoured: a service capability is exactly an implemented
    service protocol (none offered by the base class), bare metal comes with its source models,
    and ``require`` accepts what it declares and refuses what it lacks."""
    out = []
    for protocol, capability in SERVICES.items():
        if isinstance(driver, protocol) != driver.supports(capability):
            out.append(
                f"{capability} is {'' if driver.supports(capability) else 'not '}declared but "
                f"{protocol.__name__} is {'' if isinstance(driver, protocol) else 'not '}implemented"
            )
        for method in (m for m in vars(protocol) if not m.startswith("_")):
            if hasattr(CloudDriver, method):
                out.append(
                    f"the base class offers {method}, so every driver would seem to offer {protocol.__name__}"
                )
    sources = driver.bare_metal_sources
    if driver.supports(Capability.BARE_METAL):
        if not sources or any(
            driver.vendor != source.VENDOR or not source.model_fields["kind"].default for source in sources
        ):
            out.append(
                "bare metal is declared but bare_metal_sources is empty, or a source is of another "
                "vendor or unnamed"
            )
    else:
        if sources:
            out.append("bare_metal_sources is set but BARE_METAL is not declared")
        try:
            service(driver, BareMetalService, needed_for="a bare-metal pool")
            out.append("service() offers bare metal without the capability")
        except UnsupportedCapabilityError:
            pass
    for capability in driver.capabilities:
        try:
            driver.require(capability, needed_for="the contract")
        except UnsupportedCapabilityError:
            out.append(f"require() refuses {capability}, which the driver declares")
    return out


def endpoint_kinds(driver: CloudDriver) -> list[VpnEndpoint]:
    """The VPN endpoint kinds the driver declares: its own and its example site's."""
    kinds = [driver.vpn_endpoint, driver.site_vpn_endpoint(example_site(driver))]
    return [k for k in dict.fromkeys(kinds) if k is not None]


def endpoint_problems(driver: CloudDriver) -> list[str]:
    """Every declared endpoint kind has its protocol (:data:`~skyweave.drivers.vpn.ENDPOINT_PROTOCOLS`),
    and a driver declaring native peering implements :class:`~skyweave.drivers.vpn.PeeringService`."""
    found = [link_end_problem(driver, kind) for kind in endpoint_kinds(driver)]
    if driver.supports(Capability.PEERING):
        found.append(link_end_problem(driver, None, peering=True))
    return [p for p in found if p is not None]


def _protocols() -> list[type]:
    """Every protocol a driver may implement: the services' and the VPN ones (read from the
    modules, so a protocol added there is checked too)."""
    found = []
    for module in (_services, _vpn):
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and getattr(value, "_is_protocol", False)
                and value.__module__ == module.__name__
            ):
                found.append(value)
    return found


def _parameters(function: Callable[..., Any], *, bound: bool) -> list[tuple[str, Any, Any]]:
    params = list(inspect.signature(function).parameters.values())
    if not bound:
        params = params[1:]  # self
    return [(p.name, p.kind, p.default) for p in params]


def signature_problems(driver: CloudDriver) -> list[str]:
    """Every method it overrides from :class:`CloudDriver`, and every method of each protocol it
    implements, takes the base's parameters: same names, kinds and defaults, in order (types may be
    narrower). Libcloud's fake lost two of ``create_node``'s parameters and nothing noticed."""
    out = []
    cls = type(driver)
    expected: dict[str, tuple[str, Callable[..., Any]]] = {}
    for name, member in vars(CloudDriver).items():
        if not name.startswith("_") and inspect.isfunction(member) and getattr(cls, name) is not member:
            expected[name] = ("CloudDriver", member)
    for protocol in _protocols():
        if not missing_methods(cls, protocol):
            for name, member in vars(protocol).items():
                if not name.startswith("_") and inspect.isfunction(member):
                    expected[name] = (protocol.__name__, member)
    for name, (owner, member) in sorted(expected.items()):
        want, got = _parameters(member, bound=False), _parameters(getattr(driver, name), bound=True)
        if want != got:
            out.append(
                f"{cls.__name__}.{name} takes {[p[0] for p in got]}, {owner}.{name} {[p[0] for p in want]}"
                + ("" if [p[0] for p in got] != [p[0] for p in want] else " (kinds or defaults differ)")
            )
    return out


# --- offline builds -----------------------------------------------------------------------------


def _ancestors(run: OfflineRun, urn: str) -> Iterable[str]:
    parents = {r.urn: r.parent for r in run.resources}
    parent = parents.get(urn)
    while parent:
        yield parent
        parent = parents.get(parent)


def site_build_problems(driver: CloudDriver, build: OfflineBuild) -> list[str]:
    """The example site built alone: one provider of its own package (a cloud site), every
    resource on it, under the component and named after it and the site, of a package the driver
    declares; the site's network record matches its address plan."""
    out = []
    (site,) = build.vpc.plan.args.sites
    run = build.run
    (component,) = [r.urn for r in run.resources if r.type == HYBRID_VPC]
    providers = [r for r in run.resources if r.type.startswith("pulumi:providers:")]
    if isinstance(site, CloudSiteArgs):
        if len(providers) != 1 or providers[0].type.removeprefix("pulumi:providers:") not in driver.packages:
            got = [p.type for p in providers]
            out.append(f"a cloud site has one provider of a package in {driver.packages}: got {got}")
    elif providers:
        out.append(f"a site without a cloud has no provider: got {[p.type for p in providers]}")
    custom = [r for r in run.resources if r.custom and not r.type.startswith("pulumi:providers:")]
    for r in custom:
        if r.package not in driver.packages:
            out.append(
                f"{r.type} is of package {r.package!r}, not one of the driver's packages {driver.packages}"
            )
        if providers and r.provider != providers[0].urn:
            out.append(f"{r.name} ({r.type}) is not on the site's provider")
        if component not in _ancestors(run, r.urn):
            out.append(f"{r.name} ({r.type}) is not under the component")
        if not r.name.startswith(f"{COMPONENT}-") or site.name not in r.name:
            out.append(f"{r.name} is not named {COMPONENT}-<role>-{site.name}-…")
    if isinstance(site, CloudSiteArgs) and not custom:
        out.append("a cloud site's driver creates the site's network")
    plan = build.vpc.plan.addresses.sites[site.name]
    network = build.vpc.site_networks[site.name]
    if (network.site, network.vendor) != (site.name, driver.vendor):
        out.append(f"the network record is of {network.site}/{network.vendor}")
    if network.cidrs != tuple(str(c) for c in plan.cidrs):
        out.append(f"the network routes {network.cidrs}, its plan {plan.cidrs}")
    if set(network.subnet_ids) != set(plan.subnets):
        out.append(f"subnets {sorted(network.subnet_ids)}, planned {sorted(plan.subnets)}")
    if site.name not in build.outputs.get("networks", {}):
        out.append("the component's networks output does not list the site")
    return out


def build_differences(first: OfflineBuild, second: OfflineBuild) -> list[str]:
    """What differs between two builds of the same sites: a driver's names, inputs and offline
    stand-ins are functions of its input, so nothing may (the order resources are registered in
    may: it follows when each one's inputs resolve)."""
    a = {r.urn: r.inputs for r in first.run.resources}
    b = {r.urn: r.inputs for r in second.run.resources}
    out = [
        f"{urn} only in the {'first' if urn in a else 'second'} build" for urn in sorted(a.keys() ^ b.keys())
    ]
    return out + [f"{urn}: {a[urn]} then {b[urn]}" for urn in sorted(a.keys() & b.keys()) if a[urn] != b[urn]]


def link_build_problems(driver: CloudDriver, build: OfflineBuild, alone: OfflineBuild) -> list[str]:
    """The example site linked to a peer: one link of a known shape; the driver built its end
    through its protocol (resources beyond the site's own, each on an explicit provider of its
    packages) or, for a device end, the operator's entries; ``alone`` is the site built alone."""
    out = []
    site = alone.vpc.plan.args.sites[0]
    (link,) = build.vpc.plan.connectivity.links
    links = [r for r in build.run.resources if r.type == VPN_LINK]
    if len(links) != 1:
        out.append(f"one link was planned, {len(links)} VpnLink components registered")
    if not (is_shape_name(str(link.shape)) or str(link.shape).endswith("-vpc-peering")):
        out.append(f"the link's shape {link.shape!r} is not a shape name")
    end = link.a if link.a.site == site.name else link.b
    peering = link.a.vendor == link.b.vendor and str(link.shape).endswith("-vpc-peering")
    before = {r.urn for r in alone.run.resources}
    added = [
        r for r in build.resources_of(driver) if r.urn not in before and not r.type.startswith("pulumi:")
    ]
    if peering or ENDPOINT_PROTOCOLS.get(end.endpoint) is not None:  # type: ignore[arg-type]
        if not added:
            out.append(f"the driver built nothing for its end of {link.id} ({link.shape})")
    else:
        entries = build.outputs.get("onpremDevices", {}).get(site.name, [])
        if not entries:
            out.append(f"a device end gets its operator's entries (onprem_devices[{site.name!r}]); none")
    types = {r.urn: r.type for r in build.run.resources}
    for r in build.resources_of(driver):
        provider = types.get(r.provider or "", "").removeprefix("pulumi:providers:")
        if provider not in driver.packages:
            out.append(f"{r.name} ({r.type}) is not on an explicit provider of the driver's packages")
    return out


def created_types(driver: CloudDriver, builds: Iterable[OfflineBuild]) -> list[str]:
    """Every resource type of the driver's packages the builds registered (providers aside)."""
    return sorted(
        {
            r.type
            for build in builds
            for r in build.resources_of(driver)
            if not r.type.startswith("pulumi:providers:")
        }
    )


def unclaimed_types(types: Iterable[str], claim: ReaderClaim) -> list[str]:
    """The types no policy reader claims: the pack would not judge them."""
    return [t for t in types if not claim(t)]
