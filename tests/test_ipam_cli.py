"""`skyweave ipam show|lock`: pins written into the stack file, comments kept, plan unchanged."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, stack_raw, write_stack
from skyweave.cli import main


def _unpinned(tmp_path: Path) -> Path:
    raw = copy.deepcopy(stack_raw("prod"))
    raw["ipam"]["require_pins"] = False
    raw["network"].pop("tunnel_blocks", None)
    for site in raw["sites"]:
        site.pop("cidr", None)
        site.pop("ipv6_cidr", None)
        site.pop("asn", None)
    write_stack(tmp_path, "prod", raw)
    path = tmp_path / "stacks" / "Pulumi.prod.yaml"
    path.write_text("# keep this comment\n" + path.read_text())
    return path


def _expected_pins() -> set[str]:
    """What lock must pin in the unpinned prod file, from the plan (not from lock's output)."""
    from skyweave.estate.config import parse_stack_config

    raw = copy.deepcopy(stack_raw("prod"))
    raw["ipam"]["require_pins"] = False
    raw["network"].pop("tunnel_blocks", None)
    for site in raw["sites"]:
        site.pop("asn", None)
    plan = parse_stack_config(raw, source="count").plan.network
    pins = {f"skyweave:sites[{i}].asn" for i in range(len(raw["sites"]))}
    for i, site in enumerate(raw["sites"]):
        if site["vendor"] == "onprem":
            continue
        pins.add(f"skyweave:sites[{i}].cidr")
        if "ipv6_cidr" in site:
            pins.add(f"skyweave:sites[{i}].ipv6_cidr")
    return pins | {
        f"skyweave:network.tunnel_blocks.{link.id}" for link in plan.connectivity.links if link.inside_cidrs
    }


def test_lock_pins_every_site_and_keeps_the_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _unpinned(tmp_path)
    assert main(["-C", str(tmp_path), "ipam", "show", "--stack", "prod", "--format", "json"]) == 0
    before = json.loads(capsys.readouterr().out)
    assert not any(site["pinned"] for name, site in before["sites"].items() if site["vendor"] != "onprem")

    assert main(["-C", str(tmp_path), "ipam", "lock", "--stack", "prod"]) == 0
    out = capsys.readouterr().out
    # Each cloud site's IPv4 block, the IPv6 blocks, every site's ASN and one tunnel block per VPN
    # link of the mesh (os-dc1's appliance pair joins GCP and Azure too): counted from the plan.
    pinned = {line.split(" = ")[0].strip() for line in out.splitlines()[1:] if " = " in line}
    assert pinned == _expected_pins(), sorted(pinned ^ _expected_pins())
    assert f"pinned {len(pinned)} value(s)" in out and "skyweave:sites[3].ipv6_cidr" in out
    assert (
        "skyweave:sites[4].asn = " in out
        and "skyweave:network.tunnel_blocks.aws-use1/gcp-euw1 = 169.254." in out
    )

    text = path.read_text()
    assert text.startswith("# keep this comment\n")
    sites = yaml.safe_load(text)["config"]["skyweave:sites"]
    assert [s.get("cidr") for s in sites] == [
        "10.0.0.0/16",
        "10.1.0.0/16",
        "10.2.0.0/16",
        "10.3.0.0/16",
        None,
        "10.4.0.0/16",
        "10.5.0.0/16",
        "10.6.0.0/16",  # vs-dc1
    ]
    assert sites[3]["ipv6_cidr"] == "fd5c:7a3e:41b0::/56"
    assert len({s["asn"] for s in sites}) == len(sites)  # every site its own ASN
    config = yaml.safe_load(text)["config"]
    assert config["skyweave:network"]["topology"] == "full-mesh"  # the other keys are kept
    shipped = yaml.safe_load((ROOT / "stacks" / "Pulumi.prod.yaml").read_text())["config"]["skyweave:network"]
    assert config["skyweave:network"].get("exclude") == shipped.get("exclude")  # kept as written
    assert sites[3]["vpn"] == "appliance" and sites[3]["vpn_appliance"]["flavor"] == "m1.small"

    assert main(["-C", str(tmp_path), "ipam", "show", "--stack", "prod", "--format", "json"]) == 0
    after = json.loads(capsys.readouterr().out)
    for name, site in before["sites"].items():
        assert after["sites"][name]["cidrs"] == site["cidrs"] and after["sites"][name]["pinned"]

    assert main(["-C", str(tmp_path), "ipam", "lock", "--stack", "prod"]) == 0
    assert "nothing to write" in capsys.readouterr().out


def test_show_text_marks_unpinned_sites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _unpinned(tmp_path)
    assert main(["-C", str(tmp_path), "ipam", "show", "--stack", "prod"]) == 0
    out = capsys.readouterr().out
    assert "NOT PINNED" in out and "public-a" in out
