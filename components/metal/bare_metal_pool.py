"""BareMetalPool: whole servers from every vendor's bare-metal sources, as one pool.

Order of work, as for every skyweave component: validate the args (pydantic; the sources'
models are the registered drivers' ``bare_metal_sources``, picked by ``kind``) → check each
source against its site and place every node (pure, :func:`plan_pool`) → read the secrets the
sources name from the stack's configuration → register the component → each source's driver
builds its share through its ``BareMetalService`` (cloud servers, or bootstrapping servers
already running) → ``register_outputs``. Nothing is registered unless the whole plan succeeded.

The component's props and outputs carry ``placements`` (rows of the shared failure model,
:class:`~skyweave.planning.failure.Placement`), ``minHealthy`` and ``survive``: the policy pack
checks redundancy from exactly those, and ``nodes`` feeds the Ansible inventory.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import pulumi
from pydantic import AfterValidator, ConfigDict, Field

from ..core.bootstrap import BootstrapArgs
from ..core.errors import ConfigIssue, InvalidArgsError, PlanningError
from ..core.naming import BARE_METAL_POOL, NAME_PATTERN
from ..core.sites import SiteArgs, Tags, resource_tags
from ..core.validation import ArgsModel, entry_args, first_duplicate, name_field
from ..drivers.bare_metal import BareMetalNode, BareMetalRequest, BareMetalSourceArgs, read_secrets
from ..drivers.base import Capability
from ..drivers.component import Component, network_providers
from ..drivers.registry import get_driver
from ..drivers.scope import current_scope
from ..drivers.services import BareMetalService, service
from ..drivers.site_models import AnyBareMetalSource, source_kinds
from ..network.hybrid_vpc import HybridVpc
from ..planning.failure import FailureKind
from ..planning.placement import Domain, PlacementPlan, interleave, plan_placement
from .inventory import ansible_inventory

__all__ = [
    "AnyBareMetalSource",
    "BareMetalPool",
    "BareMetalPoolArgs",
    "PoolConfig",
    "PoolPlan",
    "node_records",
    "plan_pool",
]


def _one_source_per_site(sources: tuple[BareMetalSourceArgs, ...]) -> tuple[BareMetalSourceArgs, ...]:
    duplicate = first_duplicate(source.site for source in sources)
    if duplicate is not None:
        first, second = duplicate
        raise ValueError(
            f"site {sources[second].site!r} is used by sources[{first}] and sources[{second}]; "
            "a pool takes at most one source per site"
        )
    return sources


#: A pool's name prefixes its children's and its cloud nodes' host names.
NAME_LIMIT = 24


def _or(words: tuple[str, ...]) -> str:
    return " or ".join(words) if len(words) < 3 else f"{', '.join(words[:-1])} or {words[-1]}"


class BareMetalPoolArgs(ArgsModel):
    """Arguments of :class:`BareMetalPool`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    count: int = Field(ge=0, le=10_000, description="Number of servers in the pool. Required.")
    sources: Annotated[
        tuple[AnyBareMetalSource, ...], Field(min_length=1), AfterValidator(_one_source_per_site)
    ] = Field(
        description="Where servers come from (at least one; one per site), each with `kind` "
        f"{_or(source_kinds())} and `site`."
    )
    role: str = Field(
        default="worker",
        pattern=NAME_PATTERN,
        description="Role of every node (an Ansible group, and SKYWEAVE_ROLE for the bootstrap). "
        "Default: worker.",
    )
    min_healthy: int = Field(
        default=0,
        ge=0,
        description="Nodes that must survive losing any one `survive` domain; the plan is refused "
        "otherwise. Default 0: not checked.",
    )
    survive: FailureKind = Field(
        default=FailureKind.ZONE,
        description="The failure `min_healthy` must survive: zone (default; a rack for servers you "
        "bring), region, site or vendor.",
    )
    bootstrap: BootstrapArgs = Field(
        default_factory=BootstrapArgs,
        description="Script and files run on every node (cloud-init or SSH). Default: none.",
    )
    tags: Tags = Field(
        default_factory=dict,
        description="Tags/labels on every cloud resource of the pool, before each site's own. "
        "Default none (in a stack: the estate's `skyweave:tags`).",
    )


class PoolConfig(BareMetalPoolArgs):
    """A pool in the stack configuration (``skyweave:pools``): its name plus its args."""

    name: str = name_field(
        NAME_LIMIT,
        "Name of the BareMetalPool component; prefixes every resource and node name of the pool. "
        "Required. Renaming it replaces every server.",
    )

    def pool_args(self, estate_tags: Mapping[str, str] | None = None) -> BareMetalPoolArgs:
        """The component's args; ``estate_tags`` (``skyweave:tags``) come before the pool's own."""
        return entry_args(self, BareMetalPoolArgs, estate_tags)


@dataclass(frozen=True)
class PoolPlan:
    """Everything the pool will build, decided before it registers anything."""

    args: BareMetalPoolArgs
    sites: Mapping[str, SiteArgs]
    placement: PlacementPlan

    def as_dict(self) -> dict[str, Any]:
        return {
            "placements": [p.as_dict() for p in self.placement.placements()],
            "minHealthy": self.args.min_healthy,
            "survive": self.args.survive.value,
        }


def plan_pool(args: BareMetalPoolArgs, sites: Sequence[SiteArgs], name: str | None = None) -> PoolPlan:
    """Check every source against its site and place the nodes; raise :class:`InvalidArgsError`.

    Paths in the issues are relative to the pool's args (``sources[1].site``). With the pool's
    ``name``, nodes that bring their own names may not take one its created nodes use
    (``{name}-node-<n>``).
    """
    by_name = {s.name: s for s in sites}
    issues: list[ConfigIssue] = []
    if name is not None:
        cloud_names = re.compile(rf"{re.escape(name)}-node-\d+")
        taken = f"names {name}-node-<n> are the pool's cloud nodes; choose another"
        for i, source in enumerate(args.sources):
            issues += [
                ConfigIssue(f"sources[{i}].{path}", taken, node)
                for path, node in source.named_nodes()
                if cloud_names.fullmatch(node)
            ]
    groups = []
    for i, source in enumerate(args.sources):
        problems, domains = _source_domains(f"sources[{i}]", source, by_name)
        issues += problems
        if domains is not None:
            groups.append(domains)
    if issues:
        raise InvalidArgsError(issues)
    try:
        placement = plan_placement(
            args.count, interleave(groups), min_healthy=args.min_healthy, survive=args.survive
        )
    except PlanningError as exc:
        raise InvalidArgsError([exc.as_issue()]) from exc
    for i, source in enumerate(args.sources):
        placed = sum(1 for n in placement.nodes if n.domain.source == source.site)
        issues += [
            ConfigIssue(f"sources[{i}].{x.path}", x.message, x.value) for x in source.check_placed(placed)
        ]
    if issues:
        raise InvalidArgsError(issues)
    return PoolPlan(args=args, sites=by_name, placement=placement)


def _source_domains(
    path: str, source: BareMetalSourceArgs, by_name: Mapping[str, SiteArgs]
) -> tuple[list[ConfigIssue], tuple[Domain, ...] | None]:
    """One source against its site: the problems, and the failure domains it offers (or ``None``)."""
    site = by_name.get(source.site)
    if site is None:
        return [ConfigIssue(f"{path}.site", f"no such site; sites: {', '.join(by_name)}", source.site)], None
    driver = get_driver(site.vendor)
    if not driver.supports(Capability.BARE_METAL):
        able = [s.name for s in by_name.values() if get_driver(s.vendor).supports(Capability.BARE_METAL)]
        message = (
            f"{driver.display_name} has no bare-metal servers in skyweave; sites that can host a pool: "
            f"{', '.join(able) or 'none'}"
        )
        return [ConfigIssue(f"{path}.site", message, source.site)], None
    if type(source) not in driver.bare_metal_sources:
        wanted = " or ".join(source_kinds(driver.bare_metal_sources)) or "-"
        message = (
            f"kind {source.kind} needs a site of vendor {type(source).VENDOR}, but {site.name!r} is "
            f"{driver.display_name}, whose bare-metal source kind is {wanted}"
        )
        return [ConfigIssue(f"{path}.kind", message, source.kind)], None
    issues = [ConfigIssue(f"{path}.{x.path}", x.message, x.value) for x in source.check(site)]
    metal = service(driver, BareMetalService, needed_for="a bare-metal pool")
    return issues, metal.bare_metal_domains(site, source)


def node_records(nodes: Sequence[BareMetalNode], pool: str, role: str) -> list[dict[str, Any]]:
    """The ``nodes`` output: plain data with the address as given (an Output until known)."""
    return [
        {
            "name": n.name,
            "index": n.index,
            "pool": pool,
            "role": role,
            "source": n.source,
            "site": n.site,
            "vendor": n.vendor,
            "region": n.region,
            "zone": n.zone,
            "failure_domain": {"site": n.site, **dict(n.failure_domain)},
            "address": n.address,
            **({"ssh_user": n.ssh_user} if n.ssh_user else {}),
        }
        for n in sorted(nodes, key=lambda n: n.index)
    ]


class BareMetalPool(
    Component[BareMetalPoolArgs, PoolPlan],
    token=BARE_METAL_POOL,
    name_limit=NAME_LIMIT,
):
    """A pool of whole servers spread over failure domains of one or more sources.

    Args:
        name: the component's name; every child's name starts with it (at most 24 characters).
        args: a :class:`BareMetalPoolArgs` (or a mapping validated into one).
        opts: resource options for the component.
        network: the estate's :class:`~skyweave.network.hybrid_vpc.HybridVpc`: its sites and their networks.
        providers: the sites' providers. Omitted: the network's (``network.providers``), so a site
            keeps one provider whichever component builds on it.
        ssh_keys: the secrets sources read from the stack's configuration (such as the SSH
            private key of servers you bring), by config key (``byon:ssh-key``). Omitted: each is
            read from the stack's configuration, where it must be a secret.

    Attributes:
        plan: the placement, decided before anything was registered.
        nodes: per node, its records (name, source, site, zone, address …).
    """

    def __init__(
        self,
        name: str,
        args: BareMetalPoolArgs | Mapping[str, Any],
        opts: pulumi.ResourceOptions | None = None,
        *,
        network: HybridVpc,
        providers: Mapping[str, pulumi.ProviderResource | None] | None = None,
        ssh_keys: Mapping[str, pulumi.Input[str]] | None = None,
        plan: PoolPlan | None = None,
    ) -> None:
        args = self.prepare(
            name, BareMetalPoolArgs, args, plan, lambda a: plan_pool(a, network.plan.args.sites, name)
        )
        providers = network_providers(providers, network, (s.site for s in args.sources))
        secrets = read_secrets(args.sources, ssh_keys or {})
        props = self.plan.as_dict()
        self.register(name, props, opts, providers)

        nodes: list[BareMetalNode] = []
        scope = current_scope()
        for source in args.sources:
            if scope is not None and not scope.builds_site(source.site):
                continue  # another unit's site (drivers/scope.py): its nodes are that unit's
            site = self.plan.sites[source.site]
            ctx = self.site_context(site, resource_tags(site, args.tags, site.tags))
            placed = [n for n in self.plan.placement.nodes if n.domain.source == source.site]
            request = BareMetalRequest(
                pool=name,
                role=args.role,
                source=source,
                nodes=placed,
                bootstrap=args.bootstrap,
                network=network.site_networks.get(site.name),
                secrets={key: secrets[key] for _, key in source.secret_config_keys()},
            )
            metal = service(get_driver(site.vendor), BareMetalService, needed_for="a bare-metal pool")
            nodes += metal.create_bare_metal(ctx, request)
        self.node_list = sorted(nodes, key=lambda n: n.index)
        #: The ``nodes`` output as plain data with Output leaves: export this (not ``nodes``) to
        #: keep each known address visible in a preview while the cloud ones are still unknown.
        self.records = node_records(self.node_list, name, args.role)
        self.nodes: pulumi.Output[list[dict[str, Any]]] = pulumi.Output.from_input(self.records)
        #: The pool as an Ansible inventory (YAML structure); known once every address is.
        self.inventory: pulumi.Output[dict[str, Any]] = self.nodes.apply(
            lambda nodes: ansible_inventory({name: nodes})
        )
        self.register_outputs({**props, "nodes": self.records, "inventory": self.inventory})
