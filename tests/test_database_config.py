"""The rendered Patroni and etcd files: what they say for each rpo, exactly whom pg_hba lets in,
that every key is one the installed daemons know, and that no secret leaks.

The daemons themselves run these files in tests/test_db_daemons.py; here the checks need no
root. "Known keys" are read from independent sources on this machine: each Patroni key must be
a string Debian's Patroni source uses, each PostgreSQL parameter one ``postgres
--describe-config`` lists, each initdb option one ``initdb --help`` names (skipped where the
packages are absent).
"""

from __future__ import annotations

import ast
import ipaddress
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from skyweave.core.errors import PlanningError
from skyweave.database.config import (
    DatabaseSecrets,
    DatabaseTls,
    MemberFiles,
    TlsPair,
    render_cluster,
)
from skyweave.planning.database import (
    DatabaseMember,
    DatabasePlan,
    MemberRole,
    PatroniTiming,
    Rpo,
    plan_database,
)

PATRONI_SOURCE = Path("/usr/lib/python3/dist-packages/patroni")
PG_BIN = Path("/usr/lib/postgresql/15/bin")

SECRETS = DatabaseSecrets(
    superuser_password="su-Secret-1f9a'\"x",
    replication_password="repl-Secret-77c2: #y",
    rewind_password="rw-Secret-0b13\\z",
    restapi_password="api-Secret-5e6d&q",
)
KEY_TEXT = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAsecretkeymaterial{name}\n-----END PRIVATE KEY-----\n"


def member(vendor: str, role: MemberRole, zone: str = "a", sync: bool = True) -> DatabaseMember:
    return DatabaseMember(f"{vendor}-1", vendor, f"{vendor}-region", zone, role, sync)


def plan(rpo: Rpo = Rpo.ZERO) -> DatabasePlan:
    members = [
        member("aws", MemberRole.POSTGRES),
        member("aws", MemberRole.POSTGRES, "b", sync=False),
        member("gcp", MemberRole.POSTGRES),
        member("aws", MemberRole.ETCD),
        member("gcp", MemberRole.ETCD),
        member("onprem", MemberRole.WITNESS),
    ]
    return plan_database(
        "shop", members, rpo=rpo, timing=PatroniTiming(20, 2, 5), maximum_lag_on_failover=65536
    )


def addresses(p: DatabasePlan) -> dict[str, str]:
    return {m.name: f"10.{i}.0.5" for i, m in enumerate(p.members)}


def tls(p: DatabasePlan) -> DatabaseTls:
    pairs = {
        m.name: TlsPair(f"CERT {m.name}\n", KEY_TEXT.format(name=m.name.replace("-", ""))) for m in p.members
    }
    return DatabaseTls("CA CERT\n", pairs)


def render(p: DatabasePlan, **kw: Any) -> dict[str, MemberFiles]:
    return render_cluster(p, kw.pop("addresses", addresses(p)), kw.pop("secrets", SECRETS), tls(p), **kw)


def patroni(files: MemberFiles) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(files.file("/etc/patroni/config.yml").content)
    return loaded


def etcd(files: MemberFiles) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(files.file("/etc/etcd/etcd.conf.yml").content)
    return loaded


def test_rpo_zero_is_strict_synchronous_mode_with_the_plans_standby_count() -> None:
    p = plan(Rpo.ZERO)
    dcs = patroni(render(p)["pg-aws-1-a"])["bootstrap"]["dcs"]
    assert dcs["synchronous_mode"] is True and dcs["synchronous_mode_strict"] is True
    assert dcs["synchronous_node_count"] == p.synchronous_node_count == 2
    assert (dcs["ttl"], dcs["loop_wait"], dcs["retry_timeout"], dcs["maximum_lag_on_failover"]) == (
        20,
        2,
        5,
        65536,
    )


def test_rpo_async_turns_synchronous_replication_off() -> None:
    dcs = patroni(render(plan(Rpo.ASYNC))["pg-aws-1-a"])["bootstrap"]["dcs"]
    assert dcs["synchronous_mode"] is False and dcs["synchronous_mode_strict"] is False
    assert "synchronous_node_count" not in dcs


def test_nosync_follows_the_member() -> None:
    files = render(plan())
    assert patroni(files["pg-aws-1-b"])["tags"] == {"nosync": True}
    assert patroni(files["pg-gcp-1-a"])["tags"] == {"nosync": False}


def test_pg_hba_lets_in_exactly_the_members_and_the_clients() -> None:
    p = plan()
    files = render(p, clients=["192.168.10.0/24"])
    config = patroni(files["pg-gcp-1-a"])
    hba = config["postgresql"]["pg_hba"]
    assert config["bootstrap"]["pg_hba"] == hba
    members = {ipaddress.ip_network(addresses(p)[m.name]) for m in p.postgres}
    hosts = [line.split() for line in hba if line.startswith("host ")]
    by_user: dict[str, set[ipaddress.IPv4Network | ipaddress.IPv6Network]] = {}
    for _, database, user, source, method in hosts:
        assert method == "scram-sha-256"
        by_user.setdefault(f"{database}/{user}", set()).add(ipaddress.ip_network(source))
    assert by_user == {
        "all/postgres": members,
        "replication/replicator": members,
        "all/rewind": members,
        "all/all": {ipaddress.ip_network("192.168.10.0/24")},
    }
    etcd_only = {addresses(p)[m.name] for m in p.etcd}
    assert not any(a in line for a in etcd_only for line in hba)


def test_every_member_points_at_every_etcd_member_over_tls() -> None:
    p = plan()
    files = render(p)
    a = addresses(p)
    expected_peers = {f"{m.name}=https://{a[m.name]}:2380" for m in p.etcd}
    for m in p.etcd:
        config = etcd(files[m.name])
        assert set(config["initial-cluster"].split(",")) == expected_peers
        assert config["name"] == m.name
        assert (
            config["listen-peer-urls"] == config["initial-advertise-peer-urls"] == f"https://{a[m.name]}:2380"
        )
        assert config["listen-client-urls"] == config["advertise-client-urls"] == f"https://{a[m.name]}:2379"
        for side in ("client-transport-security", "peer-transport-security"):
            sec = config[side]
            assert sec["client-cert-auth"] is True
            written = {f.path for f in files[m.name].files}
            assert {sec["cert-file"], sec["key-file"], sec["trusted-ca-file"]} <= written
    for m in p.postgres:
        e3 = patroni(files[m.name])["etcd3"]
        assert set(e3["hosts"]) == {f"{a[e.name]}:2379" for e in p.etcd}
        assert e3["protocol"] == "https"
        assert {e3["cacert"], e3["cert"], e3["key"]} <= {f.path for f in files[m.name].files}


def test_each_member_asks_its_own_vendors_etcd_first() -> None:
    """A replica watches the leader key through the first host (``use_proxies``: no shuffled
    discovery), so it is the member a loss elsewhere leaves alone."""
    p = plan()
    a = addresses(p)
    files = render(p)
    for m in p.postgres:
        e3 = patroni(files[m.name])["etcd3"]
        assert e3["use_proxies"] is True
        first = next(e for e in p.etcd if f"{a[e.name]}:2379" == e3["hosts"][0])
        assert first.member.vendor == m.member.vendor, (m.name, e3["hosts"])
    # the witness (on-prem, no data there) comes last for everyone
    witness = next(e for e in p.etcd if e.member.role is MemberRole.WITNESS)
    assert all(patroni(files[m.name])["etcd3"]["hosts"][-1] == f"{a[witness.name]}:2379" for m in p.postgres)


def test_ipv6_addresses_are_bracketed_before_a_port() -> None:
    p = plan()
    v6 = {m.name: f"2001:db8::{i + 1}" for i, m in enumerate(p.members)}
    files = render(p, addresses=v6)
    config = patroni(files["pg-aws-1-a"])
    assert config["postgresql"]["listen"] == "[2001:db8::1]:5432"
    assert "host replication replicator 2001:db8::1/128 scram-sha-256" in config["postgresql"]["pg_hba"]
    assert etcd(files["etcd-aws-1-a"])["listen-peer-urls"] == "https://[2001:db8::4]:2380"


def test_rendering_is_deterministic() -> None:
    assert render(plan()) == render(plan())


# -- secrets ------------------------------------------------------------------------------------


def secret_texts(p: DatabasePlan) -> list[str]:
    keys = [pair.key for pair in tls(p).members.values()]
    passwords = [
        SECRETS.superuser_password,
        SECRETS.replication_password,
        SECRETS.rewind_password,
        SECRETS.restapi_password,
    ]
    return passwords + keys


def test_secrets_only_in_files_marked_secret_and_private() -> None:
    p = plan()
    for files in render(p).values():
        for f in files.files:
            holds = [s for s in secret_texts(p) if s in f.content or s.strip() in f.content]
            if f.secret:
                assert f.mode == 0o600
            else:
                assert not holds, f.path
        assert all(s not in repr(files) for s in secret_texts(p))
    assert all(s not in repr(SECRETS) for s in secret_texts(p))


def test_passwords_survive_yaml_quoting() -> None:
    config = patroni(render(plan())["pg-aws-1-a"])
    auth = config["postgresql"]["authentication"]
    assert auth["superuser"]["password"] == SECRETS.superuser_password
    assert auth["replication"]["password"] == SECRETS.replication_password
    assert auth["rewind"]["password"] == SECRETS.rewind_password
    assert config["restapi"]["authentication"]["password"] == SECRETS.restapi_password


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        ("no address", "addresses.pg-gcp-1-a", "has no address"),
        ("bad address", "addresses.pg-gcp-1-a", "is not an IP address"),
        ("no tls", "tls.etcd-gcp-1-a", "no TLS certificate"),
        ("empty password", "replication_password", "non-empty"),
        ("bad client", "clients[0]", "is not an address range"),
    ],
)
def test_bad_input_names_the_key_and_never_a_secret(change: str, path: str, words: str) -> None:
    p = plan()
    a = addresses(p)
    t = tls(p)
    secrets = SECRETS
    clients = ["10.9.0.0/16"]
    if change == "no address":
        del a["pg-gcp-1-a"]
    elif change == "bad address":
        a["pg-gcp-1-a"] = "gcp-host"
    elif change == "no tls":
        t = DatabaseTls(t.ca, {k: v for k, v in t.members.items() if k != "etcd-gcp-1-a"})
    elif change == "empty password":
        secrets = DatabaseSecrets(
            SECRETS.superuser_password, "", SECRETS.rewind_password, SECRETS.restapi_password
        )
    else:
        clients = ["10.9.0.1/16"]
    with pytest.raises(PlanningError, match=words) as err:
        render_cluster(p, a, secrets, t, clients=clients)
    assert err.value.path == path
    assert all(s not in str(err.value) and s not in repr(err.value.value) for s in secret_texts(p))


# -- every key one the installed daemons know ----------------------------------------------------


def _keys(data: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield (*path, key)
            yield from _keys(value, (*path, key))


def _patroni_strings() -> set[str]:
    found: set[str] = set()
    for source in PATRONI_SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found


@pytest.mark.skipif(not PATRONI_SOURCE.is_dir(), reason="Debian's patroni is not installed")
def test_every_patroni_key_is_one_patroni_reads() -> None:
    strings = _patroni_strings()
    config = patroni(render(plan())["pg-aws-1-a"])
    parameters = {("postgresql", "parameters"), ("bootstrap", "dcs", "postgresql", "parameters")}
    unknown = [
        ".".join(path) for path in _keys(config) if path[:-1] not in parameters and path[-1] not in strings
    ]
    assert not unknown, f"keys Patroni's source never names: {unknown}"


@pytest.mark.skipif(not (PG_BIN / "postgres").exists(), reason="PostgreSQL 15 is not installed")
def test_every_postgresql_parameter_and_initdb_option_exists() -> None:
    described = subprocess.run(
        [PG_BIN / "postgres", "--describe-config"], capture_output=True, check=True, text=True
    )
    gucs = {line.split("\t")[0] for line in described.stdout.splitlines()}
    config = patroni(render(plan())["pg-aws-1-a"])
    rendered = {
        **config["postgresql"]["parameters"],
        **config["bootstrap"]["dcs"]["postgresql"]["parameters"],
    }
    assert set(rendered) <= gucs, set(rendered) - gucs
    helptext = subprocess.run(
        [PG_BIN / "initdb", "--help"], capture_output=True, check=True, text=True
    ).stdout
    for option in config["bootstrap"]["initdb"]:
        name = next(iter(option)) if isinstance(option, dict) else option
        assert f"--{name}" in helptext, name


def test_a_subset_of_members_renders_from_their_own_pairs_alone() -> None:
    """One site's Pulumi stack renders its members' files holding only their TLS pairs (units:
    no site's stack holds another site's members' private keys): the files equal the whole
    cluster's rendering, and a member outside the subset needs no pair."""
    p = plan()
    whole = render(p)
    some = [p.members[0].name, p.members[-1].name]
    full = tls(p)
    own = DatabaseTls(full.ca, {m: full.members[m] for m in some})
    part = render_cluster(p, addresses(p), SECRETS, own, members=some)
    assert sorted(part) == sorted(some)
    assert all(part[m] == whole[m] for m in some)
    with pytest.raises(PlanningError, match="has no TLS certificate and key"):
        render_cluster(p, addresses(p), SECRETS, own, members=[p.members[1].name])
    with pytest.raises(PlanningError, match="no member named 'nobody'"):
        render_cluster(p, addresses(p), SECRETS, own, members=["nobody"])
