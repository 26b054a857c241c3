"""On-prem sites: networks that already exist. Nothing is created in any cloud.

An on-prem site declares the ranges it already routes; IPAM keeps every cloud block clear of
them, and (with the VPN layer) the other sites learn routes to them. Its "zones" are whatever
failure domains the operator has (rooms, racks), used for placement only.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import re
from typing import TYPE_CHECKING, Any, Literal

import pulumi
from pydantic import ConfigDict, Field, field_validator, model_validator

from ...core.bootstrap import (
    STAGE_CLEANUP,
    STAGED_SCRIPT,
    BootstrapArgs,
    node_environment,
    stage_command,
    staged_file,
)
from ...core.naming import NAME_PATTERN
from ...core.sites import AnyNetwork, SiteArgs
from ...core.validation import ArgsModel, FieldValueError
from ...planning.ipam import SitePlan, SubnetSlot
from ...planning.placement import Domain
from ...planning.vpn import VpnEndpoint
from ..bare_metal import BareMetalNode, BareMetalRequest, BareMetalSourceArgs, SourceIssue
from ..base import Capability, CloudDriver, SiteContext, SiteNetwork
from ..providers import component_provider
from ..sdk import lazy_sdk
from . import preview
from .server import server_environment

if TYPE_CHECKING:
    import pulumi_command as command
else:
    command = lazy_sdk("pulumi_command")

__all__ = ["ByonServerArgs", "ByonSourceArgs", "OnPremDriver", "OnPremSiteArgs"]

_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$"
_CONFIG_KEY = r"^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+$"


class OnPremSiteArgs(SiteArgs):
    """A site you run yourself: its existing ranges and the public address of its VPN device."""

    VENDOR = "onprem"

    vendor: Literal["onprem"] = "onprem"
    cidrs: tuple[AnyNetwork, ...] = Field(
        min_length=1,
        description="Ranges the site already routes (required: at least one). No cloud block may "
        "overlap them.",
    )
    vpn_peer_ip: ipaddress.IPv4Address | None = Field(
        default=None,
        description="Public IPv4 address of the site's VPN device. Omitted: the site cannot be "
        "joined by site-to-site VPN.",
    )

    vpn_secondary_peer_ip: ipaddress.IPv4Address | None = Field(
        default=None,
        description="Public IPv4 address of a second VPN device, for device redundancy: every cloud "
        "link then gets tunnels to both devices. Requires vpn_peer_ip.",
    )
    bgp: bool = Field(
        default=False,
        description="The VPN devices speak BGP. Required for links to GCP (HA VPN routes only with "
        "BGP); AWS links use BGP instead of static routes when set.",
    )

    @field_validator("vpn_peer_ip", "vpn_secondary_peer_ip")
    @classmethod
    def _public(cls, ip: ipaddress.IPv4Address | None) -> ipaddress.IPv4Address | None:
        if ip is not None and not ip.is_global and not _is_documentation(ip):
            raise ValueError(
                f"{ip} is not a public address; the VPN peer must be reachable from the clouds' "
                "VPN endpoints over the internet"
            )
        return ip

    @model_validator(mode="after")
    def _secondary_needs_primary(self) -> OnPremSiteArgs:
        if self.vpn_secondary_peer_ip is not None:
            if self.vpn_peer_ip is None:
                raise FieldValueError(
                    "vpn_secondary_peer_ip",
                    "set vpn_peer_ip (the first device) as well",
                    str(self.vpn_secondary_peer_ip),
                )
            if self.vpn_secondary_peer_ip == self.vpn_peer_ip:
                raise FieldValueError(
                    "vpn_secondary_peer_ip",
                    "must differ from vpn_peer_ip: a second device has its own address",
                    str(self.vpn_secondary_peer_ip),
                )
        return self

    def default_zones(self) -> tuple[str, ...]:
        return (self.region,)

    def vpn_devices(self) -> tuple[str, ...]:
        return tuple(str(ip) for ip in (self.vpn_peer_ip, self.vpn_secondary_peer_ip) if ip is not None)

    def speaks_bgp(self) -> bool:
        return self.bgp

    def existing_cidrs(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return self.cidrs


def _is_documentation(ip: ipaddress.IPv4Address) -> bool:
    """RFC 5737 ranges, accepted so examples need no real address."""
    return any(
        ip in ipaddress.ip_network(net) for net in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
    )


class ByonServerArgs(ArgsModel):
    """One server you already run, reached over SSH."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(
        pattern=NAME_PATTERN, max_length=63, description="Host name in the inventory. Required."
    )
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | str = Field(
        description="IP address (inside the site's `cidrs`) or DNS name SSH connects to. Required."
    )
    room: str | None = Field(
        default=None, description="Room (one of the site's `zones`). Omitted: the site has one room."
    )
    rack: str | None = Field(
        default=None, description="Rack: the narrowest failure domain. Omitted: the room is."
    )
    ssh_port: int = Field(default=22, ge=1, le=65535, description="SSH port. Default 22.")

    @field_validator("address")
    @classmethod
    def _host(
        cls, value: ipaddress.IPv4Address | ipaddress.IPv6Address | str
    ) -> ipaddress.IPv4Address | ipaddress.IPv6Address | str:
        if not isinstance(value, str):
            return value
        try:
            return ipaddress.ip_address(value)
        except ValueError:
            pass
        if not re.match(_HOSTNAME, value) or re.fullmatch(r"[0-9.]+", value):
            raise ValueError(f"{value!r} is neither an IP address nor a DNS name")
        return value

    @property
    def zone(self) -> str:
        """The narrowest failure domain this server declares (rack, else room, else ``site``)."""
        return self.rack or self.room or "site"


class ByonSourceArgs(BareMetalSourceArgs):
    """Servers you bring: nothing is created in any cloud; the pool bootstraps them over SSH."""

    VENDOR = "onprem"

    kind: Literal["byon"] = "byon"
    ssh_user: str = Field(
        pattern=r"^[a-z_][a-z0-9_.-]{0,31}$",
        description="SSH user on every server (a Unix user name). Required.",
    )
    ssh_private_key_config: str = Field(
        pattern=_CONFIG_KEY,
        description="Stack config key (namespace:key, outside `skyweave:`) holding the SSH private "
        "key; it must be a secret (`pulumi config set --secret`). Required.",
    )
    servers: tuple[ByonServerArgs, ...] = Field(
        min_length=1, description="The servers (at least one), each with name and address."
    )

    @field_validator("ssh_private_key_config")
    @classmethod
    def _not_skyweave(cls, key: str) -> str:
        if key.startswith("skyweave:"):
            raise ValueError(
                "skyweave: keys describe the estate and are never secret; keep the key under its "
                "own namespace, e.g. byon:ssh-private-key"
            )
        return key

    def check(self, site: SiteArgs) -> list[SourceIssue]:
        issues: list[SourceIssue] = []
        cidrs = site.existing_cidrs()
        seen: dict[tuple[str, str], int] = {}
        racks: dict[str, str | None] = {}
        for i, server in enumerate(self.servers):
            path = f"servers[{i}]"
            for key, value in (("name", server.name), ("address", str(server.address))):
                if (key, value) in seen:
                    issues.append(
                        SourceIssue(f"{path}.{key}", f"already used by servers[{seen[key, value]}]", value)
                    )
                seen.setdefault((key, value), i)
            if isinstance(server.address, ipaddress.IPv4Address | ipaddress.IPv6Address) and not any(
                server.address in net for net in cidrs
            ):
                issues.append(
                    SourceIssue(
                        f"{path}.address",
                        f"not inside site {site.name!r}'s ranges ({', '.join(str(c) for c in cidrs)})",
                        str(server.address),
                    )
                )
            if server.room is not None and server.room not in site.zones:
                issues.append(
                    SourceIssue(
                        f"{path}.room",
                        f"not a zone of site {site.name!r}; its zones: {', '.join(site.zones)}",
                        server.room,
                    )
                )
            if server.rack is not None:
                if server.rack in racks and racks[server.rack] != server.room:
                    issues.append(
                        SourceIssue(
                            f"{path}.rack",
                            f"rack {server.rack!r} is also in room {racks[server.rack]!r}; rack names "
                            "must be unique within a site (a rack is one failure domain)",
                            server.rack,
                        )
                    )
                racks.setdefault(server.rack, server.room)
        return issues

    def named_nodes(self) -> tuple[tuple[str, str], ...]:
        """Each server keeps the host name it has."""
        return tuple((f"servers[{j}].name", server.name) for j, server in enumerate(self.servers))

    def secret_config_keys(self) -> tuple[tuple[str, str], ...]:
        """The servers' SSH private key."""
        return (("ssh_private_key_config", self.ssh_private_key_config),)

    def zones_within(self) -> dict[str, str]:
        """Each rack is inside the room (a site zone) its servers name."""
        return {server.rack: server.room for server in self.servers if server.rack and server.room}

    def servers_by_zone(self) -> dict[str, list[ByonServerArgs]]:
        """Servers grouped by failure domain, domains in first-appearance order."""
        out: dict[str, list[ByonServerArgs]] = {}
        for server in self.servers:
            out.setdefault(server.zone, []).append(server)
        return out


def _byon_domains(driver: CloudDriver, site: SiteArgs, source: BareMetalSourceArgs) -> tuple[Domain, ...]:
    assert isinstance(source, ByonSourceArgs)
    return tuple(
        Domain(source.site, site.name, driver.vendor, site.region, zone, capacity=len(servers))
        for zone, servers in source.servers_by_zone().items()
    )


def command_provider(ctx: SiteContext) -> pulumi.ProviderResource:
    """The component's ``command`` provider (see :func:`~skyweave.drivers.providers.component_provider`)."""
    return component_provider(
        ctx.parent,
        ctx.component,
        "command:remote:Command",
        lambda name, opts: command.Provider(name, opts=opts),
    )


def _inside(directory: pulumi.Output[str], name: str) -> pulumi.Output[str]:
    return directory.apply(lambda d: f"{d}/{name}")


def _install_and_run(bootstrap: BootstrapArgs, stage: str, *, env: dict[str, str]) -> str:
    return bootstrap.ssh_install_command(stage, env)


def _byon_bootstrap(ctx: SiteContext, request: BareMetalRequest) -> list[BareMetalNode]:
    """Stage the files and the script on each placed server, install and run them; re-run when
    anything they do changes.

    Per server, with or without a script: a ``server`` record, a remote command with nothing to
    run whose environment holds the server's facts (its name, address, site, region, room and
    rack: :mod:`.server`), which is what the policy pack counts; the commands below depend on it.
    With a script, per server: a ``stage`` command makes a private directory (``mktemp -d``, see
    :mod:`skyweave.bootstrap`) and prints its path; the copies write into it (SFTP runs as the SSH
    user, who may not write the files' real paths); the ``bootstrap`` command installs the files
    with ``sudo``, runs the script and removes the directory. The stage's triggers hold everything
    the bootstrap does (files, script, environment, where it connects), so any change makes a new
    directory, copies again and runs again — never a run against a directory already removed.

    The connection's private key is the stack's secret (never plain text in state or preview);
    the triggers hold only digests, so a new script runs again and nothing else does.
    """
    source = request.source
    assert isinstance(source, ByonSourceArgs)
    private_key = request.secrets[source.ssh_private_key_config]
    by_zone = source.servers_by_zone()
    bootstrap = request.bootstrap
    digest = bootstrap.digest()
    provider = command_provider(ctx)

    def opts(**kwargs: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=ctx.parent, provider=provider, **kwargs)

    nodes: list[BareMetalNode] = []
    for placed in request.nodes:
        server = by_zone[placed.domain.zone][placed.ordinal]
        connection = command.remote.ConnectionArgs(
            host=str(server.address),
            port=server.ssh_port,
            user=source.ssh_user,
            private_key=private_key,
        )
        # The server itself, as the policy pack reads it: a command with nothing to run whose
        # environment says which server, site and rack it is (see server.py).
        record = command.remote.Command(
            ctx.name("host", server.name),
            connection=connection,
            environment=server_environment(
                request.pool,
                server.name,
                request.role,
                ctx.site.name,
                ctx.site.region,
                server.zone,
                str(server.address),
                server.room,
                server.rack,
            ),
            opts=opts(),
        )
        resources: list[pulumi.Resource] = [record]
        if bootstrap.enabled:
            env = node_environment(request.pool, server.name, request.role, ctx.site.name, server.zone)
            run_digest = hashlib.sha256(
                repr((sorted(env.items()), str(server.address), server.ssh_port, source.ssh_user)).encode()
            ).hexdigest()
            stage = command.remote.Command(
                ctx.name("stage", server.name),
                connection=connection,
                create=stage_command(request.pool),
                delete=STAGE_CLEANUP,
                triggers=[digest, run_digest],
                opts=opts(depends_on=[record]),
            )
            stage_dir: pulumi.Output[str] = stage.stdout.apply(lambda out: out.strip())
            copies: list[pulumi.Resource] = [
                command.remote.CopyToRemote(
                    ctx.name("file", server.name, str(i)),
                    connection=connection,
                    source=pulumi.StringAsset(content),
                    remote_path=_inside(stage_dir, staged_file(i)),
                    triggers=[digest],
                    opts=opts(),
                )
                for i, (_, content) in enumerate(sorted(bootstrap.files.items()))
            ]
            copies.append(
                command.remote.CopyToRemote(
                    ctx.name("script", server.name),
                    connection=connection,
                    source=pulumi.StringAsset(bootstrap.script),
                    remote_path=_inside(stage_dir, STAGED_SCRIPT),
                    triggers=[digest],
                    opts=opts(),
                )
            )
            run = command.remote.Command(
                ctx.name("bootstrap", server.name),
                connection=connection,
                create=stage_dir.apply(functools.partial(_install_and_run, bootstrap, env=env)),
                triggers=[digest],
                opts=opts(depends_on=[record, *copies]),
            )
            resources += [stage, *copies, run]
        detail = {k: v for k, v in (("room", server.room), ("rack", server.rack)) if v is not None}
        nodes.append(
            BareMetalNode(
                index=placed.index,
                name=server.name,
                source=source.kind,
                site=ctx.site.name,
                vendor=ctx.site.vendor,
                region=ctx.site.region,
                zone=server.zone,
                address=str(server.address),
                failure_domain={**detail, "zone": server.zone},
                resources=tuple(resources),
                ssh_user=source.ssh_user,
            )
        )
    return nodes


class OnPremDriver(CloudDriver):
    vendor = "onprem"
    preview_answers = preview
    display_name = "On-prem"
    site_model = OnPremSiteArgs
    example = {"name": "onprem-fra", "vendor": "onprem", "region": "fra", "cidrs": ["10.200.0.0/16"]}
    capabilities = frozenset({Capability.STATIC_VPN})
    bare_metal_sources = (ByonSourceArgs,)
    # The operator's own VPN devices, configured from the `onprem_devices` output.
    vpn_endpoint = VpnEndpoint.DEVICE
    vpn_product = "an on-prem VPN device"
    # No VPN limits are published for a device skyweave does not know (``vpn_limits`` stays empty).

    packages = ("command",)  # the servers it runs on are reached with pulumi-command

    def site_capabilities(self, site: SiteArgs) -> frozenset[Capability]:
        """A site's devices route with BGP when the site says they speak it (``bgp: true``)."""
        return self.capabilities | ({Capability.BGP_VPN} if site.speaks_bgp() else set())

    def subnet_slots(self, site: SiteArgs, subnet_prefixlen: int) -> tuple[SubnetSlot, ...]:
        return ()

    def bare_metal_domains(self, site: SiteArgs, source: BareMetalSourceArgs) -> tuple[Domain, ...]:
        return _byon_domains(self, site, source)

    def create_bare_metal(self, ctx: SiteContext, request: BareMetalRequest) -> list[BareMetalNode]:
        return _byon_bootstrap(ctx, request)

    def ipv6_prefixlen(self, site: SiteArgs) -> int | None:
        return None

    def create_provider(self, site: SiteArgs, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        return None

    def create_network(self, ctx: SiteContext, plan: SitePlan) -> SiteNetwork:
        return SiteNetwork.from_plan(self.vendor, plan, None, {}, {})
