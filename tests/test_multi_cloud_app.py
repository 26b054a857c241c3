"""MultiCloudApp under Pulumi's mocks: each vendor's shape, DNS, the policy contract, validation."""

from __future__ import annotations

import inspect
import math
import re
from collections import Counter
from typing import Any

import pulumi
import pytest
from conftest import run
from skyweave import HybridVpc, HybridVpcArgs, InvalidArgsError, SiteProviders
from skyweave.app.multi_cloud_app import MultiCloudApp
from skyweave.app.plan import MultiCloudAppArgs, plan_multi_cloud_app
from skyweave.engine.offline import OfflineRun, Registration
from skyweave.planning.failure import FailureKind, Placement, worst_loss

AWS = {"name": "aws-use1", "vendor": "aws", "region": "us-east-1", "zones": ["us-east-1a", "us-east-1b"]}
GCP = {
    "name": "gcp-euw1",
    "vendor": "gcp",
    "region": "europe-west1",
    "project": "proj-12345",
    "zones": ["europe-west1-b", "europe-west1-c", "europe-west1-d"],
}
OPENSTACK = {"name": "os-dc1", "vendor": "openstack", "region": "RegionOne", "zones": ["az1", "az2"]}
ONPREM = {"name": "onprem", "vendor": "onprem", "region": "fra", "cidrs": ["10.200.0.0/16"]}
APP_TOKEN = "skyweave:app:MultiCloudApp"

BASE: dict[str, Any] = {
    "images": {"aws": "ami-0123456789abcdef0", "gcp": "debian-cloud/debian-12", "openstack": "img-1"},
    "sizes": {"aws": "t3.small", "gcp": "e2-small", "openstack": "m1.small"},
    "port": 8080,
    "health_check_path": "/healthz",
}
OS_SLA = {"availability": {"os-dc1": 0.999}}
#: us-west-2's own AMI (AMI ids are regional: BASE's serves us-east-1).
WEST_AMI = "ami-0fedcba9876543210"


def build(sites: list[dict[str, Any]], app: dict[str, Any]) -> OfflineRun:
    def program() -> None:
        parsed = HybridVpcArgs.model_validate({"sites": sites, "connectivity": {"topology": "none"}})
        providers = SiteProviders(parsed.sites)
        net = HybridVpc("core", parsed, providers=providers)
        web = MultiCloudApp("web", app, network=net, providers=providers)
        pulumi.export("addresses", web.addresses)
        pulumi.export("availability", web.availability)
        pulumi.export("failover", web.failover_seconds)

    return run(program)


def app_children(result: OfflineRun, package: str) -> Counter[str]:
    (app,) = [r for r in result.resources if r.type == APP_TOKEN]
    return Counter(r.type for r in result.resources if r.parent == app.urn and r.package == package)


def by_name(result: OfflineRun) -> dict[str, Registration]:
    return {r.name: r for r in result.resources}


def test_aws_shape() -> None:
    result = build([AWS, GCP], {**BASE, "sites": ["aws-use1", "gcp-euw1"], "min_healthy": 4})
    assert app_children(result, "aws") == Counter(
        {
            "aws:ec2/securityGroup:SecurityGroup": 2,
            "aws:ec2/launchTemplate:LaunchTemplate": 1,
            "aws:lb/targetGroup:TargetGroup": 1,
            "aws:lb/loadBalancer:LoadBalancer": 1,
            "aws:lb/listener:Listener": 1,
            "aws:autoscaling/group:Group": 1,
        }
    )
    res = by_name(result)
    lt = res["web-lt-aws-use1"].inputs
    assert lt["metadataOptions"]["httpTokens"] == "required"
    assert lt["metadataOptions"]["httpPutResponseHopLimit"] == 1
    assert lt["imageId"] == "ami-0123456789abcdef0" and lt["instanceType"] == "t3.small"
    asg = res["web-asg-aws-use1"]
    # Two vendors, min_healthy 4: each vendor holds 4.
    assert asg.inputs["desiredCapacity"] == 4 and asg.inputs["minSize"] == 4 and asg.inputs["maxSize"] == 6
    subnets = {r.urn: r.name for r in result.resources if r.type == "aws:ec2/subnet:Subnet"}
    assert asg.inputs["healthCheckType"] == "ELB"
    assert len(asg.inputs["vpcZoneIdentifiers"]) == 2  # both AZs
    assert any(u.endswith("core-subnet-aws-use1-private-a") for u in subnets)
    assert sorted(_deps_of(result, asg, "aws:ec2/subnet:Subnet")) == [
        "core-subnet-aws-use1-private-a",
        "core-subnet-aws-use1-private-b",
    ]
    assert sorted(_deps_of(result, res["web-alb-aws-use1"], "aws:ec2/subnet:Subnet")) == [
        "core-subnet-aws-use1-public-a",
        "core-subnet-aws-use1-public-b",
    ]
    alb = res["web-alb-aws-use1"].inputs
    assert alb["loadBalancerType"] == "application" and alb["internal"] is False
    assert len(alb["subnets"]) == 2
    tg = res["web-tg-aws-use1"].inputs
    assert tg["port"] == 8080
    assert tg["healthCheck"] == {
        "enabled": True,
        "protocol": "HTTP",
        "port": "traffic-port",
        "path": "/healthz",
        "interval": 10,
        "timeout": 5,
        "healthyThreshold": 2,
        "unhealthyThreshold": 3,
        "matcher": "200-399",
    }
    lb_sg = res["web-lb-sg-aws-use1"].inputs
    assert lb_sg["ingress"] == [
        {
            "protocol": "tcp",
            "fromPort": 8080,
            "toPort": 8080,
            "cidrBlocks": ["0.0.0.0/0"],
            "ipv6CidrBlocks": ["::/0"],
            "description": "service port, public",
        }
    ]
    app_sg = res["web-app-sg-aws-use1"].inputs
    world = {"0.0.0.0/0", "::/0"}
    for rule in app_sg["ingress"]:
        assert not world & set(rule.get("cidrBlocks", []) + rule.get("ipv6CidrBlocks", [])), rule
    admin = [r for r in app_sg["ingress"] if r["fromPort"] == 22]
    # The estate's address space (the IPAM supernet), never a site-by-site list.
    assert admin and admin[0]["cidrBlocks"] == ["10.0.0.0/8"]


def _deps_of(result: OfflineRun, reg: Registration, typ: str) -> list[str]:
    names = {r.urn: r.name for r in result.resources if r.type == typ}
    return [names[d] for d in reg.dependencies if d in names]


def test_gcp_shape() -> None:
    result = build([AWS, GCP], {**BASE, "sites": ["aws-use1", "gcp-euw1"], "min_healthy": 3})
    assert app_children(result, "gcp") == Counter(
        {
            "gcp:compute/firewall:Firewall": 2,
            "gcp:compute/instanceTemplate:InstanceTemplate": 1,
            "gcp:compute/regionHealthCheck:RegionHealthCheck": 1,
            "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager": 1,
            "gcp:compute/address:Address": 1,
            "gcp:compute/regionBackendService:RegionBackendService": 1,
            "gcp:compute/forwardingRule:ForwardingRule": 1,
        }
    )
    res = by_name(result)
    mig = res["web-mig-gcp-euw1"].inputs
    assert mig["targetSize"] == 3
    assert mig["distributionPolicyZones"] == ["europe-west1-b", "europe-west1-c", "europe-west1-d"]
    assert mig["distributionPolicyTargetShape"] == "EVEN"
    assert mig["updatePolicy"]["maxUnavailableFixed"] == 0
    hc = res["web-hc-gcp-euw1"].inputs
    assert hc["httpHealthCheck"] == {"port": 8080, "requestPath": "/healthz"}
    assert (hc["checkIntervalSec"], hc["unhealthyThreshold"]) == (10, 3)
    template = res["web-template-gcp-euw1"].inputs
    assert template["shieldedInstanceConfig"]["enableSecureBoot"] is True
    assert template["metadata"]["block-project-ssh-keys"] == "TRUE"
    assert "accessConfigs" not in template["networkInterfaces"][0]  # no public IP
    service = res["web-fw-service-gcp-euw1"].inputs
    assert service["sourceRanges"] == ["0.0.0.0/0"] and service["allows"] == [
        {"protocol": "tcp", "ports": ["8080"]}
    ]
    admin = res["web-fw-admin-gcp-euw1"].inputs
    assert admin["allows"] == [{"protocol": "tcp", "ports": ["22"]}]
    assert admin["sourceRanges"] == ["10.0.0.0/8"]


def test_openstack_shape() -> None:
    result = build([GCP, OPENSTACK], {**BASE, **OS_SLA, "sites": ["gcp-euw1", "os-dc1"], "min_healthy": 3})
    counts = app_children(result, "openstack")
    # 3 instances: az1 2, az2 1. Service + admin rule for the estate's one range.
    assert counts == Counter(
        {
            "openstack:networking/secGroup:SecGroup": 1,
            "openstack:networking/secGroupRule:SecGroupRule": 2,
            "openstack:compute/serverGroup:ServerGroup": 1,
            "openstack:compute/instance:Instance": 3,
            "openstack:loadbalancer/loadBalancer:LoadBalancer": 1,
            "openstack:loadbalancer/listener:Listener": 1,
            "openstack:loadbalancer/pool:Pool": 1,
            "openstack:loadbalancer/monitor:Monitor": 1,
            "openstack:loadbalancer/member:Member": 3,
            "openstack:networking/floatingIp:FloatingIp": 1,
        }
    )
    res = by_name(result)
    assert res["web-group-os-dc1"].inputs["policies"] == "anti-affinity"
    servers = {r.name: r.inputs for r in result.resources if r.type == "openstack:compute/instance:Instance"}
    assert set(servers) == {"web-server-os-dc1-az1-1", "web-server-os-dc1-az1-2", "web-server-os-dc1-az2-1"}
    assert servers["web-server-os-dc1-az2-1"]["availabilityZone"] == "az2"
    assert all(s["schedulerHints"][0]["group"] for s in servers.values())
    monitor = res["web-monitor-os-dc1"].inputs
    assert (monitor["type"], monitor["urlPath"], monitor["delay"], monitor["maxRetriesDown"]) == (
        "HTTP",
        "/healthz",
        10,
        3,
    )
    rules = [r.inputs for r in result.resources if r.type == "openstack:networking/secGroupRule:SecGroupRule"]
    assert sorted((r["portRangeMin"], r["remoteIpPrefix"]) for r in rules) == [
        (22, "10.0.0.0/8"),
        (8080, "10.0.0.0/8"),
    ]
    assert result.outputs["addresses"]["os-dc1"].startswith("203.0.113.")


def test_policy_contract_props_and_outputs() -> None:
    result = build(
        [AWS, GCP, OPENSTACK],
        {**BASE, **OS_SLA, "sites": ["aws-use1", "gcp-euw1", "os-dc1"], "min_healthy": 6},
    )
    (app,) = [r for r in result.resources if r.type == APP_TOKEN]
    placements = [Placement.from_mapping(p) for p in app.inputs["placements"]]
    assert app.inputs["minHealthy"] == 6 and app.inputs["survive"] == "vendor"
    assert sum(p.count for p in placements) == 9
    worst = worst_loss(placements, FailureKind.VENDOR)
    assert worst is not None and worst.remaining >= 6
    assert {(p.site, p.zone) for p in placements} == {
        ("aws-use1", "us-east-1a"),
        ("aws-use1", "us-east-1b"),
        ("gcp-euw1", "europe-west1-b"),
        ("gcp-euw1", "europe-west1-c"),
        ("gcp-euw1", "europe-west1-d"),
        ("os-dc1", "az1"),
        ("os-dc1", "az2"),
    }
    availability = result.outputs["availability"]
    assert availability["worst_single_failure"]["kind"] == "vendor"
    assert 0.99 < availability["availability"] < 1


def test_route53_weighted_dns() -> None:
    dns = {"vendor": "aws", "zone": "Z0123456789ABC", "record_name": "shop.example.com"}
    result = build(
        [AWS, GCP, OPENSTACK],
        {**BASE, **OS_SLA, "sites": ["aws-use1", "gcp-euw1", "os-dc1"], "min_healthy": 6, "dns": dns},
    )
    checks = {r.name: r.inputs for r in result.resources if r.type == "aws:route53/healthCheck:HealthCheck"}
    records = {r.name: r.inputs for r in result.resources if r.type == "aws:route53/record:Record"}
    assert set(checks) == {"web-dns-check-aws-use1", "web-dns-check-gcp-euw1", "web-dns-check-os-dc1"}
    assert set(records) == {"web-dns-record-aws-use1", "web-dns-record-gcp-euw1", "web-dns-record-os-dc1"}
    for check in checks.values():
        assert (check["type"], check["port"], check["resourcePath"]) == ("HTTP", 8080, "/healthz")
        assert (check["requestInterval"], check["failureThreshold"]) == (30, 3)
    assert checks["web-dns-check-aws-use1"]["fqdn"].endswith(".elb.amazonaws.com")
    assert checks["web-dns-check-gcp-euw1"]["ipAddress"].startswith("203.0.113.")
    alias = records["web-dns-record-aws-use1"]
    assert alias["aliases"][0]["evaluateTargetHealth"] is True and "ttl" not in alias
    plain = records["web-dns-record-gcp-euw1"]
    assert plain["type"] == "A" and plain["ttl"] == 60 and plain["setIdentifier"] == "gcp-euw1"
    assert plain["weightedRoutingPolicies"] == [{"weight": 3}]
    assert all(r["zoneId"] == "Z0123456789ABC" and r["name"] == "shop.example.com" for r in records.values())
    # 30 s x 3 + 60 s TTL.
    assert result.outputs["failover"] == 150


def test_cloud_dns_weighted_over_ip_sites() -> None:
    dns = {"vendor": "gcp", "zone": "example-zone", "record_name": "api.example.com", "ttl_seconds": 30}
    result = build(
        [GCP, OPENSTACK], {**BASE, **OS_SLA, "sites": ["gcp-euw1", "os-dc1"], "min_healthy": 2, "dns": dns}
    )
    (record,) = [r.inputs for r in result.resources if r.type == "gcp:dns/recordSet:RecordSet"]
    (check,) = [r.inputs for r in result.resources if r.type == "gcp:compute/healthCheck:HealthCheck"]
    assert record["name"] == "api.example.com." and record["ttl"] == 30
    wrrs = record["routingPolicy"]["wrrs"]
    assert [w["weight"] for w in wrrs] == [2.0, 2.0]
    assert all(w["rrdatas"] == w["healthCheckedTargets"]["externalEndpoints"] for w in wrrs)
    assert check["sourceRegions"] == ["us-east4", "europe-west1", "asia-southeast1"]
    assert result.outputs["failover"] == 30 * 3 + 30


def _plan(sites: list[dict[str, Any]], app: dict[str, Any]) -> None:
    parsed = HybridVpcArgs.model_validate({"sites": sites, "connectivity": {"topology": "none"}})
    plan_multi_cloud_app(MultiCloudAppArgs.model_validate(app), parsed.sites)


@pytest.mark.parametrize(
    ("sites", "app", "path", "match"),
    [
        ([AWS, GCP], {"sites": ["aws-use1", "gcp-west"]}, "sites[1]", "no such site"),
        ([AWS, ONPREM], {"sites": ["aws-use1", "onprem"]}, "sites[1]", "cannot run a MultiCloudApp"),
        (
            [{**AWS, "zones": ["us-east-1a"]}, GCP],
            {"sites": ["aws-use1", "gcp-euw1"]},
            "sites[0]",
            "at least 2 availability zones",
        ),
        (
            [AWS, {**AWS, "name": "aws-usw2", "region": "us-west-2", "zones": []}],
            {"sites": ["aws-use1", "aws-usw2"], "images": {**BASE["images"], "us-west-2": WEST_AMI}},
            "survive",
            "cannot survive losing a vendor",
        ),
        (
            [AWS, GCP],
            {"sites": ["aws-use1", "gcp-euw1"], "images": {"aws": "ami-0123456789abcdef0"}},
            "images",
            "no entry for site 'gcp-euw1' \\(gcp, europe-west1\\); add images.gcp, images.europe-west1 or "
            "images.gcp-euw1",
        ),
        (
            [AWS, GCP],
            {"sites": ["aws-use1", "gcp-euw1"], "sizes": {**BASE["sizes"], "oracle": "x"}},
            "sizes.oracle",
            "neither a vendor, a region nor a site of the estate",
        ),
        (
            [GCP, OPENSTACK],
            {"sites": ["gcp-euw1", "os-dc1"], "availability": {}},
            "availability.os-dc1",
            "publishes no SLA",
        ),
        (
            [AWS, GCP],
            {
                "sites": ["aws-use1", "gcp-euw1"],
                "dns": {"vendor": "gcp", "zone": "z", "record_name": "a.example.com", "routing": "failover"},
            },
            "dns",
            "skyweave builds Cloud DNS weighted routing only",
        ),
        (
            [AWS, GCP],
            {
                "sites": ["aws-use1", "gcp-euw1"],
                "dns": {
                    "vendor": "aws",
                    "zone": "Z1",
                    "record_name": "a.example.com",
                    "check_interval_seconds": 20,
                },
            },
            "dns",
            "Route 53 checks every 10 or 30 seconds",
        ),
        (
            [AWS, GCP, OPENSTACK],
            {
                "sites": ["aws-use1", "gcp-euw1", "os-dc1"],
                "dns": {"vendor": "aws", "zone": "Z1", "record_name": "a.example.com", "routing": "failover"},
            },
            "dns",
            "needs exactly 2 sites",
        ),
        (
            [GCP, OPENSTACK],
            {
                "sites": ["gcp-euw1", "os-dc1"],
                "dns": {
                    "vendor": "gcp",
                    "zone": "z",
                    "record_name": "a.example.com",
                    "check_interval_seconds": 10,
                },
            },
            "dns",
            "Cloud DNS health checks run at least 30 s apart",
        ),
        (
            [GCP, OPENSTACK],
            {
                "sites": ["gcp-euw1", "os-dc1"],
                "dns": {
                    "vendor": "gcp",
                    "zone": "z",
                    "record_name": "a.example.com",
                    "source_regions": ["us-east4", "europe-west1"],
                },
            },
            "dns",
            "probe from exactly 3 regions; dns.source_regions has 2",
        ),
        (
            [GCP, OPENSTACK],
            {
                "sites": ["gcp-euw1", "os-dc1"],
                "dns": {"vendor": "openstack", "zone": "z", "record_name": "a.example.com"},
            },
            "dns.vendor",
            "does not support 'dns'",
        ),
    ],
)
def test_fails_before_registering(
    sites: list[dict[str, Any]], app: dict[str, Any], path: str, match: str
) -> None:
    full = {**BASE, "min_healthy": 2, **app}
    if any(s["name"] == "os-dc1" for s in sites):
        full = {**OS_SLA, **full}
    with pytest.raises(InvalidArgsError, match=match) as e:
        _plan(sites, full)
    assert e.value.issues[0].path == path


def test_vendor_common_cause_override() -> None:
    sites = HybridVpcArgs.model_validate(
        {"sites": [AWS, {**AWS, "name": "aws-usw2", "region": "us-west-2", "zones": []}, GCP]}
    ).sites
    # min_healthy 4 over two vendors: 4 on AWS, 2 per site, one per zone, so the multi-AZ SLA
    # applies (with one instance a site would only get the single-instance 99.5%).
    app = {
        **BASE,
        "images": {**BASE["images"], "us-west-2": WEST_AMI},  # an AMI id is one region's
        "sites": ["aws-use1", "aws-usw2", "gcp-euw1"],
        "min_healthy": 4,
    }
    default = plan_multi_cloud_app(MultiCloudAppArgs.model_validate(app), sites).availability
    # Say AWS as a whole is down 0.005% of the time (more than beta 0.1 of 0.01% estimates).
    stated = plan_multi_cloud_app(
        MultiCloudAppArgs.model_validate({**app, "vendor_common_cause": {"aws": 0.00005}}), sites
    ).availability
    assert default.vendor_common_cause["aws"] == pytest.approx(0.1 * 0.0001)
    assert stated.vendor_common_cause["aws"] == 0.00005
    # With GCP down the service needs *both* AWS sites (2 + 2); a larger shared cause with the
    # same marginals makes "both up" more likely, so here the figure rises. (For "any one of",
    # correlation lowers it: see test_availability.)
    assert stated.availability > default.availability
    with pytest.raises(InvalidArgsError, match="cannot be more likely than the site's own outage") as e:
        plan_multi_cloud_app(
            MultiCloudAppArgs.model_validate({**app, "vendor_common_cause": {"aws": 0.5}}), sites
        )
    assert e.value.issues[0].path == "vendor_common_cause.aws"
    with pytest.raises(InvalidArgsError, match="not a vendor of this app's sites") as e:
        plan_multi_cloud_app(
            MultiCloudAppArgs.model_validate({**app, "vendor_common_cause": {"ibm": 0.1}}), sites
        )
    assert e.value.issues[0].path == "vendor_common_cause.ibm"


def test_nothing_registered_when_invalid() -> None:
    def program() -> None:
        parsed = HybridVpcArgs.model_validate({"sites": [AWS, GCP], "connectivity": {"topology": "none"}})
        providers = SiteProviders(parsed.sites)
        net = HybridVpc("core", parsed, providers=providers)
        MultiCloudApp(
            "web", {**BASE, "sites": ["aws-use1"], "min_healthy": 1}, network=net, providers=providers
        )

    with pytest.raises(Exception, match="cannot survive losing a vendor"):
        run(program)


def test_prod_shop_availability_is_the_hand_computed_four_of_five(prod_run: OfflineRun) -> None:
    shop = prod_run.outputs["apps"]["shop"]
    a = b = d = 0.9999  # AWS, GCP and Azure multi-zone SLAs
    c = e = 0.995  # os-dc1 and vs-dc1, stated in the stack file (no published SLA)
    # Five sites of 4, need 16: any four of five up; one site per vendor, so common cause changes
    # nothing.
    up = [a, b, c, d, e]
    all_up = a * b * c * d * e
    expected = all_up + sum(all_up / x * (1 - x) for x in up)
    assert shop["availability"]["availability"] == pytest.approx(expected, abs=1e-12)
    assert shop["availability"]["worst_single_failure"] == {
        "kind": "vendor",
        "domain": "aws",
        "availability": pytest.approx(b * c * d * e, abs=1e-12),
    }
    assert shop["failoverSeconds"] == 30 * 3 + 60


def test_prod_props_satisfy_the_policy_rule_the_way_the_pack_reads_them(prod_run: OfflineRun) -> None:
    """What the policy pack will do: props from the engine (numbers may be floats), worst_loss."""
    (shop,) = [r for r in prod_run.resources if r.type == APP_TOKEN]
    assert shop.name == "shop"
    placements = [
        Placement.from_mapping({**p, "count": float(p["count"])}) for p in shop.inputs["placements"]
    ]
    kind = FailureKind(shop.inputs["survive"])
    worst = worst_loss(placements, kind)
    assert kind is FailureKind.VENDOR
    assert worst is not None and worst.remaining >= int(shop.inputs["minHealthy"]) == 16
    # One row per site and zone of the app, counts as planned.
    assert sum(p.count for p in placements) == 20
    assert len(placements) == 3 + 3 + 2 + 3 + 2  # aws-use1, gcp-euw1, os-dc1, azure-weu1, vs-dc1


def _sdk_docstring_of(cls: type, attribute: str) -> str:
    """The docstring the installed pulumi_aws gives ``attribute`` of ``cls`` (its property's)."""
    prop = getattr(cls, attribute)
    return inspect.getdoc(prop) or ""


def test_aws_groups_roll_their_instances_when_the_template_changes(prod_run: OfflineRun) -> None:
    """Issue 23 item 8: an Auto Scaling group replaces its running instances when its launch
    template changes (an instance refresh), as GCP's MIG and Azure's scale set roll theirs. Checked
    against the installed SDK's declarations: the strategy is the one it allows, the maximum is in
    its range, and the minimum keeps the site's whole planned count in service (instances are
    launched before old ones stop), so the app's min_healthy holds through a refresh even with a
    vendor down, the failure it is sized for."""
    import pulumi_aws as aws

    refresh_doc = _sdk_docstring_of(aws.autoscaling.GroupInstanceRefreshArgs, "strategy")
    (allowed,) = re.findall(r"The only allowed value is `(\w+)`", refresh_doc)
    prefs = aws.autoscaling.GroupInstanceRefreshPreferencesArgs
    low, high = map(
        int, re.findall(r"between `(\d+)` and `(\d+)`", _sdk_docstring_of(prefs, "max_healthy_percentage"))[0]
    )
    groups = [r for r in prod_run.resources if r.type == "aws:autoscaling/group:Group"]
    assert groups
    for group in groups:
        refresh = group.inputs["instanceRefresh"]
        assert refresh["strategy"] == allowed
        preferences = refresh["preferences"]
        desired = group.inputs["desiredCapacity"]
        kept = math.ceil(preferences["minHealthyPercentage"] * desired / 100)
        assert kept >= desired, (group.name, preferences)
        assert low <= preferences["maxHealthyPercentage"] <= high
        # room to launch at least one new instance before an old one stops
        assert preferences["maxHealthyPercentage"] * desired >= 100 * (desired + 1), (group.name, preferences)
        # The refresh starts on a new template version, which `$Latest` would never be.
        assert group.inputs["launchTemplate"]["version"] not in ("$Latest", "$Default")
