"""Multi-provider authoritative DNS: one app's name served by Route 53 and Cloud DNS at once.

The registrar lists both providers' name servers, so a resolver asks either; each must answer the
same: the same record type, TTL, targets and weights, and the same health checks deciding which
targets are in the answer. Cloud DNS health-checks IP targets only (``healthCheckedTargets.
externalEndpoints``: "The Internet IP addresses to be health checked", Cloud DNS API), so an AWS
site, whose ALB has no fixed address, is given fixed ones (a Network Load Balancer with Elastic
IPs in front of the ALB) and both providers answer with them.
"""

from __future__ import annotations

from typing import Any

import pytest
from skyweave import HybridVpcArgs, InvalidArgsError
from skyweave.app.plan import MultiCloudAppArgs, plan_multi_cloud_app
from skyweave.engine.offline import OfflineRun, Registration
from test_multi_cloud_app import AWS, BASE, GCP, OPENSTACK, OS_SLA, build

GCP2 = {**GCP, "name": "gcp-usc1", "region": "us-central1", "zones": ["us-central1-a", "us-central1-b"]}
CERTS = {
    "aws": "arn:aws:acm:us-east-1:123456789012:certificate/2b3c4d5e-6f70-4a1b-8c2d-3e4f5a6b7c8d",
    "openstack": "https://barbican.dc1.example.net:9311/v1/containers/6f1c8a52-3e1b-4c4e-9a7d-2b3c4d5e6f70",
}
DNS: dict[str, Any] = {
    "vendor": "aws",
    "zone": "Z0123456789EXAMPLE",
    "record_name": "shop.example.com",
    "ttl_seconds": 60,
    "check_interval_seconds": 30,
    "also_served_by": [{"vendor": "gcp", "zone": "example-com"}],
}
APP: dict[str, Any] = {
    **BASE,
    **OS_SLA,
    "sites": ["aws-use1", "gcp-euw1", "os-dc1"],
    "min_healthy": 4,
    "tls_certificates": CERTS,
    "dns": DNS,
}
SITES = [AWS, GCP, OPENSTACK]


@pytest.fixture(scope="module")
def two_providers() -> OfflineRun:
    return build(SITES, APP)


def _of(result: OfflineRun, type_: str) -> list[Registration]:
    return [r for r in result.resources if r.type == type_]


def _route53(result: OfflineRun) -> dict[str, tuple[str, int, tuple[str, ...], float]]:
    """Per site: (type, ttl, addresses, share of the weight) of the Route 53 records."""
    records = _of(result, "aws:route53/record:Record")
    total = sum(r.inputs["weightedRoutingPolicies"][0]["weight"] for r in records)
    return {
        r.inputs["setIdentifier"]: (
            r.inputs["type"],
            r.inputs["ttl"],
            tuple(sorted(r.inputs["records"])),
            r.inputs["weightedRoutingPolicies"][0]["weight"] / total,
        )
        for r in records
    }


def test_the_zone_is_served_by_both_providers_with_the_same_answers(two_providers: OfflineRun) -> None:
    route53 = _route53(two_providers)
    [record_set] = _of(two_providers, "gcp:dns/recordSet:RecordSet")
    cloud = record_set.inputs
    assert cloud["name"] == "shop.example.com." and cloud["managedZone"] == "example-com"
    items = cloud["routingPolicy"]["wrrs"]
    total = sum(i["weight"] for i in items)
    cloud_answers = sorted(
        (cloud["type"], cloud["ttl"], tuple(sorted(i["rrdatas"])), i["weight"] / total) for i in items
    )
    assert sorted(route53.values()) == cloud_answers
    assert {len(addresses) for _, _, addresses, _ in route53.values()} >= {1}
    # Every health-checked target is an address both providers answer with.
    for item in items:
        assert sorted(item["healthCheckedTargets"]["externalEndpoints"]) == sorted(item["rrdatas"])


def test_both_providers_health_check_the_same_way(two_providers: OfflineRun) -> None:
    checks = _of(two_providers, "aws:route53/healthCheck:HealthCheck")
    assert len(checks) == 3
    route53 = {
        (
            c.inputs["type"],
            c.inputs["port"],
            c.inputs["resourcePath"],
            c.inputs["requestInterval"],
            c.inputs["failureThreshold"],
        )
        for c in checks
    }
    [google] = [c for c in _of(two_providers, "gcp:compute/healthCheck:HealthCheck")]
    g = google.inputs
    https = g["httpsHealthCheck"]
    cloud = ("HTTPS", https["port"], https["requestPath"], g["checkIntervalSec"], g["unhealthyThreshold"])
    assert route53 == {cloud} == {("HTTPS", 443, "/healthz", 30, 3)}
    assert len(g["sourceRegions"]) == 3


def test_an_aws_site_gets_fixed_addresses_in_front_of_its_alb(two_providers: OfflineRun) -> None:
    by_name = {r.name: r for r in two_providers.resources}
    nlb = by_name["web-nlb-aws-use1"].inputs
    assert nlb["loadBalancerType"] == "network" and nlb["internal"] is False
    eips = [r for r in _of(two_providers, "aws:ec2/eip:Eip") if r.name.startswith("web-nlb-ip-aws-use1")]
    assert len(eips) == len(AWS["zones"]) == len(nlb["subnetMappings"])
    # The NLB forwards both ports to the ALB (a target group of type alb per port).
    groups = [
        r for r in _of(two_providers, "aws:lb/targetGroup:TargetGroup") if r.inputs["targetType"] == "alb"
    ]
    assert sorted(g.inputs["port"] for g in groups) == [443, 8080]
    assert all(g.inputs["protocol"] == "TCP" for g in groups)
    listeners = [r for r in _of(two_providers, "aws:lb/listener:Listener") if r.name.startswith("web-nlb-")]
    assert sorted(lsn.inputs["port"] for lsn in listeners) == [443, 8080]
    # The ALB's own listeners and records stay (same names); Route 53 now answers the addresses.
    assert "web-listener-aws-use1" in by_name and "web-https-listener-aws-use1" in by_name
    record = by_name["web-dns-record-aws-use1"].inputs
    assert "aliases" not in record and len(record["records"]) == len(eips)


def test_the_name_servers_of_both_zones_are_exported(two_providers: OfflineRun) -> None:
    [app] = [r for r in two_providers.resources if r.type == "skyweave:app:MultiCloudApp"]
    outputs = two_providers.component_outputs[app.urn]
    servers = outputs["nameServers"]
    assert servers == sorted(servers) and len(servers) == len(set(servers))
    assert any("awsdns" in s for s in servers) and any("googledomains" in s for s in servers)
    assert outputs["dnsVendors"] == ["aws", "gcp"]


def test_one_provider_needs_no_fixed_addresses() -> None:
    app = {**APP, "dns": {k: v for k, v in DNS.items() if k != "also_served_by"}}
    result = build(SITES, app)
    assert not _of(result, "aws:ec2/eip:Eip")
    record = next(r for r in result.resources if r.name == "web-dns-record-aws-use1").inputs
    assert record["aliases"]


def _plan(dns: dict[str, Any], sites: list[dict[str, Any]] | None = None, **app: Any) -> None:
    estate = HybridVpcArgs.model_validate(
        {"sites": sites or SITES, "connectivity": {"topology": "none"}}
    ).sites
    plan_multi_cloud_app(MultiCloudAppArgs.model_validate({**APP, **app, "dns": dns}), estate)


@pytest.mark.parametrize(
    ("also", "path", "words"),
    [
        ([{"vendor": "openstack", "zone": "z"}], "dns.also_served_by[0].vendor", "dns"),
        ([{"vendor": "aws", "zone": "Z2"}], "dns.also_served_by[0].vendor", "already serves"),
        (
            [{"vendor": "gcp", "zone": "a"}, {"vendor": "gcp", "zone": "b"}],
            "dns.also_served_by[1].vendor",
            "already",
        ),
        (
            [{"vendor": "gcp", "zone": "z", "site": "aws-use1"}],
            "dns.also_served_by[0].site",
            "not a gcp site",
        ),
    ],
    ids=["no-dns-service", "same-as-primary", "twice", "wrong-site"],
)
def test_bad_providers_are_refused_naming_the_key(also: list[dict[str, Any]], path: str, words: str) -> None:
    with pytest.raises(InvalidArgsError) as info:
        _plan({**DNS, "also_served_by": also})
    assert path in str(info.value) and words in str(info.value)


def test_every_provider_checks_what_it_can() -> None:
    """Cloud DNS's own limits apply when it is the second provider (checks ≥ 30 s apart)."""
    with pytest.raises(InvalidArgsError) as info:
        _plan({**DNS, "check_interval_seconds": 10})
    assert "Cloud DNS" in str(info.value) and "dns.also_served_by[0]" in str(info.value)


def test_cloud_dns_alone_in_front_of_an_aws_site_answers_its_fixed_addresses() -> None:
    """Cloud DNS health-checks IP targets only: the ALB site gets its NLB's addresses (this was
    refused before the AWS driver could give an ALB site fixed addresses)."""
    dns = {"vendor": "gcp", "zone": "example-com", "record_name": "shop.example.com"}
    result = build(SITES, {**APP, "dns": dns})
    eips = {r.urn for r in _of(result, "aws:ec2/eip:Eip")}
    assert len(eips) == len(AWS["zones"])
    [record_set] = _of(result, "gcp:dns/recordSet:RecordSet")
    assert {len(i["rrdatas"]) for i in record_set.inputs["routingPolicy"]["wrrs"]} == {1, len(AWS["zones"])}
    assert not _of(result, "aws:route53/record:Record")


def test_the_dns_page_example_is_prods_dns_block() -> None:
    """docs/dns.md's example is a valid dns block, and it is the one prod uses."""
    import re
    from pathlib import Path

    import yaml
    from conftest import stack_raw
    from skyweave.app.plan import AppDnsArgs

    page = (Path(__file__).resolve().parent.parent / "docs" / "dns.md").read_text()
    block = re.search(r"```yaml\n(.*?)```", page, re.S)
    assert block is not None
    (example,) = yaml.safe_load(block.group(1))["skyweave:apps"]
    (shop,) = stack_raw("prod")["apps"]
    assert AppDnsArgs.model_validate(example["dns"]) == AppDnsArgs.model_validate(shop["dns"])
    assert example["survive"] == shop["survive"] == "vendor"


def test_prods_preview_serves_the_shop_from_two_dns_vendors_and_exports_the_ns_set(
    prod_run: OfflineRun,
) -> None:
    """Issue 25's "done when": the preview shows the zone on two vendors with the same records and
    health checks (compared by the pack's agreement rule, tests/test_check.py) and exports the NS set."""
    servers = prod_run.outputs["apps"]["shop"]["nameServers"]
    assert len(servers) == 8 and servers == sorted(set(servers))
    # Route 53's four and Cloud DNS's four (the offline stand-ins keep each vendor's shape).
    assert (
        sum(".awsdns-" in s for s in servers) == 4
        and sum(s.endswith(".googledomains.com") for s in servers) == 4
    )
    records = [
        r
        for r in prod_run.resources
        if r.type in ("aws:route53/record:Record", "gcp:dns/recordSet:RecordSet")
    ]
    # The shop's name and the fleet's workload's (api.example.com, issue 27), each on both vendors.
    vendors: dict[str, set[str]] = {}
    for r in records:
        vendors.setdefault(r.inputs["name"].rstrip("."), set()).add(r.type.split(":", 1)[0])
    assert vendors == {"shop.example.com": {"aws", "gcp"}, "api.example.com": {"aws", "gcp"}}
