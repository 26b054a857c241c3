"""`skyweave simulate` on the example stacks, on a stack that does not survive, and with the
network links it judges connectivity by."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from conftest import stack_raw
from skyweave.cli import main
from skyweave.cli.simulate import EXIT_NOT_SURVIVED
from skyweave.estate.config import parse_stack_config
from skyweave.estate.simulate import simulate


def test_prod_survives_every_required_failure(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--stack", "prod", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["survived"] is True
    # the links HybridVpc plans: the full mesh of 7 sites less the GCP/Azure <-> OpenStack pairs
    assert len(doc["network_links"]) == 21 - 3
    rows = {(f["kind"], f["domain"]): f for f in doc["failures"]}
    # Every vendor, region and zone of the stack is failed once.
    assert {k for k, _ in rows} == {"vendor", "region", "zone"}
    assert {d for k, d in rows if k == "vendor"} == {"aws", "gcp", "openstack", "onprem", "azure"}
    assert len([1 for k, _ in rows if k == "zone"]) == 3 + 2 + 3 + 2 + 2 + 2 + 3  # gcp-usc1, azure-weu1
    aws = rows[("vendor", "aws")]
    assert aws["lost_sites"] == ["aws-use1", "aws-usw2"]
    assert aws["network"] == "connected"  # GCP, Azure, OpenStack and on-prem still reach each other
    (shop,) = aws["apps"]
    assert (shop["remaining"], shop["total"], shop["min_healthy"]) == (12, 16, 12)
    assert shop["dns"] == {
        "record": "shop.example.com",
        "healthy_targets": ["gcp-euw1", "os-dc1", "azure-weu1"],
        "healthy": True,
        "provider_failed": True,
    }
    zone = rows[("zone", "aws/us-east-1/us-east-1a")]["apps"][0]
    assert zone["remaining"] == 14 and zone["required"] is True


def test_strict_dns_fails_the_vendor_that_serves_dns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--stack", "prod", "--strict-dns"]) == EXIT_NOT_SURVIVED
    out = capsys.readouterr().out
    assert "NOT SURVIVED: 1 required failure(s): shop under vendor aws (12/12)" in out


def test_dev_text_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--stack", "dev"]) == 0
    out = capsys.readouterr().out
    assert "vendor aws" in out and "hello" in out and "1/1" in out
    assert "every required failure is survived" in out
    assert "connected" in out and "partitioned" not in out


def _weakened(raw: dict[str, Any]) -> dict[str, Any]:
    """The prod shop, asked to survive only a zone, then checked against a vendor failure."""
    raw = copy.deepcopy(raw)
    raw["apps"][0]["survive"] = "zone"
    return raw


def test_a_narrower_plan_does_not_survive_a_vendor_but_that_is_not_required() -> None:
    config = parse_stack_config(_weakened(stack_raw("prod")), source="prod")
    report = simulate(config, stack="prod")
    by = {(f.kind.value, f.domain): f for f in report.failures}
    (shop,) = by[("vendor", "gcp")].apps
    # survive zone with 12 over 11 zones: ceil(12 * 11 / 10) = 14 instances, gcp holds 3 of them.
    assert shop.total == 14 and shop.remaining == 11
    assert not shop.survived and not shop.required
    assert report.survived


def test_network_connectivity_once_links_are_given() -> None:
    config = parse_stack_config(stack_raw("prod"), source="prod")
    sites = ["aws-use1", "aws-usw2", "gcp-euw1", "os-dc1", "onprem-fra", "gcp-usc1", "azure-weu1"]
    # A hub at aws-use1: losing aws (both AWS sites) leaves gcp, azure, openstack and onprem apart.
    hub = [("aws-use1", other) for other in sites[1:]]
    report = simulate(config, stack="prod", links=hub)
    by = {(f.kind.value, f.domain): f for f in report.failures}
    assert by[("vendor", "aws")].as_dict()["network"] == "partitioned"
    assert not by[("vendor", "aws")].survived and not report.survived  # shop must survive a vendor
    assert by[("vendor", "gcp")].network_connected is True
    assert by[("zone", "aws/us-east-1/us-east-1a")].network_connected is True  # the site survives a zone
    assert report.links == tuple(hub)
    mesh = [(a, b) for i, a in enumerate(sites) for b in sites[i + 1 :]]
    assert all(f.network_connected for f in simulate(config, links=mesh).failures)
