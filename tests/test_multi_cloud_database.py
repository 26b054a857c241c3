"""MultiCloudDatabase under Pulumi's mocks: members as VMs per vendor, their disks and rules,
secrets, and what it refuses before anything registers.

Independent sources: every recorded input is checked against the installed SDKs' declarations
(``tests/conformance/sdk_declarations.py``); the rendered user data is read back as YAML and its
files are the renderer's (which the real daemons run in tests/test_db_daemons.py); the user-data
bound is AWS's documented 16 KB ("Instance user data", EC2 User Guide: "User data is limited to
16 KB, in raw form, before it is base64-encoded").
"""

from __future__ import annotations

import ipaddress
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from conftest import run
from skyweave import HybridVpc, HybridVpcArgs, InvalidArgsError, MultiCloudDatabase, SiteProviders
from skyweave.core.errors import ConfigError
from skyweave.database.boot import member_user_data
from skyweave.database.config import DatabaseSecrets, DatabaseTls, TlsPair, render_cluster
from skyweave.database.plan import MultiCloudDatabaseArgs, plan_multi_cloud_database
from skyweave.engine.offline import OfflineRun, Registration
from skyweave.estate.config import parse_stack_config
from skyweave.network.hybrid_vpc import plan_hybrid_vpc

sys.path.insert(0, str(Path(__file__).parent / "conformance"))
from sdk_declarations import check_inputs

AWS = {"name": "aws-use1", "vendor": "aws", "region": "us-east-1", "zones": ["us-east-1a", "us-east-1b"]}
GCP = {
    "name": "gcp-euw1",
    "vendor": "gcp",
    "region": "europe-west1",
    "project": "proj-12345",
    "zones": ["europe-west1-b", "europe-west1-c"],
}
AZURE = {
    "name": "azure-weu1",
    "vendor": "azure",
    "region": "westeurope",
    "subscription_id": "6b1f3c2a-8d4e-4f5a-9c7b-1e2d3f4a5b6c",
    "zones": ["1", "2", "3"],
    "admin_ssh_public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFeXampLeOnLyN0tArEaLkEyF0rSkyWeaveDocs00 x",
}
OPENSTACK = {"name": "os-dc1", "vendor": "openstack", "region": "RegionOne", "zones": ["az1", "az2"]}
SITES = [AWS, GCP, AZURE]
TOKEN = "skyweave:database:MultiCloudDatabase"
VMS = {"aws:ec2/instance:Instance", "gcp:compute/instance:Instance", "azure-native:compute:VirtualMachine"}

DB: dict[str, Any] = {
    "members": [
        {"site": "aws-use1"},
        {"site": "gcp-euw1"},
        {"site": "azure-weu1"},
        {"site": "aws-use1", "zone": "us-east-1b", "role": "etcd"},
        {"site": "gcp-euw1", "zone": "europe-west1-c", "role": "etcd"},
        {"site": "azure-weu1", "zone": "2", "role": "witness"},
    ],
    "images": {
        "aws": "ami-0123456789abcdef0",
        "gcp": "debian-cloud/debian-12",
        "azure": "Debian:debian-12:12-gen2:latest",
    },
    "sizes": {"aws": "m6i.large", "gcp": "n2-standard-2", "azure": "Standard_D2s_v3"},
    "witness_sizes": {"azure": "Standard_B1s"},
    "clients": ["10.0.0.0/16"],
}


def build(db: dict[str, Any], sites: list[dict[str, Any]] = SITES) -> OfflineRun:
    def program() -> None:
        parsed = HybridVpcArgs.model_validate({"sites": sites, "connectivity": {"topology": "none"}})
        providers = SiteProviders(parsed.sites)
        net = HybridVpc("core", parsed, providers=providers)
        database = MultiCloudDatabase("orders", db, network=net, providers=providers)
        pulumi.export("leader", database.leader_connection)
        pulumi.export("members", database.members)

    return run(program)


@pytest.fixture(scope="module")
def built() -> OfflineRun:
    return build(DB)


def children(result: OfflineRun) -> list[Registration]:
    (db,) = [r for r in result.resources if r.type == TOKEN]
    return [r for r in result.resources if r.parent == db.urn]


def plan(db: dict[str, Any] = DB, sites: list[dict[str, Any]] = SITES) -> Any:
    network = plan_hybrid_vpc(
        HybridVpcArgs.model_validate({"sites": sites, "connectivity": {"topology": "none"}})
    )
    return plan_multi_cloud_database(
        "orders", MultiCloudDatabaseArgs.model_validate(db), network.args.sites, network.addresses
    )


def test_every_member_is_one_vm_on_its_site_with_the_sites_provider(built: OfflineRun) -> None:
    vms = [r for r in children(built) if r.type in VMS]
    assert Counter(r.type for r in vms) == {t: 2 for t in VMS}
    providers = {r.urn: r for r in built.resources if r.type.startswith("pulumi:providers:")}
    for vm in vms:
        site = (vm.inputs.get("labels") or vm.inputs["tags"])["skyweave-site"]
        assert vm.name.startswith(f"orders-vm-{site}-")
        assert vm.provider is not None and providers[vm.provider].name.endswith(site)
        assert vm.protect, vm.name


def test_every_input_matches_the_sdk_declarations(built: OfflineRun) -> None:
    problems = [
        f"{r.name} ({r.type}): {p}"
        for r in built.resources
        if r.custom
        for p in check_inputs(r.type, r.inputs)
    ]
    assert not problems, "\n".join(problems)


def test_disks_are_sized_encrypted_and_kept(built: OfflineRun) -> None:
    by_type = {t: [r for r in children(built) if r.type == t] for t in VMS}
    for vm in by_type["aws:ec2/instance:Instance"]:
        disk = vm.inputs["rootBlockDevice"]
        assert disk["encrypted"] is True and disk["deleteOnTermination"] is False
        assert disk["volumeSize"] == (100 if "-pg-" in vm.name else 20)
        assert vm.inputs["disableApiTermination"] is True
    for vm in by_type["gcp:compute/instance:Instance"]:
        assert vm.inputs["bootDisk"]["autoDelete"] is False and vm.inputs["deletionProtection"] is True
        assert vm.inputs["bootDisk"]["initializeParams"]["size"] == (100 if "-pg-" in vm.name else 20)
    for vm in by_type["azure-native:compute:VirtualMachine"]:
        disk = vm.inputs["storageProfile"]["osDisk"]
        assert disk["deleteOption"] == "Detach" and disk["diskSizeGB"] == (100 if "-pg-" in vm.name else 20)
    witness = next(v for v in by_type["azure-native:compute:VirtualMachine"] if "-witness-" in v.name)
    assert witness.inputs["hardwareProfile"]["vmSize"] == "Standard_B1s"


def test_user_data_and_keys_are_secrets_and_no_output_holds_one(built: OfflineRun) -> None:
    for vm in children(built):
        if vm.type == "aws:ec2/instance:Instance":
            assert vm.inputs["userData"] == "[secret]"
        if vm.type == "gcp:compute/instance:Instance":
            assert vm.inputs["metadata"]["user-data"] == "[secret]"
        if vm.type == "azure-native:compute:VirtualMachine":
            assert vm.inputs["osProfile"]["customData"] == "[secret]"
    text = json.dumps(built.outputs)
    assert "PRIVATE KEY" not in text and "password" not in text.lower()
    assert (
        built.outputs["leader"].startswith("host=")
        and "target_session_attrs=read-write" in built.outputs["leader"]
    )


def _rules(result: OfflineRun) -> dict[str, dict[int, set[str]]]:
    """Per member name, port → sources, from every vendor's firewall resources (a firewall's name
    ends with its VM's: ``orders-<kind>-<site>-<key>``)."""
    member = {}
    for vm in children(result):
        if vm.type in VMS:
            tags = vm.inputs.get("labels") or vm.inputs["tags"]
            member[vm.name.removeprefix("orders-vm-")] = tags["skyweave-database-member"]
    out: dict[str, dict[int, set[str]]] = {}
    for r in children(result):
        if r.type == "aws:ec2/securityGroup:SecurityGroup":
            rules = out.setdefault(member[r.name.removeprefix("orders-sg-")], {})
            for rule in r.inputs["ingress"]:
                assert rule["fromPort"] == rule["toPort"] and rule["protocol"] == "tcp"
                rules[rule["fromPort"]] = set(rule["cidrBlocks"])
        elif r.type == "gcp:compute/firewall:Firewall":
            where, port = r.name.removeprefix("orders-fw-").rsplit("-", 1)
            (allow,) = r.inputs["allows"]
            assert (
                r.inputs["direction"] == "INGRESS" and allow["protocol"] == "tcp" and allow["ports"] == [port]
            )
            out.setdefault(member[where], {})[int(port)] = set(r.inputs["sourceRanges"])
        elif r.type == "azure-native:network:NetworkSecurityGroup":
            rules = out.setdefault(member[r.name.removeprefix("orders-nsg-")], {})
            for rule in r.inputs["securityRules"]:
                if rule["access"] == "Deny":
                    assert (
                        rule["sourceAddressPrefix"] == "VirtualNetwork"
                        and rule["destinationPortRange"] == "*"
                    )
                    continue
                rules[int(rule["destinationPortRange"])] = set(rule["sourceAddressPrefixes"])
    return out


def test_rules_open_exactly_the_daemons_ports_between_members(built: OfflineRun) -> None:
    address = {name: f"{m['address']}/32" for name, m in built.outputs["members"].items()}
    pg = {a for n, a in address.items() if n.startswith("pg-")}
    etcd = {a for n, a in address.items() if not n.startswith("pg-")}
    rules = _rules(built)
    assert set(rules) == set(address)
    for name, ports in rules.items():
        me = address[name]
        if name.startswith("pg-"):
            assert ports == {5432: (pg - {me}) | {"10.0.0.0/16"}, 8008: pg - {me}}
        else:
            assert ports == {2379: pg, 2380: etcd - {me}}


def test_aws_egress_is_the_peers_ports_and_the_package_mirrors_only(built: OfflineRun) -> None:
    address = {name: f"{m['address']}/32" for name, m in built.outputs["members"].items()}
    pg = {a for n, a in address.items() if n.startswith("pg-")}
    etcd = {a for n, a in address.items() if not n.startswith("pg-")}
    world = {"0.0.0.0/0"}
    for group in (r for r in children(built) if r.type == "aws:ec2/securityGroup:SecurityGroup"):
        vm = next(r for r in children(built) if r.name == group.name.replace("-sg-", "-vm-"))
        me = f"{vm.inputs['privateIp']}/32"
        egress = {rule["fromPort"]: set(rule["cidrBlocks"]) for rule in group.inputs["egress"]}
        assert all(rule["protocol"] == "tcp" for rule in group.inputs["egress"])
        if "-pg-" in group.name:
            assert egress == {5432: pg - {me}, 8008: pg - {me}, 2379: etcd, 80: world, 443: world}
        else:
            assert egress == {2380: etcd - {me}, 80: world, 443: world}


def test_addresses_are_in_the_members_subnets_and_distinct() -> None:
    planned = plan()
    addresses = [ipaddress.ip_address(m.address) for m in planned.members]
    assert len(set(addresses)) == len(addresses)
    network = plan_hybrid_vpc(
        HybridVpcArgs.model_validate({"sites": SITES, "connectivity": {"topology": "none"}})
    )
    for m in planned.members:
        subnet = network.addresses.sites[m.site.name].subnets[m.subnet]
        assert ipaddress.ip_address(m.address) in subnet
        # below the addresses each vendor keeps at the top of a subnet (AWS, Azure: 1; GCP: 2)
        assert int(subnet.broadcast_address) - int(ipaddress.ip_address(m.address)) >= (
            2 if m.site.vendor == "gcp" else 1
        )


def test_adding_a_member_moves_no_other() -> None:
    before = {m.name: m.address for m in plan().members}
    grown = {**DB, "members": [*DB["members"], {"site": "aws-use1", "zone": "us-east-1b"}]}
    after = {m.name: m.address for m in plan(grown).members}
    assert {k: after[k] for k in before} == before


def test_a_vendor_without_hosts_is_refused_with_the_reason_before_anything_registers() -> None:
    db = {**DB, "members": [*DB["members"][:5], {"site": "os-dc1", "role": "witness"}]}
    db["sizes"] = {**DB["sizes"], "openstack": "m1.small"}
    with pytest.raises(InvalidArgsError) as caught:
        plan(db, [*SITES, OPENSTACK])
    message = str(caught.value)
    assert "members[5].site" in message and "OpenStack" in message and "host capability" in message


def test_a_single_vendor_database_is_refused_with_the_arithmetic() -> None:
    db = {
        **DB,
        "members": [{"site": "aws-use1"}, {"site": "aws-use1", "zone": "us-east-1b"}, *DB["members"][3:]],
    }
    with pytest.raises(
        InvalidArgsError, match="all on aws; it needs members on sites of at least two vendors"
    ):
        plan(db)


def test_an_etcd_majority_on_one_vendor_is_refused_with_the_arithmetic() -> None:
    db = {
        **DB,
        "members": [
            *DB["members"][:3],
            *[{"site": "aws-use1", "role": "etcd"}] * 2,
            {"site": "gcp-euw1", "role": "etcd"},
        ],
    }
    with pytest.raises(InvalidArgsError, match="losing aws leaves 1 of 3, a majority needs 2"):
        plan(db)


def test_a_stack_file_database_is_checked_with_its_key_paths() -> None:
    raw = {
        "sites": SITES,
        "databases": [
            {
                **DB,
                "name": "orders",
                "members": [*DB["members"][:5], {"site": "gcp-euw1", "zone": "z9", "role": "witness"}],
            }
        ],
    }
    with pytest.raises(ConfigError) as caught:
        parse_stack_config(raw, source="Pulumi.test.yaml")
    assert "skyweave:databases[0].members[5].zone" in str(caught.value)
    assert "not a zone of gcp-euw1" in str(caught.value)
    config = parse_stack_config(
        {"sites": SITES, "databases": [{**DB, "name": "orders"}]}, source="Pulumi.test.yaml"
    )
    assert config.plan.databases["orders"].cluster.quorum == 2


def _certificate(tmp: Path, name: str) -> tuple[str, str]:
    """A real ECDSA P-256 key and self-signed certificate, the shape the tls provider makes."""
    key, cert = tmp / f"{name}.key", tmp / f"{name}.crt"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "730",
            "-subj",
            f"/O=skyweave/CN={name}",
            "-addext",
            "subjectAltName=IP:10.0.255.200",
        ],
        check=True,
        capture_output=True,
    )
    return cert.read_text(), key.read_text()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl (installed by .ci/run)")
def test_user_data_carries_the_rendered_files_and_fits_awss_16_kb(tmp_path: Path) -> None:
    planned = plan()
    ca, _ = _certificate(tmp_path, "ca")
    pairs = {m.name: TlsPair(*_certificate(tmp_path, m.name)) for m in planned.members}
    secrets = DatabaseSecrets("a" * 32, "b" * 32, "c" * 32, "d" * 32)
    files = render_cluster(
        planned.cluster, planned.addresses, secrets, DatabaseTls(ca, pairs), clients=["10.0.0.0/16"]
    )
    for name, member in files.items():
        data = member_user_data(member)
        assert data.startswith("#cloud-config\n") and len(data.encode()) < 16 * 1024, (name, len(data))
        config = yaml.safe_load(data)
        written = {f["path"]: f for f in config["write_files"]}
        assert {f.path for f in member.files} == set(written)
        for f in member.files:
            assert (
                written[f.path]["content"] == f.content and written[f.path]["permissions"] == f"0{f.mode:o}"
            )
            assert written[f.path]["defer"] is True
        assert config["packages"] == (
            ["postgresql", "patroni"] if name.startswith("pg-") else ["etcd-server"]
        )


def test_the_docs_example_is_prods_database_and_plans() -> None:
    """docs/database.md's stack-file example is prod's `orders` as it ships, and plans there."""
    root = Path(__file__).resolve().parent.parent
    text = (root / "docs" / "database.md").read_text()
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    documented = yaml.safe_load(block)["skyweave:databases"]
    prod = yaml.safe_load((root / "stacks" / "Pulumi.prod.yaml").read_text())["config"]
    assert documented == prod["skyweave:databases"]
    raw = {k.removeprefix("skyweave:"): v for k, v in prod.items() if k.startswith("skyweave:")}
    planned = parse_stack_config(raw, source="Pulumi.prod.yaml").plan.databases["orders"]
    assert {m.site.vendor for m in planned.members} == {"aws", "gcp", "azure"}


def test_an_azure_site_without_an_ssh_key_is_refused_before_anything_registers() -> None:
    keyless = {k: v for k, v in AZURE.items() if k != "admin_ssh_public_key"}
    with pytest.raises(InvalidArgsError, match=r"members\[2\]\.site.*no admin_ssh_public_key"):
        plan(DB, [AWS, GCP, keyless])
