"""docs/kubernetes.md's examples run: its program under the mocks and through ``skyweave check``, its
stack-file section through the stack loader, and its refusal is the one a user sees."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from conftest import ROOT, run
from skyweave import InvalidArgsError
from skyweave.cli import main
from skyweave.estate.config import parse_stack_config

DOC = (ROOT / "docs" / "kubernetes.md").read_text()


def block(kind: str, after: str = "") -> str:
    text = DOC[DOC.index(after) :] if after else DOC
    found = re.search(rf"```{kind}\n(.*?)```", text, re.S)
    assert found is not None, kind
    return found.group(1)


def test_the_program_builds_three_vendors_clusters_sized_to_survive_a_vendor() -> None:
    result = run(
        lambda: exec(compile(block("python"), "docs/kubernetes.md", "exec"), {"__name__": "__main__"})
    )
    types = {r.type for r in result.resources}
    assert {
        "skyweave:kubernetes:KubernetesFleet",
        "aws:eks/cluster:Cluster",
        "gcp:container/cluster:Cluster",
        "azure-native:containerservice:ManagedCluster",
    } <= types
    clusters = result.outputs["clusters"]
    nodes = {site: sum(c["nodes"].values()) for site, c in clusters.items()}
    assert nodes == {"aws-use1": 3, "gcp-euw1": 3, "azure-weu1": 3}  # the doc's words: 9, at most 3 each
    assert result.outputs["kubeconfigs"] == "[secret]"


def test_the_program_passes_skyweave_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: shop\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(block("python"))
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    assert main(["-C", str(tmp_path), "check", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    fleet = [
        v
        for v in report["violations"]
        if "kubernetes" in v["policy"] or "aks" in v["policy"] or "apps" in v.get("urn", "") + v["message"]
    ]
    assert fleet == []


def test_the_stack_file_section_plans(raw_prod: dict[str, Any]) -> None:
    section = yaml.safe_load(block("yaml", "## In a stack file"))["config"]["skyweave:kubernetes"]
    sites = [s for s in raw_prod["sites"] if s["name"] in {"aws-use1", "gcp-euw1", "os-dc1"}]
    assert len(sites) == 3
    raw = {"sites": sites, "ipam": raw_prod["ipam"], "kubernetes": section}
    config = parse_stack_config(raw, source="docs/kubernetes.md")
    plan = config.plan.fleets["apps"]
    gcp = next(c for c in plan.clusters if c.site.name == "gcp-euw1")
    assert (str(gcp.ranges.pod), str(gcp.ranges.service), gcp.ranges.pinned) == (
        "172.16.0.0/16",
        "172.17.0.0/20",
        True,
    )
    assert plan.capacity.min_healthy == 6 and plan.capacity.survive.value == "vendor"


def test_the_refusal_shown_is_the_one_raised() -> None:
    from skyweave import HybridVpcArgs, plan_hybrid_vpc, plan_kubernetes_fleet
    from skyweave.kubernetes.fleet import KubernetesFleetArgs

    net = plan_hybrid_vpc(
        HybridVpcArgs.model_validate(
            {
                "sites": [
                    {"name": "aws-use1", "vendor": "aws", "region": "us-east-1"},
                    {"name": "dc-fra", "vendor": "onprem", "region": "fra", "cidrs": ["192.168.10.0/24"]},
                ],
                "connectivity": {"topology": "none"},
            }
        )
    )
    args = KubernetesFleetArgs.model_validate(
        {
            "clusters": [
                {"site": "aws-use1", "node_size": "m6i.large"},
                {"site": "dc-fra", "node_size": "x"},
            ],
            "min_nodes": 2,
        }
    )
    with pytest.raises(InvalidArgsError) as caught:
        plan_kubernetes_fleet(
            args, net.args.sites, {n: list(p.cidrs) for n, p in net.addresses.sites.items()}
        )
    (issue,) = caught.value.issues
    shown = " ".join(block("text").split())
    assert " ".join(issue.render().split()) == shown
    assert pulumi  # the program block imports pulumi the same way


def test_a_bad_fleet_in_prod_is_exit_1_naming_each_key(
    tmp_path: Path, raw_prod: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """The stack file's fleet, broken two ways: one run names both (file, key, value, what would
    do) and exits 1 without a traceback (the loader validates before the program registers
    anything). (A value the schema refuses, such
    as min_nodes 0, leaves the entry out of planning, as for apps: docs/config.md.)"""
    from conftest import write_stack

    (fleet,) = raw_prod["kubernetes"]
    fleet["clusters"][0]["node_size"] = "m6i.huge"
    fleet["clusters"][1]["site"] = "onprem-fra"
    write_stack(tmp_path, "prod", raw_prod)
    assert main(["-C", str(tmp_path), "preview", "--stack", "prod"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: invalid configuration in stacks/Pulumi.prod.yaml"), err
    assert "Traceback" not in err
    assert "(2 problems)" in err, err
    for words in (
        "skyweave:kubernetes[0].clusters[0].node_size: 'm6i.huge': not an EC2 instance type",
        "skyweave:kubernetes[0].clusters[1].site: 'onprem-fra': site 'onprem-fra' cannot run a cluster: "
        "vendor 'onprem' does not support 'kubernetes'",
    ):
        assert words in " ".join(err.split()), (words, err)
