"""Never silence: what no policy reader reads is named, once per package and once per site.

The independent source is the plan itself: resources of a package no skyweave module names
(``proxmoxve``, the Proxmox VE provider's token ``proxmoxve:VM/virtualMachine:VirtualMachine``)
added to prod's own preview, checked as a plan made elsewhere (``skyweave check --from-json``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from policy_helpers import check_stack, res
from skyweave.cli import main
from skyweave.engine.offline import OfflineRun
from skyweave.engine.preview import render_json
from skyweave.policy import rule_by_name
from skyweave.policy.readers import UTILITY_PACKAGES, all_readers, cloud_packages, known_packages

COVERAGE = rule_by_name("skyweave-coverage-unjudged")
VM = "proxmoxve:VM/virtualMachine:VirtualMachine"
PREFIX = "urn:pulumi:prod::skyweave::"


@pytest.fixture(scope="module")
def prod_preview(prod_run: OfflineRun) -> dict[str, Any]:
    """prod's `skyweave preview --format json`."""
    doc: dict[str, Any] = json.loads(render_json(prod_run))
    return doc


def _check(tmp_path: Path, doc: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))
    main(["check", "--from-json", str(path), "--format", "json"])
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def _with_proxmox(doc: dict[str, Any]) -> dict[str, Any]:
    provider = {
        "aliases": [],
        "custom": True,
        "dependencies": [],
        "inputs": {"endpoint": "https://pve.example.net:8006/"},
        "name": "pve-fra",
        "parent": f"{PREFIX}pulumi:pulumi:Stack::skyweave-prod",
        "propertyDependencies": {},
        "protect": False,
        "provider": None,
        "type": "pulumi:providers:proxmoxve",
        "urn": f"{PREFIX}pulumi:providers:proxmoxve::pve-fra",
    }
    vms = [
        {
            "aliases": [],
            "custom": True,
            "dependencies": [],
            "inputs": {"nodeName": "pve1", "cpu": {"cores": 2}, "memory": {"dedicated": 2048}},
            "name": f"web-{i}",
            "parent": f"{PREFIX}pulumi:pulumi:Stack::skyweave-prod",
            "propertyDependencies": {},
            "protect": False,
            "provider": f"{PREFIX}pulumi:providers:proxmoxve::pve-fra",
            "type": VM,
            "urn": f"{PREFIX}{VM}::web-{i}",
        }
        for i in (1, 2)
    ]
    return {**doc, "resources": [*doc["resources"], provider, *vms]}


def test_a_plan_with_proxmox_vms_names_the_package_once(
    prod_preview: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _check(tmp_path, prod_preview, capsys)
    after = _check(tmp_path, _with_proxmox(prod_preview), capsys)
    new = [v for v in after["violations"] if v not in before["violations"]]
    assert [(v["policy"], v["level"]) for v in new] == [("skyweave-coverage-unjudged", "advisory")]
    message = new[0]["message"]
    assert "no policy reader for package proxmoxve" in message
    assert f"types: {VM}, pulumi:providers:proxmoxve" in message
    assert not any(v["policy"] == "skyweave-coverage-unjudged" for v in before["violations"])
    assert after["summary"]["mandatory"] == before["summary"]["mandatory"] == 0


def test_raised_to_mandatory_it_refuses_what_it_cannot_judge(
    prod_preview: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"skyweave-coverage-unjudged": {"enforcementLevel": "mandatory"}}))
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(_with_proxmox(prod_preview)))
    assert main(["check", "--from-json", str(path), "--config", str(config), "--format", "json"]) == 4
    doc = json.loads(capsys.readouterr().out)
    coverage = [v for v in doc["violations"] if v["policy"] == "skyweave-coverage-unjudged"]
    assert [v["level"] for v in coverage] == ["mandatory"]


def test_utility_packages_components_and_known_packages_are_not_reported() -> None:
    resources = [
        res("random:index/randomPassword:RandomPassword", "p", site="r"),
        res("tls:index/privateKey:PrivateKey", "k", site="t"),
        res("time:index/sleep:Sleep", "s", site="t"),
        res("command:local:Command", "c", site="c"),
        res("command:remote:Command", "rc", {"connection": {"host": "203.0.113.9"}}, site="c"),
        res("aws:iam/role:Role", "role", site="aws-use1"),  # a type no reader claims, of a known package
        res("acme:index:WebApp", "component"),  # no provider: a component
    ]
    assert check_stack(COVERAGE, resources) == []


def test_each_unknown_package_is_one_finding_and_ignoredPackages_silences_it() -> None:
    resources = [
        res("cloudflare:index/record:Record", "a", site="cf"),
        res("cloudflare:index/record:Record", "b", site="cf"),
        res("cloudflare:index/zone:Zone", "z", site="cf"),
        res("helm:v3:Release", "d", site="k8s"),
        res("kubernetes:apps/v1:Deployment", "k", site="k8s"),  # judged: the pack's own rules read it
    ]
    found = check_stack(COVERAGE, resources)
    assert [f.message.split(" (types")[0] for f in found] == [
        "not judged: no policy reader for package cloudflare",
        "not judged: no policy reader for package helm",
    ]
    assert "types: cloudflare:index/record:Record, cloudflare:index/zone:Zone)" in found[0].message
    assert [f.message for f in check_stack(COVERAGE, resources, ignoredPackages=["cloudflare"])] == [
        found[1].message
    ]


def test_a_site_of_a_vendor_without_a_reader_is_named() -> None:
    link = res(
        "skyweave:network:VpnLink",
        "core-link-aws-use1-oci-fra",
        {"siteA": "aws-use1", "vendorA": "aws", "siteB": "oci-fra", "vendorB": "oracle", "tunnels": 4},
    )
    found = check_stack(COVERAGE, [link])
    assert [f.message.split(":")[1].strip() for f in found] == [
        "site 'oci-fra' is on vendor oracle, which has no policy reader"
    ]


def test_the_cloud_packages_are_derived_from_the_readers() -> None:
    """What `CLOUD_PACKAGES` listed by hand is now each reader's declaration (and only theirs)."""
    assert cloud_packages() == {"aws", "gcp", "google-native", "openstack", "azure-native", "vsphere"}
    assert {r.vendor for r in all_readers()} == {"aws", "gcp", "openstack", "azure", "onprem", "vsphere"}
    assert not (known_packages() & UTILITY_PACKAGES)
