"""A new vendor is a folder: a third-party driver, found through the ``skyweave.drivers`` entry
point of its own distribution, gets networks and a redundant BGP VPN link to AWS with no edit to
any skyweave module (tests/fixtures/dummy_vendor is that distribution).

Runs in a subprocess whose path holds the fixture distribution, so the registry sees it exactly
as it sees an installed package: through ``importlib.metadata``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "dummy_vendor"

PROGRAM = r"""
import json, sys
from importlib.metadata import entry_points

assert [ep.name for ep in entry_points(group="skyweave.drivers")] == ["dummy"]
import skyweave
from skyweave.cli.offline import run_program

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


def _run() -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(FIXTURE), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


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
    assert passed >= 8, summary  # identity, capabilities, require, endpoint, signatures, builds, link
    # The only check skipped is the policy readers' (no registry yet), with its reason.
    skipped = [line for line in out.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == 1 and "no registry of policy readers yet" in skipped[0], skipped


def test_the_vendor_docs_table_is_the_protocol_table() -> None:
    import re

    from skyweave.drivers.vpn import ENDPOINT_PROTOCOLS

    text = (ROOT / "docs" / "vendors.md").read_text()
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| (`\w+`|none)", text, re.M))
    assert rows == {
        str(kind): (f"`{protocol.__name__}`" if protocol is not None else "none")
        for kind, protocol in ENDPOINT_PROTOCOLS.items()
    }
