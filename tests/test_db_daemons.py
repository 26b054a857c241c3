"""The database plan and its rendered files, proven by the real etcd, Patroni and PostgreSQL.

How (tests/dblab.py): one network namespace per host, hosts grouped into "vendors", the files
exactly as :func:`skyweave.database.config.render_cluster` renders them (TLS from a throw-away
CA), etcd run as ``etcd`` and Patroni — which runs PostgreSQL — as ``postgres``.

* Failover under ``rpo: zero``: three vendors, each with an etcd and a PostgreSQL member. A
  client commits one row per transaction through the leader; the leader's vendor is cut off (its
  link down: a partition, the daemons there still running); a standby on another vendor leads
  within the bound the plan derives from Patroni's ``ttl``/``loop_wait``/``retry_timeout``, it
  is one etcd's ``/sync`` key named, every commit the client saw acknowledged is there,
  and the cut-off leader demotes itself. The planner's outcome for that loss says the same.
* Quorum lost: two of three etcd members on one vendor (a layout the planner refuses, with the
  arithmetic); that vendor is lost (cut and its daemons killed) and for longer than the failover
  bound no surviving member is promoted — what ``database_outcome`` calls "quorum lost".

Each test is bounded (``BOUND`` seconds, SIGALRM), every wait polls against a deadline, and the
lab is torn down whatever happens. The tests skip (with the reason) where the daemons are not
installed or the user is not root; ``.ci/run`` installs them.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import dblab
import pytest
import yaml
from skyweave.core.errors import PlanningError
from skyweave.planning.database import (
    DatabaseMember,
    DatabasePlan,
    DatabaseState,
    MemberRole,
    PatroniTiming,
    Rpo,
    database_outcome,
    name_members,
    plan_database,
)
from skyweave.planning.failure import FailureKind

pytestmark = pytest.mark.skipif(dblab.missing() is not None, reason=f"database lab: {dblab.missing()}")

#: Every test here finishes within this many seconds or fails.
BOUND = 120
#: Patroni's lock timing for the lab: its documented minimum ttl, a short loop (the failover bound
#: is ttl + an etcd leader change + loop_wait + retry_timeout = 20 + 3 + 2 + 5 = 30 s).
TIMING = PatroniTiming(ttl=20, loop_wait=2, retry_timeout=5)
PRIMARY = ("master", "primary")  # Patroni 3.0's REST API still says "master"
VENDORS = ("aws", "gcp", "azure")


class Overran(AssertionError):
    pass


@pytest.fixture(autouse=True)
def bounded() -> Iterator[None]:
    """Fail a test that runs past ``BOUND`` seconds (its lab's ``finally`` still cleans up)."""

    def overran(signum: int, frame: FrameType | None) -> None:
        raise Overran(f"the test ran past its {BOUND} s bound")

    previous = signal.signal(signal.SIGALRM, overran)
    signal.alarm(BOUND)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def member(vendor: str, zone: str, role: MemberRole) -> DatabaseMember:
    return DatabaseMember(f"{vendor}-site", vendor, f"{vendor}-region", zone, role)


def three_vendor_plan() -> DatabasePlan:
    members = [member(v, "a", role) for role in (MemberRole.ETCD, MemberRole.POSTGRES) for v in VENDORS]
    return plan_database("shop", members, rpo=Rpo.ZERO, timing=TIMING)


def hosts_by_vendor(plan: DatabasePlan) -> tuple[dict[str, str], dict[str, int]]:
    """One host per vendor: its etcd and PostgreSQL member share it."""
    hosts = {m.name: f"h{VENDORS.index(m.member.vendor)}" for m in plan.members}
    return hosts, {f"h{i}": i for i in range(len(VENDORS))}


def bring_up(lab: dblab.DbLab, first: str) -> None:
    """``first`` bootstraps the cluster (so the test knows where the leader starts); the others
    clone from it and stream."""
    lab.start_patroni(first)
    lab.timings["leader"] = lab.wait_role(first, PRIMARY, 60)
    t0 = time.monotonic()
    for m in lab.pg_members:
        if m.name != first:
            lab.start_patroni(m.name)
    for m in lab.pg_members:
        if m.name != first:
            lab.wait_role(m.name, ("replica",), 60)
    lab.timings["replicas"] = time.monotonic() - t0


def sync_standbys(lab: dblab.DbLab, leader: str) -> set[str]:
    """The members etcd's ``/sync`` key lists: the only ones Patroni lets promote themselves
    (``GET /cluster`` shows them as ``sync_standby``)."""
    cluster = lab.patroni_get(leader, "cluster") or {}
    return {m["name"] for m in cluster.get("members", []) if m.get("role") == "sync_standby"}


def test_etcd_reads_every_rendered_key_and_refuses_a_client_without_a_certificate() -> None:
    plan = three_vendor_plan()
    hosts, vendors = hosts_by_vendor(plan)
    with dblab.DbLab(plan, hosts, vendors) as lab:
        for m in lab.etcd_members:
            assert m.files is not None
            rendered = yaml.safe_load(Path(m.home / "etcd.conf.yml").read_text())
            lines = [
                json.loads(x) for x in (m.home / "daemon.log").read_text().splitlines() if x.startswith("{")
            ]
            started = next(x for x in lines if x.get("msg") == "starting an etcd server")
            # etcd logs the initial cluster sorted by name
            assert sorted(started["initial-cluster"].split(",")) == sorted(
                rendered["initial-cluster"].split(",")
            )
            for key in (
                "name",
                "data-dir",
                "initial-cluster-state",
                "initial-cluster-token",
                "auto-compaction-mode",
            ):
                assert started[key] == rendered[key], key
            for key in (
                "listen-peer-urls",
                "listen-client-urls",
                "initial-advertise-peer-urls",
                "advertise-client-urls",
            ):
                assert started[key] == [rendered[key]], key
            assert started["auto-compaction-retention"] == f"{rendered['auto-compaction-retention']}h0m0s"
            for side, kind in (("peer", "peer-transport-security"), ("client", "client-transport-security")):
                tls = next(x for x in lines if x.get("msg") == f"starting with {side} TLS")["tls-info"]
                want = rendered[kind]
                assert f"cert = {want['cert-file']}" in tls and f"key = {want['key-file']}" in tls
                assert f"trusted-ca = {want['trusted-ca-file']}" in tls and "client-cert-auth = true" in tls
        # client-cert-auth: the CA alone is not enough to talk to etcd.
        m = lab.etcd_members[0]
        script = (
            "import ssl,urllib.request\n"
            f"c=ssl.create_default_context(cafile='{m.home}/tls/ca.crt')\n"
            f"urllib.request.urlopen('https://{m.address}:2379/health',context=c,timeout=3)\n"
        )
        refused = lab.in_ns(lab.ns(m.host), [dblab.SYSTEM_PYTHON, "-c", script])
        assert refused.returncode != 0, "etcd answered a client without a certificate"


def test_failover_under_rpo_zero_loses_no_acknowledged_commit() -> None:
    plan = three_vendor_plan()
    assert plan.synchronous_node_count == 1  # one member per vendor: any standby is off-vendor
    hosts, vendors = hosts_by_vendor(plan)
    with dblab.DbLab(plan, hosts, vendors) as lab:
        try:
            for m in lab.pg_members:  # Patroni's own validator on each rendered file
                checked = lab.validate_patroni(m.name)
                assert checked.returncode == 0, checked.stderr.decode()[-800:]
            first = lab.pg_members[0].name
            bring_up(lab, first)
            sync = dblab.until(lambda: sync_standbys(lab, first) or None, 30, "a synchronous standby")
            assert len(sync) == plan.synchronous_node_count

            writer = dblab.Writer(lab, first)
            writer.wait_acked(200, 40)
            old = lab.members[first]
            sync = sync_standbys(lab, first)  # Patroni may re-pick: read it at the last moment
            cut = lab.cut(old.vendor)
            cut_at = time.time()
            new, demoted = None, None
            others = [m.name for m in lab.pg_members if m.vendor != old.vendor]
            deadline = cut + plan.failover_bound + 10
            while (new is None or demoted is None) and time.monotonic() < deadline:
                if new is None and (leader := lab.leader(others)) is not None:
                    new = (leader, time.monotonic() - cut)
                if demoted is None:
                    status = lab.patroni_status(first, ns=lab.ns(old.host))
                    if status is not None and (
                        status.get("role") not in PRIMARY or status.get("state") != "running"
                    ):
                        demoted = time.monotonic() - cut
                time.sleep(0.25)
            acked = writer.stop()
            assert new is not None, f"no new leader within {plan.failover_bound + 10} s:\n{lab.diagnostics()}"
            leader, seen = new
            # The daemons' own clocks time the events; the polling only saw them a little later.
            promoted = lab.logged_at(leader, "promoted self to leader", cut_at)
            stepped_down = lab.logged_at(first, "Demoting self", cut_at)
            seconds = promoted - cut_at if promoted is not None else seen
            lab.timings["failover"] = seconds
            lab.timings["failover seen by the client"] = seen
            demote = stepped_down - cut_at if stepped_down is not None else demoted
            lab.timings["old leader demoted"] = demote if demote is not None else float("nan")
            print(f"\nlab timings (s): {lab.timings}; commits acknowledged before the cut: {len(acked)}")
            rows = lab.sql(leader, "SELECT id FROM acked ORDER BY id")
            assert rows is not None
            stored = {int(x) for x in rows.split()}
            lost = sorted(set(acked) - stored)
            assert not lost, f"{len(lost)} acknowledged commits lost: {lost[:20]}"

            assert seconds <= plan.failover_bound, f"failover took {seconds:.1f} s"
            assert leader in sync, f"{leader} was promoted but /sync named {sync}"
            assert lab.members[leader].vendor != old.vendor
            assert demote is not None and demote <= TIMING.ttl, "the cut-off leader did not demote itself"

            # The model agrees: losing that vendor is a failover that keeps taking writes.
            outcome = database_outcome(plan, FailureKind.VENDOR, VENDORS[old.vendor], leader=first)
            assert outcome.state is DatabaseState.FAILOVER and outcome.writable
            dblab.until(
                lambda: sync_standbys(lab, leader) or None, 30, "a synchronous standby of the new leader"
            )
            assert lab.sql(leader, "INSERT INTO acked (id) VALUES (-1) RETURNING id") == "-1"
        except BaseException:
            print(lab.diagnostics())
            raise


def test_losing_the_vendor_holding_the_etcd_majority_promotes_no_one() -> None:
    # aws holds two of three etcd members: the planner refuses it and says why.
    members = [
        member("aws", "a", MemberRole.ETCD),
        member("aws", "b", MemberRole.ETCD),
        member("gcp", "a", MemberRole.ETCD),
        member("aws", "a", MemberRole.POSTGRES),
        member("gcp", "a", MemberRole.POSTGRES),
    ]
    with pytest.raises(
        PlanningError, match=r"etcd has 3 members: 2 on aws; losing aws leaves 1 of 3, a majority needs 2"
    ):
        plan_database("shop", members, rpo=Rpo.ZERO, timing=TIMING)
    # Built by hand, as a plan the checks never saw, it runs — and shows why it was refused.
    plan = DatabasePlan("shop", tuple(name_members(members)), Rpo.ZERO, TIMING, 1048576, 1)
    outcome = database_outcome(plan, FailureKind.VENDOR, "aws")
    assert outcome.state is DatabaseState.QUORUM_LOST and (outcome.etcd_left, outcome.quorum) == (1, 2)
    hosts = {
        "etcd-aws-site-a": "a1",
        "pg-aws-site-a": "a1",
        "etcd-aws-site-b": "a2",
        "etcd-gcp-site-a": "g1",
        "pg-gcp-site-a": "g1",
    }
    with dblab.DbLab(plan, hosts, {"a1": 0, "a2": 0, "g1": 1}) as lab:
        try:
            bring_up(lab, "pg-aws-site-a")
            cut = lab.cut(0, kill=True)  # aws is gone: links down, its daemons killed
            watched = 0
            while time.monotonic() < cut + plan.failover_bound + 5:
                status = lab.patroni_status("pg-gcp-site-a")
                assert status is None or status.get("role") not in PRIMARY, (
                    "promoted without an etcd majority"
                )
                assert lab.sql("pg-gcp-site-a", "SELECT pg_is_in_recovery()") in ("t", None)
                watched += 1
                time.sleep(0.5)
            assert lab.sql("pg-gcp-site-a", "SELECT pg_is_in_recovery()") == "t"
            assert watched > 20
        except BaseException:
            print(lab.diagnostics())
            raise
