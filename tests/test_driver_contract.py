"""The contract every registered driver keeps, run against each one under Pulumi's mocks."""

from __future__ import annotations

import pulumi
import pytest
from conftest import run
from skyweave.core.errors import UnknownDriverError, UnsupportedCapabilityError
from skyweave.core.sites import CloudSiteArgs
from skyweave.drivers import Capability, CloudDriver, SiteContext, all_drivers, get_driver, vendors
from skyweave.network.hybrid_vpc import HybridVpcArgs, plan_hybrid_vpc

DRIVERS = {d.vendor: d for d in all_drivers()}


@pytest.fixture(params=sorted(DRIVERS))
def driver(request: pytest.FixtureRequest) -> CloudDriver:
    return DRIVERS[request.param]


def test_builtin_vendors_are_registered() -> None:
    assert set(vendors()) >= {"aws", "azure", "gcp", "openstack", "onprem"}


def test_unknown_vendor_lists_the_known_ones() -> None:
    with pytest.raises(UnknownDriverError, match="registered vendors: aws, azure, gcp, onprem, openstack"):
        get_driver("oracle")


def test_declares_identity_and_capabilities(driver: CloudDriver) -> None:
    assert driver.display_name
    assert isinstance(driver.capabilities, frozenset)
    assert all(isinstance(c, Capability) for c in driver.capabilities)
    site = driver.site_model.model_validate(driver.example)
    assert site.vendor == driver.vendor == driver.site_model.VENDOR
    assert site.zones, "a site always ends up with at least one zone"
    limits = driver.limits
    assert 0 <= limits.network_min <= limits.network_max <= 32
    assert 0 <= limits.subnet_min <= limits.subnet_max <= 32


def test_require_refuses_what_it_lacks(driver: CloudDriver) -> None:
    missing = [c for c in Capability if c not in driver.capabilities]
    if not missing:
        pytest.skip(f"{driver.vendor} has every capability")
    with pytest.raises(UnsupportedCapabilityError, match=f"vendor '{driver.vendor}' does not support"):
        driver.require(missing[0], needed_for="the contract test")
    for cap in driver.capabilities:
        driver.require(cap, needed_for="the contract test")


def test_subnet_slots_are_unique_and_in_the_site_zones(driver: CloudDriver) -> None:
    site = driver.site_model.model_validate(driver.example)
    slots = driver.subnet_slots(site, 20)
    assert len({s.key for s in slots}) == len(slots)
    assert len({s.slot for s in slots}) == len(slots)
    assert all(s.zone is None or s.zone in site.zones for s in slots)
    assert driver.subnet_slots(site, 20) == slots, "slots are a pure function of the site"


def test_builds_a_network_on_its_own_provider_under_the_parent(driver: CloudDriver) -> None:
    site = driver.site_model.model_validate(driver.example)
    plan = plan_hybrid_vpc(HybridVpcArgs(sites=(site,))).addresses.sites[site.name]
    records = {}

    class Parent(pulumi.ComponentResource):
        def __init__(self) -> None:
            super().__init__("skyweave:test:Parent", "net")
            provider = driver.create_provider(site, f"prov-{site.name}", pulumi.ResourceOptions(parent=self))
            ctx = SiteContext(component="net", parent=self, site=site, provider=provider, tags={"t": "v"})
            records["network"] = driver.create_network(ctx, plan)
            self.register_outputs({})

    result = run(Parent)
    network = records["network"]
    assert network.site == site.name and network.vendor == driver.vendor
    assert network.cidrs == tuple(str(c) for c in plan.cidrs)
    assert set(network.subnet_ids) == set(plan.subnets)
    parent = next(r for r in result.resources if r.type == "skyweave:test:Parent")
    providers = [r for r in result.resources if r.type.startswith("pulumi:providers:")]
    children = [r for r in result.resources if r.parent == parent.urn and r not in providers]
    if isinstance(site, CloudSiteArgs):
        assert len(providers) == 1 and providers[0].type == f"pulumi:providers:{driver.packages[0]}"
        assert children, "a cloud driver creates the site's network"
    else:
        assert not providers and not children, "a driver without a cloud creates nothing"
    for child in children:
        assert child.provider == providers[0].urn
        assert child.name.startswith("net-") and site.name in child.name
        assert child.package in driver.packages


def test_bare_metal_is_offered_exactly_by_drivers_with_the_capability(driver: CloudDriver) -> None:
    from skyweave.drivers.services import BareMetalService, service

    if Capability.BARE_METAL not in driver.capabilities:
        assert driver.bare_metal_source is None
        assert not isinstance(driver, BareMetalService)
        with pytest.raises(UnsupportedCapabilityError, match="which a bare-metal pool needs"):
            service(driver, BareMetalService, needed_for="a bare-metal pool")
        return
    assert isinstance(driver, BareMetalService)
    source_model = driver.bare_metal_source
    assert source_model is not None and driver.vendor == source_model.VENDOR
    assert source_model.model_fields["kind"].default, "each source model names its kind"


def test_a_service_capability_is_exactly_an_implemented_protocol(driver: CloudDriver) -> None:
    """A service capability is had by implementing the service, so declaring one without the
    code (or the reverse) cannot happen; the base class offers none of them."""
    from skyweave.drivers.services import SERVICES

    for protocol, capability in SERVICES.items():
        assert isinstance(driver, protocol) == driver.supports(capability), (driver.vendor, capability)
        for method in (m for m in vars(protocol) if not m.startswith("_")):
            assert not hasattr(CloudDriver, method), f"the base class must not offer {method}"


def test_a_capability_nobody_reads_does_not_exist() -> None:
    """Each capability decides something: a planner or component outside the drivers (which only
    declare them) reads every one, or it is a service's (read through the protocol)."""
    import re

    from conftest import ROOT
    from skyweave.drivers.services import SERVICES

    source = "\n".join(
        p.read_text()
        for p in (ROOT / "components").rglob("*.py")
        if "drivers" not in p.relative_to(ROOT).parts
    )
    for capability in Capability:
        read = re.search(rf"Capability\.{capability.name}\b", source) is not None
        assert read or capability in SERVICES.values(), f"{capability} is declared but nothing decides on it"
