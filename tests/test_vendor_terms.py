"""What a vendor's app service declares (its terms and where its sites end TLS) is what it builds.

The app's planner and the generated references learn "the load balancer terminates TLS / needs a
redirect to the DNS name" and each vendor's words for an image, a size, a certificate and a DNS
zone from the drivers (``AppService.app_terms``, ``DnsService.dns_terms``), not from a table in the
component. Each declaration is checked here against the resources the driver registers for a
one-site app serving HTTPS on an unusual port: the independent source is what the driver builds.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import run
from skyweave import HybridVpc, HybridVpcArgs, InvalidArgsError, MultiCloudApp, SiteProviders
from skyweave.app.plan import AppDnsArgs, MultiCloudAppArgs
from skyweave.drivers import CloudDriver, all_drivers
from skyweave.drivers.services import AppService, DnsService
from skyweave.drivers.workloads import TlsTermination

APPS = {d.vendor: d for d in all_drivers() if isinstance(d, AppService)}
HTTPS_PORT = 8443
CERTIFICATE = "certificate-for-the-contract-test"
#: Values each vendor's driver takes (its app_value_problems): an AMI id and an instance type the
#: SDK lists on AWS, a size spelt as pulumi-azure-native spells them, a vSphere VM shape; a
#: Marketplace URN elsewhere.
IMAGES = {"aws": "ami-0a1b2c3d4e5f60718"}
SIZES = {"aws": "t3.small", "azure": "Standard_D2s_v5", "vsphere": "2cpu-4096mb"}


def _certificate(vendor: str, region: str) -> str:
    """A certificate the vendor's load balancer takes on a site of ``region`` (AWS: an ACM ARN of it)."""
    return f"arn:aws:acm:{region}:123456789012:certificate/{CERTIFICATE}" if vendor == "aws" else CERTIFICATE


RECORD = "app.example.com"
#: Route 53 serves the record (it health-checks IPs and hostnames alike) from this AWS site.
DNS_SITE = {"name": "dns-home", "vendor": "aws", "region": "us-east-1", "zones": ["us-east-1a", "us-east-1b"]}


def _site(driver: CloudDriver) -> dict[str, Any]:
    """The driver's example site with two zones (an app that survives a zone needs them)."""
    site = dict(driver.example)
    parsed = driver.site_model.model_validate(site)
    zones = list(parsed.zones) if len(parsed.zones) >= 2 else [f"{parsed.region}-z1", f"{parsed.region}-z2"]
    return {**site, "zones": zones[:2]}


def _app(driver: CloudDriver, certificates: dict[str, str]) -> dict[str, Any]:
    site = _site(driver)
    return {
        "sites": [site["name"]],
        "images": {driver.vendor: IMAGES.get(driver.vendor, "Canonical:ubuntu-24_04-lts:server:latest")},
        "sizes": {driver.vendor: SIZES.get(driver.vendor, "size-1")},
        "min_healthy": 1,
        "survive": "zone",
        "availability": {site["name"]: 0.999},
        "tls_certificates": certificates,
        "https_port": HTTPS_PORT,
        "dns": {"vendor": "aws", "zone": "Z0123456789EXAMPLE", "record_name": RECORD, "site": "dns-home"},
    }


def _build(driver: CloudDriver, certificates: dict[str, str]) -> list[str]:
    """The JSON of every input of the app's resources on the driver's site."""
    site = _site(driver)
    sites = [site] if driver.vendor == "aws" and site["name"] == DNS_SITE["name"] else [site, DNS_SITE]

    def program() -> None:
        parsed = HybridVpcArgs.model_validate({"sites": sites, "connectivity": {"topology": "none"}})
        providers = SiteProviders(parsed.sites)
        net = HybridVpc("core", parsed, providers=providers)
        MultiCloudApp("web", _app(driver, certificates), network=net, providers=providers)

    result = run(program)
    return [
        json.dumps(r.inputs, default=str)
        for r in result.resources
        if r.name.startswith("web-") and site["name"] in r.name and "dns" not in r.name
    ]


@pytest.mark.parametrize("vendor", sorted(APPS))
def test_the_declared_tls_termination_is_what_the_driver_builds(vendor: str) -> None:
    driver = APPS[vendor]
    terms = driver.app_terms()  # type: ignore[attr-defined]
    if terms.tls is TlsTermination.LOAD_BALANCER:
        assert terms.certificate, "a load balancer that terminates TLS says what its certificate is"
        inputs = _build(driver, {vendor: _certificate(vendor, _site(driver)["region"])})
        assert any(CERTIFICATE in i for i in inputs), "the certificate reaches the load balancer"
        assert any(str(HTTPS_PORT) in i for i in inputs), "the load balancer serves https_port"
        redirect = any(f"https://{RECORD}" in i for i in inputs)
        assert redirect == terms.redirect_to_dns_name
        with pytest.raises(InvalidArgsError, match="no certificate for site"):
            _build(driver, {"dns-home": CERTIFICATE})
    else:
        inputs = _build(driver, {"dns-home": CERTIFICATE})  # no certificate needed
        assert not any(CERTIFICATE in i for i in inputs)
        serves_https = any(str(HTTPS_PORT) in i for i in inputs)
        assert serves_https == (terms.tls is TlsTermination.INSTANCES), (
            "passthrough forwards https_port to the instances; a site without HTTPS opens no such port"
        )


def test_each_offering_vendors_words_are_in_the_arguments_descriptions() -> None:
    """The descriptions name exactly the vendors that offer the service, each in its own words."""
    fields = MultiCloudAppArgs.model_fields
    for driver in all_drivers():
        for field, offered, words in (
            ("images", isinstance(driver, AppService), lambda d: d.app_terms().image),
            ("sizes", isinstance(driver, AppService), lambda d: d.app_terms().size),
        ):
            description = fields[field].description or ""
            assert (f"{driver.vendor}: " in description) == offered, (field, driver.vendor)
            if offered:
                assert f"{driver.vendor}: {words(driver)}" in description
        dns = AppDnsArgs.model_fields["zone"].description or ""
        if isinstance(driver, DnsService):
            assert f"{driver.vendor}: {driver.dns_terms().zone}" in dns
        else:
            assert f"{driver.vendor}: " not in dns
