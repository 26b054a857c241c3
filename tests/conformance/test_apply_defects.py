"""One test per apply-time defect found in the example estate (issue 13), each failing before its fix.

The general checks live in test_apply_order (every precondition row on every estate); these pin
the specific cases the issue names, in the example stacks, so a regression names its defect.
"""

from __future__ import annotations

import re

from conformance_harness import estate
from preconditions import PRECONDITIONS, violations

_ROWS = {row.key: row for row in PRECONDITIONS}


def test_the_two_directions_of_a_gcp_peering_are_serial() -> None:
    """Defect 2: both directions touch both networks, and use two providers (two processes)."""
    prod = estate("prod")
    there, back = prod.of_type("gcp:compute/networkPeering:NetworkPeering")
    assert there.provider != back.provider
    assert prod.ordered(there.urn, back.urn) or prod.ordered(back.urn, there.urn)


def test_peerings_of_three_gcp_networks_run_one_at_a_time_per_network() -> None:
    """Defect 2, across links: a network peered with two others has four peering operations."""
    gen = estate("gen-1")
    assert len(gen.of_type("gcp:compute/networkPeering:NetworkPeering")) == 6
    assert not list(violations(gen, (_ROWS["gcp-peerings-on-a-network-are-serial"],)))


def test_every_vpnaas_site_connection_comes_after_its_subnets_router_port() -> None:
    """Defect 4: neutron-vpnaas refuses a connection whose local subnet has no router port.

    prod's OpenStack site now uses the VPN appliance; gen-2 keeps two VPNaaS sites."""
    gen = estate("gen-2")
    connections = gen.of_type("openstack:vpnaas/siteConnection:SiteConnection")
    assert connections
    for connection in connections:
        site = next(s for s in ("os-a", "os-b") if f"-vpn-conn-{s}-" in connection.name)
        (port,) = [
            r
            for r in gen.of_type("openstack:networking/routerInterface:RouterInterface")
            if r.name == f"core-router-if-{site}-main"
        ]
        assert gen.ordered(port.urn, connection.urn), connection.name


def test_the_octavia_floating_ip_comes_after_the_router_port_of_its_vip_subnet() -> None:
    """Defect 4: Neutron cannot reach the external network from the VIP subnet until then."""
    prod = estate("prod")
    fips = prod.of_type("openstack:networking/floatingIp:FloatingIp")  # the app's, the appliances'
    assert any(f.name.startswith("shop-") for f in fips), [f.name for f in fips]
    assert not list(violations(prod, (_ROWS["floating-ip-needs-router-port"],)))


def test_byon_files_are_copied_only_into_a_private_staging_directory() -> None:
    """Defect 1 (and issue 16's fixed /tmp path): SFTP writes as the SSH user, who cannot
    write /etc; a fixed /tmp name can be pre-created by another local user."""
    prod = estate("prod")
    copies = prod.of_type("command:remote:CopyToRemote")
    assert copies
    for copy in copies:
        path = str(prod.inputs(copy.urn)["remotePath"])
        assert not path.startswith("/etc/") and "skyweave-bootstrap-" not in path, path
    assert not list(violations(prod, (_ROWS["ssh-copy-needs-a-writable-directory"],)))
    stages = [
        c
        for c in prod.of_type("command:remote:Command")
        if "mktemp -d" in prod.inputs(c.urn).get("create", "")
    ]
    assert len(stages) == len({prod.inputs(c.urn)["connection"]["host"] for c in copies})
    for stage in stages:
        create = prod.inputs(stage.urn)["create"]
        assert "umask 077" in create  # mktemp -d makes it 0700; the umask keeps it so
        assert "rm -rf" in prod.inputs(stage.urn)["delete"]


def test_byon_bootstrap_installs_each_file_with_sudo_runs_the_script_and_removes_the_stage() -> None:
    prod = estate("prod")
    boots = [c for c in prod.of_type("command:remote:Command") if c.name.startswith("metal-bootstrap-")]
    assert boots
    for boot in boots:
        create = prod.inputs(boot.urn)["create"]
        stage = next(
            str(prod.state[c.urn]["stdout"])
            for c in prod.of_type("command:remote:Command")
            if c.name == boot.name.replace("-bootstrap-", "-stage-")
        )
        assert f"sudo -n install -m 0644 -o root -g root {stage}/file-0 /etc/skyweave/pool.env" in create
        assert f"sh {stage}/bootstrap.sh" in create
        assert create.endswith(f"rm -rf -- {stage}")
        assert "SKYWEAVE_NODE=" in create


def test_the_preview_states_the_swift_preconditions_the_container_needs() -> None:
    """Defect 6: versioning needs Swift >= 2.24 with allow_object_versioning, and the named
    storage policy must exist — nothing in the API checks either before `pulumi up`."""
    prod = estate("prod")
    (container,) = prod.of_type("openstack:objectstorage/container:Container")
    warnings = [w for w in prod.run.warnings if container.name in w]
    assert len(warnings) == 1, prod.run.warnings
    (warning,) = warnings
    for needed in ("Swift 2.24", "allow_object_versioning = true", "storage policy 'ec42'"):
        assert needed in warning, warning


def test_the_docs_state_the_swift_preconditions() -> None:
    from conftest import ROOT

    text = (ROOT / "docs" / "resilience.md").read_text()
    assert "allow_object_versioning" in text and "2.24" in text and "X-Storage-Policy" in text


# --- found by the conformance tests, beyond the list --------------------------------------------


def test_the_apps_openstack_servers_wait_for_a_subnet_on_their_network() -> None:
    """Nova refuses a server on a network without a subnet (NetworkRequiresSubnet); the app's
    servers named only the network, so nothing ordered them after core-subnet-os-dc1-main."""
    prod = estate("prod")
    subnets = prod.of_type("openstack:networking/subnet:Subnet")
    (subnet,) = [r for r in subnets if r.name == "core-subnet-os-dc1-main"]
    servers = [r for r in prod.of_type("openstack:compute/instance:Instance") if r.name.startswith("shop-")]
    assert servers and all(prod.ordered(subnet.urn, s.urn) for s in servers)


def test_an_internet_facing_alb_waits_for_its_vpcs_internet_gateway() -> None:
    """ELB refuses an internet-facing load balancer in a VPC without an internet gateway
    (InvalidSubnet: VPC ... has no internet gateway); the ALB depended on its subnets only.
    The NLB with Elastic IPs in front of an ALB (a fixed address for Cloud DNS) is internet-facing too."""
    for name in ("dev", "prod"):
        e = estate(name)
        for alb in e.of_type("aws:lb/loadBalancer:LoadBalancer"):
            site = re.split(r"-[an]lb-", alb.name, maxsplit=1)[1]
            igws = e.of_type("aws:ec2/internetGateway:InternetGateway")
            (igw,) = [g for g in igws if g.name.endswith(site)]
            assert e.ordered(igw.urn, alb.urn), (name, alb.name)


def test_the_transfer_job_waits_for_the_s3_read_policy_of_the_role_it_assumes() -> None:
    """The job starts on creation (its start date is past); the role's policy came later."""
    prod = estate("prod")
    (job,) = prod.of_type("gcp:storage/transferJob:TransferJob")
    (policy,) = prod.of_type("aws:iam/rolePolicy:RolePolicy")
    assert prod.ordered(policy.urn, job.urn)
