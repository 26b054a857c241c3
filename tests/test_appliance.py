"""An OpenStack site's VPN appliance pair (``vpn: appliance``): shapes, resources, order, secrets.

The pair is route-based with BGP, so every link to it is redundant and GCP HA VPN can reach it;
the instances are booted with configurations rendered from the same link plans the namespace
lab proves (tests/test_vpn_daemons.py), and the pre-shared keys in them stay secrets.
"""

from __future__ import annotations

import base64
import copy
import ipaddress
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pulumi
import pytest
from conftest import generated_passwords, run, stack_raw, write_stack
from skyweave import HybridVpc, HybridVpcArgs, InvalidArgsError
from skyweave.cli.preview import render_text
from skyweave.engine.offline import OfflineRun
from skyweave.engine.preview import preview_stack, render_json
from skyweave.network.appliance import ApplianceAddress, appliance_tunnels, peer_key, render_appliance
from skyweave.network.appliance_boot import BOOT_SCRIPT, CHECK_SCRIPT
from skyweave.planning.vpn import Routing, plan_link, safe_psk
from vpnlab_boot import UserData

AWS = {"name": "aws-use1", "vendor": "aws", "region": "us-east-1", "zones": ["us-east-1a", "us-east-1b"]}
GCP = {"name": "gcp-euw1", "vendor": "gcp", "region": "europe-west1", "project": "proj-12345"}
APPLIANCE = {"image": "debian-12-genericcloud", "flavor": "m1.small"}
OS = {
    "name": "os-dc1",
    "vendor": "openstack",
    "region": "RegionOne",
    "auth_url": "https://k.example:5000/v3",
    "zones": ["az1", "az2"],
    "external_network": "ext-net",
    "vpn": "appliance",
    "vpn_appliance": APPLIANCE,
}
OS_VPNAAS = {k: v for k, v in OS.items() if k not in ("vpn", "vpn_appliance")} | {"name": "os-dc2"}
ONPREM = {
    "name": "onprem",
    "vendor": "onprem",
    "region": "fra",
    "cidrs": ["10.200.0.0/16"],
    "vpn_peer_ip": "203.0.113.10",
    "vpn_secondary_peer_ip": "203.0.113.11",
    "bgp": True,
}


def build(*sites: dict[str, Any], **connectivity: Any) -> OfflineRun:
    args = {"sites": list(sites), "connectivity": connectivity}

    def program() -> None:
        net = HybridVpc("core", HybridVpcArgs.model_validate(args))
        pulumi.export("links", net.links)
        pulumi.export("devices", net.onprem_devices)

    return run(program)


def of(result: OfflineRun, name: str) -> list[Any]:
    return sorted((r for r in result.resources if r.type.split(":")[-1] == name), key=lambda r: r.name)


def named(result: OfflineRun, name: str) -> Any:
    return next(r for r in result.resources if r.name == name)


# -- the site model --------------------------------------------------------------------------------


def test_the_appliance_needs_its_image_and_flavor_and_vpnaas_stays_the_default() -> None:
    def network(site: dict[str, Any]) -> None:
        run(lambda: HybridVpc("core", {"sites": [site]}) and None)

    with pytest.raises(InvalidArgsError) as info:
        network({**OS, "vpn_appliance": None})
    assert "sites[0].vpn_appliance" in str(info.value) and "image and flavor" in str(info.value)
    with pytest.raises(
        InvalidArgsError, match=r"sites\[0\]\.vpn_appliance.*only applies with vpn: appliance"
    ):
        network({**OS_VPNAAS, "vpn_appliance": APPLIANCE})
    site = HybridVpcArgs.model_validate({"sites": [OS_VPNAAS]}).sites[0]
    assert site.vpn == "vpnaas"  # type: ignore[attr-defined]


# -- shapes ----------------------------------------------------------------------------------------


def test_each_appliance_shape_is_route_based_bgp_and_redundant() -> None:
    result = build(AWS, GCP, OS, ONPREM)
    links = result.outputs["links"]["links"]
    expect = {
        "aws-use1/os-dc1": ("aws-vpn-appliance", 4),  # two customer gateways x two tunnels
        "gcp-euw1/os-dc1": ("gcp-ha-vpn-appliance", 2),  # HA interface i <-> instance i
        "onprem/os-dc1": ("appliance-device", 4),  # each instance to each device
        "aws-use1/gcp-euw1": ("aws-gcp-ha-vpn", 4),  # unchanged
    }
    for lid, (shape, tunnels) in expect.items():
        link = links[lid]
        assert (link["shape"], link["routing"], link["tunnels"]) == (shape, "bgp", tunnels), lid
        assert link["active_paths"] == tunnels and link["redundant"] is True, lid


def test_pairs_an_appliance_cannot_join_are_refused_with_a_reason() -> None:
    with pytest.raises(InvalidArgsError, match="Give 'os-dc2' `vpn: appliance` too"):
        build(OS, OS_VPNAAS)
    with pytest.raises(InvalidArgsError, match="does not declare a BGP-capable device"):
        build(OS, {**ONPREM, "bgp": False})
    with pytest.raises(InvalidArgsError, match="both have VPN appliance pairs"):
        build(OS, {**OS, "name": "os-dc3"})


# -- what is built, and in which order -------------------------------------------------------------


@pytest.fixture(scope="module")
def estate() -> OfflineRun:
    return build(AWS, GCP, OS, ONPREM)


def test_aws_gets_a_customer_gateway_per_instance_with_its_floating_ip(estate: OfflineRun) -> None:
    fips = {r.urn: r for r in of(estate, "FloatingIp")}
    cgws = [c for c in of(estate, "CustomerGateway") if "os-dc1" in c.name]
    assert [c.name for c in cgws] == ["core-cgw-aws-use1-os-dc1-0", "core-cgw-aws-use1-os-dc1-1"]
    for cgw in cgws:
        assert any(u in fips for u in cgw.dependencies)  # the address comes from a floating IP
    conns = [c for c in of(estate, "VpnConnection") if "os-dc1" in c.name]
    assert len(conns) == 2 and all(c.inputs["staticRoutesOnly"] is False for c in conns)


def test_gcp_ha_vpn_reaches_the_pair_as_a_two_address_external_gateway(estate: OfflineRun) -> None:
    (external,) = [g for g in of(estate, "ExternalVpnGateway") if g.name.endswith("os-dc1")]
    assert external.inputs["redundancyType"] == "TWO_IPS_REDUNDANCY"
    tunnels = [t for t in of(estate, "VPNTunnel") if "os-dc1" in t.name]
    assert [(t.inputs["vpnGatewayInterface"], t.inputs["peerExternalGatewayInterface"]) for t in tunnels] == [
        (0, 0),
        (1, 1),
    ]
    assert all(t.inputs["sharedSecret"] == "[secret]" for t in tunnels)


def test_the_pair_its_ports_addresses_and_firewall(estate: OfflineRun) -> None:
    (group,) = of(estate, "SecGroup")
    rules = [r for r in of(estate, "SecGroupRule") if group.urn in r.dependencies]
    by_role = Counter(r.name.split("-")[2] for r in rules)
    # IKE, NAT-T and ESP from every peer address: AWS 4, GCP 2, the two devices (each twice: once
    # per instance, so the rule names the address once per tunnel of the link).
    assert by_role == {"ike": 10, "natt": 10, "esp": 10, "vrrp": 1, "ibgp": 1, "site": 1}
    esp = [r for r in rules if "-esp-" in r.name]
    assert {r.inputs["protocol"] for r in esp} == {"esp"}
    assert {r.inputs["remoteIpPrefix"] for r in esp if "onprem" in r.name} == {
        "203.0.113.10/32",
        "203.0.113.11/32",
    }
    ike = named(estate, "core-appliance-ike-os-dc1-aws-use1-0").inputs
    assert (ike["protocol"], ike["portRangeMin"], ike["portRangeMax"], ike["direction"]) == (
        "udp",
        500,
        500,
        "ingress",
    )
    natt = named(estate, "core-appliance-natt-os-dc1-aws-use1-0").inputs
    assert (natt["portRangeMin"], natt["portRangeMax"]) == (4500, 4500)
    assert named(estate, "core-appliance-vrrp-os-dc1").inputs["protocol"] == "vrrp"
    ports = [p for p in of(estate, "Port") if p.name.startswith("core-appliance-port")]
    vip = named(estate, "core-appliance-vip-os-dc1")
    assert len(ports) == 2
    for port in ports:
        assert port.inputs["portSecurityEnabled"] is True
        assert len(port.inputs["securityGroupIds"]) == 1 and group.urn in port.dependencies
        pairs = [p["ipAddress"] for p in port.inputs["allowedAddressPairs"]]
        # The estate's address space (the IPAM supernet, ranges outside it) and the next hop.
        assert pairs[:-1] == ["10.0.0.0/8"] and ipaddress.IPv4Address(pairs[-1])
        assert vip.urn in port.dependencies
    fips = of(estate, "FloatingIp")
    router_if = next(r for r in estate.resources if r.type.endswith("RouterInterface") and "os-dc1" in r.name)
    for i, fip in enumerate(fips):
        assert fip.inputs["pool"] == "ext-net"
        # Neutron refuses a floating IP on a subnet the router does not reach: after the interface.
        assert router_if.urn in fip.dependencies and ports[i].urn in fip.dependencies


def test_routes_send_each_remote_range_to_the_next_hop(estate: OfflineRun) -> None:
    routes = [r for r in of(estate, "RouterRoute")]
    assert {r.inputs["destinationCidr"] for r in routes} == {"10.0.0.0/16", "10.1.0.0/16", "10.200.0.0/16"}
    vip = named(estate, "core-appliance-vip-os-dc1")
    (next_hop,) = {r.inputs["nextHop"] for r in routes}
    assert ipaddress.IPv4Address(next_hop) and all(vip.urn in r.dependencies for r in routes)


def test_the_instances_come_last_spread_booted_from_their_ports_with_secret_user_data(
    estate: OfflineRun,
) -> None:
    instances = of(estate, "Instance")
    order = [r.urn for r in estate.resources]
    (group,) = of(estate, "ServerGroup")
    assert group.inputs["policies"] == "soft-anti-affinity"
    ports = [p for p in of(estate, "Port") if p.name.startswith("core-appliance-port")]
    last_link_part = max(
        order.index(r.urn) for r in estate.resources if r.type.endswith(("RouterRoute", "SecGroupRule"))
    )
    for i, instance in enumerate(instances):
        assert instance.inputs["availabilityZone"] == ["az1", "az2"][i]
        assert instance.inputs["networks"] == [{"port": instance.inputs["networks"][0]["port"]}]
        assert ports[i].urn in instance.dependencies
        assert instance.inputs["userData"] == "[secret]"
        assert (instance.inputs["flavorName"], instance.inputs["imageName"]) == (
            "m1.small",
            "debian-12-genericcloud",
        )
        assert order.index(instance.urn) > last_link_part  # after every link added its part
    one_zone = build(AWS, {**OS, "zones": ["nova"]})
    assert all("availabilityZone" not in i.inputs for i in of(one_zone, "Instance"))


def test_an_instance_is_replaced_one_at_a_time_and_by_deleting_it_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A user-data change must not replace both instances (it is ignored; the operator replaces
    one at a time); and a replacement must delete the old instance first: each boots from its own
    fixed port, which Nova refuses to a second server (PortInUse), while Pulumi's default
    replacement creates the new one before deleting the old."""
    import pulumi_openstack as openstack

    seen: dict[str, pulumi.ResourceOptions] = {}
    real = openstack.compute.Instance.__init__

    def spy(self: Any, resource_name: str, *args: Any, **kwargs: Any) -> None:
        seen[resource_name] = kwargs["opts"]
        real(self, resource_name, *args, **kwargs)

    monkeypatch.setattr(openstack.compute.Instance, "__init__", spy)
    build(AWS, OS)
    assert sorted(seen) == ["core-appliance-os-dc1-0", "core-appliance-os-dc1-1"]
    for opts in seen.values():
        assert opts.delete_before_replace is True
        assert opts.ignore_changes == ["user_data"] and opts.additional_secret_outputs == ["user_data"]


# -- the rendered configuration, and its keys ------------------------------------------------------


def _psk_values(result: OfflineRun) -> list[str]:
    return [safe_psk(v) for v in generated_passwords(result)]


def _instance_tunnels(site: str, instance: int) -> int:
    """How many tunnels of prod's plan end on instance ``instance`` of ``site``'s appliance pair."""
    from skyweave.estate.config import parse_stack_config

    plan = parse_stack_config(copy.deepcopy(stack_raw("prod")), source="prod").plan.network
    return sum(
        1
        for link in plan.connectivity.links
        if site in (link.a.site, link.b.site)
        for t in link.tunnels
        if (t.a_gateway if link.a.site == site else t.b_gateway) == instance
    )


def test_the_user_data_is_rendered_in_a_preview_and_no_key_shows_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The user data is really rendered from the keys (captured inside the program), and neither
    the keys nor their hex form appear in the preview's text or JSON: the user data is secret."""
    from skyweave.drivers.openstack import appliance

    seen: list[str] = []
    real = appliance.instances

    def spy(ctx: Any, pair: Any, user_data: Any) -> Any:
        for data in user_data:
            data.apply(seen.append)
        return real(ctx, pair, user_data)

    monkeypatch.setattr(appliance, "instances", spy)
    result = preview_stack(write_stack(tmp_path, "prod", copy.deepcopy(stack_raw("prod"))), "prod")
    keys = _psk_values(result)
    assert len(seen) == 2 and all(text.startswith("#cloud-config\n") for text in seen)
    config = json.loads(seen[0].split("\n", 1)[1])
    swanctl = next(f["content"] for f in config["write_files"] if f["path"].endswith("skyweave.conf"))
    used = [k for k in keys if f"0x{k.encode().hex()}" in swanctl]
    # instance 0's tunnels, from the plan: 2 per AWS region, 1 per GCP region, 1 to Azure, 2 devices
    assert len(used) == _instance_tunnels("os-dc1", 0)
    rendered = render_json(result) + render_text(result)
    for key in keys:
        assert key not in rendered and key.encode().hex() not in rendered
    assert "secret = 0x" not in rendered
    assert "skyweave-appliance-up" not in rendered  # the user data is shown as [secret] only


def test_the_pair_renders_ibgp_keepalived_and_one_interface_per_tunnel() -> None:
    from skyweave.drivers import get_driver
    from skyweave.network.connectivity import site_end

    def end(site: dict[str, Any], asn: int, cidrs: tuple[str, ...]) -> Any:
        return site_end(get_driver(str(site["vendor"])).site_model.model_validate(site), asn, cidrs)

    aws, osa = end(AWS, 64512, ("10.1.0.0/16",)), end(OS, 65020, ("10.4.0.0/16",))
    link = plan_link(aws, osa, ipaddress.IPv4Network("169.254.40.0/27"))
    assert link.routing is Routing.BGP
    peers = {peer_key(link, t): f"198.51.100.{10 + t.index}" for t in link.tunnels}
    pair = [ApplianceAddress("192.0.2.30", "10.4.0.10"), ApplianceAddress("192.0.2.31", "10.4.0.11")]
    tunnels = appliance_tunnels("os-dc1", [link], pair, peers)
    assert [(t.b.device, t.b.if_id, t.initiator) for t in tunnels] == [
        ("os-dc1-appliance0", 1, "b"),
        ("os-dc1-appliance0", 2, "b"),
        ("os-dc1-appliance1", 1, "b"),
        ("os-dc1-appliance1", 2, "b"),
    ]
    psks = {t.name: f"Key.{t.name}.123" for t in tunnels}
    nova = get_driver("openstack").appliance_user_data_limit()  # type: ignore[attr-defined]
    files = render_appliance("os-dc1", [link], pair, peers, psks, "10.4.0.5", "10.4.0.0/20", limit=nova)
    first = files[0]
    assert "neighbor 10.4.0.11 remote-as 65020" in first.frr_conf
    assert "neighbor 10.4.0.11 next-hop-self" in first.frr_conf
    assert "ip prefix-list SW-PAIR seq 10 permit 10.1.0.0/16 le 32" in first.frr_conf
    assert (
        "10.4.0.5/20 dev @UPLINK@" in first.keepalived_conf
        and "unicast_peer {\n        10.4.0.11" in first.keepalived_conf
    )
    assert "priority 150" in first.keepalived_conf and "priority 100" in files[1].keepalived_conf
    boot = UserData.parse(first.user_data).files[BOOT_SCRIPT].content
    assert 'ip link add xfrm2 type xfrm dev "$uplink" if_id 2' in boot
    assert "Key." not in repr(first)


def test_the_on_prem_operator_gets_an_entry_per_tunnel_from_the_pair(estate: OfflineRun) -> None:
    entries = [e for e in estate.outputs["devices"]["onprem"] if e["remote_site"] == "os-dc1"]
    assert len(entries) == 4  # each instance to each of the two devices
    assert {(e["device"], e["routing"], e["remote_vendor"]) for e in entries} == {
        ("203.0.113.10", "bgp", "openstack"),
        ("203.0.113.11", "bgp", "openstack"),
    }
    for entry in entries:
        inside = ipaddress.IPv4Network(entry["inside_cidr"])
        assert ipaddress.IPv4Address(entry["local_inside_ip"]) == inside.network_address + 2
        assert ipaddress.IPv4Address(entry["remote_inside_ip"]) == inside.network_address + 1
        assert entry["psk"].startswith("vpn_psks[") and entry["remote_public_ip"].startswith(
            "onprem_peer_ips["
        )


def test_an_ibgp_pair_is_checked_before_anything_is_rendered() -> None:
    from skyweave.core.errors import PlanningError
    from skyweave.network.device_config import PairPeer, Tunnel, TunnelSide, render_device

    tunnel = Tunnel(
        "t0",
        TunnelSide("cloud", "198.51.100.1", 64512, ("10.1.0.0/16",), "169.254.10.1"),
        TunnelSide("box", "192.0.2.1", 65020, ("10.4.0.0/16",), "169.254.10.2"),
        inside_cidr="169.254.10.0/30",
    )
    psks = {"t0": "Key.12345678"}
    with pytest.raises(PlanningError, match="pair's two addresses are equal") as info:
        render_device("box", [tunnel], psks, pair=PairPeer("10.4.0.10", "10.4.0.10"))
    assert info.value.path == "devices['box'].pair"
    with pytest.raises(PlanningError, match=r"pair\.address must be an IPv4 address"):
        render_device("box", [tunnel], psks, pair=PairPeer("box-b", "10.4.0.10"))
    frr = render_device("box", [tunnel], psks, pair=PairPeer("10.4.0.11", "10.4.0.10")).frr_conf
    assert " neighbor 10.4.0.11 update-source 10.4.0.10" in frr
    assert "  neighbor 10.4.0.11 route-map SW-PAIR out" in frr


# -- what comes back at every boot, and what keepalived tracks (issue 25) ---------------------------

AZURE = {
    "name": "azure-weu1",
    "vendor": "azure",
    "region": "westeurope",
    "subscription_id": "6b1f3c2a-8d4e-4f5a-9c7b-1e2d3f4a5b6c",
}


def _pair_files(*far: dict[str, Any], vendor: str = "openstack") -> list[Any]:
    """The pair's files with a link to each of ``far`` (distinct far-end addresses per tunnel),
    rendered under ``vendor``'s user-data limit."""
    from skyweave.drivers import get_driver
    from skyweave.network.connectivity import site_end
    from skyweave.planning.tunnels import inside_range

    def end(site: dict[str, Any], asn: int, cidr: str) -> Any:
        return site_end(get_driver(str(site["vendor"])).site_model.model_validate(site), asn, (cidr,))

    osa = end(OS, 65020, "10.4.0.0/16")
    links = []
    for i, site in enumerate(far):
        other = end(site, 64600 + i, f"10.{10 + i}.0.0/16")
        narrow = inside_range(other.endpoint, osa.endpoint)
        block = (
            next(narrow.networks[0].subnets(new_prefix=27))
            if narrow
            else ipaddress.IPv4Network(f"169.254.{40 + i}.0/27")
        )
        links.append(plan_link(other, osa, block))
    keys = [peer_key(link, t) for link in links for t in link.tunnels]
    peers = {key: str(ipaddress.IPv4Address("198.51.100.10") + n) for n, key in enumerate(keys)}
    pair = [ApplianceAddress("192.0.2.30", "10.4.0.10"), ApplianceAddress("192.0.2.31", "10.4.0.11")]
    names = [t.name for t in appliance_tunnels("os-dc1", links, pair, peers)]
    limit = get_driver(vendor).appliance_user_data_limit()  # type: ignore[attr-defined]
    return render_appliance(
        "os-dc1",
        links,
        pair,
        peers,
        {n: f"Key.{n}.1234" for n in names},
        "10.4.0.5",
        "10.4.0.0/20",
        limit=limit,
    )


def test_what_the_tunnels_need_comes_back_at_every_boot() -> None:
    """cloud-init's runcmd runs once per instance; the state the tunnels need (forwarding, one
    interface per tunnel, keepalived's interface, the MSS clamp) must come from what runs at
    every boot: sysctl.d and an enabled unit ordered before the daemons. Read back from the user
    data as the lab's replay reads it (tests/vpnlab_boot.py)."""
    for appliance in _pair_files(AWS, GCP):
        data = UserData.parse(appliance.user_data)
        assert data.first_boot_commands() == []  # no state made by runcmd alone
        (sysctl,) = data.sysctl_files()
        assert re.findall(r"^([a-z0-9_.]+) = (\d+)$", sysctl.content, re.M) == [
            ("net.ipv4.ip_forward", "1"),
            ("net.ipv4.conf.all.rp_filter", "2"),
            ("net.ipv4.conf.default.rp_filter", "2"),
        ]
        (unit,) = data.units()
        assert unit.exec_start == ((BOOT_SCRIPT,),)
        assert {"strongswan.service", "frr.service", "keepalived.service"} <= unit.before
        assert data.daemons() == ["strongswan.service", "frr.service", "keepalived.service"]
        boot = data.files[BOOT_SCRIPT]
        assert boot.mode == 0o755 and boot.content == appliance.boot_script
        other = "10.4.0.11" if appliance.device.endswith("0") else "10.4.0.10"
        assert f"uplink=$(ip -o -4 route get {other} |" in boot.content
        for x in appliance.files.interfaces:
            assert (
                f"ip link show {x.name} >/dev/null 2>&1 ||"
                f' ip link add {x.name} type xfrm dev "$uplink" if_id {x.if_id}\n'
                f"ip link set {x.name} mtu 1390 up\nip addr replace {x.address} dev {x.name}\n"
            ) in boot.content
        # 1390-byte tunnels carry TCP segments of 1390 - 20 (IPv4) - 20 (TCP) = 1350 bytes.
        assert (
            boot.content.count("tcp option maxseg size > 1350 counter tcp option maxseg size set 1350") == 2
        )
        assert 'oifname "xfrm*"' in boot.content and 'iifname "xfrm*"' in boot.content


def test_keepalived_tracks_what_carries_traffic_and_a_rebooted_instance_waits() -> None:
    from skyweave.network import appliance_check

    first, second = _pair_files(AWS, GCP)
    data = UserData.parse(first.user_data)
    conf = data.files["/etc/keepalived/skyweave.conf.in"].content
    assert conf == first.keepalived_conf
    scripts = dict(re.findall(r"vrrp_script (\w+) \{(.*?)\n\}", conf, re.S))
    assert f'script "{CHECK_SCRIPT} forwarding"' in scripts["skyweave_forwarding"]
    assert "weight" not in scripts["skyweave_forwarding"]  # no weight: FAULT while it fails
    assert f'script "{CHECK_SCRIPT} ready"' in scripts["skyweave_ready"]
    weight = int(re.search(r"weight (-\d+)", scripts["skyweave_ready"]).group(1))  # type: ignore[union-attr]
    assert all("init_fail" in body for body in scripts.values())  # failed until proven otherwise
    assert "track_script {\n        skyweave_forwarding\n        skyweave_ready\n    }" in conf
    assert "nopreempt" not in conf and "preempt_delay" not in conf
    high, low = (int(re.search(r"priority (\d+)", f.keepalived_conf).group(1)) for f in (first, second))  # type: ignore[union-attr]
    assert high + weight < low and low + weight >= 1  # a not-ready instance 0 ranks below instance 1
    assert data.files[CHECK_SCRIPT].content == Path(appliance_check.__file__).read_text()
    assert data.files[CHECK_SCRIPT].mode == 0o755
    table = json.loads(data.files["/etc/keepalived/skyweave-appliance.json"].content)["tunnels"]
    assert {(t["site"], t["interface"]) for t in table} == {
        (t.name.rsplit("-", 1)[0], t.interface) for t in first.files.device.tunnels
    }
    assert {t["neighbor"] for t in table} == {str(t.remote.inside) for t in first.files.device.tunnels}


def test_each_bgp_session_gets_the_timers_its_far_end_documents() -> None:
    """AWS's customer-gateway configurations use keepalive 10 s / hold 30 s; Cloud Router keeps
    alive every 20 s by default with a hold time three times that; Azure's gateway is fixed at
    60 s / 180 s and asks peers to match; an on-prem device documents nothing (skyweave: 10 / 30),
    and neither does the pair's own iBGP."""
    documented = {"aws-use1": (10, 30), "gcp-euw1": (20, 60), "azure-weu1": (60, 180), "onprem": (10, 30)}
    for appliance in _pair_files(AWS, GCP, AZURE, ONPREM):
        frr = appliance.frr_conf
        names = dict(re.findall(r"^ neighbor (\S+) description (\S+)$", frr, re.M))
        timers = {
            n: (int(k), int(h)) for n, k, h in re.findall(r"^ neighbor (\S+) timers (\d+) (\d+)$", frr, re.M)
        }
        assert set(timers) == set(names)
        for neighbor, name in names.items():
            want = (10, 30) if name == "pair" else documented[name.rsplit("-", 1)[0]]
            assert timers[neighbor] == want, (appliance.device, name)
        assert {n.rsplit("-", 1)[0] for n in names.values()} == {*documented, "pair"}


SWANCTL_LIST_SAS = """\
gcp-euw1-0: #1, ESTABLISHED, IKEv2, 1829e2fcec017b7b_i* ac210f5a585ac55f_r
  local  '192.0.2.30' @ 10.30.255.30[4500]
  remote '198.51.100.40' @ 198.51.100.40[4500]
  AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048
  established 6s ago, rekeying in 26185s
  gcp-euw1-0: #1, reqid 1, INSTALLED, TUNNEL-in-UDP, ESP:AES_CBC-256/HMAC_SHA2_256_128
    installed 6s ago, rekeying in 3355s, expires in 3954s
    in  08e293db (-|0x00000001),      0 bytes,     0 packets
    out b72cee35 (-|0x00000001),      0 bytes,     0 packets
    local  0.0.0.0/0
    remote 0.0.0.0/0
aws-use1-1: #2, CONNECTING, IKEv2, 1829e2fcec017b7c_i* 0000000000000000_r
"""  # as strongSwan 5.9.8's swanctl --list-sas printed it in the namespace lab


def test_the_readiness_check_needs_every_site_reached_by_a_tunnel_that_carries_bgp() -> None:
    from skyweave.network.appliance_check import _INSTALLED, State, Tunnel, forwarding, ready

    assert _INSTALLED.findall(SWANCTL_LIST_SAS) == ["gcp-euw1-0"]
    tunnels = [
        Tunnel("gcp-euw1-0", "gcp-euw1", "xfrm1", "169.254.1.1"),
        Tunnel("aws-use1-0", "aws-use1", "xfrm2", "169.254.2.1"),
        Tunnel("aws-use1-1", "aws-use1", "xfrm3", "169.254.2.5"),
    ]
    interfaces = frozenset({"xfrm1", "xfrm2", "xfrm3"})
    good = State(
        True,
        interfaces,
        frozenset({"gcp-euw1-0", "aws-use1-1"}),
        {"169.254.1.1": ("Established", 1), "169.254.2.1": ("Active", 0), "169.254.2.5": ("Established", 2)},
    )
    assert forwarding(tunnels, good) == [] and ready(tunnels, good) == []  # one AWS tunnel suffices
    rebooted = State(True, interfaces, frozenset(), {"169.254.1.1": ("Active", 0)})
    assert forwarding(tunnels, rebooted) == []
    assert ready(tunnels, rebooted) == [
        "no tunnel to aws-use1 with its CHILD_SA installed and BGP routes received",
        "no tunnel to gcp-euw1 with its CHILD_SA installed and BGP routes received",
    ]
    no_routes = State(True, interfaces, frozenset({"gcp-euw1-0"}), {"169.254.1.1": ("Established", 0)})
    assert "gcp-euw1" in " ".join(ready(tunnels[:1], no_routes))
    off = State(False, frozenset({"xfrm1"}), None, None)
    assert forwarding(tunnels, off) == [
        "IP forwarding is off",
        "tunnel interfaces missing or down: xfrm2, xfrm3",
        "charon does not answer",
        "bgpd does not answer",
    ]
    assert ready(tunnels, off) == forwarding(tunnels, off)


def test_a_pair_whose_user_data_nova_would_refuse_is_refused_with_the_reason() -> None:
    """Nova takes at most 65535 bytes of base64-encoded user data; a pair with too many tunnels
    is refused while rendering (the offline preview renders it) rather than by Nova at apply."""
    from skyweave.core.errors import PlanningError

    sizes = [len(base64.b64encode(f.user_data.encode())) for f in _pair_files(AWS, GCP, ONPREM)]
    assert max(sizes) < 65535
    racks = [{**ONPREM, "name": f"rack{i}"} for i in range(12)]  # 24 tunnels per instance
    with pytest.raises(
        PlanningError, match=r"would be \d+ bytes base64-encoded; Nova accepts at most 65535"
    ) as caught:
        _pair_files(*racks)
    assert caught.value.path == "devices['os-dc1-appliance0'].user_data"
    assert "Key." not in str(caught.value)
    assert "https://docs.openstack.org/nova/latest/user/metadata.html#user-data" in str(caught.value)


def test_a_vsphere_pair_is_bounded_by_guestinfo_not_by_nova() -> None:
    """The follow-up of issue 26: a vSphere pair's user data is the VM's guestinfo.userdata, which
    the guest reads from the VMX ("The VMX sends back at most about 1MB", vSphere Guest SDK,
    In-Guest Communication Limits), so Nova's 65535 bytes do not bound it and the refusal names
    vSphere's limit."""
    from skyweave.core.errors import PlanningError

    def size(n: int) -> int:
        racks = [{**ONPREM, "name": f"rack{i}"} for i in range(n)]
        return max(len(base64.b64encode(f.user_data.encode())) for f in _pair_files(*racks, vendor="vsphere"))

    at_12 = size(12)  # Nova refuses these (above)
    assert 65535 < at_12 < 1_000_000
    per_rack = (at_12 - size(6)) / 6
    many = [{**ONPREM, "name": f"rack{i}"} for i in range(12 + int((1_000_000 - at_12) / per_rack) + 2)]
    assert len(many) < 200  # the far ends' blocks and ranges stay distinct (_pair_files)
    with pytest.raises(PlanningError) as caught:
        _pair_files(*many, vendor="vsphere")
    message = str(caught.value)
    assert "Nova" not in message and "accepts at most 1000000" in message
    assert "guestinfo" in message and "in-guest-communication-limits" in message
