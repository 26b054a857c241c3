"""A new vendor is a folder: a third-party driver, found through the ``skyweave.drivers`` entry
point of its own distribution, gets networks and a redundant BGP VPN link to AWS with no edit to
any skyweave module (tests/fixtures/dummy_vendor is that distribution); its app site runs a
MultiCloudApp, and its policy reader, found through the ``skyweave.readers`` entry point, lets the
pack judge it — without the reader, ``skyweave check`` names its package as not judged.

Runs in a subprocess whose path holds the fixture distribution, so the registry sees it exactly
as it sees an installed package: through ``importlib.metadata``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import ROOT, run_with_distribution

FIXTURE = ROOT / "tests" / "fixtures" / "dummy_vendor"

PROGRAM = r"""
import json, sys
from importlib.metadata import entry_points

assert [ep.name for ep in entry_points(group="skyweave.drivers")] == ["dummy"]
import skyweave
from skyweave.engine.offline import run_program

assert "dummy" in skyweave.vendors()

def program():
    sites = [
        {"name": "aws-use1", "vendor": "aws", "region": "us-east-1", "cidr": "10.1.0.0/16"},
        {"name": "dummy-one", "vendor": "dummy", "region": "north", "cidr": "10.9.0.0/16"},
    ]
    args = skyweave.HybridVpcArgs(sites=sites)
    providers = skyweave.SiteProviders(args.sites)
    skyweave.HybridVpc("core", args, providers=providers)

run = run_program(program, project="t", stack="t")
out = {
    "resources": [
        {"type": r.type, "name": r.name, "provider": r.provider, "inputs": r.inputs} for r in run.resources
    ],
    "outputs": run.component_outputs,
}
print(json.dumps(out, default=str))
"""


CHECK_PROGRAM = r"""
import json
import skyweave
from skyweave.engine.check import PropertyDependencyMonitor, run_check
from skyweave.engine.requests import resources_from_run
from skyweave.engine.offline import run_program

def program():
    sites = [
        {"name": "aws-use1", "vendor": "aws", "region": "us-east-1", "zones": ["us-east-1a", "us-east-1b"],
         "cidr": "10.1.0.0/16"},
        {"name": "dummy-one", "vendor": "dummy", "region": "north", "cidr": "10.9.0.0/16"},
    ]
    parsed = skyweave.HybridVpcArgs.model_validate({"sites": sites})
    providers = skyweave.SiteProviders(parsed.sites)
    net = skyweave.HybridVpc("core", parsed, providers=providers)
    skyweave.MultiCloudApp(
        "web",
        {
            "sites": ["aws-use1", "dummy-one"],
            "images": {"aws": "ami-0123456789abcdef0", "dummy": "img-1"},
            "sizes": {"aws": "t3.small", "dummy": "small"},
            "port": 8080,
            "health_check_path": "/healthz",
            "min_healthy": 2,
            "availability": {"dummy-one": 0.999},
        },
        network=net,
        providers=providers,
    )

monitor = PropertyDependencyMonitor()
run = run_program(program, project="t", stack="t", monitor=monitor)
for_analyze, for_stack = resources_from_run(run, monitor.property_dependencies)
result = run_check(for_analyze, for_stack, stack="t", project="t", source="test")
out = {
    "resources": [{"type": r.type, "name": r.name, "inputs": r.inputs} for r in run.resources],
    "findings": [
        {"policy": d.policy_name, "level": d.enforcement_level, "message": d.message.splitlines()[-1]}
        for d in result.diagnostics
    ],
}
print(json.dumps(out, default=str))
"""


def _run(program: str = PROGRAM, fixture: Path = FIXTURE) -> dict[str, Any]:
    """Run ``program`` where ``fixture``'s distribution is installed (the pack it starts, too)."""
    return run_with_distribution(fixture, program)


def test_a_plugin_vendor_gets_networks_and_a_bgp_link_to_aws() -> None:
    result = _run()
    resources = result["resources"]
    by_type: dict[str, list[dict[str, Any]]] = {}
    for r in resources:
        by_type.setdefault(r["type"], []).append(r)

    # Its own provider, network and subnet, on that provider.
    (provider,) = by_type["pulumi:providers:dummy"]
    assert provider["name"] == "dummy-one"
    (network,) = by_type["dummy:index:Network"]
    assert network["inputs"]["cidr"] == "10.9.0.0/16"
    assert network["provider"] and "pulumi:providers:dummy::dummy-one" in network["provider"]
    assert len(by_type["dummy:index:Subnet"]) == 1

    # The link: AWS's documented shape for a BGP-capable peer with two addresses — a customer
    # gateway and a VPN connection (two tunnels) per appliance, BGP, every tunnel with a /30.
    (link,) = by_type["skyweave:network:VpnLink"]
    assert link["inputs"]["shape"] == "aws-site-vpn"
    assert link["inputs"]["routing"] == "bgp"
    assert link["inputs"]["tunnels"] == 4
    assert len(link["inputs"]["insideCidrs"]) == 4
    cgws = by_type["aws:ec2/customerGateway:CustomerGateway"]
    assert sorted(c["inputs"]["ipAddress"] for c in cgws) == ["198.51.100.7", "198.51.100.8"]
    connections = by_type["aws:ec2/vpnConnection:VpnConnection"]
    assert len(connections) == 2 and not any(c["inputs"].get("staticRoutesOnly") for c in connections)

    # What its operator configures on the appliances, as for any device site.
    (hybrid,) = [v for k, v in result["outputs"].items() if k.endswith("::core")]
    entries = hybrid["onpremDevices"]["dummy-one"]
    assert sorted({e["device"] for e in entries}) == ["198.51.100.7", "198.51.100.8"]
    assert all(e["routing"] == "bgp" and e["local_inside_ip"] for e in entries)


def test_without_the_plugin_the_vendor_is_unknown() -> None:
    """The fixture is the only thing that adds the vendor: skyweave itself does not know it."""
    from skyweave.drivers import vendors

    assert "dummy" not in vendors()


def _policies(result: dict[str, Any]) -> set[str]:
    return {f["policy"] for f in result["findings"]}


def test_a_plugin_vendor_runs_an_app_site_judged_through_its_own_reader() -> None:
    result = _run(CHECK_PROGRAM)
    types = {r["type"] for r in result["resources"]}
    assert {"dummy:index:LoadBalancer", "dummy:index:InstanceGroup"} <= types
    groups = [r for r in result["resources"] if r["type"] == "dummy:index:InstanceGroup"]
    assert sum(int(g["inputs"]["size"]) for g in groups) >= 2  # min_healthy 2 survives losing AWS
    # Its reader (through its entry point) makes its instance groups units the claims and the
    # redundancy rules count: nothing is "not judged", the app's placements are backed, and two
    # vendors survive each other's loss.
    policies = _policies(result)
    assert "skyweave-coverage-unjudged" not in policies
    assert {
        "skyweave-redundancy-claims-backed",
        "skyweave-redundancy-min-vendors",
        "skyweave-redundancy-survives-vendor-loss",
        "skyweave-redundancy-zone-spread",
    }.isdisjoint(policies), result["findings"]


def test_without_its_reader_check_names_its_package_as_not_judged(tmp_path: Path) -> None:
    """The same distribution with the reader's entry point absent: the pack says what it cannot see."""
    bare = tmp_path / "dummy_vendor"
    shutil.copytree(FIXTURE, bare)
    entry_points = next(bare.glob("*.dist-info")) / "entry_points.txt"
    text = entry_points.read_text()
    entry_points.write_text(text[: text.index("[skyweave.readers]")])
    result = _run(CHECK_PROGRAM, bare)
    unjudged = [f for f in result["findings"] if f["policy"] == "skyweave-coverage-unjudged"]
    assert [f["level"] for f in unjudged] == ["advisory", "advisory"]
    assert unjudged[0]["message"].startswith("not judged: no policy reader for package dummy (types: ")
    for token in ("dummy:index:InstanceGroup", "dummy:index:LoadBalancer", "pulumi:providers:dummy"):
        assert token in unjudged[0]["message"]
    assert "site 'dummy-one' is on vendor dummy, which has no policy reader" in unjudged[1]["message"]
    # What it cannot read is not claimed missing either: no claims finding blames the dummy site.
    claims = [f for f in result["findings"] if f["policy"] == "skyweave-redundancy-claims-backed"]
    assert not any("dummy" in f["message"] for f in claims), claims


def _docs_example() -> str:
    text = (ROOT / "docs" / "vendors.md").read_text()
    section = text.split("## Run the contract in your own tests", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_dummy_vendor_keeps_the_shipped_contract_as_docs_vendors_md_shows(tmp_path: Any) -> None:
    """The plugin vendor's own test module, as docs/vendors.md prints it, run by pytest in a fresh
    interpreter that finds the vendor only through its distribution (the fixture on the path)."""
    (tmp_path / "test_contract.py").write_text(_docs_example())
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(FIXTURE), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "test_contract.py"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    out = done.stdout
    assert done.returncode == 0, out[-4000:] + done.stderr[-2000:]
    summary = out.strip().splitlines()[-1]
    assert "failed" not in summary and "error" not in summary, summary
    passed = int(summary.split(" passed")[0].split()[-1])
    # identity, capabilities, require, endpoint, signatures, builds, link, and its policy reader
    # (found through its own entry point): nothing skipped.
    assert passed >= 9, summary
    skipped = [line for line in out.splitlines() if line.startswith("SKIPPED")]
    assert skipped == [], skipped


def test_the_vendor_docs_table_is_the_protocol_table() -> None:
    import re

    from skyweave.drivers.vpn import ENDPOINT_PROTOCOLS

    text = (ROOT / "docs" / "vendors.md").read_text()
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| (`\w+`|none)", text, re.M))
    assert rows == {
        str(kind): (f"`{protocol.__name__}`" if protocol is not None else "none")
        for kind, protocol in ENDPOINT_PROTOCOLS.items()
    }
