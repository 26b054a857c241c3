"""`graph` and `simulate` on an estate without a HybridVpc (issue 23 item 11): a program of plain
provider resources (examples/hand-written) is drawn and simulated from what the policy pack derives
from its resources — sites from its providers, links from its tunnels, services from its DNS names
— instead of failing with "invalid configuration". What is expected is the example's README table
(what the pack sees), written by hand from the program."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import ROOT, CliOnce

HAND_WRITTEN = str(ROOT / "examples" / "hand-written")


def _json(cli_once: CliOnce, *argv: str) -> tuple[int, dict[str, Any]]:
    code, out = cli_once("-C", HAND_WRITTEN, *argv, "--stack", "dev", "--format", "json")
    return code, json.loads(out)


def test_graph_draws_the_sites_and_links_the_resources_make(cli_once: CliOnce) -> None:
    code, doc = _json(cli_once, "graph")
    assert code == 0
    sites = {name: site["vendor"] for name, site in doc["sites"].items()}
    (peer,) = [name for name in sites if name not in ("aws-use1", "gcp-euw1", "os-dc1")]
    assert sites == {"aws-use1": "aws", "gcp-euw1": "gcp", "os-dc1": "openstack", peer: "external"}
    assert "203.0.113.10" in peer and "203.0.113.11" in peer  # the two on-prem devices: one peer
    links = {tuple(link["sites"]): link for link in doc["links"].values()}
    # AWS <-> GCP: two AWS VPN connections and GCP's HA VPN, 4 tunnels at both ends
    assert links[("aws-use1", "gcp-euw1")]["tunnels"] == 4
    assert links[("aws-use1", "gcp-euw1")]["redundant"] is True
    # AWS <-> OpenStack: 2 tunnels at both ends, one active path (VPNaaS is policy-based)
    os_link = links[("aws-use1", "os-dc1")]
    assert (os_link["tunnels"], os_link["active_paths"], os_link["redundant"]) == (2, 1, False)
    # one external peer linked to every site: no site is a hub
    assert {a for a, b in links if b == peer} == {"aws-use1", "gcp-euw1", "os-dc1"}
    assert len(links) == 5
    assert doc["cut_sites"] == []


def test_graph_text_of_a_hand_written_estate(cli_once: CliOnce) -> None:
    code, out = cli_once("-C", HAND_WRITTEN, "graph", "--stack", "dev")
    assert code == 0 and "invalid configuration" not in out
    assert "Sites (4):" in out and "Links (5):" in out


def test_simulate_judges_the_dns_name_as_check_does(cli_once: CliOnce) -> None:
    """The pack judges web.example.com (no component) with minHealthy 1 through a vendor's loss
    (skyweave-redundancy-survives-vendor-loss's defaults), and `check` passes: so does simulate."""
    code, doc = _json(cli_once, "simulate")
    assert code == 0 and doc["survived"] is True
    rows = {(f["kind"], f["domain"]): f for f in doc["failures"]}
    assert {d for k, d in rows if k == "vendor"} == {"aws", "gcp", "openstack"}
    (web,) = rows[("vendor", "aws")]["apps"]
    # an auto scaling group (min 2) in two AZs, a regional MIG of 2: 2 of 4 left without AWS
    assert (web["app"], web["remaining"], web["total"], web["min_healthy"]) == ("web.example.com", 2, 4, 1)
    assert web["required"] is True and web["survived"] is True
    assert web["dns"]["record"] == "web.example.com" and web["dns"]["healthy_targets"] == ["gcp-euw1"]
    zones = {d for k, d in rows if k == "zone"}
    assert {"aws/us-east-1/us-east-1a", "aws/us-east-1/us-east-1b"} <= zones
    assert rows[("vendor", "aws")]["network"] == "connected"  # GCP and OpenStack meet at the peer
    assert doc["single_path_links"] != []  # the two VPNaaS links: one active path each


@pytest.mark.parametrize("command", ["graph", "simulate"])
def test_no_network_at_all_is_still_a_clear_error(
    command: str, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """A program with no cloud site at all has nothing to draw: one line naming the stack file."""
    from skyweave.cli import main

    (tmp_path / "Pulumi.yaml").write_text("name: empty\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("import pulumi\npulumi.export('x', 1)\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    assert main(["-C", str(tmp_path), command, "--stack", "dev"]) == 1
    err = capsys.readouterr().err
    assert "Pulumi.dev.yaml" in err and "no site" in err and "Traceback" not in err


def test_from_json_gives_the_same_graph_and_report(cli_once: CliOnce, tmp_path: Any) -> None:
    code, out = cli_once("-C", HAND_WRITTEN, "preview", "--stack", "dev", "--format", "json")
    assert code == 0
    saved = tmp_path / "preview.json"
    saved.write_text(out)
    for command in ("graph", "simulate"):
        _, from_stack = _json(cli_once, command)
        code, out = cli_once(command, "--from-json", str(saved), "--format", "json")
        assert code == 0 and json.loads(out) == from_stack, command
