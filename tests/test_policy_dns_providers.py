"""The DNS rules of multi-provider authoritative DNS, through the real Analyzer protocol.

* ``skyweave-redundancy-dns-providers-agree``: a name served by Route 53 and Cloud DNS gets the
  same answers from both (types, TTLs, weights as shares, targets, health checks), read from each
  vendor's resources by its reader.
* ``skyweave-redundancy-app-dns-survives-vendor-loss``: mandatory for the name of an app that says
  ``survive: vendor``; the advisory ``…-dns-survives-vendor-loss`` keeps judging the others.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from policy_helpers import res, wire
from skyweave.engine.analyzer import Diagnostic, PolicyPackProcess
from skyweave.policy import Resource

ROOT = Path(__file__).resolve().parent.parent
AGREE = "skyweave-redundancy-dns-providers-agree"
APP_DNS = "skyweave-redundancy-app-dns-survives-vendor-loss"
DNS_VENDOR = "skyweave-redundancy-dns-survives-vendor-loss"
ADDRESSES = {"aws-use1": "198.51.100.7", "gcp-euw1": "203.0.113.9"}


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPackProcess]:
    with PolicyPackProcess(ROOT / "policies", project="proj", stack="test") as process:
        process.configure({})
        yield process


def _hits(pack: PolicyPackProcess, resources: list[Resource], rule: str) -> list[Diagnostic]:
    return [d for d in pack.analyze_stack([wire(r) for r in resources]) if d.policy_name == rule]


def _estate(
    *,
    ttl: int = 60,
    google_probe: tuple[str, int] = ("HTTPS", 443),
    weights: tuple[float, float] = (2.0, 2.0),
) -> list[Resource]:
    """Both sites' addresses in Route 53 (one weighted record and check each) and in one Cloud
    DNS record set (a weighted item each, health checked by one global check)."""
    targets = {
        site: res(t, f"ip-{site}", {}, site=site)
        for site, t in (("aws-use1", "aws:ec2/eip:Eip"), ("gcp-euw1", "gcp:compute/address:Address"))
    }
    resources: list[Resource] = list(targets.values())
    for site, target in targets.items():
        check = res(
            "aws:route53/healthCheck:HealthCheck",
            f"check-{site}",
            {
                "type": "HTTPS",
                "port": 443.0,
                "resourcePath": "/healthz",
                "requestInterval": 30.0,
                "failureThreshold": 3.0,
                "ipAddress": ADDRESSES[site],
            },
            site="aws-use1",
        )
        record = res(
            "aws:route53/record:Record",
            f"record-{site}",
            {
                "name": "shop.example.com",
                "type": "A",
                "ttl": 60.0,
                "records": [ADDRESSES[site]],
                "setIdentifier": site,
                "healthCheckId": "hc",
                "weightedRoutingPolicies": [{"weight": 4.0}],
            },
            site="aws-use1",
            prop_deps={"records": [target.urn], "healthCheckId": [check.urn]},
            deps=[target.urn, check.urn],
        )
        resources += [check, record]
    protocol, port = google_probe
    probe = {
        "httpsHealthCheck" if protocol == "HTTPS" else "httpHealthCheck": {
            "port": float(port),
            "requestPath": "/healthz",
        }
    }
    google_check = res(
        "gcp:compute/healthCheck:HealthCheck",
        "dns-check",
        {**probe, "checkIntervalSec": 30.0, "unhealthyThreshold": 3.0, "timeoutSec": 5.0},
        site="gcp-euw1",
    )
    items: list[dict[str, Any]] = [
        {
            "weight": weight,
            "rrdatas": [ADDRESSES[site]],
            "healthCheckedTargets": {"externalEndpoints": [ADDRESSES[site]]},
        }
        for site, weight in zip(ADDRESSES, weights, strict=True)
    ]
    record_set = res(
        "gcp:dns/recordSet:RecordSet",
        "dns-record",
        {
            "name": "shop.example.com.",
            "type": "A",
            "ttl": float(ttl),
            "managedZone": "example-com",
            "routingPolicy": {"healthCheck": "hc", "wrrs": items},
        },
        site="gcp-euw1",
        prop_deps={"routingPolicy": [google_check.urn, *(t.urn for t in targets.values())]},
        deps=[google_check.urn, *(t.urn for t in targets.values())],
    )
    return [*resources, google_check, record_set]


def test_two_providers_that_answer_alike_pass(pack: PolicyPackProcess) -> None:
    assert _hits(pack, _estate(), AGREE) == []
    assert _hits(pack, _estate(), DNS_VENDOR) == []


@pytest.mark.parametrize(
    ("change", "aspect", "words"),
    [
        ({"ttl": 300}, "TTLs", "60 against 300"),
        ({"google_probe": ("HTTP", 80)}, "health checks", "HTTP :80/healthz"),
        ({"weights": (3.0, 1.0)}, "answers", "0.7500"),
    ],
    ids=["ttl", "probe", "weights"],
)
def test_providers_that_answer_differently_fail(
    pack: PolicyPackProcess, change: dict[str, Any], aspect: str, words: str
) -> None:
    [diag] = _hits(pack, _estate(**change), AGREE)
    assert diag.mandatory
    assert f"Route 53 (AWS) and Cloud DNS (GCP) serve different {aspect}" in diag.detail
    assert words in diag.detail and "shop.example.com" in diag.detail


def test_an_alias_at_one_provider_cannot_agree_with_addresses_at_the_other(pack: PolicyPackProcess) -> None:
    estate = _estate()
    aliased = []
    for r in estate:
        if r.type == "aws:route53/record:Record" and r.name == "record-aws-use1":
            props = {k: v for k, v in r.props.items() if k not in ("records", "ttl")}
            props["aliases"] = [
                {"name": "shop-alb-1.elb.amazonaws.com", "zoneId": "Z35", "evaluateTargetHealth": True}
            ]
            r = res(r.type, r.name, props, site="aws-use1", prop_deps=dict(r.property_dependencies))
        aliased.append(r)
    details = [d.detail for d in _hits(pack, aliased, AGREE)]
    assert any("alias:shop-alb-1.elb.amazonaws.com" in d for d in details)


def _app(survive: str) -> Resource:
    return res("skyweave:app:MultiCloudApp", "shop", {"survive": survive, "dnsName": "shop.example.com"})


def test_dns_on_one_vendor_is_mandatory_for_an_app_that_must_survive_a_vendor(
    pack: PolicyPackProcess,
) -> None:
    route53_only = [r for r in _estate() if not r.type.startswith("gcp:dns") and "dns-check" not in r.name]
    [diag] = _hits(pack, [*route53_only, _app("vendor")], APP_DNS)
    assert diag.mandatory and "served by Route 53 (AWS) only" in diag.detail
    assert _hits(pack, [*route53_only, _app("vendor")], DNS_VENDOR) == []
    # An app that need not survive a vendor: the advisory rule judges its name, not the mandatory one.
    assert _hits(pack, [*route53_only, _app("zone")], APP_DNS) == []
    [advisory] = _hits(pack, [*route53_only, _app("zone")], DNS_VENDOR)
    assert advisory.enforcement_level == "advisory"
    # Served by both providers: neither rule has anything to say.
    assert _hits(pack, [*_estate(), _app("vendor")], APP_DNS) == []


def _fleet(survive: str, workload: bool = True) -> Resource:
    """A KubernetesFleet as it registers its outputs: its workload's plan, with the fleet's survive
    and the workload's DNS name (``None`` without a workload)."""
    planned = {"name": "api", "survive": survive, "dnsName": "shop.example.com", "dnsVendors": ["aws"]}
    return res("skyweave:kubernetes:KubernetesFleet", "apps", {"workload": planned if workload else None})


def test_dns_on_one_vendor_is_mandatory_for_a_fleet_workload_that_must_survive_a_vendor(
    pack: PolicyPackProcess,
) -> None:
    """A fleet's workload behind Route 53 only, its fleet saying survive: vendor, fails the
    mandatory rule as an app would; served by Route 53 and Cloud DNS it passes."""
    route53_only = [r for r in _estate() if not r.type.startswith("gcp:dns") and "dns-check" not in r.name]
    [diag] = _hits(pack, [*route53_only, _fleet("vendor")], APP_DNS)
    assert diag.mandatory and "served by Route 53 (AWS) only" in diag.detail
    assert _hits(pack, [*route53_only, _fleet("vendor")], DNS_VENDOR) == []
    assert _hits(pack, [*route53_only, _fleet("zone")], APP_DNS) == []
    assert _hits(pack, [*route53_only, _fleet("vendor", workload=False)], APP_DNS) == []
    assert _hits(pack, [*_estate(), _fleet("vendor")], APP_DNS) == []


def test_a_provider_whose_reader_cannot_describe_its_records_is_not_judged_as_agreeing(
    pack: PolicyPackProcess,
) -> None:
    """Designate's reader does not describe its answers: the name is reported as not checked."""
    route53 = [r for r in _estate() if not r.type.startswith("gcp:dns") and "dns-check" not in r.name]
    designate = res(
        "openstack:dns/recordSet:RecordSet",
        "designate",
        {"name": "shop.example.com.", "type": "A", "ttl": 60.0, "records": list(ADDRESSES.values())},
        site="os-dc1",
    )
    [diag] = _hits(pack, [*route53, designate], AGREE)
    assert "can't check" in diag.detail and "Designate" in diag.detail and "not described" in diag.detail
