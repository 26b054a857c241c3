"""`skyweave simulate` on the example stacks, on a stack that does not survive, and with the
network links it judges connectivity by."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import CliOnce, stack_raw, write_stack
from skyweave.cli import main
from skyweave.cli.simulate import EXIT_NOT_SURVIVED
from skyweave.estate.config import parse_stack_config
from skyweave.estate.simulate import simulate


def test_prod_survives_every_required_failure(cli_once: CliOnce) -> None:
    code, out = cli_once("simulate", "--stack", "prod", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["survived"] is True
    # the links HybridVpc plans: the full mesh of 8 sites (os-dc1's appliance pair reaches GCP and
    # Azure too) but the one prod excludes, os-dc1/vs-dc1 (appliance to appliance is not built)
    assert len(doc["network_links"]) == 8 * 7 // 2 - 1
    assert doc["single_path_links"] == []  # every link has two active paths or more
    rows = {(f["kind"], f["domain"]): f for f in doc["failures"]}
    # Every vendor, region and zone of the stack is failed once.
    assert {k for k, _ in rows} == {"vendor", "region", "zone"}
    assert {d for k, d in rows if k == "vendor"} == {"aws", "gcp", "openstack", "onprem", "azure", "vsphere"}
    # every site's zones (gcp-usc1, then azure-weu1, vs-dc1's clusters), and the two racks of the
    # pool's own servers
    assert len([1 for k, _ in rows if k == "zone"]) == 3 + 2 + 3 + 2 + 2 + 2 + 3 + 2 + 2
    aws = rows[("vendor", "aws")]
    assert aws["lost_sites"] == ["aws-use1", "aws-usw2"]
    assert aws["network"] == "connected"  # GCP, Azure, OpenStack and on-prem still reach each other
    (shop,) = aws["apps"]
    assert (shop["remaining"], shop["total"], shop["min_healthy"]) == (16, 20, 16)
    # Route 53 is lost with AWS, Cloud DNS still answers: the name's DNS provider did not fail.
    assert shop["dns"] == {
        "record": "shop.example.com",
        "healthy_targets": ["gcp-euw1", "os-dc1", "azure-weu1", "vs-dc1"],
        "healthy": True,
        "provider_failed": False,
    }
    assert rows[("vendor", "gcp")]["apps"][0]["dns"]["provider_failed"] is False
    zone = rows[("zone", "aws/us-east-1/us-east-1a")]["apps"][0]
    assert zone["remaining"] == 18 and zone["required"] is True
    # vSphere (docs/vsphere.md, "What fails together"): a cluster is a zone (vSphere HA restarts
    # VMs only within it), the datacenter the region, and the vendor; each is survived. The vCenter
    # loses no capacity (running VMs keep running), so it is no row of its own.
    cluster = rows[("zone", "vsphere/dc1/cluster-a")]
    assert cluster["lost_sites"] == [] and cluster["apps"][0]["remaining"] == 18
    for kind, domain in (("region", "vsphere/dc1"), ("vendor", "vsphere")):
        lost = rows[(kind, domain)]
        assert lost["lost_sites"] == ["vs-dc1"] and lost["network"] == "connected"
        assert lost["apps"][0]["remaining"] == 16 and lost["apps"][0]["survived"] is True


def _one_dns_vendor(survive: str) -> dict[str, Any]:
    raw = copy.deepcopy(stack_raw("prod"))
    (shop,) = raw["apps"]
    del shop["dns"]["also_served_by"]
    shop["survive"] = survive
    return raw


def test_prod_passes_strict_dns_with_its_name_on_two_dns_vendors(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 25: prod's name is served by Route 53 and Cloud DNS, so losing either vendor leaves
    DNS answering; --strict-dns (DNS lost with its vendor) passes."""
    assert main(["simulate", "--stack", "prod", "--strict-dns"]) == 0
    assert "every required failure is survived" in capsys.readouterr().out


def test_an_app_that_must_survive_a_vendor_loses_its_name_with_its_only_dns_vendor() -> None:
    """survive: vendor makes the DNS rule mandatory: no --strict-dns needed to fail it."""
    report = simulate(parse_stack_config(_one_dns_vendor("vendor"), source="prod"), stack="prod")
    by = {(f.kind.value, f.domain): f for f in report.failures}
    (shop,) = by[("vendor", "aws")].apps
    assert shop.dns_provider_failed and shop.required and not shop.survived
    assert not report.survived
    (gcp,) = by[("vendor", "gcp")].apps
    assert gcp.survived and not gcp.dns_provider_failed


def test_simulate_and_the_dns_rule_agree_by_default() -> None:
    """An app that need not survive a vendor, its name in Route 53 only: simulate flags it and
    survives (--strict-dns fails), as the pack's advisory DNS rule reports it (tests/test_check.py)."""
    from skyweave.policy import rule_by_name

    assert rule_by_name("skyweave-redundancy-dns-survives-vendor-loss").level.value == "advisory"
    assert rule_by_name("skyweave-redundancy-app-dns-survives-vendor-loss").level.value == "mandatory"
    config = parse_stack_config(_one_dns_vendor("region"), source="prod")
    report = simulate(config, stack="prod")
    assert report.survived
    assert any("skyweave-redundancy-dns-survives-vendor-loss" in note for note in report.notes)
    strict = simulate(config, stack="prod", strict_dns=True)
    by = {(f.kind.value, f.domain): f for f in strict.failures}
    (shop,) = by[("vendor", "aws")].apps
    assert shop.dns_provider_failed and not shop.survived and not shop.required


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
    # survive zone with 16 over 13 zones: ceil(16 * 13 / 12) = 18 instances, gcp holds 5 of them.
    assert shop.total == 18 and shop.remaining == 13
    assert not shop.survived and not shop.required
    assert report.survived


def test_network_connectivity_once_links_are_given() -> None:
    config = parse_stack_config(stack_raw("prod"), source="prod")
    sites = ["aws-use1", "aws-usw2", "gcp-euw1", "os-dc1", "onprem-fra", "gcp-usc1", "azure-weu1", "vs-dc1"]
    # A hub at aws-use1: losing aws (both AWS sites) leaves gcp, azure, openstack, onprem and
    # vsphere apart.
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


def test_bare_metal_pools_are_simulated_too(cli_once: CliOnce) -> None:
    code, out = cli_once("simulate", "--stack", "prod", "--format", "json")
    assert code == 0
    rows = {(f["kind"], f["domain"]): f for f in json.loads(out)["failures"]}
    # 11 nodes: 4 on OpenStack, 4 on AWS, 3 on our servers; min_healthy 7 through a vendor loss.
    (metal,) = rows[("vendor", "aws")]["pools"]
    assert metal == {
        "pool": "metal",
        "remaining": 7,
        "total": 11,
        "min_healthy": 7,
        "required": True,
        "survived": True,
        "healthy_sites": ["os-dc1", "onprem-fra"],
    }
    assert rows[("vendor", "onprem")]["pools"][0]["remaining"] == 8
    # A room takes its racks with it: room-a holds rack r1 (fra-r1-01, fra-r1-02).
    assert rows[("zone", "onprem/fra-dc2/room-a")]["pools"][0]["remaining"] == 9
    assert rows[("zone", "onprem/fra-dc2/r1")]["pools"][0]["remaining"] == 9
    assert rows[("zone", "onprem/fra-dc2/room-b")]["pools"][0]["remaining"] == 10
    # apps are not pools: the shop's rows stay where they were
    assert [a["app"] for a in rows[("vendor", "aws")]["apps"]] == ["shop"]


def test_a_pool_short_of_a_wider_failure_is_reported_but_not_required(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # one table row per line
    raw = copy.deepcopy(stack_raw("prod"))
    raw["pools"][0].update(survive="zone", min_healthy=8)  # a zone loss leaves >= 9; AWS leaves 7
    write_stack(tmp_path, "prod", raw)
    assert main(["-C", str(tmp_path), "simulate", "--stack", "prod"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"vendor aws +metal \(pool\) +7/8 .* not survived \(not required\)", out)


def _preview_json(tmp_path: Path, cli_once: CliOnce, stack: str = "prod") -> Path:
    code, out = cli_once("preview", "--stack", stack, "--format", "json")
    assert code == 0
    path = tmp_path / f"{stack}.json"
    path.write_text(out)
    return path


def test_from_json_gives_the_same_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cli_once: CliOnce
) -> None:
    plan = _preview_json(tmp_path, cli_once)
    code, out = cli_once("simulate", "--stack", "prod", "--format", "json")
    assert code == 0
    assert main(["simulate", "--from-json", str(plan), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(out)


def test_from_json_fails_a_pool_below_its_minimum(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cli_once: CliOnce
) -> None:
    plan = _preview_json(tmp_path, cli_once)
    doc = json.loads(plan.read_text())
    (pool,) = [u for u in doc["component_outputs"] if u.endswith("BareMetalPool::metal")]
    doc["component_outputs"][pool]["minHealthy"] = 8
    plan.write_text(json.dumps(doc))
    assert main(["simulate", "--from-json", str(plan)]) == EXIT_NOT_SURVIVED
    assert "NOT SURVIVED" in (out := capsys.readouterr().out) and "metal (pool) under vendor aws (7/8)" in out


def test_from_json_names_the_file_and_key_it_cannot_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cli_once: CliOnce
) -> None:
    plan = _preview_json(tmp_path, cli_once, "dev")
    doc = json.loads(plan.read_text())
    del doc["component_outputs"]
    plan.write_text(json.dumps(doc))
    assert main(["simulate", "--from-json", str(plan)]) == 1
    err = capsys.readouterr().err
    assert f"{plan}: component_outputs: missing" in err and "Traceback" not in err
    plan.write_text('{"resources": [{"urn": 1}]}')
    assert main(["graph", "--from-json", str(plan)]) == 1
    assert f"{plan}: resources[0].urn" in capsys.readouterr().err
    plan.write_text("{not json")
    assert main(["inventory", "--from-json", str(plan)]) == 1
    assert "not valid JSON at line 1" in capsys.readouterr().err


def test_simulate_and_check_agree_on_a_pool_without_min_healthy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A pool that states no min_healthy (0: "not checked") needs no node after any loss: simulate
    survives every failure, and check (whose default floor for a service without a component is
    one unit) holds the pool to its own 0 — losing AWS, its only vendor, is no finding."""
    raw = copy.deepcopy(stack_raw("dev"))
    raw["pools"] = [
        {
            "name": "batch",
            "count": 2,
            "sources": [
                {
                    "kind": "aws_metal",
                    "site": "aws-use1",
                    "instance_type": "m7i.metal-24xl",
                    "image": "ami-0e2c8caa4b6378d8c",
                }
            ],
        }
    ]
    write_stack(tmp_path, "dev", raw)
    assert main(["-C", str(tmp_path), "simulate", "--stack", "dev", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    failures = report["failures"]
    rows = [(f["kind"], f["domain"], p) for f in failures for p in f["pools"] if p["pool"] == "batch"]
    assert ("vendor", "aws") in {(k, d) for k, d, _ in rows}
    assert all(a["survived"] and a["min_healthy"] == 0 for _, _, a in rows)
    assert main(["-C", str(tmp_path), "check", "--stack", "dev", "--format", "json"]) == 0
    check = json.loads(capsys.readouterr().out)
    assert check["passed"]
    assert [v for v in check["violations"] if v["urn"].endswith("::batch")] == []
