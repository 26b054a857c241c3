"""The Ansible inventory: from the prod preview (unknown addresses stay unknown) and after deploy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from conftest import CliOnce
from skyweave.cli import main
from skyweave.cli.inventory import pool_nodes
from skyweave.engine.offline import OfflineMocks, OfflineRun, run_program
from skyweave.metal.bare_metal_pool import BareMetalPool
from skyweave.metal.inventory import ansible_inventory, ansible_list
from skyweave.network.hybrid_vpc import HybridVpc
from test_bare_metal_pool import BYON, IRONIC, KEY_CONFIG, METAL, SITES

BYON_HOSTS = {"fra-r1-01": "10.200.10.11", "fra-r2-01": "10.200.20.11", "fra-r1-02": "10.200.10.12"}


def test_cli_yaml_lists_every_node_with_source_domain_address_and_role(cli_once: CliOnce) -> None:
    code, out = cli_once("inventory", "--stack", "prod", "--format", "yaml")
    assert code == 0
    doc = yaml.safe_load(out)
    children = doc["all"]["children"]
    hosts = children["metal"]["hosts"]
    assert len(hosts) == 11
    for name, address in BYON_HOSTS.items():
        assert hosts[name]["ansible_host"] == address
        assert hosts[name]["ansible_user"] == "ops"
        assert hosts[name]["skyweave_source"] == "byon"
    assert hosts["fra-r2-01"]["skyweave_failure_domain"] == {
        "site": "onprem-fra",
        "room": "room-b",
        "rack": "r2",
        "zone": "r2",
    }
    clouds = {n: h for n, h in hosts.items() if n not in BYON_HOSTS}
    assert {h["skyweave_source"] for h in clouds.values()} == {"ironic", "aws_metal"}
    for host in clouds.values():
        assert "ansible_host" not in host  # not invented
        assert host["skyweave_address"] == "[unknown]"
        assert host["skyweave_role"] == "worker"
    assert set(children["source_byon"]["hosts"]) == set(BYON_HOSTS)
    assert set(children["role_worker"]["hosts"]) == set(hosts)
    assert set(children["site_os_dc1"]["hosts"]) == {
        "metal-node-0",
        "metal-node-3",
        "metal-node-7",
        "metal-node-10",
    }


def test_cli_json_is_the_list_form(cli_once: CliOnce) -> None:
    code, out = cli_once("inventory", "--stack", "prod", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert len(doc["_meta"]["hostvars"]) == 11
    domains = {g for g in doc["all"]["children"] if g.startswith(("zone_", "room_", "rack_"))}
    assert domains  # test_zone_and_failure_domain_groups says which
    assert set(doc["all"]["children"]) - domains == {
        "metal",
        "role_worker",
        "site_aws_use1",
        "site_onprem_fra",
        "site_os_dc1",
        "source_aws_metal",
        "source_byon",
        "source_ironic",
    }
    assert doc["source_aws_metal"]["hosts"] == [
        "metal-node-1",
        "metal-node-4",
        "metal-node-6",
        "metal-node-8",
    ]
    assert doc["_meta"]["hostvars"]["metal-node-1"]["skyweave_zone"] == "us-east-1a"


def test_cli_prints_an_empty_inventory_for_a_stack_without_pools(capsys: pytest.CaptureFixture[str]) -> None:
    # A stack without pools has an inventory: an empty one. Exit 0, so a pipeline that always runs
    # `skyweave inventory` does not fail on the stacks that have no servers.
    assert main(["inventory", "--stack", "dev"]) == 0
    captured = capsys.readouterr()
    assert yaml.safe_load(captured.out) == {"all": {"children": {}}}
    assert "no bare-metal pools" in captured.err
    assert main(["inventory", "--stack", "dev", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"_meta": {"hostvars": {}}, "all": {"children": []}}


def test_the_stack_output_matches_the_command(prod_run: OfflineRun) -> None:
    # In a preview the stack's inventory output waits for the cloud addresses: unknown, not guessed.
    assert prod_run.outputs["inventory"] == "[unknown]"
    assert (
        ansible_inventory(pool_nodes(prod_run))["all"]["children"]["metal"]["hosts"]["fra-r1-01"][
            "ansible_host"
        ]
        == "10.200.10.11"
    )


class _Deployed(OfflineMocks):
    """After `pulumi up`: the clouds have assigned each server an address."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        resource_id, state = super().new_resource(args)
        last = args.name.rsplit("-", 1)[-1]
        number = int(last) if last.isdigit() else 0
        if args.typ == "openstack:compute/instance:Instance":
            state["accessIpV4"] = f"10.4.0.{10 + number}"
        if args.typ == "aws:ec2/instance:Instance":
            state["privateIp"] = f"10.1.128.{10 + number}"
        return resource_id, state


def test_after_deploy_the_component_output_has_every_address() -> None:
    def program() -> None:
        network = HybridVpc("core", {"sites": SITES, "connectivity": {"topology": "none"}})
        pool = BareMetalPool("metal", {"count": 5, "sources": [IRONIC, METAL, BYON]}, network=network)
        pulumi.export("inventory", pool.inventory)

    run = run_program(
        program,
        project="skyweave-test",
        stack="test",
        config=KEY_CONFIG,
        secret_keys=frozenset(KEY_CONFIG),
        preview=False,
        mocks=_Deployed(),
    )
    hosts = run.outputs["inventory"]["all"]["children"]["metal"]["hosts"]
    assert {n: h["ansible_host"] for n, h in hosts.items()} == {
        "metal-node-0": "10.4.0.10",
        "metal-node-1": "10.1.128.11",
        "fra-01": "10.200.1.10",
        "metal-node-3": "10.4.0.13",
        "metal-node-4": "10.1.128.14",
    }
    assert ansible_list({"metal": []}) == {"_meta": {"hostvars": {}}, "all": {"children": []}}


def test_from_json_is_the_same_inventory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cli_once: CliOnce, prod_json: str
) -> None:
    plan = tmp_path / "prod.json"
    plan.write_text(prod_json)
    for fmt in ("yaml", "json"):
        code, from_stack = cli_once("inventory", "--stack", "prod", "--format", fmt)
        assert code == 0
        assert main(["inventory", "--from-json", str(plan), "--format", fmt]) == 0
        assert capsys.readouterr().out == from_stack


#: Ansible's rule for a group name (ansible/constants.py, INVALID_VARIABLE_NAMES, applied by
#: TRANSFORM_INVALID_GROUP_CHARS: docs.ansible.com reference_appendices/config.html): a match
#: is an invalid character, which Ansible warns about or replaces.
ANSIBLE_INVALID = r"^[\d\W]|[^\w]"


def test_zone_and_failure_domain_groups(cli_once: CliOnce) -> None:
    """A play can target one zone, room or rack (a rolling upgrade one failure domain at a time):
    each is a group, scoped by its site since two sites may name a zone alike."""
    import re

    code, out = cli_once("inventory", "--stack", "prod", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    hostvars = doc["_meta"]["hostvars"]
    expected: dict[str, set[str]] = {}
    for host, facts in hostvars.items():
        domain = facts["skyweave_failure_domain"]
        site = domain["site"].replace("-", "_")
        for key, value in domain.items():
            if key != "site":
                expected.setdefault(f"{key}_{site}_{re.sub(r'[^A-Za-z0-9_]', '_', value)}", set()).add(host)
    groups = {g: set(doc[g]["hosts"]) for g in doc if g not in ("_meta", "all")}
    for group, hosts in expected.items():
        assert groups.get(group) == hosts, group
    assert groups["rack_onprem_fra_r2"] == groups["zone_onprem_fra_r2"] == {"fra-r2-01"}
    assert groups["room_onprem_fra_room_a"] == {"fra-r1-01", "fra-r1-02"}
    assert len(groups["zone_os_dc1_az1"]) + len(groups["zone_os_dc1_az2"]) == 4
    for group in doc["all"]["children"]:
        assert not re.search(ANSIBLE_INVALID, group), group
    yaml_code, yaml_out = cli_once("inventory", "--stack", "prod", "--format", "yaml")
    assert yaml_code == 0
    children = yaml.safe_load(yaml_out)["all"]["children"]
    assert {g: set(c["hosts"]) for g, c in children.items()} == groups
