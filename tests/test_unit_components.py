"""A unit's program builds each component's part in its unit (issue 31 item 1, docs/units.md):
an app's DNS in the global unit, reading the addresses its sites' units export.

As tests/test_unit_program.py, on small estates written here (dev-shaped, so every link is of a
shape units build): the estate's own program runs for each unit stack through ``skyweave preview
--all``; the oracle is :func:`skyweave.engine.units.assign_run` over the single-stack preview of the
same estate (each resource placed by where the program built it). Each unit registers exactly the
custom resources that assignment gives it (same URNs but the stack), with the single stack's
inputs (values crossing units read through stack references), and ``check --from-json`` over the
units' plans gives exactly the single plan's findings.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, stack_raw, write_stack
from skyweave.database.multi_cloud_database import _PASSWORDS
from skyweave.drivers.scope import UNIT_RESOURCES
from skyweave.engine.offline import OfflineMocks, StackOutputs
from skyweave.engine.preview import preview_stack, render_json
from skyweave.engine.wire import SECRET_SIG, SIG_KEY
from skyweave.estate.config import parse_stack_config
from skyweave.estate.project import Project
from unit_checks import STACK_REFERENCE, Estate, UnitEstateChecks, preview_estate


def dns_raw() -> dict[str, Any]:
    """dev's app behind prod's DNS: Route 53 on aws-use1 and Cloud DNS on gcp-euw1 at once, so the
    AWS site answers with a Network Load Balancer's Elastic IPs (one per zone: a value made of
    several resources' outputs) and both DNS providers read both sites' addresses."""
    raw = copy.deepcopy(stack_raw("dev"))
    prod_app = next(a for a in stack_raw("prod")["apps"] if a["name"] == "shop")
    raw["apps"][0]["dns"] = prod_app["dns"]
    return raw


def bucket_raw() -> dict[str, Any]:
    """dev with prod's bucket shape on its two sites: an S3 primary whose GCS copy Storage
    Transfer fills (its job, the agent's grants and the S3 reader role trusting the agent: the
    global unit's), and a GCS primary with an S3 copy the application writes (site units only)."""
    raw = copy.deepcopy(stack_raw("dev"))
    raw["buckets"] = [
        {
            "name": "assets",
            "primary": "aws-use1",
            "copies": [{"site": "gcp-euw1", "filled_by": "transfer"}],
            "copy_interval_seconds": 3600,
        },
        {"name": "logs", "primary": "gcp-euw1", "copies": [{"site": "aws-use1", "filled_by": "application"}]},
    ]
    return raw


def pool_raw() -> dict[str, Any]:
    """dev with prod's on-prem site and a pool of prod's shape on it: AWS metal instances in
    aws-use1's unit, commands over SSH on the servers brought to onprem-fra (on no site's
    provider, named after their site) in that site's unit, which is otherwise empty."""
    raw = copy.deepcopy(stack_raw("dev"))
    prod = stack_raw("prod")
    raw["sites"].append(next(s for s in prod["sites"] if s["name"] == "onprem-fra"))
    pool = copy.deepcopy(prod["pools"][0])
    pool["sources"] = [s for s in pool["sources"] if s["site"] in {"aws-use1", "onprem-fra"}]
    raw["pools"] = [{**pool, "count": 4, "min_healthy": 1}]
    return raw


def fleet_raw() -> dict[str, Any]:
    """dev with prod's fleet on its two sites (EKS and GKE) and its workload behind Route 53:
    each cluster, its Kubernetes provider and the workload's objects in the site's unit; the
    DNS in the global unit (an alias to EKS's load balancer hostname, an A record for GKE's)."""
    raw = copy.deepcopy(stack_raw("dev"))
    fleet = copy.deepcopy(stack_raw("prod")["kubernetes"][0])
    fleet["clusters"] = [c for c in fleet["clusters"] if c["site"] in {"aws-use1", "gcp-euw1"}]
    fleet["min_nodes"] = 2
    fleet["workload"] = {
        **fleet["workload"],
        "min_replicas": 2,
        "dns": {"vendor": "aws", "zone": "Z0123456789EXAMPLE", "record_name": "api.example.com"},
    }
    raw["kubernetes"] = [fleet]
    return raw


def database_raw() -> dict[str, Any]:
    """dev with prod's Azure site (unlinked: only dev's link is of a shape units build) and
    prod's database over the three vendors: its passwords, CA and certificates in the secrets
    unit; each member's VM in its site's unit, its user data rendered from those secrets read
    through a stack reference."""
    raw = copy.deepcopy(stack_raw("dev"))
    prod = stack_raw("prod")
    raw["sites"].append(next(s for s in prod["sites"] if s["name"] == "azure-weu1"))
    raw["ipam"] = {**raw["ipam"], "ipv6_supernet": prod["ipam"]["ipv6_supernet"]}
    raw["network"] = {**raw["network"], "topology": "explicit", "links": [["aws-use1", "gcp-euw1"]]}
    raw["databases"] = [{**prod["databases"][0], "clients": ["10.1.0.0/16", "10.2.0.0/16"]}]
    return raw


ESTATES: dict[str, Callable[[], dict[str, Any]]] = {
    "database": database_raw,
    "dns": dns_raw,
    "bucket": bucket_raw,
    "pool": pool_raw,
    "fleet": fleet_raw,
}
#: Secrets outside skyweave's namespace the estates read (the SSH key of servers you bring).
SECRETS = {
    k: v
    for k, v in yaml.safe_load((ROOT / "stacks" / "Pulumi.prod.yaml").read_text())["config"].items()
    if k.startswith("byon:")
}


def _write(root: Path, stack: str, raw: dict[str, Any]) -> Project:
    project = write_stack(root, stack, raw)
    path = root / "stacks" / f"Pulumi.{stack}.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["config"].update(SECRETS)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return project


@pytest.fixture(scope="module", params=list(ESTATES))
def estate(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Estate:
    return preview_estate(
        request.param, ESTATES[request.param](), tmp_path_factory.mktemp(request.param), _write
    )


class TestEachEstate(UnitEstateChecks):
    """tests/unit_checks.py's checks on each component's estate."""


@pytest.mark.parametrize("estate", ["dns"], indirect=True)
def test_dns_is_built_in_the_global_unit_on_the_dns_sites_providers_only(estate: Estate) -> None:
    plans = estate.unit_plans()
    glob = plans["dev.global"]
    providers = sorted(r["name"] for r in glob["resources"] if r["type"].startswith("pulumi:providers:"))
    assert providers == ["aws-use1", "gcp-euw1"]
    types = {r["type"] for r in glob["resources"] if r["custom"]}
    assert "aws:route53/record:Record" in types and "gcp:dns/recordSet:RecordSet" in types
    for site in ("dev.aws-use1", "dev.gcp-euw1"):
        assert not [r for r in plans[site]["resources"] if "dns-" in r["name"]], site
    # the Route 53 record of the AWS site lists the Elastic IPs the site's unit exported
    exported = plans["dev.aws-use1"]["outputs"]["hello.endpoint.aws-use1.addresses"]
    record = next(r for r in glob["resources"] if r["name"] == "hello-dns-record-aws-use1")
    assert record["inputs"]["records"] == exported and len(exported) == 2
    read = "dev.aws-use1/hello.endpoint.aws-use1.addresses"
    reference = f"urn:pulumi:dev.global::skyweave::{STACK_REFERENCE}::{read}"
    assert record["propertyDependencies"]["records"] == [reference]


@pytest.mark.parametrize("estate", ["bucket"], indirect=True)
def test_a_transfer_is_built_in_the_global_unit_from_the_buckets_its_sites_units_export(
    estate: Estate,
) -> None:
    plans = estate.unit_plans()
    glob = plans["dev.global"]
    names = sorted(r["name"] for r in glob["resources"] if r["custom"] and "providers" not in r["type"])
    assert "assets-copy-gcp-euw1" in names and "assets-bucket-reader-aws-use1" in names
    assert not [n for n in names if n.startswith("logs-")]  # an application-filled copy: no transfer
    job = next(r for r in glob["resources"] if r["name"] == "assets-copy-gcp-euw1")
    s3 = plans["dev.aws-use1"]["outputs"]["assets.bucket.aws-use1.name"]
    gcs = plans["dev.gcp-euw1"]["outputs"]["assets.bucket.gcp-euw1.name"]
    spec = job["inputs"]["transferSpec"]
    assert spec["awsS3DataSource"]["bucketName"] == s3 and spec["gcsDataSink"]["bucketName"] == gcs
    for site in ("dev.aws-use1", "dev.gcp-euw1"):
        types = {"aws:s3/bucket:Bucket", "gcp:storage/bucket:Bucket"}
        buckets = [r for r in plans[site]["resources"] if r["type"] in types]
        assert len(buckets) == 2 and all(r["protect"] for r in buckets), site


@pytest.mark.parametrize("estate", ["pool"], indirect=True)
def test_a_pools_nodes_are_built_in_their_sites_units(estate: Estate) -> None:
    plans = estate.unit_plans()
    aws = [r["name"] for r in plans["dev.aws-use1"]["resources"] if r["type"] == "aws:ec2/instance:Instance"]
    assert len(aws) == 2 and all(n.startswith("metal-") for n in aws)
    fra = plans["dev.onprem-fra"]["resources"]
    commands = sorted(r["name"] for r in fra if r["custom"] and r["type"].startswith("command:"))
    single = sorted(r.name for r in estate.run.resources if r.custom and r.type.startswith("command:"))
    assert commands == single and all("onprem-fra" in n for n in commands)
    assert not [r for r in plans["dev.gcp-euw1"]["resources"] if r["name"].startswith("metal-")]


@pytest.mark.parametrize("estate", ["fleet"], indirect=True)
def test_a_fleets_clusters_and_workload_are_built_in_their_sites_units_and_its_dns_globally(
    estate: Estate,
) -> None:
    plans = estate.unit_plans()
    for site in ("aws-use1", "gcp-euw1"):
        rows = plans[f"dev.{site}"]["resources"]
        providers = [r for r in rows if r["type"] == "pulumi:providers:kubernetes"]
        assert len(providers) == 1, site  # the cluster's own, made from its kubeconfig in the unit
        assert providers[0]["inputs"]["kubeconfig"] == "[secret]"
        outputs = plans[f"dev.{site}"]["component_outputs"]
        fleet = next(v for k, v in outputs.items() if k.endswith("KubernetesFleet::apps"))
        assert fleet["kubeconfigs"] == "[secret]"
    glob = plans["dev.global"]["resources"]
    assert not [r for r in glob if r["type"] == "pulumi:providers:kubernetes"]
    records = sorted(r["name"] for r in glob if r["type"] == "aws:route53/record:Record")
    assert records == ["apps-dns-record-aws-use1", "apps-dns-record-gcp-euw1"]


def _secret_plaintexts(value: Any, inside: bool = False) -> list[str]:
    """Every string held inside a secret in a registration's wire-format value."""
    if isinstance(value, dict):
        secret = value.get(SIG_KEY) == SECRET_SIG
        return [s for v in value.values() for s in _secret_plaintexts(v, inside or secret)]
    if isinstance(value, list):
        return [s for v in value for s in _secret_plaintexts(v, inside)]
    return [value] if inside and isinstance(value, str) and value != SECRET_SIG else []


@pytest.mark.parametrize("estate", ["database"], indirect=True)
def test_a_databases_secrets_cross_units_as_secrets_and_never_in_plain_text(estate: Estate) -> None:
    plans = estate.unit_plans()
    secrets = plans["dev.secrets"]
    generated = {r["type"] for r in secrets["resources"] if r["custom"] and "providers" not in r["type"]}
    assert generated == {
        "random:index/randomPassword:RandomPassword",
        "tls:index/privateKey:PrivateKey",
        "tls:index/selfSignedCert:SelfSignedCert",
        "tls:index/certRequest:CertRequest",
        "tls:index/locallySignedCert:LocallySignedCert",
    }
    config = parse_stack_config(estate.raw, source="dev", stack="dev")
    member_sites = {m.name: m.site.name for m in config.plan.databases["orders"].members}
    # one share per site with members, each exported as a secret output
    shares = {f"orders.secrets.{site}" for site in member_sites.values()}
    assert {k for k in secrets["outputs"] if k.startswith("orders.")} == shares
    assert all(secrets["outputs"][k] == "[secret]" for k in shares)
    # what each share comes from (the URNs the unit records for the estate's plan): the
    # passwords, the CA and the TLS resources of that site's members, never another member's
    owned = {
        k: v for out in secrets["component_outputs"].values() for k, v in out.get(UNIT_RESOURCES, {}).items()
    }
    for member, site in member_sites.items():
        for share in shares:
            mine = share.endswith(f".{site}")
            named = [urn for urn in owned[share] if urn.endswith(f"-{member}") or f"-{member}-" in urn]
            assert bool(named) == mine, (share, member, owned[share])
    vms = 0
    for unit in ("dev.aws-use1", "dev.gcp-euw1", "dev.azure-weu1"):
        for row in plans[unit]["resources"]:
            if row["name"].startswith("orders-") and "userData" in row["inputs"]:
                assert row["inputs"]["userData"] == "[secret]", row["name"]
                vms += 1
    assert vms >= 2
    # A deployed secrets unit's values are known: give the site unit known ones, exported as a
    # secret output, and look for them in what the unit registers and in its plan.
    project = Project.find(estate.units.parent / "units")
    secrets_run = preview_stack(project, "dev.secrets", stack_file="dev")
    assert shares <= secrets_run.reference_outputs.secret_names  # unknown in a preview
    # aws-use1's share only: the passwords, the CA and its own members' pairs. Were the unit to
    # need another site's member's key (or read another share), its run would fail.
    own = [m for m, site in member_sites.items() if site == "aws-use1"]
    names = [f"password:{k}" for k in _PASSWORDS] + [f"{kind}:{m}" for m in own for kind in ("cert", "key")]
    known = {k: f"plaintext-{k.replace(':', '-')}-5e2f" for k in [*names, "ca"]}
    share = "orders.secrets.aws-use1"
    references = {"dev.secrets": StackOutputs({share: known}, frozenset({share}))}
    registered: dict[str, dict[str, Any]] = {}

    class Recording(OfflineMocks):
        def new_resource(self, args: Any) -> tuple[str, dict[str, Any]]:
            registered[args.name] = dict(args.inputs)  # the wire values the engine would get
            return super().new_resource(args)

    site_run = preview_stack(
        project, "dev.aws-use1", stack_file="dev", mocks=Recording(stack_references=references)
    )
    vms = {n: i["userData"] for n, i in registered.items() if n.startswith("orders-vm-")}
    assert len(vms) == 2
    for user_data in vms.values():
        assert isinstance(user_data, dict) and user_data.get(SIG_KEY) == SECRET_SIG  # a secret
    # the PostgreSQL member's configuration holds the passwords read, inside the secret
    assert "plaintext-password-" in " ".join(_secret_plaintexts(vms["orders-vm-aws-use1-pg-a"]))
    plan = render_json(site_run)
    leaked = [v for v in known.values() if v in plan]
    assert not leaked, leaked
