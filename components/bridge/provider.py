"""skyweave's components as a Pulumi component provider, for programs in TypeScript, Go, C#, Java, YAML.

``provider/__main__.py`` hands :data:`COMPONENTS` to the SDK's ``component_provider_host``,
which infers the package schema (``skyweave:index:<Component>``) from the annotations here and in
:mod:`skyweave.bridge.arg_types`, and constructs a component when another language's program asks
for one.

Each class wraps the Python component of the same name. The Python components take pydantic
models and Python objects (a built ``HybridVpc``, a ``SiteProviders``); over the wire there are only
plain values, so each wrapper:

* validates what arrives with the same pydantic models and planners *before registering anything*,
  raising :class:`~skyweave.InvalidArgsError` whose paths use the schema's (camelCase) names;
* creates one explicit provider per site, as its child (never the default provider);
* builds the Python component as its child, and exposes its outputs under the schema's names.

MultiCloudApp and BareMetalPool need the network they run on. A component provider cannot hand a
Python object from one construct call to another, so these take the network's arguments and build
it as their own child ``<name>-net`` (see docs/other-languages.md for what that means).
"""

# No `from __future__ import annotations`: the schema analyser reads these annotations as objects.
import functools
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import pulumi
from pulumi.errors import InputPropertiesError, InputPropertyErrorDetails
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.server import ComponentInitError
from pydantic import BaseModel, ValidationError

from ..app.multi_cloud_app import MultiCloudApp as _MultiCloudApp
from ..app.plan import NAME_LIMIT as APP_NAME_LIMIT
from ..app.plan import MultiCloudAppArgs, plan_multi_cloud_app
from ..core.errors import ConfigError, ConfigIssue, InvalidArgsError, SkyweaveError
from ..core.escape import terminal
from ..core.naming import check_component_name, child_name
from ..core.validation import issues_from_validation
from ..database.multi_cloud_database import MultiCloudDatabase as _MultiCloudDatabase
from ..database.plan import NAME_LIMIT as DATABASE_NAME_LIMIT
from ..database.plan import MultiCloudDatabaseArgs, plan_multi_cloud_database
from ..drivers.bare_metal import secret_issues
from ..drivers.providers import SiteProviders
from ..kubernetes.fleet import NAME_LIMIT as FLEET_NAME_LIMIT
from ..kubernetes.fleet import KubernetesFleet as _KubernetesFleet
from ..kubernetes.fleet import KubernetesFleetArgs, plan_kubernetes_fleet
from ..metal.bare_metal_pool import NAME_LIMIT as POOL_NAME_LIMIT
from ..metal.bare_metal_pool import BareMetalPool as _BareMetalPool
from ..metal.bare_metal_pool import BareMetalPoolArgs, plan_pool
from ..network.hybrid_vpc import NAME_LIMIT as NETWORK_NAME_LIMIT
from ..network.hybrid_vpc import HybridVpc as _HybridVpc
from ..network.hybrid_vpc import HybridVpcArgs, HybridVpcPlan, plan_hybrid_vpc
from ..storage.multi_cloud_bucket import NAME_LIMIT as BUCKET_NAME_LIMIT
from ..storage.multi_cloud_bucket import MultiCloudBucket as _MultiCloudBucket
from ..storage.multi_cloud_bucket import MultiCloudBucketArgs, plan_multi_cloud_bucket
from . import arg_types as provider_types
from .arg_types import (
    BareMetalPoolInputs,
    KubernetesFleetInputs,
    MultiCloudAppInputs,
    MultiCloudBucketInputs,
    MultiCloudDatabaseInputs,
    Network,
)

__all__ = [
    "COMPONENTS",
    "PACKAGE",
    "BareMetalPool",
    "HybridVpc",
    "KubernetesFleet",
    "MultiCloudApp",
    "MultiCloudBucket",
    "MultiCloudDatabase",
    "Provider",
    "host",
]

#: The package name other languages import (``@pulumi/skyweave``-style SDKs are generated from it).
PACKAGE = "skyweave"

_M = TypeVar("_M", bound=BaseModel)
_A = TypeVar("_A")
_B = TypeVar("_B")


def _token(component: str) -> str:
    # The engine asks the provider for `<package>:index:<Component>`; the component it registers
    # must carry exactly that type.
    return f"{PACKAGE}:index:{component}"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _schema_names() -> frozenset[str]:
    names: set[str] = set()
    for name in provider_types.__all__:
        names.update(getattr(provider_types, name).__annotations__)
    return frozenset(names)


_FIELDS = _schema_names()
_SEGMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(.*)$")


def schema_path(path: str) -> str:
    """A Python key path (``sites[0].vpn_peer_ip``) in the schema's names (``sites[0].vpnPeerIp``)."""
    out = []
    for segment in path.split("."):
        match = _SEGMENT.match(segment)
        if match and match.group(1) in _FIELDS:
            segment = _camel(match.group(1)) + match.group(2)
        out.append(segment)
    return ".".join(out)


def _in_schema_names(error: ConfigError, component: str, name: str, prefix: str = "") -> InvalidArgsError:
    issues = error.with_source(f"{_token(component)} {name!r}", prefix).issues
    return InvalidArgsError(
        [type(i)(schema_path(i.path), i.message, i.value, i.has_value) for i in issues],
        source=f"{_token(component)} {name!r}",
    )


def _validate(model: type[_M], raw: Mapping[str, Any], component: str, name: str, prefix: str = "") -> _M:
    try:
        return model.model_validate(dict(raw))
    except ValidationError as exc:
        error = InvalidArgsError(issues_from_validation(exc, raw, model))
        raise _in_schema_names(error, component, name, prefix) from None


def _plan_network(raw: Network, component: str, name: str, prefix: str = "") -> HybridVpcPlan:
    args = _validate(HybridVpcArgs, raw, component, name, prefix)
    try:
        return plan_hybrid_vpc(args)
    except ConfigError as exc:
        raise _in_schema_names(exc, component, name, prefix) from None


def _site_providers(parent: pulumi.Resource, name: str, sites: Any) -> SiteProviders:
    return SiteProviders(
        sites,
        name=lambda site: child_name(name, "provider", site.name),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def _both(component: str, name: str, first: Callable[[], _A], second: Callable[[], _B]) -> tuple[_A, _B]:
    """Run two validations and report the problems of both at once, as the stack loader does."""
    issues: list[ConfigIssue] = []
    results: list[Any] = []
    for check in (first, second):
        try:
            results.append(check())
        except InvalidArgsError as exc:
            issues += exc.issues
    if issues:
        raise InvalidArgsError(issues, source=f"{_token(component)} {name!r}")
    return results[0], results[1]


def _reraise(exc: ConfigError, component: str, name: str) -> InvalidArgsError:
    return _in_schema_names(exc, component, name)


class HybridVpc(pulumi.ComponentResource):
    """One logical network over AWS, GCP, OpenStack and on-prem sites, joined by HA VPN or peering."""

    networks: pulumi.Output[dict[str, Any]]
    """Per site: vendor, region, network id, CIDRs and subnets (id, cidr, zone)."""
    cidrs: pulumi.Output[dict[str, list[str]]]
    """Per site, the ranges it routes."""
    layout: pulumi.Output[dict[str, Any]]
    """The address plan as plain data."""
    links: pulumi.Output[dict[str, Any]]
    """Every link (sites, shape, routing, tunnels, inside CIDRs) and each site's BGP ASN."""
    onprem_devices: pulumi.Output[dict[str, Any]]
    """Per on-prem site, what its VPN device must be configured with."""
    onprem_peer_ips: pulumi.Output[dict[str, Any]]
    """The cloud ends' public addresses the device entries refer to."""
    vpn_psks: pulumi.Output[dict[str, Any]]
    """Secret: the pre-shared keys by link id."""

    def __init__(self, name: str, args: Network, opts: pulumi.ResourceOptions | None = None) -> None:
        _check_name("HybridVpc", name, NETWORK_NAME_LIMIT)
        plan = _plan_network(args, "HybridVpc", name)
        super().__init__(_token("HybridVpc"), name, None, opts)
        providers = _site_providers(self, name, plan.args.sites)
        try:
            inner = _HybridVpc(name, plan.args, pulumi.ResourceOptions(parent=self), providers=providers)
        except ConfigError as exc:
            raise _reraise(exc, "HybridVpc", name) from None
        self.networks = inner.networks
        self.cidrs = inner.cidrs
        self.layout = inner.layout
        self.links = inner.links
        self.onprem_devices = inner.onprem_devices
        self.onprem_peer_ips = inner.onprem_peer_ips
        self.vpn_psks = inner.vpn_psks
        self.register_outputs(
            {
                "networks": self.networks,
                "cidrs": self.cidrs,
                "layout": self.layout,
                "links": self.links,
                "onpremDevices": self.onprem_devices,
                "onpremPeerIps": self.onprem_peer_ips,
                "vpnPsks": self.vpn_psks,
            }
        )


def _split(raw: Mapping[str, Any], *keys: str) -> tuple[dict[str, Any], dict[str, Any]]:
    own = {k: v for k, v in raw.items() if k not in keys}
    return own, {k: raw[k] for k in keys if k in raw}


class MultiCloudApp(pulumi.ComponentResource):
    """One service on several vendors behind health-checked DNS, sized to survive a zone, region or vendor."""

    addresses: pulumi.Output[dict[str, str]]
    """Per site, the public address of its load balancer."""
    availability: pulumi.Output[dict[str, Any]]
    """The composite availability estimate and the single failure that hurts most."""
    failover_seconds: pulumi.Output[float | None]
    """DNS failover estimate (check interval × threshold + TTL); absent without DNS."""
    sizing: pulumi.Output[dict[str, Any]]
    """Per site, the instances planned and why."""
    name_servers: pulumi.Output[list[str]]
    """Every DNS provider's name servers for the zone: the NS set the registrar lists."""
    placements: pulumi.Output[list[dict[str, Any]]]
    """The capacity plan as failure-domain rows (what the policy pack re-checks)."""
    min_healthy: pulumi.Output[int]
    """Instances that must stay healthy after the failure named by survive."""
    survive: pulumi.Output[str]
    """The failure the app is sized to survive: vendor, site, region or zone."""
    networks: pulumi.Output[dict[str, Any]]
    """The app's network, per site, as HybridVpc reports it."""

    def __init__(
        self, name: str, args: MultiCloudAppInputs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        _check_name("MultiCloudApp", name, APP_NAME_LIMIT, network=True)
        own, extra = _split(args, "network")
        if "network" not in extra:
            raise InvalidArgsError([_missing("network")], source=f"{_token('MultiCloudApp')} {name!r}")
        net_plan, app_args = _both(
            "MultiCloudApp",
            name,
            lambda: _plan_network(extra["network"], "MultiCloudApp", name, "network"),
            lambda: _validate(MultiCloudAppArgs, own, "MultiCloudApp", name),
        )
        try:
            plan_multi_cloud_app(app_args, net_plan.args.sites, net_plan.estate_ranges())
        except ConfigError as exc:
            raise _reraise(exc, "MultiCloudApp", name) from None
        super().__init__(_token("MultiCloudApp"), name, None, opts)
        providers = _site_providers(self, name, net_plan.args.sites)
        child = pulumi.ResourceOptions(parent=self)
        try:
            network = _HybridVpc(f"{name}-net", net_plan.args, child, providers=providers)
            inner = _MultiCloudApp(name, app_args, child, network=network, providers=providers)
        except ConfigError as exc:
            raise _reraise(exc, "MultiCloudApp", name) from None
        self.addresses = inner.addresses
        self.availability = inner.availability
        self.failover_seconds = inner.failover_seconds
        self.sizing = inner.sizing
        self.name_servers = inner.name_servers
        self.placements = inner.placements
        self.min_healthy = inner.min_healthy
        self.survive = inner.survive
        self.networks = network.networks
        self.register_outputs(
            {
                "addresses": self.addresses,
                "availability": self.availability,
                "failoverSeconds": self.failover_seconds,
                "sizing": self.sizing,
                "nameServers": self.name_servers,
                "placements": self.placements,
                "minHealthy": self.min_healthy,
                "survive": self.survive,
                "networks": self.networks,
            }
        )


class KubernetesFleet(pulumi.ComponentResource):
    """Managed Kubernetes clusters on several vendors, nodes sized to survive a zone, region or vendor."""

    clusters: pulumi.Output[dict[str, Any]]
    """Per site: vendor, product, name, endpoint, pod and service ranges, nodes per zone."""
    kubeconfigs: pulumi.Output[dict[str, str]]
    """Per site, a kubeconfig reaching the cluster (a secret)."""
    placements: pulumi.Output[list[dict[str, Any]]]
    """The nodes per site and zone as failure-domain rows (what the policy pack re-checks)."""
    availability: pulumi.Output[dict[str, Any]]
    """The availability model's figures for the fleet's node capacity."""
    networks: pulumi.Output[dict[str, Any]]
    """The fleet's network, per site, as HybridVpc reports it."""
    workload: pulumi.Output[dict[str, Any]]
    """The workload's pods per cluster, its DNS name and each cluster's load balancer address
    (null without a workload)."""

    def __init__(
        self, name: str, args: KubernetesFleetInputs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        _check_name("KubernetesFleet", name, FLEET_NAME_LIMIT, network=True)
        own, extra = _split(args, "network")
        if "network" not in extra:
            raise InvalidArgsError([_missing("network")], source=f"{_token('KubernetesFleet')} {name!r}")
        net_plan, fleet_args = _both(
            "KubernetesFleet",
            name,
            lambda: _plan_network(extra["network"], "KubernetesFleet", name, "network"),
            lambda: _validate(KubernetesFleetArgs, own, "KubernetesFleet", name),
        )
        try:
            plan_kubernetes_fleet(
                fleet_args,
                net_plan.args.sites,
                {site: list(p.cidrs) for site, p in net_plan.addresses.sites.items()},
                reserved=list(net_plan.args.ipam.reserved),
                sites_supernet=net_plan.args.ipam.supernet,
                api_cidrs=net_plan.estate_ranges(ipv6=False),
            )
        except ConfigError as exc:
            raise _reraise(exc, "KubernetesFleet", name) from None
        super().__init__(_token("KubernetesFleet"), name, None, opts)
        providers = _site_providers(self, name, net_plan.args.sites)
        child = pulumi.ResourceOptions(parent=self)
        try:
            network = _HybridVpc(f"{name}-net", net_plan.args, child, providers=providers)
            inner = _KubernetesFleet(name, fleet_args, child, network=network, providers=providers)
        except ConfigError as exc:
            raise _reraise(exc, "KubernetesFleet", name) from None
        self.clusters = inner.clusters
        self.kubeconfigs = inner.kubeconfigs
        self.placements = inner.placements
        self.availability = inner.availability
        self.networks = network.networks
        self.workload = inner.workload  # type: ignore[assignment]  # null without a workload
        self.register_outputs(
            {
                "clusters": self.clusters,
                "kubeconfigs": self.kubeconfigs,
                "placements": self.placements,
                "availability": self.availability,
                "networks": self.networks,
                "workload": self.workload,
            }
        )


class MultiCloudBucket(pulumi.ComponentResource):
    """A protected primary bucket and its copies on other vendors' sites."""

    buckets: pulumi.Output[dict[str, str]]
    """Per site, the bucket or container name."""
    copy_interval_seconds: pulumi.Output[int | None]
    """How stale the transfer-filled copy may be (plus the transfer's own time); absent without one."""

    def __init__(
        self, name: str, args: MultiCloudBucketInputs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        _check_name("MultiCloudBucket", name, BUCKET_NAME_LIMIT)
        own, extra = _split(args, "sites")
        if "sites" not in extra:
            raise InvalidArgsError([_missing("sites")], source=f"{_token('MultiCloudBucket')} {name!r}")
        # The sites are validated as a network's are (vendor fields, unique names); no network is built.
        network_args, bucket_args = _both(
            "MultiCloudBucket",
            name,
            lambda: _validate(HybridVpcArgs, {"sites": extra["sites"]}, "MultiCloudBucket", name),
            lambda: _validate(MultiCloudBucketArgs, own, "MultiCloudBucket", name),
        )
        sites = network_args.sites
        try:
            plan = plan_multi_cloud_bucket(bucket_args, sites)
        except ConfigError as exc:
            raise _reraise(exc, "MultiCloudBucket", name) from None
        super().__init__(_token("MultiCloudBucket"), name, None, opts)
        providers = _site_providers(self, name, plan.sites)  # only the sites the bucket uses
        try:
            inner = _MultiCloudBucket(
                name,
                bucket_args,
                pulumi.ResourceOptions(parent=self),
                sites=sites,
                providers=providers,
                plan=plan,
            )
        except ConfigError as exc:
            raise _reraise(exc, "MultiCloudBucket", name) from None
        self.buckets = inner.buckets
        self.copy_interval_seconds = inner.copy_interval_seconds
        self.register_outputs({"buckets": self.buckets, "copyIntervalSeconds": self.copy_interval_seconds})


class MultiCloudDatabase(pulumi.ComponentResource):
    """PostgreSQL under Patroni on several vendors' VMs, its leader lock in etcd, surviving any vendor."""

    members: pulumi.Output[dict[str, Any]]
    """Per member: its site, zone, role, sync and private address."""
    leader_connection: pulumi.Output[str]
    """libpq's multi-host connection string reaching the leader (target_session_attrs=read-write)."""
    networks: pulumi.Output[dict[str, Any]]
    """The database's network, per site, as HybridVpc reports it."""

    def __init__(
        self, name: str, args: MultiCloudDatabaseInputs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        _check_name("MultiCloudDatabase", name, DATABASE_NAME_LIMIT, network=True)
        own, extra = _split(args, "network")
        if "network" not in extra:
            raise InvalidArgsError([_missing("network")], source=f"{_token('MultiCloudDatabase')} {name!r}")
        net_plan, db_args = _both(
            "MultiCloudDatabase",
            name,
            lambda: _plan_network(extra["network"], "MultiCloudDatabase", name, "network"),
            lambda: _validate(MultiCloudDatabaseArgs, own, "MultiCloudDatabase", name),
        )
        try:
            plan = plan_multi_cloud_database(name, db_args, net_plan.args.sites, net_plan.addresses)
        except ConfigError as exc:
            raise _reraise(exc, "MultiCloudDatabase", name) from None
        super().__init__(_token("MultiCloudDatabase"), name, None, opts)
        providers = _site_providers(self, name, net_plan.args.sites)
        child = pulumi.ResourceOptions(parent=self)
        try:
            network = _HybridVpc(f"{name}-net", net_plan.args, child, providers=providers)
            inner = _MultiCloudDatabase(name, db_args, child, network=network, providers=providers, plan=plan)
        except ConfigError as exc:
            raise _reraise(exc, "MultiCloudDatabase", name) from None
        self.members = inner.members
        self.leader_connection = inner.leader_connection
        self.networks = network.networks
        self.register_outputs(
            {"members": self.members, "leaderConnection": self.leader_connection, "networks": self.networks}
        )


class BareMetalPool(pulumi.ComponentResource):
    """Whole servers from the vendors' bare-metal sources, spread over failure domains."""

    nodes: pulumi.Output[list[dict[str, Any]]]
    """Per node: name, source, site, zone or rack, address and role."""
    inventory: pulumi.Output[dict[str, Any]]
    """The nodes as an Ansible YAML inventory structure."""
    networks: pulumi.Output[dict[str, Any]]
    """The pool's network, per site, as HybridVpc reports it."""

    def __init__(
        self, name: str, args: BareMetalPoolInputs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        _check_name("BareMetalPool", name, POOL_NAME_LIMIT, network=True)
        own, extra = _split(args, "network", "ssh_keys")
        if "network" not in extra:
            raise InvalidArgsError([_missing("network")], source=f"{_token('BareMetalPool')} {name!r}")
        net_plan, pool_args = _both(
            "BareMetalPool",
            name,
            lambda: _plan_network(extra["network"], "BareMetalPool", name, "network"),
            lambda: _validate(BareMetalPoolArgs, own, "BareMetalPool", name),
        )
        try:
            plan_pool(pool_args, net_plan.args.sites, name)
        except ConfigError as exc:
            raise _reraise(exc, "BareMetalPool", name) from None
        ssh_keys = _ssh_keys(extra.get("ssh_keys"), pool_args)
        key_issues = secret_issues(pool_args.sources, ssh_keys)
        if key_issues:
            raise _reraise(InvalidArgsError(key_issues), "BareMetalPool", name)
        super().__init__(_token("BareMetalPool"), name, None, opts)
        providers = _site_providers(self, name, net_plan.args.sites)
        child = pulumi.ResourceOptions(parent=self)
        try:
            network = _HybridVpc(f"{name}-net", net_plan.args, child, providers=providers)
            inner = _BareMetalPool(
                name, pool_args, child, network=network, providers=providers, ssh_keys=ssh_keys
            )
        except ConfigError as exc:
            raise _reraise(exc, "BareMetalPool", name) from None
        self.nodes = inner.nodes
        self.inventory = inner.inventory
        self.networks = network.networks
        self.register_outputs({"nodes": self.nodes, "inventory": self.inventory, "networks": self.networks})


def _ssh_keys(given: Any, args: BareMetalPoolArgs) -> Mapping[str, pulumi.Input[str]]:
    """The secrets the sources read (SSH keys of servers you bring) by config key. A map holding a
    secret arrives as one secret Output of the whole map (the SDK lifts secretness to the top-level
    input), so each key the sources name is taken from it by an apply; one missing from it fails the
    deployment with a message naming it and the kind of source that names it."""
    if given is None:
        return {}
    if not isinstance(given, pulumi.Output):
        if not isinstance(given, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str | pulumi.Output) for k, v in given.items()
        ):
            kind = "a map" if isinstance(given, Mapping) else type(given).__name__
            issue = ConfigIssue(
                "sshKeys",
                f"must be a map of config key → private key (strings, secret), not {kind}",
                has_value=False,
            )
            raise InvalidArgsError([issue])
        return dict(given)
    wanted = {key: source.kind for source in args.sources for _, key in source.secret_config_keys()}
    return {key: given.apply(functools.partial(_pick_key, key, kind)) for key, kind in wanted.items()}


def _pick_key(key: str, kind: str, keys: Mapping[str, str]) -> str:
    if key not in keys:
        issue = ConfigIssue("sshKeys", f"no key {key!r}, which a {kind} source names", sorted(keys))
        raise InvalidArgsError([issue])
    return keys[key]


def _check_name(component: str, name: str, limit: int, *, network: bool = False) -> None:
    """The component's name, checked before anything registers (the Python component checks it
    too, but only once its providers exist). ``network``: it also names the network built inside,
    ``<name>-net``, which HybridVpc's limit bounds."""
    try:
        check_component_name(name, limit)
        if network:
            check_component_name(f"{name}-net", NETWORK_NAME_LIMIT, why=f"the network inside is {name!r}-net")
    except ConfigError as exc:
        raise _reraise(exc, component, terminal(repr(name))) from None


class Provider(ComponentProvider):
    """The SDK's component provider, answering a refusal as other languages should get it: one
    message, the problems in the schema's names, no Python traceback ("Unexpected <class
    'Exception'>" and the provider's stack were what a TypeScript user saw), and unknown input keys
    refused (the SDK drops them silently) — all before anything registers."""

    def construct(self, name: str, resource_type: str, inputs: Any, options: Any = None) -> Any:
        component = resource_type.rsplit(":", maxsplit=1)[-1]
        definition = self._component_defs.get(component)
        if definition is not None and isinstance(inputs, Mapping):
            unknown = sorted(str(k) for k in inputs if k not in definition.inputs)
            if unknown:
                valid = ", ".join(sorted(definition.inputs))
                message = (
                    f"{_token(component)} {terminal(repr(name))}: unknown input(s) "
                    f"{', '.join(map(repr, unknown))}; valid inputs: {valid}"
                )
                raise InputPropertiesError(
                    terminal(message),
                    [InputPropertyErrorDetails(property_path=k, reason="unknown input") for k in unknown],
                )
        try:
            return super().construct(name, resource_type, inputs, options)
        except ComponentInitError as exc:
            inner = exc.inner
            if not isinstance(inner, SkyweaveError):
                raise
            errors = (
                [
                    InputPropertyErrorDetails(property_path=i.path, reason=terminal(i.message))
                    for i in inner.issues
                ]
                if isinstance(inner, ConfigError)
                else None
            )
            raise InputPropertiesError(terminal(str(inner), newlines=True), errors) from None


def host() -> None:
    """Serve the components (``provider/__main__.py``): ``component_provider_host`` with
    :class:`Provider`."""
    import sys

    from pulumi.provider import main

    from .. import __version__

    main(Provider(COMPONENTS, PACKAGE, None, __version__), sys.argv[1:])


def _missing(key: str) -> ConfigIssue:
    return ConfigIssue(key, "required", has_value=False)


#: What the provider hosts, in the order the schema lists them.
COMPONENTS: list[type[pulumi.ComponentResource]] = [
    HybridVpc,
    MultiCloudApp,
    MultiCloudBucket,
    MultiCloudDatabase,
    BareMetalPool,
    KubernetesFleet,
]
