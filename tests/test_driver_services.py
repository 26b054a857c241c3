"""The service half of the driver contract: capability-gated, pure checks before resources."""

from __future__ import annotations

import pytest
from skyweave.core.errors import UnsupportedCapabilityError
from skyweave.drivers import Capability, CloudDriver, all_drivers
from skyweave.drivers.services import AppService, DnsService, service
from skyweave.drivers.workloads import DnsRouting, DnsSpec, EndpointKind, HealthCheckSpec

DRIVERS = {d.vendor: d for d in all_drivers()}
HEALTH = HealthCheckSpec("/healthz", 80, 30, 5, 2, 3)
DNS = DnsSpec("zone", "app.example.com", 60, DnsRouting.WEIGHTED, HEALTH)


@pytest.fixture(params=sorted(DRIVERS))
def driver(request: pytest.FixtureRequest) -> CloudDriver:
    return DRIVERS[request.param]


def test_instance_group_capability_matches_the_methods(driver: CloudDriver) -> None:
    site = driver.site_model.model_validate(driver.example)
    assert isinstance(driver, AppService) == driver.supports(Capability.INSTANCE_GROUP)
    if driver.supports(Capability.INSTANCE_GROUP):
        app = service(driver, AppService, needed_for="a MultiCloudApp site")
        assert isinstance(app.app_endpoint_kind(site), EndpointKind)
        assert app.app_site_problems(site) == []  # the example site can run an app
    else:
        with pytest.raises(UnsupportedCapabilityError, match="instance_group"):
            service(driver, AppService, needed_for="a MultiCloudApp site")


def test_dns_capability_matches_the_methods(driver: CloudDriver) -> None:
    assert isinstance(driver, DnsService) == driver.supports(Capability.DNS)
    if driver.supports(Capability.DNS):
        dns = service(driver, DnsService, needed_for="health-checked DNS")
        assert isinstance(dns.dns_problems(DNS, {"s": EndpointKind.IP}), list)
    else:
        with pytest.raises(UnsupportedCapabilityError, match="'dns'"):
            service(driver, DnsService, needed_for="health-checked DNS")


def test_failover_time_is_interval_times_threshold_plus_ttl() -> None:
    assert DNS.failover_seconds == 30 * 3 + 60
