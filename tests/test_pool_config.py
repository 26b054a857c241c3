"""The prod example's bare-metal pool: from the stack file, with its secret, and every bad input."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, stack_raw, write_stack
from skyweave.cli import main
from skyweave.cli.preview import render_text
from skyweave.core.errors import ConfigError
from skyweave.engine.offline import OfflineMocks, OfflineRun, RecordingMonitor
from skyweave.engine.preview import preview_stack, render_json

STAND_IN = "offline-stand-in-for-byon:fra-ssh-key"


def test_prod_pool_uses_all_three_sources(prod_run: OfflineRun) -> None:
    (pool,) = [r for r in prod_run.resources if r.type == "skyweave:compute:BareMetalPool"]
    children = [r for r in prod_run.resources if r.parent == pool.urn]
    types = {r.type for r in children}
    assert {
        "openstack:compute/flavor:Flavor",
        "openstack:compute/serverGroup:ServerGroup",
        "openstack:compute/instance:Instance",
        "aws:ec2/placementGroup:PlacementGroup",
        "aws:ec2/instance:Instance",
        "command:remote:CopyToRemote",
        "command:remote:Command",
        "pulumi:providers:command",
    } == types
    assert {p["vendor"] for p in pool.inputs["placements"]} == {"aws", "openstack", "onprem"}
    assert sum(p["count"] for p in pool.inputs["placements"]) == 11
    assert pool.inputs["minHealthy"] == 7 and pool.inputs["survive"] == "vendor"
    servers = [
        r for r in children if r.type in ("aws:ec2/instance:Instance", "openstack:compute/instance:Instance")
    ]
    assert all(r.inputs["tags"]["env"] == "prod" for r in servers if r.package == "aws")
    assert all("env=prod" in r.inputs["tags"] for r in servers if r.package == "openstack")
    # The pool reuses the estate's site providers; its only own is command's (not site-bound).
    providers = {r.urn for r in prod_run.resources if r.type.startswith("pulumi:providers:")}
    assert all(r.provider in providers for r in children if r.package in ("aws", "openstack", "command"))
    own = [r for r in prod_run.resources if r.urn in providers and r.parent == pool.urn]
    assert [(r.type, r.name) for r in own] == [("pulumi:providers:command", "metal-provider-command")]
    nodes = prod_run.outputs["pools"]["metal"]
    assert len(nodes) == 11
    byon = [n for n in nodes if n["source"] == "byon"]
    assert [n["address"] for n in byon] == ["10.200.10.11", "10.200.20.11", "10.200.10.12"]
    assert all(n["address"] == "[unknown]" for n in nodes if n["source"] != "byon")


def test_the_stack_files_secure_key_is_a_secret_everywhere_in_the_preview(prod_run: OfflineRun) -> None:
    text = render_text(prod_run)
    doc = render_json(prod_run)
    for shown in (text, doc, json.dumps(prod_run.component_outputs)):
        assert STAND_IN not in shown
    commands = [r for r in prod_run.resources if r.type.startswith("command:remote:")]
    assert commands and all(r.inputs["connection"] == "[secret]" for r in commands)
    secure = yaml.safe_load((ROOT / "stacks" / "Pulumi.prod.yaml").read_text())["config"]["byon:fra-ssh-key"]
    assert set(secure) == {"secure"}


def _break(edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    raw = copy.deepcopy(stack_raw("prod"))
    edit(raw)
    return raw


def _pool(raw: dict[str, Any]) -> dict[str, Any]:
    pool: dict[str, Any] = raw["pools"][0]
    return pool


BAD: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        "byon-without-address",
        lambda raw: _pool(raw)["sources"][2]["servers"][0].pop("address"),
        "skyweave:pools[0].sources[2].servers[0].address: required key is missing",
    ),
    (
        "metal-on-gcp",
        lambda raw: _pool(raw)["sources"][1].update(site="gcp-euw1"),
        "skyweave:pools[0].sources[1].site: 'gcp-euw1': Google Cloud has no bare-metal servers in "
        "skyweave; sites that can host a pool: aws-use1, aws-usw2, os-dc1, onprem-fra",
    ),
    (
        "unknown-site",
        lambda raw: _pool(raw)["sources"][0].update(site="os-dc9"),
        "skyweave:pools[0].sources[0].site: 'os-dc9': no such site; sites: aws-use1, aws-usw2, gcp-euw1, "
        "os-dc1, onprem-fra",
    ),
    (
        "non-metal-type",
        lambda raw: _pool(raw)["sources"][1].update(instance_type="m7i.24xlarge"),
        "skyweave:pools[0].sources[1].instance_type: 'm7i.24xlarge': 'm7i.24xlarge' is not a bare-metal "
        "instance type",
    ),
    (
        "address-outside-the-site",
        lambda raw: _pool(raw)["sources"][2]["servers"][1].update(address="10.4.0.20"),
        "skyweave:pools[0].sources[2].servers[1].address: '10.4.0.20': not inside site 'onprem-fra'",
    ),
    (
        "unknown-room",
        lambda raw: _pool(raw)["sources"][2]["servers"][1].update(room="room-z"),
        "skyweave:pools[0].sources[2].servers[1].room: 'room-z': not a zone of site 'onprem-fra'",
    ),
    (
        "ironic-on-aws",
        lambda raw: _pool(raw)["sources"][0].update(site="aws-usw2"),
        "skyweave:pools[0].sources[0].kind: 'ironic': kind ironic needs a site of vendor openstack",
    ),
    (
        "too-few-survive",
        lambda raw: _pool(raw).update(min_healthy=8),
        "skyweave:pools[0].min_healthy: 8: losing vendor",
    ),
    (
        "no-kind",
        lambda raw: _pool(raw)["sources"][0].pop("kind"),
        "skyweave:pools[0].sources[0].kind: required key 'kind' is missing; valid kinds: aws_metal, "
        "byon, ironic",
    ),
    (
        "unknown-kind",
        lambda raw: _pool(raw)["sources"][0].update(kind="metal"),
        "skyweave:pools[0].sources[0].kind: 'metal': unknown kind; valid: aws_metal, byon, ironic",
    ),
    (
        "misspelt-key",
        lambda raw: _pool(raw)["sources"][1].update(instance_typ="m5.metal"),
        "unknown key 'instance_typ'; valid keys here: kind, site, instance_type",
    ),
]


@pytest.mark.parametrize(("case", "edit", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_pools_are_refused_before_any_resource(
    tmp_path: Path, case: str, edit: Callable[[dict[str, Any]], None], message: str
) -> None:
    project = write_stack(tmp_path, "prod", _break(edit))
    monitor = RecordingMonitor(OfflineMocks())
    with pytest.raises(ConfigError) as info:
        preview_stack(project, "prod", monitor=monitor)
    assert "invalid configuration in stacks/Pulumi.prod.yaml" in str(info.value)
    assert message in str(info.value)
    assert [r.type for r in monitor.registrations] == ["pulumi:pulumi:Stack"]


def test_a_plain_text_or_missing_key_is_refused_before_any_resource(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_stack(tmp_path, "prod", stack_raw("prod"))
    path = project.stack_path("prod")
    data = yaml.safe_load(path.read_text())
    data["config"]["byon:fra-ssh-key"] = "-----BEGIN OPENSSH PRIVATE KEY----- in the clear"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    assert main(["-C", str(tmp_path), "preview", "--stack", "prod"]) == 1
    err = capsys.readouterr().err
    assert (
        "skyweave:pools[0].sources[2].ssh_private_key_config: 'byon:fra-ssh-key': config key "
        "byon:fra-ssh-key holds a private key in plain text" in err
    )
    assert "in the clear" not in err
    del data["config"]["byon:fra-ssh-key"]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    assert main(["-C", str(tmp_path), "preview", "--stack", "prod"]) == 1
    assert "no config key byon:fra-ssh-key" in capsys.readouterr().err


def test_duplicate_pool_names_are_refused(tmp_path: Path) -> None:
    raw = copy.deepcopy(stack_raw("prod"))
    raw["pools"].append(copy.deepcopy(raw["pools"][0]))
    with pytest.raises(ConfigError, match=r"skyweave:pools\[1\]\.name: 'metal': already used by pools\[0\]"):
        preview_stack(write_stack(tmp_path, "prod", raw), "prod")


def test_growing_the_prod_pool_keeps_every_node(tmp_path: Path, prod_run: OfflineRun) -> None:
    raw = copy.deepcopy(stack_raw("prod"))
    raw["pools"][0]["count"] = 13
    grown = preview_stack(write_stack(tmp_path, "prod", raw), "prod")
    before = {r.urn: r for r in prod_run.resources if r.custom}
    after = {r.urn: r for r in grown.resources if r.custom}
    assert set(before) <= set(after)
    for urn, reg in before.items():
        assert after[urn].inputs == reg.inputs, urn
    added = sorted(r.name for u, r in after.items() if u not in before)
    assert added == [
        "metal-bootstrap-onprem-fra-fra-r2-02",
        "metal-file-onprem-fra-fra-r2-02-0",
        "metal-host-onprem-fra-fra-r2-02",
        "metal-script-onprem-fra-fra-r2-02",
        "metal-server-aws-use1-11",
        "metal-stage-onprem-fra-fra-r2-02",
    ]


def test_the_policy_pack_can_recheck_the_prod_pool_from_its_props(prod_run: OfflineRun) -> None:
    """What the pack reads (props through protobuf: numbers as floats) gives the planner's answer."""
    from skyweave.planning.failure import FailureKind, Placement, losses

    (pool,) = [r for r in prod_run.resources if r.type == "skyweave:compute:BareMetalPool"]
    as_floats = [{**p, "count": float(p["count"])} for p in pool.inputs["placements"]]
    placements = [Placement.from_mapping(p) for p in as_floats]
    kind = FailureKind(pool.inputs["survive"])
    remaining = {loss.domain: loss.remaining for loss in losses(placements, kind)}
    assert remaining == {"aws": 7, "openstack": 7, "onprem": 8}
    assert min(remaining.values()) >= pool.inputs["minHealthy"]
