"""The database rules over hand-built plans (the VMs' own tags and placements), and over the
component's own plan through the real Analyzer protocol."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from policy_helpers import check_stack, res
from skyweave.policy import rule_by_name
from skyweave.policy.values import Resource

COPY = rule_by_name("skyweave-database-copy-on-another-vendor")
CONSENSUS = rule_by_name("skyweave-database-consensus-survives-vendor-loss")
SYNC = rule_by_name("skyweave-database-sync-standby-off-vendor")
AWS = "aws:ec2/instance:Instance"
GCP = "gcp:compute/instance:Instance"
AZURE = "azure-native:compute:VirtualMachine"


def _tags(member: str, role: str, *, sync: bool = True, rpo: str = "zero") -> dict[str, str]:
    return {
        "skyweave-database": "orders",
        "skyweave-database-member": member,
        "skyweave-database-role": role,
        "skyweave-database-rpo": rpo,
        "skyweave-database-sync": "true" if sync and role == "postgres" else "false",
    }


def aws(member: str, role: str, zone: str = "us-east-1a", **kw: Any) -> Resource:
    return res(AWS, member, {"availabilityZone": zone, "tags": _tags(member, role, **kw)}, site="aws-use1")


def gcp(member: str, role: str, zone: str = "europe-west1-b", **kw: Any) -> Resource:
    return res(GCP, member, {"zone": zone, "labels": _tags(member, role, **kw)}, site="gcp-euw1")


def azure(member: str, role: str, zone: str = "1", **kw: Any) -> Resource:
    props = {"zones": [zone], "location": "westeurope", "tags": _tags(member, role, **kw)}
    return res(AZURE, member, props, site="azure-weu1")


def good() -> list[Resource]:
    return [
        aws("pg-a", "postgres"),
        gcp("pg-b", "postgres"),
        azure("pg-c", "postgres"),
        aws("etcd-a", "etcd", "us-east-1b"),
        gcp("etcd-b", "etcd", "europe-west1-c"),
        azure("witness-c", "witness", "2"),
    ]


@pytest.mark.parametrize("rule", [COPY, CONSENSUS, SYNC])
def test_a_database_over_three_vendors_passes(rule: Any) -> None:
    assert check_stack(rule, good()) == []


def test_a_single_vendor_database_is_flagged() -> None:
    estate = [aws("pg-a", "postgres"), aws("pg-b", "postgres", "us-east-1b"), *good()[3:]]
    (finding,) = check_stack(COPY, estate)
    assert "database 'orders' keeps its data on aws only (2 PostgreSQL member(s))" in finding.message
    assert finding.urn is not None and finding.urn.endswith("::pg-a")


def test_an_etcd_majority_on_one_vendor_is_flagged_with_the_arithmetic() -> None:
    estate = [
        *good()[:3],
        aws("etcd-a", "etcd", "us-east-1b"),
        aws("etcd-a2", "etcd", "us-east-1a"),
        gcp("etcd-b", "etcd"),
    ]
    (finding,) = check_stack(CONSENSUS, estate)
    assert "etcd has 3 member(s), 2 on vendor 'aws': losing it leaves 1 of 3, below the majority of 2" in (
        finding.message
    )


def test_an_etcd_majority_in_one_zone_is_flagged_too() -> None:
    estate = [
        *good()[:3],
        gcp("e1", "etcd"),
        gcp("e2", "etcd"),
        gcp("e3", "etcd", "europe-west1-c"),
        aws("e4", "etcd"),
        azure("e5", "witness"),
    ]
    (finding,) = check_stack(CONSENSUS, estate)
    assert "5 member(s), 3 on vendor 'gcp'" in finding.message


def test_rpo_zero_without_a_synchronous_standby_off_the_primarys_vendor_is_flagged() -> None:
    estate = [
        aws("pg-a", "postgres"),
        aws("pg-a2", "postgres", "us-east-1b"),
        gcp("pg-b", "postgres", sync=False),
        *good()[3:],
    ]
    (finding,) = check_stack(SYNC, estate)
    assert (
        "declares rpo zero, but if pg-a (aws) leads, no synchronous standby candidate is on another vendor"
        in (finding.message)
    )
    # rpo async accepts it: the rule judges only what the VMs declare
    relaxed = [
        aws("pg-a", "postgres", rpo="async"),
        aws("pg-a2", "postgres", "us-east-1b", rpo="async"),
        gcp("pg-b", "postgres", sync=False, rpo="async"),
        *good()[3:],
    ]
    assert check_stack(SYNC, relaxed) == []


def test_untagged_vms_are_no_database() -> None:
    plain = [res(AWS, "web", {"availabilityZone": "us-east-1a", "tags": {"Name": "web"}}, site="aws-use1")]
    assert [f for rule in (COPY, CONSENSUS, SYNC) for f in check_stack(rule, plain)] == []


def test_the_pack_judges_the_components_vms_through_the_analyzer(tmp_path: Path) -> None:
    """The component's plan through the real Analyzer protocol passes the whole pack; a layout the
    rules would flag never gets that far (the component refuses it)."""
    from skyweave.engine.check import run_check
    from skyweave.engine.requests import resources_from_run
    from test_multi_cloud_database import DB, build

    run = build(DB)
    for_analyze, for_stack = resources_from_run(run, {})
    result = run_check(for_analyze, for_stack, stack="test", project="skyweave-test", source="t")
    # nothing at all: the database's VMs pass the whole pack (egress, disks, zones, secrets …)
    assert not result.diagnostics, [(d.policy_name, d.message) for d in result.diagnostics]

    one_vendor = {
        **DB,
        "members": [{"site": "aws-use1"}, {"site": "aws-use1", "zone": "us-east-1b"}, *DB["members"][3:]],
    }
    with pytest.raises(Exception, match="all on aws"):
        build(one_vendor)  # the component refuses it; the pack would flag a plan built around it


UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's unknown sentinel


def test_a_tag_unknown_in_a_preview_is_cant_check_never_a_violation() -> None:
    """Found by the unknowns property on prod: a member whose ``skyweave-database`` tag is unknown
    made the rest look like a database of their own, flagged single-vendor."""
    hidden = gcp("pg-b", "postgres")
    hidden.props["labels"]["skyweave-database"] = UNKNOWN
    estate = [aws("pg-a", "postgres"), hidden, *good()[3:]]
    (finding,) = check_stack(COPY, estate)
    assert finding.unknown and finding.urn == hidden.urn and "can't check" in finding.message
    role = gcp("etcd-b", "etcd", "europe-west1-c")
    role.props["labels"]["skyweave-database-role"] = UNKNOWN
    estate = [*good()[:3], aws("etcd-a", "etcd", "us-east-1b"), aws("etcd-a2", "etcd"), role]
    (finding,) = check_stack(CONSENSUS, estate)
    assert finding.unknown and finding.urn == role.urn
    # and nothing at all where nothing would be flagged whatever the value
    rpo = aws("pg-a", "postgres")
    rpo.props["tags"]["skyweave-database-rpo"] = UNKNOWN
    quiet = [rpo, *good()[1:]]
    assert [f for rule in (COPY, CONSENSUS, SYNC) for f in check_stack(rule, quiet)] == []
