"""skyweave.testing: each check of the shipped contract fails on a driver that breaks it (a check
that cannot fail proves nothing), the fake is deterministic, and the package needs pytest only for
the contract itself."""

from __future__ import annotations

import subprocess
import sys
from itertools import count
from typing import Any

import pulumi
import pytest
from skyweave.core.sites import SiteArgs
from skyweave.drivers import Capability, SiteContext, SiteNetwork
from skyweave.planning.ipam import SitePlan
from skyweave.planning.vpn import VpnEndpoint
from skyweave.testing import FakeDriver, driver_registered
from skyweave.testing.checks import (
    build_differences,
    build_offline,
    capability_problems,
    created_types,
    endpoint_problems,
    example_site,
    identity_problems,
    link_build_problems,
    link_sites,
    serving,
    signature_problems,
    site_build_problems,
    unclaimed_types,
)


def test_the_fake_passes_and_names_what_it_built() -> None:
    with serving(FakeDriver) as fake:
        alone = build_offline(fake, (example_site(fake),))
        assert site_build_problems(fake, alone) == []
        linked = build_offline(
            fake, link_sites(fake, {"name": "contract-aws", "vendor": "aws", "region": "us-east-1"})
        )
        assert link_build_problems(fake, linked, alone) == []
        (link,) = linked.vpc.plan.connectivity.links
        assert (str(link.shape), len(link.tunnels)) == ("aws-gcp-ha-vpn", 4)  # GCP's kind, GCP's shape
        types = created_types(fake, [alone, linked])
    assert types == [
        "fake:network:Network",
        "fake:network:Subnet",
        "fake:vpn:HaGateway",
        "fake:vpn:PeerGateway",
        "fake:vpn:Router",
        "fake:vpn:Tunnel",
    ]
    assert unclaimed_types(types, lambda t: t.startswith("fake:network:")) == types[2:]
    # The AWS side was given the fake gateway's two interface addresses (its offline stand-ins).
    cgws = [r for r in linked.run.resources if r.type == "aws:ec2/customerGateway:CustomerGateway"]
    assert sorted(c.inputs["ipAddress"] for c in cgws) == sorted(
        FakeDriver().preview_outputs("fake:vpn:HaGateway", "contract-ha-vpn-fake-one", {})["interfaceIps"]  # type: ignore[arg-type]
    )


class _Broken(FakeDriver):
    """The fake with one thing wrong (each subclass below)."""


class WrongSignature(_Broken):
    def create_provider(self, site: SiteArgs, name: str) -> pulumi.ProviderResource | None:  # type: ignore[override]
        return super().create_provider(site, name)

    def interface_ip(self, gateway: Any, index: int) -> pulumi.Output[str]:  # type: ignore[override]
        return super().interface_ip(gateway, index)


def test_a_method_that_drifts_from_the_base_is_named() -> None:
    assert signature_problems(WrongSignature()) == [
        "WrongSignature.create_provider takes ['site', 'name'], "
        "CloudDriver.create_provider ['site', 'name', 'opts']",
        "WrongSignature.interface_ip takes ['gateway', 'index'], "
        "HaVpnService.interface_ip ['gateway', 'interface']",
    ]
    assert signature_problems(FakeDriver()) == []


class NoHaVpn(_Broken):
    """Declares the HA gateway kind but leaves out its protocol (and peering's)."""

    bgp_tunnel = None  # type: ignore[assignment]
    peering = None  # type: ignore[assignment]


def test_a_declared_kind_or_peering_without_its_protocol_is_named() -> None:
    problems = endpoint_problems(NoHaVpn())
    assert len(problems) == 2
    assert "declares VPN endpoint kind 'ha-gateway'" in problems[0]
    assert "skyweave.drivers.vpn.HaVpnService" in problems[0] and "(missing: bgp_tunnel)" in problems[0]
    assert "Capability.PEERING" in problems[1] and "(missing: peering)" in problems[1]


class AnotherVendorsName(_Broken):
    display_name = ""
    capabilities = frozenset({Capability.BGP_VPN, Capability.BARE_METAL})


def test_identity_and_capability_problems_are_named() -> None:
    driver = AnotherVendorsName()
    assert identity_problems(driver) == ["display_name is empty"]
    assert capability_problems(driver) == [
        "bare_metal is declared but BareMetalService is not implemented",
        "bare metal is declared but bare_metal_sources is empty, or a source is of another vendor or unnamed",
    ]


_serial = count()


class Nondeterministic(_Broken):
    def create_network(self, ctx: SiteContext, plan: SitePlan) -> SiteNetwork:
        network = super().create_network(ctx, plan)
        pulumi.CustomResource("other:index:Thing", ctx.name("thing", str(next(_serial))), {}, ctx.opts())
        return network


def test_a_build_that_differs_each_time_or_strays_from_its_packages_is_named() -> None:
    with driver_registered(Nondeterministic) as driver:
        site = example_site(driver)
        first = build_offline(driver, (site,), cached=False)
        second = build_offline(driver, (site,), cached=False)
    assert build_differences(first, second)
    problems = site_build_problems(driver, first)
    assert any("other:index:Thing is of package 'other'" in p for p in problems), problems


class DeviceWithoutAddresses(_Broken):
    vpn_endpoint = VpnEndpoint.DEVICE


def test_a_pair_refused_while_planning_skips_the_link_check_saying_why() -> None:
    """A device end without addresses cannot be reached: the pair is refused while planning, and
    the contract skips the link check with the planner's reason (it does not pass it)."""
    from skyweave.testing.contract import DriverContract

    class Check(DriverContract):
        driver_class = DeviceWithoutAddresses

    with (
        serving(DeviceWithoutAddresses) as driver,
        pytest.raises(pytest.skip.Exception, match="no vpn_peer_ip"),
    ):
        Check()._linked(driver)


def test_the_package_needs_pytest_only_for_the_contract() -> None:
    program = (
        "import sys; sys.modules['pytest'] = None\n"
        "import skyweave.testing as t\n"
        "assert t.FakeDriver.vendor == 'fake'\n"
        "try:\n"
        "    t.DriverContract\n"
        "except ModuleNotFoundError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "pip install 'skyweave[testing]'" in done.stdout
