"""What a component and a driver exchange to build a bare-metal pool's servers.

The pool (``BareMetalPool``) validates and places nodes; each vendor's driver owns its source
model (a :class:`BareMetalSourceArgs` subclass: Ironic in ``openstack.py``, metal instances in
``aws.py``, servers you bring in ``onprem.py``) and turns a :class:`BareMetalRequest` into
resources, returning one :class:`BareMetalNode` per node for outputs and the inventory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pulumi
from pydantic import ConfigDict, Field

from ..core.bootstrap import BootstrapArgs, node_environment
from ..core.naming import NAME_PATTERN, child_name
from ..core.sites import SiteArgs
from ..core.validation import ArgsModel
from ..planning.placement import PlacedNode
from .site import SiteContext, SiteNetwork

__all__ = ["BareMetalNode", "BareMetalRequest", "BareMetalSourceArgs", "SourceIssue", "zone_issues"]


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


def zone_issues(zones: Sequence[str], site: SiteArgs) -> list[SourceIssue]:
    """A source's ``zones`` must be zones of its site."""
    return [
        SourceIssue(
            f"zones[{i}]", f"not a zone of site {site.name!r}; its zones: {', '.join(site.zones)}", zone
        )
        for i, zone in enumerate(zones)
        if zone not in site.zones
    ]


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
        ssh_private_key: the SSH key (a Pulumi secret) for sources reached over SSH.
    """

    pool: str
    role: str
    source: BareMetalSourceArgs
    nodes: Sequence[PlacedNode]
    bootstrap: BootstrapArgs
    network: SiteNetwork | None
    ssh_private_key: pulumi.Output[str] | None = None

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
