"""The files each database member runs on: Patroni's ``patroni.yml`` and etcd's configuration.

Why a pure renderer: the files go into each member's user data, where the passwords and keys
become known only inside an ``Output.apply``; here they are separate arguments (never plan
fields), so a plan can be printed, compared and logged without leaking one, and the same text is
what ``tests/test_db_daemons.py`` hands to the real Patroni, PostgreSQL and etcd. Nothing here
logs; an error names the member and the key, never a value that may be secret.

Formats (each key checked against these; docs/database.md lists them):

* ``patroni.yml``: Patroni 3.0's YAML configuration settings (docs/SETTINGS.rst at v3.0.2:
  global ``scope``/``name``, ``restapi``, ``etcd3``, ``bootstrap.dcs``/``initdb``/``pg_hba``,
  ``postgresql``, ``tags``), and the replication modes page for ``synchronous_mode``,
  ``synchronous_mode_strict`` and ``synchronous_node_count``. Patroni 3.0.2 runs its own
  validator on every start (``patroni --validate-config``), which the lab runs too.
* etcd's configuration file: etcd 3.4's flags as YAML keys (op-guide/configuration.md, "a YAML
  file made with name and value of one or more command-line flags") and the sample file's
  ``client-transport-security`` / ``peer-transport-security`` sections for TLS.

Decisions:

* TLS everywhere etcd listens: peers and clients present certificates signed by the cluster's CA
  (``client-cert-auth`` on both), so only members join the consensus and only Patroni (with its
  client certificate) writes the leader key.
* ``pg_hba`` names exactly the members' addresses, each for the user it needs: the superuser
  (Patroni's own connection), ``replication`` for the replication user and the rewind user (for
  ``pg_rewind`` after a failover); ``clients`` adds the application's ranges. ``scram-sha-256``
  throughout (PostgreSQL 15's default ``password_encryption``).
* ``rpo: zero`` is ``synchronous_mode`` with ``synchronous_mode_strict`` (a commit never returns
  before a standby has it, even when none is left — writes block instead) and the plan's
  ``synchronous_node_count``; ``rpo: async`` turns both off and bounds a promoted standby's lag
  by ``maximum_lag_on_failover``.
* The REST API's unsafe endpoints (restart, failover, reload) take a password: a node that can
  reach port 8008 must not be able to move the leader.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..core.errors import PlanningError
from ..planning.database import DatabasePlan, MemberRole, PlannedMember, Rpo

__all__ = [
    "ETCD_CLIENT_PORT",
    "ETCD_PEER_PORT",
    "PATRONI_PORT",
    "POSTGRES_PORT",
    "DatabaseSecrets",
    "DatabaseTls",
    "Layout",
    "MemberFiles",
    "RenderedFile",
    "TlsPair",
    "pg_hba",
    "render_cluster",
    "render_etcd",
    "render_patroni",
]

#: The ports members open to each other (and the component's security groups, exactly these).
POSTGRES_PORT = 5432
PATRONI_PORT = 8008
ETCD_CLIENT_PORT = 2379
ETCD_PEER_PORT = 2380

SUPERUSER = "postgres"
REPLICATION_USER = "replicator"
REWIND_USER = "rewind"
RESTAPI_USER = "patroni"


@dataclass(frozen=True)
class DatabaseSecrets:
    """The cluster's passwords: opaque, never shown (``repr`` omits them)."""

    superuser_password: str = field(repr=False)
    replication_password: str = field(repr=False)
    rewind_password: str = field(repr=False)
    restapi_password: str = field(repr=False)


@dataclass(frozen=True)
class TlsPair:
    """One member's certificate (PEM, public) and private key (PEM, secret)."""

    cert: str
    key: str = field(repr=False)


@dataclass(frozen=True)
class DatabaseTls:
    """The cluster's CA certificate and a pair per member: an etcd member's serves its peer and
    client ports (with the member's address in its subject alternative names) and is also its
    client certificate towards peers; a PostgreSQL member's is Patroni's client certificate."""

    ca: str
    members: Mapping[str, TlsPair]


@dataclass(frozen=True)
class Layout:
    """Where a member's files live: Debian's packages' paths by default (``patroni.service``
    reads ``/etc/patroni/config.yml``; ``etcd.service`` takes ``DAEMON_ARGS`` from
    ``/etc/default/etcd``). ``{scope}`` and ``{name}`` are filled in."""

    patroni_config: str = "/etc/patroni/config.yml"
    data_dir: str = "/var/lib/postgresql/15/{scope}"
    bin_dir: str = "/usr/lib/postgresql/15/bin"
    socket_dir: str = "/var/run/postgresql"
    pgpass: str = "/var/lib/postgresql/.pgpass_{scope}"
    patroni_tls_dir: str = "/etc/patroni/tls"
    etcd_config: str = "/etc/etcd/etcd.conf.yml"
    etcd_default: str = "/etc/default/etcd"
    etcd_data_dir: str = "/var/lib/etcd/{name}"
    etcd_tls_dir: str = "/etc/etcd/tls"

    def path(self, key: str, plan: DatabasePlan, name: str) -> str:
        template: str = getattr(self, key)
        return template.format(scope=plan.scope, name=name)


@dataclass(frozen=True)
class RenderedFile:
    """A file to write: ``secret`` files hold a password or a key (mode 0600)."""

    path: str
    content: str = field(repr=False)
    mode: int
    owner: str
    secret: bool


@dataclass(frozen=True)
class MemberFiles:
    """Everything one member runs on."""

    name: str
    role: MemberRole
    files: tuple[RenderedFile, ...]

    def file(self, path: str) -> RenderedFile:
        return next(f for f in self.files if f.path == path)


def render_cluster(
    plan: DatabasePlan,
    addresses: Mapping[str, str],
    secrets: DatabaseSecrets,
    tls: DatabaseTls,
    *,
    layout: Mapping[str, Layout] | None = None,
    clients: Iterable[str] = (),
    members: Iterable[str] | None = None,
) -> dict[str, MemberFiles]:
    """Every member's files, by member name. ``addresses``: each member's address;
    ``layout``: per member, where its files go (Debian's paths when absent); ``clients``: the
    application's address ranges ``pg_hba`` lets in; ``members``: render only these (a member
    needs its own TLS pair and every member's address, so the Pulumi stack of one site holds the
    private keys of that site's members only).

    Raises:
        PlanningError: a member without an address, a rendered member without a TLS pair, an
            address that is not one, an empty password, an unknown member in ``members``. The
            message names the member or key, never a secret.
    """
    wanted = None if members is None else set(members)
    rendered = [m for m in plan.members if wanted is None or m.name in wanted]
    if wanted is not None:
        unknown = sorted(wanted - {m.name for m in plan.members})
        if unknown:
            raise PlanningError(f"no member named {unknown[0]!r} in the cluster", path="members")
    _check(plan, addresses, secrets, tls, rendered)
    client_ranges = tuple(_network(c, f"clients[{i}]") for i, c in enumerate(clients))
    layouts = dict(layout or {})
    out = {}
    for m in rendered:
        where = layouts.get(m.name, Layout())
        if m.member.role is MemberRole.POSTGRES:
            files = render_patroni(plan, m, addresses, secrets, tls, where, client_ranges)
        else:
            files = render_etcd(plan, m, addresses, tls, where)
        out[m.name] = MemberFiles(m.name, m.member.role, files)
    return out


def _check(
    plan: DatabasePlan,
    addresses: Mapping[str, str],
    secrets: DatabaseSecrets,
    tls: DatabaseTls,
    rendered: Iterable[PlannedMember],
) -> None:
    for m in plan.members:
        if m.name not in addresses:
            raise PlanningError(f"member {m.name} has no address", path=f"addresses.{m.name}")
        _address(addresses[m.name], f"addresses.{m.name}")
    for m in rendered:
        if m.name not in tls.members:
            raise PlanningError(f"member {m.name} has no TLS certificate and key", path=f"tls.{m.name}")
    for key in ("superuser_password", "replication_password", "rewind_password", "restapi_password"):
        value = getattr(secrets, key)
        if not isinstance(value, str) or not value or "\x00" in value:
            # Never the value: only which one and what is wrong.
            raise PlanningError(f"{key} must be a non-empty string without NUL characters", path=key)


def _address(value: str, path: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        raise PlanningError(f"{value!r} is not an IP address", path=path, value=value) from None


def _network(value: str, path: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=True))
    except ValueError:
        raise PlanningError(
            f"{value!r} is not an address range (e.g. 10.10.0.0/16)", path=path, value=value
        ) from None


def _host(address: str) -> str:
    """An address as it goes before ``:port`` (IPv6 in brackets)."""
    return f"[{address}]" if ":" in address else address


def _single(address: str) -> str:
    return str(ipaddress.ip_network(address))  # /32 or /128


def _dump(data: Mapping[str, Any], header: str) -> str:
    body = yaml.safe_dump(dict(data), sort_keys=False, default_flow_style=False, width=1000)
    note = "# Rendered by skyweave (skyweave.database.config); edit the stack, not this file."
    return f"# {header}\n{note}\n{body}"


def _tls_files(pair: TlsPair, ca: str, directory: str, owner: str) -> tuple[RenderedFile, ...]:
    return (
        RenderedFile(f"{directory}/ca.crt", ca, 0o644, owner, secret=False),
        RenderedFile(f"{directory}/member.crt", pair.cert, 0o644, owner, secret=False),
        RenderedFile(f"{directory}/member.key", pair.key, 0o600, owner, secret=True),
    )


def pg_hba(plan: DatabasePlan, addresses: Mapping[str, str], clients: Iterable[str] = ()) -> list[str]:
    """The ``pg_hba.conf`` lines: each user only from the members' addresses, apps from ``clients``."""
    hosts = [_single(addresses[m.name]) for m in plan.postgres]
    lines = [f"local all {SUPERUSER} peer"]
    lines += [f"host all {SUPERUSER} {h} scram-sha-256" for h in hosts]
    lines += [f"host replication {REPLICATION_USER} {h} scram-sha-256" for h in hosts]
    lines += [f"host all {REWIND_USER} {h} scram-sha-256" for h in hosts]
    lines += [f"host all all {c} scram-sha-256" for c in clients]
    return lines


def _dcs(plan: DatabasePlan) -> dict[str, Any]:
    """``bootstrap.dcs``: the dynamic configuration written to etcd once, at bootstrap."""
    zero = plan.rpo is Rpo.ZERO
    t = plan.timing
    dcs: dict[str, Any] = {
        "ttl": t.ttl,
        "loop_wait": t.loop_wait,
        "retry_timeout": t.retry_timeout,
        "maximum_lag_on_failover": plan.maximum_lag_on_failover,
        "synchronous_mode": zero,
        "synchronous_mode_strict": zero,
    }
    if zero:
        dcs["synchronous_node_count"] = plan.synchronous_node_count
    dcs["postgresql"] = {
        "use_pg_rewind": True,
        "use_slots": True,
        # pg_rewind needs hint bits logged (or checksums, which initdb also turns on below).
        "parameters": {"wal_log_hints": "on", "password_encryption": "scram-sha-256"},
    }
    return dcs


def render_patroni(
    plan: DatabasePlan,
    member: PlannedMember,
    addresses: Mapping[str, str],
    secrets: DatabaseSecrets,
    tls: DatabaseTls,
    layout: Layout,
    clients: Iterable[str] = (),
) -> tuple[RenderedFile, ...]:
    """A PostgreSQL member's ``patroni.yml`` and its etcd client certificate files."""
    name = member.name
    address = addresses[name]
    tls_dir = layout.path("patroni_tls_dir", plan, name)
    hba = pg_hba(plan, addresses, clients)
    config: dict[str, Any] = {
        "scope": plan.scope,
        "name": name,
        "restapi": {
            "listen": f"{_host(address)}:{PATRONI_PORT}",
            "connect_address": f"{_host(address)}:{PATRONI_PORT}",
            "authentication": {"username": RESTAPI_USER, "password": secrets.restapi_password},
        },
        "etcd3": {
            "hosts": [
                f"{_host(addresses[e.name])}:{ETCD_CLIENT_PORT}"
                for e in _nearest_first(plan, member, addresses)
            ],
            # Take the hosts in this order (nearest first) instead of a shuffled discovery: the
            # replica then watches the leader key through its own vendor's etcd member, which a
            # loss elsewhere leaves alone (docs/database.md, "Failover time").
            "use_proxies": True,
            "protocol": "https",
            "cacert": f"{tls_dir}/ca.crt",
            "cert": f"{tls_dir}/member.crt",
            "key": f"{tls_dir}/member.key",
        },
        "bootstrap": {
            "dcs": _dcs(plan),
            "initdb": [{"encoding": "UTF8"}, "data-checksums"],
            "pg_hba": hba,
        },
        "postgresql": {
            "listen": f"{_host(address)}:{POSTGRES_PORT}",
            "connect_address": f"{_host(address)}:{POSTGRES_PORT}",
            "data_dir": layout.path("data_dir", plan, name),
            "bin_dir": layout.path("bin_dir", plan, name),
            "pgpass": layout.path("pgpass", plan, name),
            "authentication": {
                "superuser": {"username": SUPERUSER, "password": secrets.superuser_password},
                "replication": {"username": REPLICATION_USER, "password": secrets.replication_password},
                "rewind": {"username": REWIND_USER, "password": secrets.rewind_password},
            },
            "parameters": {"unix_socket_directories": layout.path("socket_dir", plan, name)},
            "pg_hba": hba,
        },
        "tags": {"nosync": not member.member.sync},
    }
    text = _dump(config, f"Patroni {plan.scope}/{name} (Patroni 3.0 YAML configuration)")
    path = layout.path("patroni_config", plan, name)
    return (
        RenderedFile(path, text, 0o600, "postgres", secret=True),
        *_tls_files(tls.members[name], tls.ca, tls_dir, "postgres"),
    )


def _nearest_first(
    plan: DatabasePlan, member: PlannedMember, addresses: Mapping[str, str]
) -> list[PlannedMember]:
    """The etcd members from the one on ``member``'s host, then its zone, region and vendor, to
    the others, in plan order within each."""
    me = member.member

    def distance(e: PlannedMember) -> int:
        if addresses[e.name] == addresses[member.name]:
            return 0
        same = (e.member.vendor == me.vendor, e.member.region == me.region, e.member.zone == me.zone)
        return {(True, True, True): 1, (True, True, False): 2}.get(same, 3 if same[0] else 4)

    return sorted(plan.etcd, key=distance)


def render_etcd(
    plan: DatabasePlan, member: PlannedMember, addresses: Mapping[str, str], tls: DatabaseTls, layout: Layout
) -> tuple[RenderedFile, ...]:
    """An etcd member's configuration file, ``/etc/default/etcd`` pointing at it, and its TLS files."""
    name = member.name
    host = _host(addresses[name])
    tls_dir = layout.path("etcd_tls_dir", plan, name)
    security = {
        "cert-file": f"{tls_dir}/member.crt",
        "key-file": f"{tls_dir}/member.key",
        "trusted-ca-file": f"{tls_dir}/ca.crt",
        "client-cert-auth": True,
    }
    cluster = ",".join(f"{e.name}=https://{_host(addresses[e.name])}:{ETCD_PEER_PORT}" for e in plan.etcd)
    config: dict[str, Any] = {
        "name": name,
        "data-dir": layout.path("etcd_data_dir", plan, name),
        "listen-peer-urls": f"https://{host}:{ETCD_PEER_PORT}",
        "listen-client-urls": f"https://{host}:{ETCD_CLIENT_PORT}",
        "initial-advertise-peer-urls": f"https://{host}:{ETCD_PEER_PORT}",
        "advertise-client-urls": f"https://{host}:{ETCD_CLIENT_PORT}",
        "initial-cluster": cluster,
        "initial-cluster-token": f"{plan.scope}-etcd",
        "initial-cluster-state": "new",
        # Patroni's etcd3 client speaks the JSON gRPC gateway (/v3/...). etcd 3.4 turns the
        # gateway on by default only on its command line: read from a file, the key's absence
        # is false and every /v3 call is a 404 (measured with Debian's 3.4.23; etcd-io/etcd#18290).
        "enable-grpc-gateway": True,
        # Patroni rewrites its keys every loop: keep an hour of history, not all of it.
        "auto-compaction-mode": "periodic",
        "auto-compaction-retention": "1",
        "client-transport-security": dict(security),
        "peer-transport-security": dict(security),
        "logger": "zap",
        "log-outputs": ["stderr"],
    }
    config_path = layout.path("etcd_config", plan, name)
    return (
        RenderedFile(config_path, _dump(config, f"etcd {name} ({plan.scope})"), 0o644, "etcd", secret=False),
        RenderedFile(
            layout.path("etcd_default", plan, name),
            f'# Read by etcd.service (Debian): the flags etcd starts with.\nDAEMON_ARGS="--config-file {config_path}"\n',  # noqa: E501
            0o644,
            "root",
            secret=False,
        ),
        *_tls_files(tls.members[name], tls.ca, tls_dir, "etcd"),
    )
