"""What a component and a driver exchange to build a bare-metal pool's servers.

The pool (``BareMetalPool``) validates and places nodes; each vendor's driver owns its source
models (:class:`BareMetalSourceArgs` subclasses, declared as the driver's ``bare_metal_sources``)
and turns a :class:`BareMetalRequest` into resources, returning one :class:`BareMetalNode` per
node for outputs and the inventory. What only some sources have — nodes that bring their own
names, secrets read from the stack's configuration, failure domains inside a site's zones — each
source declares through the methods below, so the pool handles every kind alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pulumi
from pulumi.runtime.config import get_config, is_config_secret
from pydantic import ConfigDict, Field

from ..core.bootstrap import BootstrapArgs, node_environment
from ..core.errors import ConfigIssue, InvalidArgsError
from ..core.naming import NAME_PATTERN, child_name
from ..core.sites import SiteArgs
from ..core.validation import ArgsModel
from ..planning.placement import PlacedNode
from .site import SiteContext, SiteNetwork

__all__ = [
    "BareMetalNode",
    "BareMetalRequest",
    "BareMetalSourceArgs",
    "SourceIssue",
    "read_secrets",
    "secret_issues",
    "zone_issues",
]


@dataclass(frozen=True)
class SourceIssue:
    """A problem with a source, at a key path relative to the source (``servers[1].address``)."""

    path: str
    message: str
    value: Any = None


class BareMetalSourceArgs(ArgsModel):
    """Where a pool's servers come from: one site, and how that vendor provides whole machines."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: The vendor whose sites this kind of source works on.
    VENDOR: ClassVar[str]

    kind: str
    site: str = Field(
        pattern=NAME_PATTERN,
        description="Name of the site (under `sites`) the servers are in. Required.",
    )

    def check(self, site: SiteArgs) -> list[SourceIssue]:
        """Problems only visible with the site at hand (zones, address ranges). Pure."""
        return []

    def check_placed(self, count: int) -> list[SourceIssue]:
        """Problems only visible once placement gave this source ``count`` nodes. Pure."""
        return []

    def named_nodes(self) -> tuple[tuple[str, str], ...]:
        """Nodes that bring their own host names, as (key path in the source, name): a pool names
        the nodes it creates ``{pool}-node-<n>``, and refuses a brought name of that form."""
        return ()

    def secret_config_keys(self) -> tuple[tuple[str, str], ...]:
        """Secrets the driver reads from the stack's configuration for this source, as (key path in
        the source, config key): each must be set there as a secret, which the pool checks before
        it registers anything (:func:`secret_issues`). Default: none."""
        return ()

    def zones_within(self) -> Mapping[str, str]:
        """Failure domains narrower than a zone of the site, each → the site zone holding it (a rack
        → its room), so losing that zone loses them too (``skyweave simulate``). Default: none."""
        return {}


def zone_issues(zones: Sequence[str], site: SiteArgs) -> list[SourceIssue]:
    """A source's ``zones`` must be zones of its site."""
    return [
        SourceIssue(
            f"zones[{i}]", f"not a zone of site {site.name!r}; its zones: {', '.join(site.zones)}", zone
        )
        for i, zone in enumerate(zones)
        if zone not in site.zones
    ]


def secret_issues(
    sources: Sequence[BareMetalSourceArgs], given: Mapping[str, object] | None = None
) -> list[ConfigIssue]:
    """Each secret a source reads from the stack's configuration is there, and is a secret.

    Runs inside a Pulumi program (it reads the running stack's configuration); ``given`` holds
    secrets passed to the component directly, by config key, which need no config entry.
    """
    issues: list[ConfigIssue] = []
    for i, source in enumerate(sources):
        for path, key in source.secret_config_keys():
            if key in (given or {}):
                continue
            where = f"sources[{i}].{path}"
            if get_config(key) is None:
                hint = f"set it with `pulumi config set --secret {key} < key`"
                issues.append(ConfigIssue(where, f"no config key {key}; {hint}", key))
            elif not is_config_secret(key):
                issues.append(
                    ConfigIssue(
                        where,
                        f"config key {key} holds a private key in plain text; store it with "
                        f"`pulumi config set --secret {key}` (a `secure:` value)",
                        key,
                    )
                )
    return issues


def read_secrets(
    sources: Sequence[BareMetalSourceArgs], given: Mapping[str, pulumi.Input[str]]
) -> dict[str, pulumi.Output[str]]:
    """Every secret the sources read, as a secret Output by config key; refuse (before anything
    registers) one that is missing or stored in plain text."""
    issues = secret_issues(sources, given)
    if issues:
        raise InvalidArgsError(issues)
    out: dict[str, pulumi.Output[str]] = {}
    for key in _keys(sources):
        if key in given:
            out[key] = pulumi.Output.secret(given[key])
        else:
            namespace, _, name = key.partition(":")
            out[key] = pulumi.Config(namespace).require_secret(name)
    return out


def _keys(sources: Iterable[BareMetalSourceArgs]) -> list[str]:
    return list(dict.fromkeys(key for source in sources for _, key in source.secret_config_keys()))


@dataclass(frozen=True)
class BareMetalRequest:
    """One source's share of a pool, already placed.

    Attributes:
        pool: the pool's name.
        role: the role every node plays (in the inventory and the bootstrap's environment).
        source: the validated source.
        nodes: the nodes placed on this source, in pool order.
        bootstrap: what runs on each node.
        network: the site's network from HybridVpc (``None`` for sites without one).
        secrets: the secrets the source reads from the stack's configuration (its
            :meth:`~BareMetalSourceArgs.secret_config_keys`), as Pulumi secrets by config key.
    """

    pool: str
    role: str
    source: BareMetalSourceArgs
    nodes: Sequence[PlacedNode]
    bootstrap: BootstrapArgs
    network: SiteNetwork | None
    secrets: Mapping[str, pulumi.Output[str]] = field(default_factory=dict)

    def node_name(self, placed: PlacedNode) -> str:
        """A cloud node's host name: ``{pool}-node-{index}``, stable as the pool grows."""
        return child_name(self.pool, "node", str(placed.index))

    def user_data(self, placed: PlacedNode, site: str) -> str | None:
        """The node's cloud-init user-data, or ``None`` without a bootstrap."""
        if not self.bootstrap.enabled:
            return None
        env = node_environment(self.pool, self.node_name(placed), self.role, site, placed.domain.zone)
        return self.bootstrap.cloud_init(env)

    def cloud_node(
        self, ctx: SiteContext, placed: PlacedNode, server: pulumi.Resource, address: pulumi.Input[str]
    ) -> BareMetalNode:
        """The record of a node a cloud created (an availability zone is its failure domain)."""
        zone = placed.domain.zone
        return BareMetalNode(
            index=placed.index,
            name=self.node_name(placed),
            source=self.source.kind,
            site=ctx.site.name,
            vendor=ctx.site.vendor,
            region=ctx.site.region,
            zone=zone,
            address=address,
            failure_domain={"zone": zone},
            resources=(server,),
        )


@dataclass(frozen=True)
class BareMetalNode:
    """One server of the pool, as outputs and the inventory show it.

    Attributes:
        index: the node's number in the pool (stable as the pool grows).
        name: the node's host name.
        source: the kind of source (``ironic``, ``aws_metal``, ``byon``).
        site, vendor, region, zone: where it is; ``zone`` is its narrowest failure domain.
        address: its private address (unknown until the cloud assigns it).
        failure_domain: extra detail of the failure domain (``room``, ``rack``).
        resources: what the driver created for it.
    """

    index: int
    name: str
    source: str
    site: str
    vendor: str
    region: str
    zone: str
    address: pulumi.Input[str]
    failure_domain: Mapping[str, str] = field(default_factory=dict)
    resources: Sequence[pulumi.Resource] = ()
    ssh_user: str | None = None
