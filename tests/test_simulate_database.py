"""``skyweave simulate`` and databases: each database's state under every vendor, region and zone
failure, from a stack file and from a preview's component outputs, and a layout that loses its
quorum reported as not survived (a hand-built plan: the planner refuses to make one)."""

from __future__ import annotations

import json
from typing import Any

from skyweave.estate.config import parse_stack_config
from skyweave.estate.simulate import (
    Estate,
    SiteRow,
    estate_from_components,
    render_json,
    render_text,
    simulate,
    simulate_estate,
)
from skyweave.planning.database import (
    DEFAULT_TIMING,
    DatabaseMember,
    DatabasePlan,
    MemberRole,
    Rpo,
    name_members,
)
from skyweave.planning.failure import FailureKind
from test_multi_cloud_database import DB, SITES, build


def _config() -> Any:
    raw = {"sites": SITES, "network": {"topology": "full-mesh"}, "databases": [{**DB, "name": "orders"}]}
    return parse_stack_config(raw, source="Pulumi.test.yaml")


def test_every_failure_shows_the_databases_state_and_all_are_survived() -> None:
    report = simulate(_config(), stack="test")
    assert report.survived
    kinds = {(f.kind, f.domain) for f in report.failures}
    assert {(FailureKind.VENDOR, v) for v in ("aws", "gcp", "azure")} <= kinds
    for failure in report.failures:
        ((name, outcome),) = failure.databases
        assert name == "orders"
        if failure.kind is FailureKind.VENDOR:
            # each vendor holds a PostgreSQL member: whichever led, a standby elsewhere takes over
            assert outcome.state.value == "failover" and outcome.writable
            assert outcome.etcd_left == 2 and outcome.quorum == 2
    text = render_text(report)
    assert "orders (database)" in text and "survived (required): failover" in text
    assert "zone aws/us-east-1/us-east-1b" in text and "survived (required): leader kept" in text
    data = json.loads(render_json(report))
    vendor_aws = next(f for f in data["failures"] if f["domain"] == "aws")
    (db,) = vendor_aws["databases"]
    assert db["state"] == "failover" and db["survived"] and db["etcd_left"] == 2


def test_a_preview_simulates_the_same_as_the_stack_file() -> None:
    run = build(DB)
    resources = [r.as_dict() for r in run.resources]
    from_preview = simulate_estate(estate_from_components(resources, run.component_outputs), stack="test")
    from_config = simulate(_config(), stack="test")

    def states(report: Any) -> dict[tuple[str, str], str]:
        return {(f.kind.value, f.domain): [o.state.value for _, o in f.databases] for f in report.failures}

    assert states(from_preview) == states(from_config)


def test_an_etcd_majority_on_one_vendor_loses_its_quorum_with_that_vendor() -> None:
    members = [
        DatabaseMember("aws-use1", "aws", "us-east-1", "us-east-1a", MemberRole.POSTGRES),
        DatabaseMember("gcp-euw1", "gcp", "europe-west1", "europe-west1-b", MemberRole.POSTGRES),
        DatabaseMember("aws-use1", "aws", "us-east-1", "us-east-1a", MemberRole.ETCD),
        DatabaseMember("aws-use1", "aws", "us-east-1", "us-east-1b", MemberRole.ETCD),
        DatabaseMember("gcp-euw1", "gcp", "europe-west1", "europe-west1-b", MemberRole.ETCD),
    ]
    # built by hand: plan_database refuses this layout with the same arithmetic
    plan = DatabasePlan("orders", tuple(name_members(members)), Rpo.ZERO, DEFAULT_TIMING, 1048576, 1)
    estate = Estate(
        sites=(
            SiteRow("aws-use1", "aws", "us-east-1", ("us-east-1a", "us-east-1b")),
            SiteRow("gcp-euw1", "gcp", "europe-west1", ("europe-west1-b",)),
        ),
        links=(("aws-use1", "gcp-euw1"),),
        workloads=(),
        databases=(plan,),
    )
    report = simulate_estate(estate, stack="test")
    assert not report.survived
    aws = next(f for f in report.failures if f.kind is FailureKind.VENDOR and f.domain == "aws")
    ((_, outcome),) = aws.databases
    assert outcome.state.value == "quorum lost" and outcome.etcd_left == 1
    text = render_text(report)
    assert "NOT SURVIVED (required): quorum lost" in text
    assert "orders (database) under vendor aws (quorum lost)" in text
