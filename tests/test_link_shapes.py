"""Link shapes: one module per shape, each rule/builder/range registered once, names from kinds,
and a driver missing its endpoint kind's protocol refused while planning, before any resource.

The independent sources here are the modules' own syntax trees (who calls ``register_shape``),
what the builders really ask a driver for during a build (recorded, not read from the table),
and the registrations a real offline run records.
"""

from __future__ import annotations

import ast
import ipaddress
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import ROOT, run
from skyweave.core.errors import InvalidArgsError, PlanningError, RegistrationError
from skyweave.drivers import CloudDriver, get_driver
from skyweave.drivers.registry import driver_registered
from skyweave.drivers.vpn import ENDPOINT_PROTOCOLS, PeeringService
from skyweave.engine.offline import OfflineMocks, RecordingMonitor, run_program
from skyweave.network import links
from skyweave.network.hybrid_vpc import HybridVpc, HybridVpcArgs
from skyweave.network.links.builder import LinkBuilder, register_builder
from skyweave.planning import tunnels
from skyweave.planning.vpn import (
    Routing,
    Shape,
    SiteEnd,
    VpnEndpoint,
    is_shape_name,
    kind_shape,
    plan_link,
    register_shape,
    registered_pairs,
    shape_rule,
)
from skyweave.testing import FakeDriver, FakeSiteArgs

LINKS = ROOT / "components" / "network" / "links"


def _register_shape_calls(path: Any) -> list[tuple[str, str, str]]:
    """(kind a, kind b, rule name) of every ``register_shape(VpnEndpoint.X, VpnEndpoint.Y, rule)``."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "register_shape":
            a, b, rule = node.args
            assert (
                isinstance(a, ast.Attribute) and isinstance(b, ast.Attribute) and isinstance(rule, ast.Name)
            )
            out.append((a.attr, b.attr, rule.id))
    return out


def test_planning_holds_no_pair_rule_and_every_rule_lives_in_its_shape_module() -> None:
    assert _register_shape_calls(ROOT / "components" / "planning" / "vpn.py") == []
    written = {
        (VpnEndpoint[a], VpnEndpoint[b]): f"skyweave.network.links.{path.stem}.{rule}"
        for path in sorted(LINKS.glob("*.py"))
        for a, b, rule in _register_shape_calls(path)
    }
    registered = {pair: found[1] for pair in registered_pairs() if (found := shape_rule(*pair)) is not None}
    assert registered == written
    # The 8 rules that lived in planning/vpn.py are among them, each in the module of its shape.
    for pair, module in {
        (VpnEndpoint.GATEWAY, VpnEndpoint.HA_GATEWAY): "gateway_ha",
        (VpnEndpoint.GATEWAY, VpnEndpoint.POLICY): "site_vpn",
        (VpnEndpoint.GATEWAY, VpnEndpoint.DEVICE): "site_vpn",
        (VpnEndpoint.HA_GATEWAY, VpnEndpoint.DEVICE): "ha_device",
        (VpnEndpoint.POLICY, VpnEndpoint.POLICY): "policy_vpn",
        (VpnEndpoint.POLICY, VpnEndpoint.DEVICE): "policy_vpn",
        (VpnEndpoint.HA_GATEWAY, VpnEndpoint.POLICY): "refused",
        (VpnEndpoint.DEVICE, VpnEndpoint.DEVICE): "refused",
    }.items():
        assert written[pair].startswith(f"skyweave.network.links.{module}."), (pair, written[pair])


def _end(site: str, vendor: str, endpoint: VpnEndpoint, **kw: Any) -> SiteEnd:
    return SiteEnd(
        site=site, vendor=vendor, asn=65001 + len(site), cidrs=("10.0.0.0/16",), endpoint=endpoint, **kw
    )


def _a_rule(a: SiteEnd, b: SiteEnd) -> tuple[str, Routing, list[tuple[int, int, int]]]:
    return "aws-site-vpn", Routing.STATIC, [(0, 0, 0)]


def test_a_pair_registered_twice_names_both_registrants_and_keeps_the_first() -> None:
    aws = _end("aws-x", "aws", VpnEndpoint.GATEWAY, bgp=True, static=True)
    gcp = _end("gcp-x", "gcp", VpnEndpoint.HA_GATEWAY, bgp=True)
    with pytest.raises(RegistrationError) as raised:
        register_shape(VpnEndpoint.GATEWAY, VpnEndpoint.HA_GATEWAY, _a_rule)
    message = str(raised.value)
    assert "gateway ↔ ha-gateway is registered twice" in message
    assert "skyweave.network.links.gateway_ha.rule" in message
    assert f"{__name__}._a_rule" in message
    assert raised.value.registrants == ("skyweave.network.links.gateway_ha.rule", f"{__name__}._a_rule")
    assert plan_link(aws, gcp).shape == Shape.AWS_GCP_HA_VPN  # the first rule still decides


def test_a_refusal_cannot_be_replaced_by_a_later_shape() -> None:
    """The bug this guards: a new rule silently replaced the planner's refusal by import order."""
    gcp = _end("gcp-x", "gcp", VpnEndpoint.HA_GATEWAY, bgp=True)
    vpnaas = _end("os-x", "openstack", VpnEndpoint.POLICY, static=True, product="Neutron VPNaaS")
    with pytest.raises(RegistrationError, match=r"first by skyweave\.network\.links\.refused\.ha_policy"):
        register_shape(VpnEndpoint.HA_GATEWAY, VpnEndpoint.POLICY, _a_rule)
    with pytest.raises(PlanningError, match="cannot be joined"):
        plan_link(gcp, vpnaas)


def test_a_builder_or_an_inside_range_registered_twice_names_both() -> None:
    def build(builder: LinkBuilder, link: Any, parent: Any) -> None:
        raise AssertionError("never called")

    with pytest.raises(RegistrationError, match=r"skyweave\.network\.links\.site_vpn\.build.*again by"):
        register_builder(Shape.AWS_SITE_VPN, build)
    with pytest.raises(RegistrationError, match=r"first by skyweave\.network\.links\.peering\.build"):
        register_builder(links.PEERING, build)
    with pytest.raises(
        RegistrationError, match=rf"first by skyweave\.network\.links\.active_active, again by {__name__}"
    ):
        tunnels.register_inside_range(
            VpnEndpoint.ACTIVE_ACTIVE, [ipaddress.IPv4Network("169.254.30.0/24")], "a second opinion"
        )
    assert tunnels.inside_range(VpnEndpoint.ACTIVE_ACTIVE) is not None
    assert str(tunnels.inside_range(VpnEndpoint.ACTIVE_ACTIVE)) == "169.254.21.0/24 or 169.254.22.0/24"


def test_a_new_shape_is_named_by_its_endpoint_kinds() -> None:
    def build(builder: LinkBuilder, link: Any, parent: Any) -> None:
        raise AssertionError("never called")

    with pytest.raises(
        RegistrationError, match="not a shape name: a new shape is named by its two endpoint kinds"
    ):
        register_builder("acme-cloud-vpn", build)
    assert kind_shape(VpnEndpoint.GATEWAY, VpnEndpoint.ACTIVE_ACTIVE) == "gateway-active-active"
    assert is_shape_name("gateway-active-active") and is_shape_name("aws-azure-vpn")
    assert not is_shape_name("acme-cloud-vpn")


def test_existing_shape_names_stay() -> None:
    """Shape names are in every recorded plan (each VpnLink's ``shape`` input), so none may change:
    the prod picture in docs/connectivity.md (which test_connectivity keeps equal to the real
    ``skyweave graph``) names them, and each is still a frozen name with its builder."""
    import re

    docs = (ROOT / "docs" / "connectivity.md").read_text()
    picture = docs.split("```mermaid\n", 1)[1].split("```", 1)[0]
    shown = set(re.findall(r'---\|"([a-z-]+?)(?:, \d+ tunnels)?"\|', picture))
    assert len(shown) == 12, shown
    frozen = {s.value for s in Shape}
    for name in shown:
        assert name in frozen or name == kind_shape(VpnEndpoint.APPLIANCE, VpnEndpoint.DEVICE), name
    assert frozen - shown == {"openstack-vpnaas"}  # prod's OpenStack site runs `vpn: appliance`


# -- every kind's protocol: what the builders call, and checked while planning -------------------

#: One link of every pair of endpoint kinds that has a shape, and one peering (explicit topology).
EVERY_SHAPE: dict[str, Any] = {
    "sites": [
        {"name": "aws-a", "vendor": "aws", "region": "us-east-1"},
        {"name": "aws-b", "vendor": "aws", "region": "us-west-2"},
        {"name": "gcp-a", "vendor": "gcp", "region": "europe-west1", "project": "my-project-123"},
        {"name": "osv-a", "vendor": "openstack", "region": "RegionOne", "cloud": "dc1"},
        {"name": "osv-b", "vendor": "openstack", "region": "RegionTwo", "cloud": "dc2"},
        {
            "name": "osa-a",
            "vendor": "openstack",
            "region": "RegionOne",
            "cloud": "dc3",
            "external_network": "public",
            "vpn": "appliance",
            "vpn_appliance": {"image": "debian-12-genericcloud", "flavor": "m1.small"},
        },
        {
            "name": "onp-a",
            "vendor": "onprem",
            "region": "fra",
            "cidrs": ["10.200.0.0/16"],
            "vpn_peer_ip": "203.0.113.10",
            "vpn_secondary_peer_ip": "203.0.113.11",
            "bgp": True,
        },
        dict(get_driver("azure").example, name="az-a"),
    ],
    "connectivity": {
        "topology": "explicit",
        "links": [
            ["aws-a", "aws-b"],
            ["aws-a", "gcp-a"],
            ["aws-a", "osv-a"],
            ["aws-a", "osa-a"],
            ["aws-a", "onp-a"],
            ["aws-a", "az-a"],
            ["gcp-a", "osa-a"],
            ["gcp-a", "onp-a"],
            ["gcp-a", "az-a"],
            ["osv-a", "osv-b"],
            ["osv-a", "onp-a"],
            ["osa-a", "onp-a"],
            ["osa-a", "az-a"],
            ["onp-a", "az-a"],
        ],
    },
}


def test_the_table_says_what_the_builders_call_at_each_end(monkeypatch: pytest.MonkeyPatch) -> None:
    """ENDPOINT_PROTOCOLS is checked against what a build really asks each site's driver for."""
    asked: dict[str, set[type]] = {}
    original = LinkBuilder.service

    def recording(self: LinkBuilder, site: str, protocol: type[Any]) -> Any:
        asked.setdefault(site, set()).add(protocol)
        return original(self, site, protocol)

    monkeypatch.setattr(LinkBuilder, "service", recording)
    args = HybridVpcArgs.model_validate(EVERY_SHAPE)
    holder: dict[str, HybridVpc] = {}
    run(lambda: holder.setdefault("vpc", HybridVpc("every", args)))
    plan = holder["vpc"].plan.connectivity
    vpn_links = [link for link in plan.links if link.routing is not Routing.PEERING]
    on_vpn = {end.site for link in vpn_links for end in (link.a, link.b)}
    assert sorted({(link.a.endpoint, link.b.endpoint) for link in vpn_links}) == sorted(
        p
        for p in registered_pairs()
        if shape_rule(*p) and not shape_rule(*p)[1].startswith("skyweave.network.links.refused.")
    ), "the estate has one link of every pair that has a shape"
    kinds = {s.name: get_driver(s.vendor).site_vpn_endpoint(s) for s in args.sites}
    for site, protocols in asked.items():
        assert protocols <= {ENDPOINT_PROTOCOLS[kinds[site]], PeeringService}, (site, protocols)
    for site in on_vpn:
        kind = kinds[site]
        expected = ENDPOINT_PROTOCOLS[kind]
        if expected is None:
            assert site not in asked, f"{site} ({kind}) has no protocol, yet a builder asked for one"
        else:
            assert expected in asked[site], (site, kind)
    assert asked["aws-a"] == {ENDPOINT_PROTOCOLS[VpnEndpoint.GATEWAY], PeeringService}
    assert set(ENDPOINT_PROTOCOLS) == set(VpnEndpoint), "every endpoint kind has its row"


class HalfVpnDriver(FakeDriver):
    """The fake vendor, still declaring its HA gateway kind, without its HaVpnService: the mistake."""

    ha_vpn_gateway = interface_ip = external_gateway = bgp_tunnel = None  # type: ignore[assignment]


@pytest.fixture
def half_vpn() -> Iterator[CloudDriver]:
    with driver_registered(HalfVpnDriver) as driver:
        yield driver


def test_a_driver_missing_its_kinds_protocol_is_a_config_error_before_anything_registers(
    half_vpn: CloudDriver,
) -> None:
    aws = get_driver("aws").site_model.model_validate(get_driver("aws").example)
    half = FakeSiteArgs.model_validate(HalfVpnDriver.example)
    # The site union is built when skyweave is imported, before this driver was registered.
    args = HybridVpcArgs.model_construct(sites=(aws, half))
    monitor = RecordingMonitor(OfflineMocks())
    with pytest.raises(InvalidArgsError) as raised:
        run_program(lambda: HybridVpc("core", args), project="t", stack="t", monitor=monitor)
    message = str(raised.value)
    assert "sites[1].vendor: 'fake'" in message
    assert "site 'fake-one' cannot be an end of link aws-use1/fake-one" in message
    assert "declares VPN endpoint kind 'ha-gateway'" in message
    assert "skyweave.drivers.vpn.HaVpnService" in message
    assert f"{__name__}.HalfVpnDriver does not implement it" in message
    assert "missing: bgp_tunnel, external_gateway, ha_vpn_gateway, interface_ip" in message
    assert [r.type for r in monitor.registrations] == ["pulumi:pulumi:Stack"], "nothing but the stack"


def test_a_shape_nobody_builds_is_refused_while_planning() -> None:
    from skyweave.planning.topology import link_id
    from skyweave.planning.vpn import LinkPlan

    a = _end("aws-x", "aws", VpnEndpoint.GATEWAY, bgp=True)
    b = _end("aws-y", "other", VpnEndpoint.GATEWAY, bgp=True)
    orphan = LinkPlan(link_id("aws-x", "aws-y"), a, b, kind_shape(a.endpoint, b.endpoint), Routing.BGP)  # type: ignore[arg-type]
    with pytest.raises(
        PlanningError, match=r"link aws-x/aws-y has shape 'gateway-gateway'.*which no module builds"
    ):
        links.builder_for(orphan)
    assert links.builder_for(plan_link(a, _end("gcp-x", "gcp", VpnEndpoint.HA_GATEWAY, bgp=True))) is not None
