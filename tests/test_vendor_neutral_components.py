"""The components name no vendor: a vendor shipped as its own distribution gets a bucket copy filled
by its own transfer service, a bare-metal pool of its own source kind and an app site, with no
edit to any skyweave module (tests/fixtures/neutral_vendor is that distribution).

Runs in a subprocess whose path holds the fixture distribution, so the registry finds it exactly
as it finds an installed package: through its ``skyweave.drivers`` entry point. The unions that
validate sites and pool sources, and the generated reference, are built from the registry.
"""

from __future__ import annotations

import json
from typing import Any

from conftest import ROOT, run_with_distribution

FIXTURE = ROOT / "tests" / "fixtures" / "neutral_vendor"

PROGRAM = r"""
import json
from importlib.metadata import entry_points

assert [ep.name for ep in entry_points(group="skyweave.drivers")] == ["neutral"]
import skyweave
from skyweave.engine.offline import run_program
from skyweave.estate.reference import config_reference
from skyweave.estate.simulate import estate_from_config

SITES = [
    {"name": "aws-use1", "vendor": "aws", "region": "us-east-1", "cidr": "10.1.0.0/16"},
    {"name": "neutral-one", "vendor": "neutral", "region": "mid", "cidr": "10.9.0.0/16"},
]
SOURCE = {
    "kind": "neutral_metal",
    "site": "neutral-one",
    "racks": {"r1": "mid-1", "r2": "mid-2"},
    "password_config": "neutral:racks",
}

def program():
    args = skyweave.HybridVpcArgs(sites=SITES, connectivity={"topology": "none"})
    net = skyweave.HybridVpc("core", args, providers=skyweave.SiteProviders(args.sites))
    skyweave.MultiCloudBucket(
        "assets",
        {"primary": "aws-use1", "copies": [{"site": "neutral-one", "storage_policy": "cold"}],
         "copy_interval_seconds": 900},
        network=net,
    )
    skyweave.BareMetalPool(
        "metal", {"count": 3, "sources": [SOURCE]}, network=net, ssh_keys={"neutral:racks": "pw-marker"}
    )
    skyweave.MultiCloudApp(
        "web",
        {"sites": ["neutral-one"], "images": {"neutral": "img-1"}, "sizes": {"neutral": "shape-1"},
         "min_healthy": 1, "survive": "zone", "availability": {"neutral-one": 0.999},
         "tls_certificates": {"aws-use1": "unused"}, "https_port": 8443},
        network=net,
    )

run = run_program(program, project="t", stack="t")
config = skyweave.parse_stack_config(
    {"sites": SITES, "network": {"topology": "none"},
     "pools": [{"name": "metal", "count": 3, "sources": [SOURCE]}]},
    source="test",
)
(pool,) = [w for w in estate_from_config(config).workloads if w.kind == "pool"]
out = {
    "resources": [
        {"type": r.type, "name": r.name, "provider": r.provider, "inputs": r.inputs} for r in run.resources
    ],
    "outputs": run.component_outputs,
    "reference": config_reference(),
    "within": dict(pool.within),
}
print(json.dumps(out, default=str))
"""


def _run() -> dict[str, Any]:
    return run_with_distribution(FIXTURE, PROGRAM)


def test_a_plugin_vendor_serves_every_component_with_no_skyweave_edit() -> None:
    result = _run()
    by_type: dict[str, list[dict[str, Any]]] = {}
    for r in result["resources"]:
        by_type.setdefault(r["type"], []).append(r)

    # MultiCloudBucket: the S3 primary, and the plugin's vault filled by its own transfer service
    # (it declares that it reads S3), through the read role AWS's driver grants it.
    (vault,) = by_type["neutral:index:Vault"]
    assert vault["name"] == "assets-vault-neutral-one" and vault["inputs"]["class"] == "cold"
    (job,) = by_type["neutral:index:MoverJob"]
    assert job["inputs"]["every"] == 900 and job["inputs"]["role"].startswith("arn:aws:iam::")
    (role,) = by_type["aws:iam/role:Role"]
    assert "mover.neutral.example" in role["inputs"]["assumeRolePolicy"]
    outputs = {o.get("vendors") and tuple(o["vendors"]): o for o in result["outputs"].values()}
    assert outputs[("aws", "neutral")]["copyIntervalSeconds"] == 900

    # BareMetalPool: three servers of its own source kind over its two racks, the password read
    # as a secret, never shown.
    servers = by_type["neutral:index:Server"]
    assert sorted(s["inputs"]["rack"] for s in servers) == ["r1", "r1", "r2"]
    assert all(s["inputs"]["password"] == "[secret]" for s in servers)
    assert "pw-marker" not in json.dumps(result)
    # Its racks sit inside the site's zones: losing a zone loses its racks (skyweave simulate).
    assert result["within"] == {"r1": "mid-1", "r2": "mid-2"}

    # MultiCloudApp: its load balancer passes HTTPS through (no certificate was needed).
    (lb,) = by_type["neutral:index:LoadBalancer"]
    assert lb["inputs"]["ports"] == [80, 8443] and lb["inputs"]["image"] == "img-1"

    # The generated reference lists its words and its source kind.
    reference = result["reference"]
    for words in (
        "neutral: a Neutral image name",
        "neutral: a Neutral shape",
        "neutral: Neutral vault",
        "neutral: a Neutral vault class",
        "neutral: Neutral Mover, from aws",
        "neutral: 600 s",
        "#### Sources with `kind: neutral_metal` (sites with `vendor: neutral`)",
        "`kind` aws_metal, neutral_metal, byon or ironic",  # in vendor order
    ):
        assert words in reference, words
