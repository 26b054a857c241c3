"""The device-config renderer without daemons: what it writes, what it refuses, and that a PSK
never leaks beyond the one file meant to hold it. (tests/test_vpn_daemons.py runs the output.)"""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from skyweave.core.errors import PlanningError
from skyweave.drivers.base import BgpTimers
from skyweave.network.device_config import (
    PairPeer,
    Tunnel,
    TunnelSide,
    device,
    devices,
    render_device,
    render_devices,
    render_frr,
    render_swanctl,
    tunnel_interfaces,
)
from skyweave.planning.vpn import CipherSet, Routing

AWS0 = TunnelSide("aws", "198.51.100.10", 64512, ("10.10.0.0/16",), "169.254.10.1", 1)
AWS1 = TunnelSide("aws", "198.51.100.11", 64512, ("10.10.0.0/16",), "169.254.10.5", 2)
DEV0 = TunnelSide("dev", "192.0.2.10", 65010, ("10.50.0.0/16", "10.51.0.0/16"), "169.254.10.2", 1)
DEV1 = dataclasses.replace(DEV0, inside="169.254.10.6", if_id=2)
T0 = Tunnel("t0", AWS0, DEV0, Routing.BGP, "169.254.10.0/30")
T1 = Tunnel("t1", AWS1, DEV1, Routing.BGP, "169.254.10.4/30")
PSKS = {"t0": "Secret.one_0001", "t1": "Secret.two_0002"}


def section(text: str, name: str) -> str:
    """The body of the first ``name {`` … matching ``}`` block."""
    start = text.index(f"{name} {{")
    depth, i = 0, start
    while True:
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
        i += 1


def settings(block: str) -> dict[str, str]:
    return dict(re.findall(r"^\s*([a-z_]+) = (.+)$", block, re.M))


def test_each_tunnel_is_one_route_based_connection_bound_to_its_interface() -> None:
    conf = render_swanctl(device("dev", [T0, T1]), PSKS)
    conn = section(conf, "    t1")
    top = settings(conn.split("children")[0])
    assert top == {
        "version": "2",
        "local_addrs": "192.0.2.10",
        "remote_addrs": "198.51.100.11",
        "proposals": "aes256-sha256-modp2048",
        "rekey_time": "28800s",
        "dpd_delay": "10s",
        "keyingtries": "0",
        "mobike": "no",
        "auth": "psk",
        "id": "198.51.100.11",
    }
    child = settings(section(conn, "            t1"))
    assert child == {
        "local_ts": "0.0.0.0/0",
        "remote_ts": "0.0.0.0/0",
        "esp_proposals": "aes256-sha256-modp2048",
        "rekey_time": "3600s",
        "if_id_in": "2",
        "if_id_out": "2",
        "start_action": "start",
        "dpd_action": "restart",
        "close_action": "start",
    }


def test_only_the_initiating_end_starts_the_tunnel() -> None:
    files = render_devices([T0], PSKS)
    cloud = settings(section(section(files["aws"].swanctl_conf, "    t0"), "            t0"))
    assert (cloud["start_action"], cloud["dpd_action"], cloud["close_action"]) == ("none", "clear", "none")
    assert "keyingtries" not in files["aws"].swanctl_conf
    swapped = render_devices([dataclasses.replace(T0, initiator="a")], PSKS)
    assert "start_action = start" in swapped["aws"].swanctl_conf
    assert "start_action = none" in swapped["dev"].swanctl_conf


def test_the_peer_is_rendered_from_its_own_side_of_the_same_plan() -> None:
    files = render_devices([T0, T1], PSKS)
    for name in ("t0", "t1"):
        mine = settings(section(files["dev"].swanctl_conf, f"    {name}").split("children")[0])
        theirs = settings(section(files["aws"].swanctl_conf, f"    {name}").split("children")[0])
        assert (mine["local_addrs"], mine["remote_addrs"]) == (theirs["remote_addrs"], theirs["local_addrs"])
    assert "neighbor 169.254.10.1 remote-as 64512" in files["dev"].frr_conf
    assert "neighbor 169.254.10.2 remote-as 65010" in files["aws"].frr_conf
    assert files["aws"].device.router_id == "198.51.100.10"


def test_the_psk_is_written_hex_encoded_and_nowhere_else() -> None:
    tricky = {"t0": "0x41414141", "t1": "0sAAAA.BBBB"}  # would read as hex / base64 if written as is
    files = render_devices([T0, T1], tricky)
    conf = files["dev"].swanctl_conf
    secrets = section(conf, "secrets")
    assert section(secrets, "ike-t0").splitlines()[1:] == [
        "        id-local = 192.0.2.10",
        "        id-remote = 198.51.100.10",
        f"        secret = 0x{b'0x41414141'.hex()}",
        "    }",
    ]
    for psk in tricky.values():
        assert psk not in conf
        for f in files.values():
            assert psk not in repr(f) and psk not in f.frr_conf and psk not in repr(f.device)


def test_a_missing_or_unusable_psk_is_named_by_tunnel_never_shown() -> None:
    with pytest.raises(PlanningError, match="no pre-shared key given for tunnel 't1'"):
        render_swanctl(device("dev", [T0, T1]), {"t0": PSKS["t0"]})
    with pytest.raises(PlanningError, match="tunnel 't0' must be 8-255 printable") as caught:
        render_swanctl(device("dev", [T0]), {"t0": "short\n"})
    assert "short" not in str(caught.value)


def test_frr_exports_only_its_own_ranges_and_accepts_only_the_planned_ones() -> None:
    conf = render_frr(device("dev", [T0, T1]))
    assert "router bgp 65010" in conf and " bgp router-id 192.0.2.10" in conf
    assert "ip prefix-list SW-OUT-t0 seq 10 permit 10.50.0.0/16" in conf
    assert "ip prefix-list SW-OUT-t0 seq 20 permit 10.51.0.0/16" in conf
    assert "ip prefix-list SW-IN-t0 seq 10 permit 10.10.0.0/16 le 32" in conf
    assert re.search(r"route-map SW-IN-t0 permit 10\n match ip address prefix-list SW-IN-t0\n", conf)
    for line in (
        " neighbor 169.254.10.1 timers 10 30",
        "  network 10.50.0.0/16",
        "  network 10.51.0.0/16",
        "  neighbor 169.254.10.5 route-map SW-IN-t1 in",
        "  neighbor 169.254.10.5 route-map SW-OUT-t1 out",
    ):
        assert line in conf.splitlines()
    assert conf.count("  network ") == 2  # once per own range, not once per tunnel


def test_each_session_is_given_its_tunnels_timers_and_the_pair_keeps_skyweaves() -> None:
    """Azure's gateway keeps 60 s / 180 s whatever the peer offers: a tunnel to it is given those,
    and only that tunnel's session; the pair's iBGP keeps 10 s / 30 s."""
    azure = dataclasses.replace(T1, timers=BgpTimers(60, 180, "Azure VPN Gateway FAQ"))
    conf = render_device("dev", [T0, azure], PSKS, pair=PairPeer("10.4.0.11", "10.4.0.10")).frr_conf
    assert re.findall(r"^ neighbor (\S+) timers (\d+ \d+)$", conf, re.M) == [
        ("169.254.10.1", "10 30"),
        ("169.254.10.5", "60 180"),
        ("10.4.0.11", "10 30"),
    ]


@pytest.mark.parametrize(("keepalive", "hold"), [(10, 2), (20, 30), (0, 30), (10, 70000)])
def test_bgp_timers_bgp_would_refuse_or_that_lose_a_session_to_one_lost_keepalive_are_refused(
    keepalive: int, hold: int
) -> None:
    tunnel = dataclasses.replace(T0, timers=BgpTimers(keepalive, hold, "test"))
    with pytest.raises(PlanningError, match=rf"keepalive {keepalive} s / hold {hold} s") as caught:
        render_devices([tunnel], PSKS)
    assert caught.value.path == "tunnels['t0'].timers"


def test_static_tunnels_route_through_the_first_interface_and_keep_the_others_standing_by() -> None:
    static = [dataclasses.replace(t, routing=Routing.STATIC) for t in (T0, T1)]
    conf = render_frr(device("dev", static))
    assert "router bgp" not in conf
    assert [line for line in conf.splitlines() if line.startswith("ip route")] == [
        "ip route 10.10.0.0/16 xfrm1 1",
        "ip route 10.10.0.0/16 xfrm2 11",
    ]


def test_interfaces_carry_the_inside_address_and_peer() -> None:
    (i0, i1) = tunnel_interfaces(device("dev", [T1, T0]))
    assert (i0.name, i0.if_id, i0.tunnel, str(i0.address), str(i0.peer)) == (
        "xfrm1",
        1,
        "t0",
        "169.254.10.2/30",
        "169.254.10.1",
    )
    assert i1.name == "xfrm2"
    assert i0.mtu == i1.mtu == 1390  # under AWS's 1399 and GCP's NAT-T payload MTU (1398)


def test_rendering_is_deterministic_whatever_the_order_of_the_plans() -> None:
    one = render_devices([T0, T1], PSKS)
    two = render_devices([T1, T0], dict(reversed(PSKS.items())))
    assert {k: (f.swanctl_conf, f.frr_conf) for k, f in one.items()} == {
        k: (f.swanctl_conf, f.frr_conf) for k, f in two.items()
    }


def test_render_device_builds_only_that_device() -> None:
    # A peer described inconsistently (another ASN on one tunnel) does not stop this device.
    wrong_peer = dataclasses.replace(T1, a=dataclasses.replace(AWS1, asn=64513))
    files = render_device("dev", [T0, wrong_peer], PSKS)
    assert "neighbor 169.254.10.5 remote-as 64513" in files.frr_conf
    with pytest.raises(PlanningError, match="device 'aws' is given 2 ASNs"):
        devices([T0, wrong_peer])
    with pytest.raises(PlanningError, match="no tunnel ends on device 'nope'"):
        device("nope", [T0])


@pytest.mark.parametrize(
    ("tunnels", "message"),
    [
        ([dataclasses.replace(T0, b=dataclasses.replace(DEV0, asn=64512))], "both ends use AS 64512"),
        ([dataclasses.replace(T0, inside_cidr=None)], "needs inside_cidr and both inside addresses"),
        ([dataclasses.replace(T0, b=dataclasses.replace(DEV0, inside="169.254.10.9"))], "must be a host"),
        ([dataclasses.replace(T0, b=dataclasses.replace(DEV0, inside="169.254.10.1"))], "both ends have"),
        ([T0, dataclasses.replace(T1, b=dataclasses.replace(DEV1, if_id=1))], "uses an if_id twice"),
        ([T0, dataclasses.replace(T1, a=dataclasses.replace(AWS1, outside="198.51.100.10"))], "same IKE"),
        ([T0, dataclasses.replace(T1, name="t0")], "tunnel names must be unique"),
        ([dataclasses.replace(T0, name="t 0")], "tunnel name 't 0'"),
        ([dataclasses.replace(T0, ciphers=CipherSet(encryption="des"))], "encryption 'des'"),
        ([dataclasses.replace(T0, ciphers=CipherSet(dh_group=19))], "dh_group 19"),
        ([dataclasses.replace(T0, routing=Routing.PEERING)], "routing 'peering'"),
        ([dataclasses.replace(T0, b=dataclasses.replace(DEV0, outside="rack7"))], "must be an IP address"),
        ([dataclasses.replace(T0, b=dataclasses.replace(DEV0, device="aws"))], "both ends are on device"),
        ([dataclasses.replace(T0, b=dataclasses.replace(DEV0, prefixes=("10.50.0.1/16",)))], "host bits"),
        (
            [dataclasses.replace(T0, routing=Routing.STATIC, a=dataclasses.replace(AWS0, prefixes=()))],
            "static",
        ),
    ],
)
def test_what_would_fail_on_the_wire_is_refused_here(tunnels: list[Tunnel], message: str) -> None:
    with pytest.raises(PlanningError, match=re.escape(message)):
        render_devices(tunnels, {t.name: "Secret.0001" for t in tunnels})


@given(
    st.lists(st.integers(min_value=1, max_value=200), min_size=1, max_size=6, unique=True),
    st.integers(min_value=64512, max_value=65533),
)
def test_every_device_gets_one_connection_and_one_neighbour_per_tunnel(if_ids: list[int], asn: int) -> None:
    tunnels = [
        Tunnel(
            f"t{i}",
            TunnelSide(
                "cloud",
                f"198.51.100.{i + 1}",
                64514 if asn != 64514 else 64515,
                ("10.1.0.0/16",),
                f"169.254.20.{4 * i + 1}",
                i + 1,
            ),
            TunnelSide("box", "192.0.2.1", asn, ("10.2.0.0/16",), f"169.254.20.{4 * i + 2}", if_id),
            Routing.BGP,
            f"169.254.20.{4 * i}/30",
        )
        for i, if_id in enumerate(if_ids)
    ]
    files = render_devices(tunnels, {t.name: f"Secret.{t.name}.key" for t in tunnels})
    for f in files.values():
        assert f.swanctl_conf.count("auth = psk") == 2 * len(tunnels)
        assert f.swanctl_conf.count("    ike-t") == len(tunnels)
        assert f.frr_conf.count(" remote-as ") == len(tunnels)
        assert sorted(i.if_id for i in f.interfaces) == sorted(t.local.if_id for t in f.device.tunnels)
