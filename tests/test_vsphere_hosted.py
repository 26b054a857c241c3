"""Hosted vSphere (VMware Cloud on AWS, Azure VMware Solution, Google Cloud VMware Engine) fails
with its host's vendor and region: in the failure model, the capacity plan, `simulate`, the
availability model and the pack — so "three vendors" that are AWS twice is caught."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skyweave.core.errors import ConfigError
from skyweave.estate.config import parse_stack_config
from skyweave.estate.simulate import simulate
from skyweave.planning.availability import SiteAvailability, service_availability
from skyweave.planning.capacity import SiteZones, plan_capacity
from skyweave.planning.failure import FailureKind, Placement, domain_keys, losses
from skyweave.policy import rule_by_name
from test_vsphere import APP, AWS, GCP, VS_APP, build_app, config_error
from test_vsphere_policy import estate_of

APP3 = {
    **APP,
    "images": {**APP["images"], "gcp": "projects/debian-cloud/global/images/family/debian-12"},
    "sizes": {**APP["sizes"], "gcp": "e2-small"},
}
HOSTED = {**VS_APP, "name": "vmc-use1", "hosted_on": "aws:us-east-1", "cidr": "10.10.0.0/16"}


def test_a_hosted_placement_is_in_its_hosts_vendor_and_region() -> None:
    p = Placement("vmc", "vsphere", "dc1", "cluster-a", 3, ("aws/us-east-1",))
    assert domain_keys(p, FailureKind.VENDOR) == ("vsphere", "aws")
    assert domain_keys(p, FailureKind.REGION) == ("vsphere/dc1", "aws/us-east-1")
    assert domain_keys(p, FailureKind.ZONE) == ("vsphere/dc1/cluster-a",)
    aws = Placement("aws-use1", "aws", "us-east-1", "us-east-1a", 2)
    by_domain = {loss.domain: loss for loss in losses([p, aws], FailureKind.VENDOR)}
    assert (by_domain["aws"].lost, by_domain["aws"].remaining) == (5, 0)
    assert Placement.from_mapping(p.as_dict()) == p


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 12),
    st.lists(
        st.sampled_from(["aws/us-east-1", "gcp/europe-west1", "azure/westeurope"]), max_size=2, unique=True
    ),
)
def test_the_capacity_plan_survives_every_single_domain_hosts_included(need: int, hosts: list[str]) -> None:
    sites = [
        SiteZones("aws-use1", "aws", "us-east-1", ("a", "b")),
        SiteZones("gcp-euw1", "gcp", "europe-west1", ("b", "c")),
        SiteZones("azure-weu1", "azure", "westeurope", ("1", "2")),
        SiteZones("vs", "vsphere", "dc1", ("cluster-a", "cluster-b"), hosts=tuple(hosts)),
    ]
    plan = plan_capacity(sites, need, FailureKind.VENDOR)
    for loss in losses(plan.placements, FailureKind.VENDOR):
        assert loss.remaining >= need, loss


def test_three_vendors_that_are_aws_twice_cannot_survive_losing_a_vendor() -> None:
    app = {**APP, "sites": ["aws-use1", "vmc-use1"], "availability": {"vmc-use1": 0.999}}
    with pytest.raises(ConfigError) as caught:
        parse_stack_config({"sites": [AWS, HOSTED], "apps": [{"name": "web", **app}]}, source="Pulumi.x.yaml")
    message = str(caught.value)
    assert "cannot survive losing a vendor" in message and "aws+vsphere" in message


def _config(*sites: dict[str, Any]) -> Any:
    names = [s["name"] for s in sites]
    app = {
        **APP3,
        "sites": names,
        "availability": {s["name"]: 0.999 for s in sites if s["vendor"] == "vsphere"},
    }
    return parse_stack_config(
        {"sites": list(sites), "apps": [{"name": "web", **app}]}, source="Pulumi.x.yaml"
    )


def test_simulate_fails_the_hosted_site_with_aws() -> None:
    report = simulate(_config(AWS, GCP, HOSTED), stack="x")
    domains = {(str(f.kind), f.domain): f for f in report.failures}
    for key in (("vendor", "aws"), ("region", "aws/us-east-1")):
        assert set(domains[key].lost_sites) == {"aws-use1", "vmc-use1"}, key
        (web,) = domains[key].apps
        assert web.survived and web.remaining >= 4 and web.healthy_targets == ("gcp-euw1",)
    assert set(domains[("vendor", "vsphere")].lost_sites) == {"vmc-use1"}
    assert report.survived


def test_an_unhosted_site_is_not_lost_with_aws() -> None:
    report = simulate(_config(AWS, GCP, {**HOSTED, "hosted_on": None}), stack="x")
    aws = next(f for f in report.failures if f.domain == "aws")
    assert aws.lost_sites == ("aws-use1",)


def test_the_availability_model_takes_the_host_vendors_common_cause() -> None:
    gcp = SiteAvailability("gcp", "gcp", 0.999, 1)
    aws = SiteAvailability("aws", "aws", 0.999, 1)
    separate = service_availability([aws, gcp, SiteAvailability("vs", "vsphere", 0.999, 1)], 2, beta=0.5)
    hosted = service_availability(
        [aws, gcp, SiteAvailability("vs", "vsphere", 0.999, 1, hosts=("aws",))], 2, beta=0.5
    )
    assert hosted.availability < separate.availability
    lose_aws = next(f for f in hosted.single_failures if f.kind == "vendor" and f.domain == "aws")
    # Losing AWS loses the hosted site too: one site of three left, two needed.
    assert lose_aws.availability == 0.0


def test_a_bad_host_is_a_config_error() -> None:
    message = config_error({**HOSTED, "hosted_on": "oracle:fra"})
    assert "skyweave:sites[0].hosted_on" in message and "aws:<region> (VMware Cloud on AWS)" in message


def test_the_pack_fails_the_hosted_site_with_aws() -> None:
    """The same plan passes while the vSphere site is its own, and fails the vendor-loss rule once
    its VMs say they run on AWS (a hand-built program skyweave's planner never saw)."""
    import dataclasses

    from skyweave.policy import StackIndex

    rule = rule_by_name("skyweave-redundancy-survives-vendor-loss")
    plain = estate_of(build_app({**APP, "sites": ["aws-use1", "vs-dc1"]}))
    assert rule.run_stack(plain, None) == []
    hosted = []
    for res in plain.by_urn.values():
        if res.type == "vsphere:index/virtualMachine:VirtualMachine":
            extra = {**res.props["extraConfig"], "guestinfo.skyweave.hosted-on": "aws:us-east-1"}
            res = dataclasses.replace(res, props={**res.props, "extraConfig": extra})
        hosted.append(res)
    found = rule.run_stack(StackIndex.build(hosted), None)
    assert found and any("aws" in f.message for f in found), [f.message for f in found]


def test_hosted_vms_carry_their_host() -> None:
    from test_vsphere import VM, _extra, of_type

    app = {**APP3, "sites": ["aws-use1", "gcp-euw1", "vmc-use1"], "availability": {"vmc-use1": 0.999}}
    result = build_app(app, site=HOSTED, extra=[GCP])
    vms = [v for v in of_type(result, VM) if v.name.startswith("web-")]
    assert vms and all(_extra(v)["guestinfo.skyweave.hosted-on"] == "aws:us-east-1" for v in vms)
