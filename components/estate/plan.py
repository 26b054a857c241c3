"""The whole estate, planned once: the network, every app, bucket and pool of a stack.

Why one plan: validating a stack must run every planner (a full supernet or an app that cannot
survive its failure is a config error, reported before anything registers), and the components
need exactly those plans to build. Planning once and handing each component its own part keeps
the two from ever disagreeing, and a preview from paying for every planner twice
(tests/test_plan_once.py counts the calls). Each part carries the arguments it was made from;
a component given a plan checks it was made for its arguments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ..app.plan import AppPlan, MultiCloudAppConfig, plan_multi_cloud_app
from ..core.errors import ConfigError, ConfigIssue
from ..database.plan import MultiCloudDatabaseConfig, MultiCloudDatabasePlan, plan_multi_cloud_database
from ..kubernetes.fleet import FleetPlan, KubernetesFleetConfig, plan_kubernetes_fleet
from ..metal.bare_metal_pool import BareMetalPoolArgs, PoolConfig, PoolPlan, plan_pool
from ..network.hybrid_vpc import HybridVpcArgs, HybridVpcPlan, Sites, plan_hybrid_vpc
from ..storage.multi_cloud_bucket import BucketPlan, MultiCloudBucketConfig, plan_multi_cloud_bucket

__all__ = ["EstateConfig", "EstatePlan", "plan_estate"]


class EstateConfig(Protocol):
    """What the estate is planned from: the parts of a stack configuration
    (:class:`~skyweave.estate.config.StackConfig`) the planners read. A protocol, so the
    configuration's module can plan itself without this one importing it back."""

    @property
    def sites(self) -> Sites: ...

    @property
    def tags(self) -> Mapping[str, str]: ...

    @property
    def apps(self) -> Sequence[MultiCloudAppConfig]: ...

    @property
    def buckets(self) -> Sequence[MultiCloudBucketConfig]: ...

    @property
    def pools(self) -> Sequence[PoolConfig]: ...

    @property
    def kubernetes(self) -> Sequence[KubernetesFleetConfig]: ...

    @property
    def databases(self) -> Sequence[MultiCloudDatabaseConfig]: ...

    def hybrid_vpc_args(self) -> HybridVpcArgs: ...


@dataclass(frozen=True)
class EstatePlan:
    """Every plan of a stack, by component name (apps, buckets and pools keep the file's order)."""

    network: HybridVpcPlan
    apps: Mapping[str, AppPlan]
    buckets: Mapping[str, BucketPlan]
    pools: Mapping[str, PoolPlan]
    fleets: Mapping[str, FleetPlan] = field(default_factory=dict)
    databases: Mapping[str, MultiCloudDatabasePlan] = field(default_factory=dict)


def plan_estate(config: EstateConfig, *, source: str, prefix: str, stack: str | None = None) -> EstatePlan:
    """Plan ``config``; raise :class:`ConfigError` naming ``source`` and each key (under ``prefix``).

    Every part is planned and every problem of all of them reported at once: the network's, every
    app's, bucket's and pool's (an app planned while the network has problems gets no estate
    ranges: they only widen its admin rules, never decide whether it can be planned).
    """
    issues: list[ConfigIssue] = []
    network: HybridVpcPlan | None = None
    try:
        network = plan_hybrid_vpc(config.hybrid_vpc_args(), connectivity_path="network", stack=stack)
    except ConfigError as exc:
        issues += exc.with_source(source, prefix).issues
    cidrs = network.estate_ranges() if network is not None else ()
    apps: dict[str, AppPlan] = {}
    for i, app in enumerate(config.apps):
        try:
            apps[app.name] = plan_multi_cloud_app(app.args(estate_tags=config.tags), config.sites, cidrs)
        except ConfigError as exc:
            issues += exc.with_source(source, f"{prefix}apps[{i}]").issues
    buckets: dict[str, BucketPlan] = {}
    for i, bucket in enumerate(config.buckets):
        try:
            buckets[bucket.name] = plan_multi_cloud_bucket(bucket.args(estate_tags=config.tags), config.sites)
        except ConfigError as exc:
            issues += exc.with_source(source, f"{prefix}buckets[{i}]").issues
    pools: dict[str, PoolPlan] = {}
    for i, pool in enumerate(config.pools):
        pool_args: BareMetalPoolArgs = pool.pool_args(config.tags)
        try:
            pools[pool.name] = plan_pool(pool_args, config.sites, pool.name)
        except ConfigError as exc:
            issues += exc.with_source(source, f"{prefix}pools[{i}]").issues
    databases: dict[str, MultiCloudDatabasePlan] = {}
    for i, database in enumerate(config.databases):
        if network is None:
            break  # its members' addresses come from the network's address plan
        try:
            databases[database.name] = plan_multi_cloud_database(
                database.name, database.args(estate_tags=config.tags), config.sites, network.addresses
            )
        except ConfigError as exc:
            issues += exc.with_source(source, f"{prefix}databases[{i}]").issues
    fleets: dict[str, FleetPlan] = {}
    if network is not None:  # a fleet's ranges keep clear of every site's: it needs the network's plan
        site_ranges = {name: list(site.cidrs) for name, site in network.addresses.sites.items()}
        ipam = network.args.ipam
        for i, fleet in enumerate(config.kubernetes):
            try:
                fleets[fleet.name] = plan_kubernetes_fleet(
                    fleet.args(estate_tags=config.tags),
                    config.sites,
                    site_ranges,
                    reserved=list(ipam.reserved),
                    sites_supernet=ipam.supernet,
                    api_cidrs=network.estate_ranges(ipv6=False),
                )
            except ConfigError as exc:
                issues += exc.with_source(source, f"{prefix}kubernetes[{i}]").issues
    if issues or network is None:
        raise ConfigError(issues, source=source)
    return EstatePlan(
        network=network, apps=apps, buckets=buckets, pools=pools, databases=databases, fleets=fleets
    )
