"""MultiCloudDatabase: PostgreSQL under Patroni, its consensus on etcd, across vendors.

The user lists the members (site, zone, role) and the durability (``rpo``); the component

1. plans, without Pulumi (:func:`~skyweave.database.plan.plan_multi_cloud_database`): the quorum
   and durability arithmetic (:mod:`skyweave.planning.database`), each member's site, zone,
   image, size, fixed private address and exact ingress rules — every problem an
   :class:`~skyweave.core.errors.InvalidArgsError` naming the key, before anything registers;
   a member on a vendor whose driver offers no :class:`~skyweave.drivers.services.HostService`
   is refused with the reason;
2. generates the cluster's passwords and TLS (a CA and a certificate per member), Pulumi
   secrets from the start (:mod:`skyweave.drivers.cluster_secrets`);
3. renders each member's Patroni or etcd files (:mod:`skyweave.database.config`) into its
   cloud-init user data (:mod:`skyweave.database.boot`), a secret;
4. asks each member's driver for one VM (:class:`~skyweave.drivers.hosts.HostSpec`): the fixed
   address, an encrypted sized boot disk kept when the VM goes, a firewall admitting exactly the
   planned rules, deletion protection; tagged with what the member is, which the policy readers
   read.

The leader is published as a client list, not DNS: the members have private addresses only, and
the vendors' DNS health checkers probe from the internet (docs/database.md, "Finding the
leader"). ``leader_connection`` is libpq's multi-host string with
``target_session_attrs=read-write``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import pulumi

from ..core.naming import MULTI_CLOUD_DATABASE
from ..core.sites import resource_tags
from ..drivers.cluster_secrets import cluster_passwords, cluster_tls
from ..drivers.component import Component, network_providers
from ..drivers.hosts import HostHandle, HostSpec
from ..drivers.registry import get_driver
from ..drivers.scope import UNIT_RESOURCES, current_scope, export_for_units, read_from_unit
from ..drivers.services import HostService, service
from ..network.hybrid_vpc import HybridVpc
from ..planning.database import MemberRole
from .boot import member_user_data
from .config import DatabaseSecrets, DatabaseTls, TlsPair, render_cluster
from .plan import (
    NAME_LIMIT,
    MultiCloudDatabaseArgs,
    MultiCloudDatabasePlan,
    PlacedMember,
    plan_multi_cloud_database,
)

__all__ = ["MEMBER_TAGS", "MultiCloudDatabase"]

#: The tags every member's VM carries, which the policy readers read (docs/policies.md).
MEMBER_TAGS = (
    "skyweave-database",
    "skyweave-database-member",
    "skyweave-database-role",
    "skyweave-database-rpo",
    "skyweave-database-sync",
)
_PASSWORDS = ("superuser", "replication", "rewind", "restapi")


class MultiCloudDatabase(
    Component[MultiCloudDatabaseArgs, MultiCloudDatabasePlan],
    token=MULTI_CLOUD_DATABASE,
    name_limit=NAME_LIMIT,
    why="a GCP instance name (the database's name, the site and the member) takes 63 characters",
):
    """A PostgreSQL cluster over sites of several vendors that survives losing any one of them.

    Args:
        name: the component's name (Patroni's ``scope``); every child's name starts with it.
        args: a :class:`MultiCloudDatabaseArgs` (or a mapping validated into one).
        opts: resource options for the component.
        network: the estate's :class:`~skyweave.HybridVpc`; members get addresses from its plan and
            run in its subnets, reaching each other over its links.
        providers: each site's provider. Omitted: the network's.
        plan: the plan the stack loader made (checked against ``args``); omitted: planned here.

    Attributes:
        plan: the plan (pure data).
        hosts: per member name, what its driver built.
        members: output, member name → its site, zone, role and address.
        leader_connection: output, libpq's connection string reaching the leader.
    """

    def __init__(
        self,
        name: str,
        args: MultiCloudDatabaseArgs | Mapping[str, Any],
        opts: pulumi.ResourceOptions | None = None,
        *,
        network: HybridVpc,
        providers: Mapping[str, pulumi.ProviderResource | None] | None = None,
        plan: MultiCloudDatabasePlan | None = None,
    ) -> None:
        args = self.prepare(
            name,
            MultiCloudDatabaseArgs,
            args,
            plan,
            lambda a: plan_multi_cloud_database(name, a, network.plan.args.sites, network.plan.addresses),
        )
        providers = network_providers(providers, network, (s.name for s in self.plan.sites))
        summary = self.plan.as_dict()
        self.register(name, {"rpo": summary["rpo"], "quorum": summary["quorum"]}, opts, providers)

        cluster = self.plan.cluster
        addresses = self.plan.addresses
        clients = args.clients

        def render(names: list[str], values: dict[str, Any]) -> dict[str, str]:
            secrets = DatabaseSecrets(*(values[f"password:{k}"] for k in _PASSWORDS))
            pairs = {m: TlsPair(values[f"cert:{m}"], values[f"key:{m}"]) for m in names}
            files = render_cluster(
                cluster, addresses, secrets, DatabaseTls(values["ca"], pairs), clients=clients, members=names
            )
            return {member: member_user_data(rendered) for member, rendered in files.items()}

        # Each site's members get their files from the passwords, the CA and the TLS pairs of
        # that site's members only. In a unit (drivers/scope.py): the secrets unit generates them
        # and exports, per site, that site's share as one secret; the site's unit reads its share
        # through a stack reference (still a secret), so no site's stack holds another site's
        # members' private keys.
        scope = current_scope()
        members = [m for m in self.plan.members if scope is None or scope.builds_site(m.site.name)]
        built_sites = dict.fromkeys(m.site.name for m in members)  # the sites whose members it builds
        by_site: dict[str, list[str]] = {}
        for m in self.plan.members:
            by_site.setdefault(m.site.name, []).append(m.name)
        shares: dict[str, pulumi.Output[dict[str, Any]]] = {}
        if scope is None or scope.builds_secrets:
            generated = _generate_secrets(self, name, self.plan.addresses)
            for site, names in by_site.items():
                shares[site] = _share(generated, names)
                export_for_units(_share_key(name, site), shares[site])
        else:
            for site in built_sites:
                share = read_from_unit(scope.secrets_unit, _share_key(name, site))
                shares[site] = pulumi.Output.secret(share)
        user_data = {s: shares[s].apply(functools.partial(render, by_site[s])) for s in built_sites}

        self.hosts: dict[str, HostHandle] = {}
        for member in members:
            ctx = self.site_context(member.site, resource_tags(member.site, member.site.tags, args.tags))
            spec = HostSpec(
                key=member.key,
                zone=member.planned.member.zone,
                subnet=member.subnet,
                address=member.address,
                image=member.image,
                size=member.size,
                disk_gb=member.disk_gb,
                user_data=pulumi.Output.secret(_pick(user_data[member.site.name], member.name)),
                ingress=member.ingress,
                egress=member.egress,
                tags=_member_tags(name, member, cluster.rpo.value),
            )
            host = service(
                get_driver(member.site.vendor), HostService, needed_for="a MultiCloudDatabase member"
            )
            self.hosts[member.name] = host.create_host(ctx, network.site_networks[member.site.name], spec)
        self.members = pulumi.Output.from_input(summary["members"])
        self.leader_connection = pulumi.Output.from_input(self.plan.client_list())
        self.register_outputs(
            {
                "members": self.members,
                "leaderConnection": self.leader_connection,
                "rpo": summary["rpo"],
                "quorum": summary["quorum"],
                "synchronousNodeCount": summary["synchronousNodeCount"],
                "failoverSeconds": summary["failoverSeconds"],
                "expectedLoss": summary["expectedLoss"],
                "timing": summary["timing"],
                # In a unit: what it exports of this database's resources (drivers/scope.py).
                **({UNIT_RESOURCES: scope.owned_by(name)} if scope is not None else {}),
            }
        )


def _generate_secrets(
    component: pulumi.Resource, name: str, members: Mapping[str, str]
) -> dict[str, pulumi.Output[Any]]:
    """Every generated secret the members' configuration holds, by key: the passwords, the CA's
    certificate and each member's certificate and private key."""
    passwords = cluster_passwords(component, name, _PASSWORDS)
    tls = cluster_tls(component, name, members)
    inputs: dict[str, Any] = {f"password:{k}": v for k, v in passwords.items()}
    inputs |= {f"cert:{m}": c for m, c in tls.certs.items()} | {f"key:{m}": k for m, k in tls.keys.items()}
    inputs["ca"] = tls.ca
    return {key: pulumi.Output.from_input(value) for key, value in inputs.items()}


def _share(generated: Mapping[str, pulumi.Output[Any]], members: list[str]) -> pulumi.Output[dict[str, Any]]:
    """What the files of ``members`` (one site's) need of the generated secrets, as one secret:
    the passwords, the CA's certificate and these members' own pairs — no other member's key."""
    own = {f"{kind}:{m}" for m in members for kind in ("cert", "key")}
    keys = [k for k in generated if k.startswith("password:") or k == "ca" or k in own]
    return pulumi.Output.secret(pulumi.Output.all(**{k: generated[k] for k in keys}))


def _share_key(name: str, site: str) -> str:
    """The output a database's secrets unit exports a site's share under."""
    return f"{name}.secrets.{site}"


def _pick(user_data: pulumi.Output[dict[str, str]], member: str) -> pulumi.Output[str]:
    return user_data.apply(lambda data: data[member])


def _member_tags(name: str, member: PlacedMember, rpo: str) -> dict[str, str]:
    """What the VM says it is: the policy readers judge these, not the component's claims."""
    sync = member.role is MemberRole.POSTGRES and member.planned.member.sync
    values = (name, member.name, member.role.value, rpo, "true" if sync else "false")
    return dict(zip(MEMBER_TAGS, values, strict=True))
