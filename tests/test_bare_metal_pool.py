"""BareMetalPool under the mock runtime: each source's resources, secrets, outputs and bad inputs."""

from __future__ import annotations

import json
import re
from typing import Any

import pulumi
import pytest
import yaml
from skyweave.cli.preview import render_text
from skyweave.core.bootstrap import BootstrapArgs
from skyweave.core.errors import InvalidArgsError
from skyweave.engine.offline import OfflineMocks, OfflineRun, RecordingMonitor, run_program
from skyweave.engine.preview import render_json
from skyweave.metal.bare_metal_pool import BareMetalPool
from skyweave.network.hybrid_vpc import HybridVpc

SITES: list[dict[str, Any]] = [
    {
        "name": "aws-use1",
        "vendor": "aws",
        "region": "us-east-1",
        "zones": ["us-east-1a", "us-east-1b", "us-east-1c"],
        "cidr": "10.1.0.0/16",
    },
    {
        "name": "os-dc1",
        "vendor": "openstack",
        "region": "RegionOne",
        "zones": ["az1", "az2"],
        "cidr": "10.4.0.0/16",
    },
    {
        "name": "onprem-fra",
        "vendor": "onprem",
        "region": "fra-dc2",
        "zones": ["room-a", "room-b"],
        "cidrs": ["10.200.0.0/16"],
    },
    {
        "name": "gcp-euw1",
        "vendor": "gcp",
        "region": "europe-west1",
        "project": "p-123456",
        "cidr": "10.3.0.0/16",
    },
]
KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAA-plaintext-marker\n"
    "-----END OPENSSH PRIVATE KEY-----"
)
KEY_CONFIG = {"byon:fra-key": KEY}
IRONIC = {"kind": "ironic", "site": "os-dc1", "image": "ubuntu-24.04", "resource_class": "baremetal-gold"}
METAL = {
    "kind": "aws_metal",
    "site": "aws-use1",
    "instance_type": "m5.metal",
    "image": "ami-0123456789abcdef0",
}
BYON = {
    "kind": "byon",
    "site": "onprem-fra",
    "ssh_user": "ops",
    "ssh_private_key_config": "byon:fra-key",
    "servers": [
        {"name": "fra-01", "address": "10.200.1.10", "room": "room-a", "rack": "r1"},
        {"name": "fra-02", "address": "10.200.2.10", "room": "room-b", "rack": "r7"},
    ],
}
BOOT = {
    "script": "#!/bin/sh\nset -eu\necho joined > /var/tmp/joined\n",
    "files": {"/etc/pool.conf": "role=worker\n"},
}


def pool_run(
    pool: dict[str, Any],
    *,
    config: dict[str, str] | None = None,
    secret: bool = True,
    monitor: RecordingMonitor | None = None,
) -> OfflineRun:
    def program() -> None:
        network = HybridVpc("core", {"sites": SITES, "connectivity": {"topology": "none"}})
        made = BareMetalPool("metal", pool, network=network)
        pulumi.export("nodes", made.nodes)

    config = KEY_CONFIG if config is None else config
    return run_program(
        program,
        project="skyweave-test",
        stack="test",
        config=config,
        secret_keys=frozenset(config) if secret else frozenset(),
        monitor=monitor,
    )


def of_type(run: OfflineRun, type_: str) -> list[Any]:
    return sorted((r for r in run.resources if r.type == type_), key=lambda r: r.name)


def pool_outputs(run: OfflineRun) -> dict[str, Any]:
    (urn,) = [u for u in run.component_outputs if u.endswith("::metal")]
    return run.component_outputs[urn]


# --- OpenStack Ironic ---------------------------------------------------------------------------


UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def test_ironic_creates_a_bare_metal_flavor_a_server_group_and_servers_per_zone() -> None:
    run = pool_run({"count": 4, "sources": [IRONIC], "bootstrap": BOOT})
    (flavor,) = of_type(run, "openstack:compute/flavor:Flavor")
    assert flavor.name == "metal-flavor-os-dc1"
    assert flavor.inputs["extraSpecs"] == {
        "resources:CUSTOM_BAREMETAL_GOLD": "1",
        "resources:VCPU": "0",
        "resources:MEMORY_MB": "0",
        "resources:DISK_GB": "0",
    }
    (group,) = of_type(run, "openstack:compute/serverGroup:ServerGroup")
    assert group.inputs["policies"] == "soft-anti-affinity"
    servers = of_type(run, "openstack:compute/instance:Instance")
    assert [s.name for s in servers] == [f"metal-server-os-dc1-{i}" for i in range(4)]
    assert [s.inputs["availabilityZone"] for s in servers] == ["az1", "az2", "az1", "az2"]
    pool_urn = next(r.urn for r in run.resources if r.type == "skyweave:compute:BareMetalPool")
    # the pool builds on the network's providers (network.providers): one provider per site
    provider = next(r.urn for r in run.resources if r.name == "core-provider-os-dc1")
    assert not [r for r in run.resources if r.name.startswith("metal-provider-")]
    network = next(r for r in run.resources if r.name == "core-network-os-dc1")
    for server in servers:
        assert server.parent == pool_urn and server.provider == provider
        # The group's and the network's ids (Nova and Neutron UUIDs), taken from those resources.
        (hint,) = server.inputs["schedulerHints"]
        assert set(hint) == {"group"} and re.fullmatch(UUID, hint["group"])
        assert group.urn in server.property_dependencies["schedulerHints"]
        assert server.inputs["flavorId"].startswith("metal-flavor-os-dc1-")
        assert re.fullmatch(UUID, server.inputs["networks"][0]["uuid"])
        assert network.urn in server.property_dependencies["networks"]
        assert server.inputs["imageName"] == "ubuntu-24.04"
        assert group.urn in server.dependencies and flavor.urn in server.dependencies
        assert any("core-subnet-os-dc1-main" in d for d in server.dependencies)
    assert network.type == "openstack:networking/network:Network"


def test_ironic_with_a_named_flavor_creates_no_flavor_and_uses_it() -> None:
    source = {**IRONIC, "flavor": "bm.gold", "server_group_policy": "soft-anti-affinity"}
    del source["resource_class"]
    run = pool_run({"count": 2, "sources": [source]})
    assert of_type(run, "openstack:compute/flavor:Flavor") == []
    servers = of_type(run, "openstack:compute/instance:Instance")
    assert {s.inputs["flavorName"] for s in servers} == {"bm.gold"}
    assert all("flavorId" not in s.inputs for s in servers)
    assert (
        of_type(run, "openstack:compute/serverGroup:ServerGroup")[0].inputs["policies"]
        == "soft-anti-affinity"
    )


def test_ironic_nodes_share_a_soft_anti_affinity_group_by_default() -> None:
    """Nova's anti-affinity filter compares nova-compute services, and one serves many Ironic
    nodes: a hard anti-affinity group of several nodes fails with NoValidHost (issue 13)."""
    run = pool_run({"count": 4, "sources": [IRONIC]})
    (group,) = of_type(run, "openstack:compute/serverGroup:ServerGroup")
    assert group.inputs["policies"] == "soft-anti-affinity"


def test_hard_anti_affinity_is_refused_for_more_than_one_ironic_node() -> None:
    source = {**IRONIC, "server_group_policy": "anti-affinity"}
    policy = r"sources\[0\]\.server_group_policy: 'anti-affinity': .*2 nodes"
    with pytest.raises(InvalidArgsError, match=policy):
        pool_run({"count": 2, "sources": [source]})
    one = pool_run({"count": 1, "sources": [source]})
    assert of_type(one, "openstack:compute/serverGroup:ServerGroup")[0].inputs["policies"] == "anti-affinity"


def test_server_group_policy_none_spreads_by_zone_only() -> None:
    run = pool_run({"count": 2, "sources": [{**IRONIC, "server_group_policy": "none"}]})
    assert of_type(run, "openstack:compute/serverGroup:ServerGroup") == []
    servers = of_type(run, "openstack:compute/instance:Instance")
    assert [s.inputs["availabilityZone"] for s in servers] == ["az1", "az2"]
    assert all("schedulerHints" not in s.inputs for s in servers)


# --- AWS metal ----------------------------------------------------------------------------------


def test_metal_spreads_over_zones_in_private_subnets_with_imdsv2() -> None:
    run = pool_run({"count": 3, "sources": [METAL]})
    servers = of_type(run, "aws:ec2/instance:Instance")
    assert [s.inputs["availabilityZone"] for s in servers] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    for server in servers:
        letter = server.inputs["availabilityZone"][-1]
        # The id of the zone's private subnet (an EC2 subnet id), taken from that subnet.
        subnet = next(r for r in run.resources if r.name == f"core-subnet-aws-use1-private-{letter}")
        assert re.fullmatch(r"subnet-[0-9a-f]{17}", server.inputs["subnetId"])
        assert subnet.urn in server.property_dependencies["subnetId"]
        assert server.inputs["metadataOptions"] == {"httpEndpoint": "enabled", "httpTokens": "required"}
        assert server.inputs["instanceType"] == "m5.metal"
    (group,) = of_type(run, "aws:ec2/placementGroup:PlacementGroup")
    assert group.inputs["strategy"] == "spread" and group.inputs["spreadLevel"] == "rack"
    # The mock id of a resource is "<name>-<hash>"; a placement group's id is its name in AWS.
    assert all(str(s.inputs["placementGroup"]).startswith(f"{group.name}-") for s in servers)


def test_metal_replaces_an_instance_when_its_bootstrap_changes() -> None:
    with_boot = of_type(
        pool_run({"count": 1, "sources": [METAL], "bootstrap": BOOT}), "aws:ec2/instance:Instance"
    )
    without = of_type(pool_run({"count": 1, "sources": [METAL]}), "aws:ec2/instance:Instance")
    assert with_boot[0].inputs["userDataReplaceOnChange"] is True
    assert "userDataReplaceOnChange" not in without[0].inputs


def test_metal_splits_placement_groups_at_seven_per_zone_and_growth_only_adds_groups() -> None:
    one_zone = {**METAL, "zones": ["us-east-1b"]}
    run = pool_run({"count": 15, "sources": [one_zone]})
    groups = of_type(run, "aws:ec2/placementGroup:PlacementGroup")
    assert [g.name for g in groups] == ["metal-pg-aws-use1-0", "metal-pg-aws-use1-1", "metal-pg-aws-use1-2"]
    members: dict[str, int] = {}
    for server in of_type(run, "aws:ec2/instance:Instance"):
        group = str(server.inputs["placementGroup"]).rsplit("-", 1)[0]
        members[group] = members.get(group, 0) + 1
    assert members == {"metal-pg-aws-use1-0": 7, "metal-pg-aws-use1-1": 7, "metal-pg-aws-use1-2": 1}
    smaller = pool_run({"count": 14, "sources": [one_zone]})
    before = {r.urn: r.inputs for r in smaller.resources if r.custom}
    after = {r.urn: r.inputs for r in run.resources if r.custom}
    assert set(before) <= set(after)
    for urn, inputs in before.items():
        assert after[urn] == inputs, urn


# --- Servers you bring --------------------------------------------------------------------------


def test_byon_copies_files_and_script_and_runs_it_with_a_secret_key_and_a_script_trigger() -> None:
    run = pool_run({"count": 2, "sources": [BYON], "bootstrap": BOOT})
    cloud = [r for r in run.resources if r.custom and r.package in ("aws", "openstack", "gcp")]
    assert all(r.name.startswith("core-") for r in cloud), "servers you bring create nothing in a cloud"
    copies = of_type(run, "command:remote:CopyToRemote")
    assert [c.name for c in copies] == [
        "metal-file-onprem-fra-fra-01-0",
        "metal-file-onprem-fra-fra-02-0",
        "metal-script-onprem-fra-fra-01",
        "metal-script-onprem-fra-fra-02",
    ]
    digest = BootstrapArgs.model_validate(BOOT).digest()
    script = next(c for c in copies if c.name.endswith("script-onprem-fra-fra-01"))
    assert script.inputs["source"] == {"text": BOOT["script"]}
    commands = of_type(run, "command:remote:Command")
    assert [c.name for c in commands] == [
        "metal-bootstrap-onprem-fra-fra-01",
        "metal-bootstrap-onprem-fra-fra-02",
        "metal-host-onprem-fra-fra-01",
        "metal-host-onprem-fra-fra-02",
        "metal-stage-onprem-fra-fra-01",
        "metal-stage-onprem-fra-fra-02",
    ]
    boots, hosts, stages = commands[:2], commands[2:4], commands[4:]
    for c in [*copies, *commands]:
        assert c.inputs["connection"] == "[secret]"
    # Each server's record runs nothing and says which server it is; its commands depend on it.
    assert all(not {"create", "update", "delete"} & set(h.inputs) for h in hosts)
    assert hosts[0].inputs["environment"]["SKYWEAVE_NODE"] == "fra-01"
    assert hosts[0].inputs["environment"]["SKYWEAVE_FAILURE_DOMAIN"] == "r1"
    assert all(hosts[0].urn in c.dependencies for c in (boots[0], stages[0]))
    for c in [*copies, *boots]:
        assert c.inputs["triggers"] == [digest]
    # A stage re-runs on anything the bootstrap does (its digest and the node's environment).
    assert all(s.inputs["triggers"][0] == digest and len(s.inputs["triggers"]) == 2 for s in stages)
    assert stages[0].inputs["triggers"] != stages[1].inputs["triggers"]
    assert "SKYWEAVE_NODE=fra-01" in boots[0].inputs["create"]
    assert "SKYWEAVE_FAILURE_DOMAIN=r1" in boots[0].inputs["create"]
    assert {c.urn for c in copies if "fra-01" in c.name} <= set(boots[0].dependencies)
    # Every copy of a server goes into the directory its stage made (an output of the stage).
    for copy in copies:
        stage = next(s for s in stages if s.name.endswith(copy.name.split("-onprem-fra-")[1][:6]))
        assert stage.urn in copy.dependencies


def test_the_ssh_key_never_appears_in_the_preview() -> None:
    run = pool_run({"count": 2, "sources": [BYON], "bootstrap": BOOT})
    for text in (render_json(run), render_text(run), json.dumps(run.component_outputs)):
        assert "plaintext-marker" not in text
        assert "BEGIN OPENSSH" not in text
    assert "[secret]" in render_json(run)


def test_a_changed_script_changes_only_the_triggers() -> None:
    first = pool_run({"count": 1, "sources": [BYON], "bootstrap": BOOT})
    changed = pool_run({"count": 1, "sources": [BYON], "bootstrap": {**BOOT, "script": "echo v2\n"}})
    a = {r.urn: r for r in first.resources}
    b = {r.urn: r for r in changed.resources}
    assert set(a) == set(b)
    run_a = next(r for r in a.values() if r.type == "command:remote:Command" and "-bootstrap-" in r.name)
    run_b = b[run_a.urn]
    assert run_a.inputs["triggers"] != run_b.inputs["triggers"]
    assert run_a.inputs["create"] == run_b.inputs["create"]


def test_the_ssh_key_must_be_a_secret_and_must_exist() -> None:
    with pytest.raises(
        InvalidArgsError, match=r"sources\[0\]\.ssh_private_key_config: 'byon:fra-key': .*plain text"
    ):
        pool_run({"count": 1, "sources": [BYON]}, secret=False)
    with pytest.raises(InvalidArgsError, match=r"no config key byon:fra-key"):
        pool_run({"count": 1, "sources": [BYON]}, config={})


# --- One bootstrap for all ------------------------------------------------------------------------


def test_every_source_gets_the_same_script_and_files() -> None:
    run = pool_run({"count": 7, "sources": [IRONIC, METAL, BYON], "bootstrap": BOOT})
    user_data = [
        yaml.safe_load(r.inputs["userData"])
        for r in run.resources
        if r.type in ("openstack:compute/instance:Instance", "aws:ec2/instance:Instance")
    ]
    assert len(user_data) == 5
    for doc in user_data:
        files = {f["path"]: f["content"] for f in doc["write_files"]}
        assert files["/etc/pool.conf"] == BOOT["files"]["/etc/pool.conf"]
        assert files["/var/lib/skyweave/bootstrap.sh"] == BOOT["script"]
        assert doc["runcmd"][0][-2:] == ["sh", "/var/lib/skyweave/bootstrap.sh"]
    copied = {
        str(r.inputs["remotePath"]).rsplit("/", 1)[1]: r.inputs["source"]["text"]
        for r in of_type(run, "command:remote:CopyToRemote")
    }
    # Staged under neutral names in a private directory; the bootstrap installs them with sudo.
    assert copied["file-0"] == BOOT["files"]["/etc/pool.conf"]
    assert copied["bootstrap.sh"] == BOOT["script"]
    boots = [r for r in of_type(run, "command:remote:Command") if "-bootstrap-" in r.name]
    assert boots and all("/file-0 /etc/pool.conf &&" in b.inputs["create"] for b in boots)


def test_no_bootstrap_means_no_user_data_and_no_remote_command_that_runs() -> None:
    run = pool_run({"count": 7, "sources": [IRONIC, METAL, BYON]})
    commands = [r for r in run.resources if r.custom and r.package == "command"]
    # Only each placed server's record, with nothing to run (the policy pack counts the servers).
    assert [c.name for c in commands] == ["metal-host-onprem-fra-fra-01", "metal-host-onprem-fra-fra-02"]
    assert all(not {"create", "update", "delete"} & set(c.inputs) for c in commands)
    assert all("userData" not in r.inputs for r in of_type(run, "aws:ec2/instance:Instance"))


# --- Outputs ----------------------------------------------------------------------------------------


def test_props_and_outputs_carry_the_failure_model_for_the_policy_pack() -> None:
    run = pool_run({"count": 7, "min_healthy": 4, "survive": "site", "sources": [IRONIC, METAL, BYON]})
    (pool,) = of_type(run, "skyweave:compute:BareMetalPool")
    expected = [
        {"site": "os-dc1", "vendor": "openstack", "region": "RegionOne", "zone": "az1", "count": 1},
        {"site": "aws-use1", "vendor": "aws", "region": "us-east-1", "zone": "us-east-1a", "count": 1},
        {"site": "onprem-fra", "vendor": "onprem", "region": "fra-dc2", "zone": "r1", "count": 1},
        {"site": "os-dc1", "vendor": "openstack", "region": "RegionOne", "zone": "az2", "count": 1},
        {"site": "aws-use1", "vendor": "aws", "region": "us-east-1", "zone": "us-east-1b", "count": 1},
        {"site": "onprem-fra", "vendor": "onprem", "region": "fra-dc2", "zone": "r7", "count": 1},
        {"site": "aws-use1", "vendor": "aws", "region": "us-east-1", "zone": "us-east-1c", "count": 1},
    ]
    assert pool.inputs["placements"] == expected
    assert pool.inputs["minHealthy"] == 4 and pool.inputs["survive"] == "site"
    outputs = pool_outputs(run)
    assert outputs["placements"] == expected and outputs["minHealthy"] == 4 and outputs["survive"] == "site"
    nodes = outputs["nodes"]
    assert [n["name"] for n in nodes] == [
        "metal-node-0",
        "metal-node-1",
        "fra-01",
        "metal-node-3",
        "metal-node-4",
        "fra-02",
        "metal-node-6",
    ]
    # Cloud addresses are not known in a preview, and are not invented.
    assert [n["address"] for n in nodes] == [
        "[unknown]",
        "[unknown]",
        "10.200.1.10",
        "[unknown]",
        "[unknown]",
        "10.200.2.10",
        "[unknown]",
    ]
    assert nodes[2]["failure_domain"] == {"site": "onprem-fra", "room": "room-a", "rack": "r1", "zone": "r1"}
    assert nodes[2]["ssh_user"] == "ops" and nodes[0]["role"] == "worker"


# --- Bad inputs: refused before anything is registered -----------------------------------------------


@pytest.mark.parametrize(
    ("pool", "path", "message"),
    [
        (
            {"count": 1, "sources": [{**BYON, "servers": [{"name": "fra-01", "room": "room-a"}]}]},
            r"sources\[0\]\.servers\[0\]\.address",
            "required key is missing",
        ),
        (
            {"count": 1, "sources": [{**METAL, "site": "gcp-euw1"}]},
            r"sources\[0\]\.site: 'gcp-euw1'",
            "Google Cloud has no bare-metal servers in skyweave; sites that can host a pool: aws-use1, "
            "os-dc1, onprem-fra",
        ),
        (
            {"count": 1, "sources": [{**METAL, "site": "aws-usw9"}]},
            r"sources\[0\]\.site: 'aws-usw9'",
            "no such site",
        ),
        (
            {"count": 1, "sources": [{**METAL, "instance_type": "m5.large"}]},
            r"sources\[0\]\.instance_type",
            "not a bare-metal instance type",
        ),
        (
            {"count": 1, "sources": [{**METAL, "site": "os-dc1"}]},
            r"sources\[0\]\.kind: 'aws_metal'",
            "kind aws_metal needs a site of vendor aws, but 'os-dc1' is OpenStack, whose bare-metal "
            "source kind is ironic",
        ),
        (
            {"count": 1, "sources": [{**BYON, "servers": [{"name": "x", "address": "172.16.0.9"}]}]},
            r"sources\[0\]\.servers\[0\]\.address: '172.16.0.9'",
            "not inside site 'onprem-fra'",
        ),
        (
            {"count": 3, "sources": [BYON]},
            r"count: 3",
            "3 nodes over 2 failure domains may put at most 2 in each",
        ),
        (
            {"count": 4, "min_healthy": 4, "sources": [METAL]},
            r"min_healthy: 4",
            "losing zone aws/us-east-1/us-east-1a leaves 2 of 4 nodes",
        ),
        (
            {"count": 1, "sources": [{**IRONIC, "zones": ["az9"]}]},
            r"sources\[0\]\.zones\[0\]: 'az9'",
            "not a zone of site 'os-dc1'",
        ),
        ({"count": 2, "sources": [METAL, METAL]}, r"sources", "a pool takes at most one source per site"),
        (
            {
                "count": 1,
                "sources": [{**BYON, "servers": [{"name": "metal-node-3", "address": "10.200.1.1"}]}],
            },
            r"sources\[0\]\.servers\[0\]\.name: 'metal-node-3'",
            "names metal-node-<n> are the pool's cloud nodes",
        ),
        (
            {
                "count": 1,
                "sources": [
                    {
                        **BYON,
                        "servers": [
                            {"name": "a", "address": "10.200.1.1", "room": "room-a", "rack": "r1"},
                            {"name": "b", "address": "10.200.1.1", "room": "room-b", "rack": "r1"},
                        ],
                    }
                ],
            },
            r"sources\[0\]\.servers\[1\]\.address: '10.200.1.1': already used by servers\[0\]",
            "sources[0].servers[1].rack: 'r1': rack 'r1' is also in room 'room-a'",
        ),
    ],
)
def test_fails_clearly_before_any_resource(pool: dict[str, Any], path: str, message: str) -> None:
    monitor = RecordingMonitor(OfflineMocks())
    with pytest.raises(InvalidArgsError, match=path) as info:
        pool_run(pool, monitor=monitor)
    assert message in str(info.value)
    assert not [r for r in monitor.registrations if r.name.startswith("metal")]


def test_a_key_passed_to_the_component_is_kept_secret_without_config() -> None:
    def program() -> None:
        network = HybridVpc("core", {"sites": SITES, "connectivity": {"topology": "none"}})
        BareMetalPool(
            "metal",
            {"count": 1, "sources": [BYON], "bootstrap": BOOT},
            network=network,
            ssh_keys={"byon:fra-key": KEY},
        )

    run = run_program(program, project="skyweave-test", stack="test")
    commands = of_type(run, "command:remote:Command")
    assert commands and commands[0].inputs["connection"] == "[secret]"
    assert "plaintext-marker" not in render_json(run)


@pytest.mark.parametrize("passed", [False, True], ids=["from-config", "passed-in"])
def test_the_key_handed_to_the_driver_is_itself_a_secret(passed: bool) -> None:
    # pulumi-command also marks the whole `connection` secret; the pool must not rely on that.
    from skyweave.drivers.bare_metal import read_secrets
    from skyweave.metal.bare_metal_pool import BareMetalPoolArgs

    def program() -> None:
        args = BareMetalPoolArgs.model_validate({"count": 1, "sources": [BYON]})
        keys = read_secrets(args.sources, {"byon:fra-key": KEY} if passed else {})
        pulumi.export("key", keys["byon:fra-key"])

    config = {} if passed else KEY_CONFIG
    run = run_program(
        program, project="skyweave-test", stack="test", config=config, secret_keys=frozenset(config)
    )
    assert run.outputs["key"] == "[secret]"


def test_given_providers_must_cover_every_source_site() -> None:
    def program() -> None:
        network = HybridVpc("core", {"sites": SITES, "connectivity": {"topology": "none"}})
        BareMetalPool("metal", {"count": 1, "sources": [METAL]}, network=network, providers={"os-dc1": None})

    with pytest.raises(
        InvalidArgsError, match=r"providers: \['os-dc1'\]: no provider given for site\(s\) aws-use1"
    ):
        run_program(program, project="skyweave-test", stack="test")
