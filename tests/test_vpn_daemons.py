"""The rendered device configs, proven by the real daemons: strongSwan negotiates IKEv2 and FRR's
bgpd brings up eBGP between the configurations of both ends of each tunnel, each rendered from
its own side of a link plan made by skyweave's planner.

How (details in tests/vpnlab.py and docs/vpn-devices.md): one network namespace per device, a
bridge for the outside addresses (documentation ranges, inside the lab's namespaces only),
charon with strongSwan's userspace IPsec (kernel-libipsec: this machine has no kernel ESP or XFRM
interfaces) for IKE and ESP, and zebra + bgpd + staticd per device. BGP runs over one veth per
tunnel — the stand-in for that tunnel's XFRM interface, with the rendered interface name and
inside /30 address — which the lab brings up only once IKE has established that tunnel at both
ends. So a session can only come up where the IPsec configuration agrees too.

The negative cases change one thing on one side of one tunnel and check that exactly that
tunnel fails while its sibling, rendered from the same plans, comes up — the lab can fail, and
it fails for the reason given.

The tests skip (with the reason) where the daemons are not installed or the user is not root;
``.ci/run`` installs them. Each step waits with a deadline; the lab is torn down in a ``finally``.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
import re
import signal
import time
from collections.abc import Callable, Iterator

import pytest
import vpnlab
from skyweave.drivers import get_driver
from skyweave.drivers.base import BgpTimers
from skyweave.network.appliance import (
    ApplianceAddress,
    ApplianceFiles,
    appliance_tunnels,
    peer_key,
    render_appliance,
    tunnel_name,
)
from skyweave.network.appliance_boot import CHECK_SCRIPT
from skyweave.network.device_config import DeviceFiles, Tunnel, TunnelSide, render_device, render_devices
from skyweave.planning.tunnels import inside_range
from skyweave.planning.vpn import (
    CipherSet,
    LinkPlan,
    Routing,
    Shape,
    SiteEnd,
    TunnelPlan,
    VpnEndpoint,
    plan_link,
)

pytestmark = pytest.mark.skipif(vpnlab.missing() is not None, reason=f"VPN lab: {vpnlab.missing()}")

# The estate: documentation address ranges only (RFC 5737), private site ranges, private ASNs.


def _end(site: dict[str, object], asn: int, cidrs: tuple[str, ...]) -> SiteEnd:
    """A link end as production builds it: from the site's model, through its driver's facts."""
    from skyweave.drivers import get_driver
    from skyweave.network.connectivity import site_end

    model = get_driver(str(site["vendor"])).site_model.model_validate(site)
    return site_end(model, asn, cidrs)


AWS = _end({"name": "aws-use1", "vendor": "aws", "region": "us-east-1"}, 64512, ("10.10.0.0/16",))
GCP = _end(
    {"name": "gcp-euw1", "vendor": "gcp", "region": "europe-west1", "project": "p-123456"},
    64514,
    ("10.20.0.0/16",),
)
# Azure's active-active gateway, as its driver declares it (links to it take APIPA /30s).
AZURE = _end(
    {
        "name": "azure-weu1",
        "vendor": "azure",
        "region": "westeurope",
        "subscription_id": "6b1f3c2a-8d4e-4f5a-9c7b-1e2d3f4a5b6c",
    },
    64516,
    ("10.70.0.0/16",),
)
# An OpenStack site whose VPN end is the appliance pair (vpn: appliance), as the component builds
# it: each instance on a port with a fixed address behind its floating IP (1:1 NAT).
OS_APPLIANCE = _end(
    {
        "name": "os-dc1",
        "vendor": "openstack",
        "region": "RegionOne",
        "cloud": "dc1",
        "cidr": "10.30.0.0/16",
        "vpn": "appliance",
        "vpn_appliance": {"image": "debian-12-genericcloud", "flavor": "m1.small"},
    },
    65020,
    ("10.30.0.0/16",),
)
PAIR = (ApplianceAddress("192.0.2.30", "10.30.255.30"), ApplianceAddress("192.0.2.31", "10.30.255.31"))
FIXED_IPS = {a.public: a.private for a in PAIR}
NEXT_HOP = "10.30.255.5"  # the Neutron router's next hop for remote ranges (keepalived's address)
RACK_BGP = _end(
    {
        "name": "rack7",
        "vendor": "onprem",
        "region": "r7",
        "cidrs": ["10.50.0.0/16"],
        "bgp": True,
        "vpn_peer_ip": "192.0.2.10",
    },
    65010,
    ("10.50.0.0/16",),
)
RACK_STATIC = _end(
    {
        "name": "rack8",
        "vendor": "onprem",
        "region": "r8",
        "cidrs": ["10.60.0.0/16"],
        "vpn_peer_ip": "192.0.2.11",
    },
    65011,
    ("10.60.0.0/16",),
)

# Each cloud gateway's public addresses, per (gateway, tunnel) of its side of the plan.
CLOUD_OUTSIDE: dict[str, Callable[[TunnelPlan], str]] = {
    "aws": lambda t: f"198.51.100.{10 + 2 * t.a_gateway + t.a_tunnel}",  # one per AWS tunnel endpoint
    "gcp": lambda t: f"198.51.100.{40 + t.a_gateway}",  # one per HA VPN interface
    # one per gateway instance; Azure is side b of its links (ordered after every other kind)
    "azure": lambda t: f"198.51.100.{50 + t.b_gateway}",
}


class IfIds:
    """Each device numbers its tunnels' XFRM interfaces 1, 2, … in plan order."""

    def __init__(self) -> None:
        self.used: dict[str, int] = {}

    def next(self, device: str) -> int:
        self.used[device] = self.used.get(device, 0) + 1
        return self.used[device]


def link_tunnels(link: LinkPlan, if_ids: IfIds) -> list[Tunnel]:
    """The device-config tunnels of one link plan: field for field what ``LinkPlan`` and
    ``TunnelPlan`` hold (ASNs, prefixes, inside /30 and addresses, ciphers, routing), plus the
    outside addresses a real estate gets from its gateways (here: fixed documentation ones)."""
    assert link.b.vendor == "onprem", "these scenarios end on devices"
    result = []
    for t in link.tunnels:
        cloud = link.a.site
        device = f"{link.b.site}-dev{t.b_gateway}"
        result.append(
            Tunnel(
                name=f"{link.b.site}-{cloud}-{t.index}",
                a=TunnelSide(
                    device=cloud,
                    outside=CLOUD_OUTSIDE[link.a.vendor](t),
                    asn=link.a.asn,
                    prefixes=link.a.ipv4_cidrs,
                    inside=t.a_inside_ip,
                    if_id=if_ids.next(cloud),
                ),
                b=TunnelSide(
                    device=device,
                    outside=link.b.devices[t.b_gateway],
                    bind=FIXED_IPS.get(link.b.devices[t.b_gateway]),
                    asn=link.b.asn,
                    prefixes=link.b.ipv4_cidrs,
                    inside=t.b_inside_ip,
                    if_id=if_ids.next(device),
                ),
                routing=link.routing,
                inside_cidr=str(t.inside_cidr) if t.inside_cidr else None,
                ciphers=link.ciphers,
            )
        )
    return result


SUBNET = "10.30.240.0/20"  # the site subnet the pair's ports and the next hop are on

# Each far end's BGP timers (keepalive, hold), as its vendor documents its gateway — read from the
# vendors' pages, not from skyweave's drivers: AWS's customer-gateway configurations ("Neighbor
# Hold Time : 30", "timers 10 30 30"), Google Cloud Router's default keepalive of 20 s with a hold
# time three times that (RouterBgp.keepaliveInterval), Azure VPN Gateway's fixed 60 s / 180 s
# (VPN Gateway FAQ). The on-prem device stands in for a router as shipped: FRR's "traditional"
# defaults, 60 s / 180 s.
FAR_END_TIMERS = {
    vendor: BgpTimers(keepalive, hold, "the vendor's documents")
    for vendor, (keepalive, hold) in {
        "aws": (10, 30),
        "gcp": (20, 60),
        "azure": (60, 180),
        "onprem": (60, 180),
    }.items()
}
# What the appliance must be configured with: each cloud's own timers (matched, not negotiated);
# with a device, which documents none, skyweave's 10 s / 30 s.
APPLIANCE_TIMERS = {"aws": (10, 30), "gcp": (20, 60), "azure": (60, 180), "onprem": (10, 30)}
# The hold time each session must run with: the vendor's own (the appliance matches it; Azure
# does not negotiate down), and skyweave's 30 s with a device, the lower of the two (RFC 4271 4.2).
NEGOTIATED_HOLD = {"aws": 30, "gcp": 60, "azure": 180, "onprem": 30}


def appliance_lab(
    links: list[LinkPlan],
) -> tuple[dict[str, DeviceFiles], list[vpnlab.SiteLan], list[Tunnel], list[ApplianceFiles]]:
    """The lab for os-dc1's appliance pair and its peers, rendered as the component renders it:
    ``appliance_tunnels`` / ``render_appliance`` over the link plans (the user data carries exactly
    these files); the far ends from their own side of the same tunnels; the pair on the site
    network, whose router sends the far ends' ranges to the next hop (Neutron's routes)."""
    peers, vendors = {}, {}
    for link in links:
        far = link.b if link.a.site == OS_APPLIANCE.site else link.a
        for t in link.tunnels:
            device = far.endpoint is VpnEndpoint.DEVICE
            peers[peer_key(link, t)] = far.devices[t.b_gateway] if device else CLOUD_OUTSIDE[far.vendor](t)
            vendors[tunnel_name(link, OS_APPLIANCE.site, t)] = far.vendor
    tunnels = appliance_tunnels(OS_APPLIANCE.site, links, PAIR, peers)
    psks = psks_for(tunnels)
    limit = get_driver("openstack").appliance_user_data_limit()  # type: ignore[attr-defined]
    appliances = render_appliance(OS_APPLIANCE.site, links, PAIR, peers, psks, NEXT_HOP, SUBNET, limit=limit)
    files = {a.device: a.files for a in appliances}
    # The far ends keep their own vendor's BGP timers, whatever the appliance was given.
    far_ends = [dataclasses.replace(t, timers=FAR_END_TIMERS[vendors[t.name]]) for t in tunnels]
    files |= {name: f for name, f in render_devices(far_ends, psks).items() if name not in files}
    remote = tuple(
        p
        for link in links
        for end in (link.a, link.b)
        if end.site != OS_APPLIANCE.site
        for p in end.ipv4_cidrs
    )
    lan = vpnlab.SiteLan(
        tuple((a.device, p.private) for a, p in zip(appliances, PAIR, strict=True)), SUBNET, NEXT_HOP, remote
    )
    return files, [lan], tunnels, appliances


def booting(appliances: list[ApplianceFiles]) -> dict[str, str]:
    """Each instance boots from its user data."""
    return {a.device: a.user_data for a in appliances}


def assert_user_data_carries(appliance: ApplianceFiles) -> None:
    """What the lab runs is byte for byte what the instance's cloud-init writes."""
    config = json.loads(appliance.user_data.split("\n", 1)[1])
    written = {f["path"]: f["content"] for f in config["write_files"]}
    assert written["/etc/swanctl/conf.d/skyweave.conf"] == appliance.files.swanctl_conf
    assert written["/etc/frr/frr.conf"] == appliance.files.frr_conf


def psks_for(tunnels: list[Tunnel]) -> dict[str, str]:
    # Test keys in AWS's alphabet; distinct per tunnel so a mixed-up key cannot pass.
    return {t.name: f"Lab.{i}_{t.name.replace('-', '_')}"[:64] for i, t in enumerate(tunnels)}


def block(third: int, fourth: int = 0) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network(f"169.254.{third}.{fourth}/27")


#: A bound on each lab test (every step waits with a deadline of its own; this one catches the
#: sum): the slowest scenario, the reboot, takes about 35 s on two busy shared cores.
LAB_TEST_SECONDS = 240


def _over_time(signum: int, frame: object) -> None:
    raise TimeoutError(f"the lab test ran over {LAB_TEST_SECONDS} s")


@pytest.fixture
def lab_for() -> Iterator[Callable[..., vpnlab.Lab]]:
    """Start a lab for some devices' files; every lab started is torn down after the test, which
    is stopped after ``LAB_TEST_SECONDS`` whatever it waits on."""
    labs: list[vpnlab.Lab] = []
    previous = signal.signal(signal.SIGALRM, _over_time)
    signal.alarm(LAB_TEST_SECONDS)

    def start(
        files: dict[str, DeviceFiles],
        lans: list[vpnlab.SiteLan] | None = None,
        boot: dict[str, str] | None = None,
    ) -> vpnlab.Lab:
        lab = vpnlab.Lab(files, lans or (), boot)
        labs.append(lab)
        lab.start()
        return lab

    try:
        yield start
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        for lab in labs:
            lab.close()


NEGOTIATED_IKE = {
    "version": "2",
    "encr-alg": "AES_CBC",
    "encr-keysize": "256",
    "integ-alg": "HMAC_SHA2_256_128",
    "prf-alg": "PRF_HMAC_SHA2_256",
    "dh-group": "MODP_2048",
}
NEGOTIATED_ESP = {"encr-alg": "AES_CBC", "encr-keysize": "256", "integ-alg": "HMAC_SHA2_256_128"}


def assert_ike_as_planned(lab: vpnlab.Lab, ike: vpnlab.IkeResult, tunnels: list[Tunnel]) -> None:
    assert ike.up, f"IKE: {ike.states} {ike.fatal}\n{lab.diagnostics()}"
    for (device, name), sa in ike.sas.items():
        assert {k: sa.get(k) for k in NEGOTIATED_IKE} == NEGOTIATED_IKE, (device, name)
        assert {k: sa["child"].get(k) for k in NEGOTIATED_ESP} == NEGOTIATED_ESP, (device, name)
        # The rendered XFRM interface id is what charon bound the CHILD_SA to.
        if_id = next(t.local.if_id for t in lab.nodes[device].files.device.tunnels if t.name == name)
        assert int(sa["child"]["if-id-in"], 16) == int(sa["child"]["if-id-out"], 16) == if_id
        assert sa["child"]["local-ts"] == sa["child"]["remote-ts"] == ["0.0.0.0/0"]
    assert ike.tunnels == {t.name for t in tunnels}


def run_bgp_scenario(lab: vpnlab.Lab, tunnels: list[Tunnel]) -> vpnlab.BgpResult:
    ike = lab.wait_ike()
    assert_ike_as_planned(lab, ike, tunnels)
    lab.links_up(ike)
    bgp = lab.wait_bgp()
    assert bgp.as_planned, (
        f"BGP: {bgp.states}\nlearned {bgp.learned}\nadvertised {bgp.advertised}\n{bgp.notes}\n"
        + lab.diagnostics()
    )
    rekeyed = lab.rekey_children()
    assert rekeyed.up, f"CHILD_SA rekey with PFS: {rekeyed.states} {rekeyed.fatal}\n{lab.diagnostics()}"
    assert {sa["child"].get("dh-group") for sa in rekeyed.sas.values()} == {"MODP_2048"}
    return bgp


def test_onprem_device_and_aws_bring_up_two_bgp_tunnels(lab_for: Callable[..., vpnlab.Lab]) -> None:
    link = plan_link(AWS, RACK_BGP, block(100))
    assert (link.shape, link.routing, len(link.tunnels)) == (Shape.AWS_SITE_VPN, Routing.BGP, 2)
    tunnels = link_tunnels(link, IfIds())
    files = render_devices(tunnels, psks_for(tunnels))
    assert set(files) == {"aws-use1", "rack7-dev0"}
    run_bgp_scenario(lab_for(files), tunnels)


def assert_pair_relays(lab: vpnlab.Lab, appliances: list[ApplianceFiles], remote: set[str]) -> None:
    """iBGP between the two instances: each learns the remote ranges from the other too (its
    fallback when its own tunnels to a cloud are down)."""
    for i, appliance in enumerate(appliances):
        state, learned = lab.pair_session(appliance.device, PAIR[1 - i].private)
        assert (state, set(learned)) == ("Established", remote), f"{appliance.device}\n{lab.diagnostics()}"


APPLIANCE_SHAPES = {
    # peer: (its end, the shape, tunnels)
    "aws": (AWS, "aws-vpn-appliance", 4),  # two customer gateways x two tunnels
    "gcp": (GCP, "gcp-ha-vpn-appliance", 2),  # HA interface i <-> instance i
    "onprem": (RACK_BGP, "appliance-device", 2),  # each instance to the device
    "azure": (AZURE, "azure-vpn-appliance", 2),  # instance i <-> Azure gateway instance i
}


@pytest.mark.parametrize("peer", sorted(APPLIANCE_SHAPES))
def test_each_appliance_shape_brings_up_ike_and_bgp_with_the_user_datas_configs(
    peer: str, lab_for: Callable[..., vpnlab.Lab]
) -> None:
    """The appliance pair's configs as its user data carries them, against the peer rendered
    from its own side of the same plan: every tunnel's IKE and BGP, and the pair's iBGP."""
    end, shape, count = APPLIANCE_SHAPES[peer]
    # A /27 where the pair's endpoint kinds take inside addresses from (Azure: its APIPA range).
    narrow = inside_range(end.endpoint, OS_APPLIANCE.endpoint)
    where = next(narrow.networks[0].subnets(new_prefix=27)) if narrow else block(104)
    link = plan_link(end, OS_APPLIANCE, where)
    assert (link.shape, link.routing, len(link.tunnels), link.active_paths) == (
        shape,
        Routing.BGP,
        count,
        count,
    )
    files, lans, tunnels, appliances = appliance_lab([link])
    for appliance in appliances:
        assert_user_data_carries(appliance)
    lab = lab_for(files, lans, booting(appliances))
    run_bgp_scenario(lab, tunnels)
    assert_pair_relays(lab, appliances, set(end.ipv4_cidrs))
    assert_timers(lab, appliances, peer)


def assert_timers(lab: vpnlab.Lab, appliances: list[ApplianceFiles], vendor: str) -> None:
    """Every eBGP session of the pair with ``vendor`` 's end runs with the hold time that vendor
    documents (the negotiated one, as bgpd reports it), and the appliance was configured with the
    vendor's own keepalive and hold (it matches rather than relies on negotiation)."""
    for appliance in appliances:
        neighbors = lab.vtysh(lab.nodes[appliance.device], "show bgp neighbors json")
        for t in appliance.files.device.tunnels:
            info = neighbors[str(t.remote.inside)]
            assert info["bgpState"] == "Established", (appliance.device, t.name)
            assert info["bgpTimerHoldTimeMsecs"] == NEGOTIATED_HOLD[vendor] * 1000, (t.name, info)
            assert (
                info["bgpTimerConfiguredKeepAliveIntervalMsecs"] // 1000,
                info["bgpTimerConfiguredHoldTimeMsecs"] // 1000,
            ) == APPLIANCE_TIMERS[vendor], (t.name, info)


def test_appliance_pair_joins_aws_and_gcp_without_becoming_a_transit(
    lab_for: Callable[..., vpnlab.Lab],
) -> None:
    """AWS: two customer gateways x two tunnels = 4 BGP tunnels; GCP HA VPN: one tunnel to each
    of the pair's two addresses. The appliances run IKE from their fixed addresses behind 1:1 NAT
    to their floating IPs, which the clouds know them by. Each appliance learns both clouds'
    ranges; each cloud learns only the site's — the appliance's export policy keeps AWS's routes
    from reaching GCP and back, iBGP between the two notwithstanding."""
    aws_link = plan_link(AWS, OS_APPLIANCE, block(101))
    gcp_link = plan_link(GCP, OS_APPLIANCE, block(101, 32))
    assert (len(aws_link.tunnels), len(gcp_link.tunnels)) == (4, 2)
    files, lans, tunnels, appliances = appliance_lab([aws_link, gcp_link])
    assert set(files) == {"aws-use1", "gcp-euw1", "os-dc1-appliance0", "os-dc1-appliance1"}
    assert [len(files[a.device].device.tunnels) for a in appliances] == [3, 3]
    lab = lab_for(files, lans, booting(appliances))
    bgp = run_bgp_scenario(lab, tunnels)
    # The clouds saw the floating IPs; the appliances know they are behind NAT.
    ike = lab.wait_ike()
    for (device, _), sa in ike.sas.items():
        if device.startswith("os-dc1"):
            assert sa["local-host"] in FIXED_IPS.values() and sa.get("nat-local") == "yes", sa
        else:
            assert sa["remote-host"] in FIXED_IPS and sa["remote-id"] == sa["remote-host"], sa
    gcp_learned = {p for (device, _), ps in bgp.learned.items() if device == "gcp-euw1" for p in ps}
    appliance_learned = {
        p for (device, _), ps in bgp.learned.items() if device == "os-dc1-appliance0" for p in ps
    }
    assert gcp_learned == {"10.30.0.0/16"}
    assert appliance_learned == {"10.10.0.0/16", "10.20.0.0/16"}
    assert_pair_relays(lab, appliances, {"10.10.0.0/16", "10.20.0.0/16"})


GCP_HOST = "10.20.0.1"  # a machine in GCP's range: where the site's test traffic goes
PROBE_PORT = 9  # closed there: the answer is a RST, which proves the path both ways


def answered(lab: vpnlab.Lab, since: float, count: int, what: str, timeout: float = 30.0) -> None:
    """Wait until the last ``count`` probes since ``since`` were all answered."""

    def last_answered() -> bool | None:
        found = lab.probes(since)
        return True if len(found) >= count and all(ok for _, ok in found[-count:]) else None

    vpnlab.until(last_answered, timeout, what)


@pytest.mark.skipif(not os.access(vpnlab.KEEPALIVED, os.X_OK), reason="keepalived is not installed")
def test_a_rebooted_instance_takes_the_next_hop_back_only_once_it_carries_traffic(
    lab_for: Callable[..., vpnlab.Lab],
) -> None:
    """The pair boots from its user data; instance 0 reboots (its daemons stopped, what a reboot
    loses lost, then only what boots every boot started). Traffic from the site network to GCP
    keeps flowing through instance 1 the whole time — also while instance 0 is back but its
    tunnels are not yet (their far ends stay down until IKE re-establishes them) — and the next
    hop returns to instance 0 only once it carries traffic again."""
    link = plan_link(GCP, OS_APPLIANCE, block(105))
    files, lans, tunnels, appliances = appliance_lab([link])
    lab = lab_for(files, lans, booting(appliances))
    run_bgp_scenario(lab, tunnels)
    first, second = names = [a.device for a in appliances]
    assert lab.holder(NEXT_HOP, names, first, timeout=30) == first, lab.diagnostics()
    lab.add_address("gcp-euw1", GCP_HOST)
    lab.start_prober(0, GCP_HOST, PROBE_PORT)
    answered(lab, 0.0, 10, "traffic from the site network through the pair")

    down = time.time()
    lab.shutdown(first)
    assert lab.holder(NEXT_HOP, names, second) == second
    answered(lab, down, 10, "traffic through instance 1")

    mark = len(lab.keepalived_log(first))
    up = time.time()
    lab.boot(first)
    # keepalived on instance 0 has left its start-up state; then for 30 more probes (6 s: longer
    # than VRRP's master-down interval, 3 x advert_int + skew = 3.4 s, after which a backup that
    # outranks the master takes over) the next hop must stay on instance 1, every probe answered.
    vpnlab.until(
        lambda: re.search(r"Entering (BACKUP|MASTER) STATE", lab.keepalived_log(first)[mark:]),
        30,
        "instance 0's keepalived to leave its start-up state",
    )
    decided = time.time()

    def not_ready_window() -> bool | None:
        holding = lab.holder(NEXT_HOP, names, second, timeout=0)
        assert holding == second, f"the next hop went to {holding} before instance 0 carried traffic"
        return True if len(lab.probes(decided)) >= 30 else None

    vpnlab.until(not_ready_window, 30, "30 probes while instance 0 is not ready")
    assert all(ok for _, ok in lab.probes(up)), "traffic stopped while instance 0 was booting"
    # Why: the rendered check (keepalived's track scripts) says it can forward but is not ready.
    assert lab.run_in(first, [CHECK_SCRIPT, "forwarding"]).returncode == 0
    not_ready = lab.run_in(first, [CHECK_SCRIPT, "ready"])
    assert not_ready.returncode == 1 and "no tunnel to gcp-euw1" in not_ready.stdout, not_ready
    # What boots every boot made the instance's state again: forwarding, the tunnel interfaces.
    assert lab.sysctl(first, "net.ipv4.ip_forward") == "1"
    for itf in files[first].interfaces:
        assert lab.link_state(first, itf.name) == (True, itf.mtu, [str(itf.address)]), itf.name

    ike = lab.wait_ike()
    assert ike.up, f"{ike.states}\n{lab.diagnostics()}"
    lab.links_up(ike)
    bgp = lab.wait_bgp()
    assert bgp.as_planned, f"{bgp.states}\n{lab.diagnostics()}"
    assert lab.holder(NEXT_HOP, names, first, timeout=30) == first, lab.keepalived_log(first)[mark:]
    back = time.time()
    ready = lab.run_in(first, [CHECK_SCRIPT, "ready"])
    assert ready.returncode == 0, ready
    answered(lab, back, 10, "traffic through instance 0 again")
    lost = [at for at, ok in lab.probes(down) if not ok]
    assert all(at < up or at >= back - 2 for at in lost), f"probes lost while instance 0 was down: {lost}"

    # TCP MSS clamping, measured on the wire: a SYN from the site network reaches the instance
    # holding the next hop with the MSS of a 1500-byte link, and leaves through the tunnel with
    # the tunnel's: MTU 1390 - 20 (IPv4) - 20 (TCP) = 1350.
    assert lab.syn_mss(first, PROBE_PORT, "site0") == 1500 - 40
    assert lab.syn_mss("gcp-euw1", PROBE_PORT) == 1390 - 40
    rules = [
        r["rule"] for r in lab.nft(first, "list", "table", "ip", "skyweave_mss")["nftables"] if "rule" in r
    ]
    counted = [e["counter"]["packets"] for r in rules for e in r["expr"] if "counter" in e]
    assert len(rules) == 2 and counted[0] > 0, rules  # out through the tunnels (and in)


def test_static_device_and_aws_route_over_one_tunnel_with_the_other_standing_by(
    lab_for: Callable[..., vpnlab.Lab],
) -> None:
    link = plan_link(AWS, RACK_STATIC, block(102))
    assert (link.shape, link.routing, len(link.tunnels)) == (Shape.AWS_SITE_VPN, Routing.STATIC, 2)
    tunnels = link_tunnels(link, IfIds())
    lab = lab_for(render_devices(tunnels, psks_for(tunnels)))
    ike = lab.wait_ike()
    assert_ike_as_planned(lab, ike, tunnels)
    lab.links_up(ike)
    routes = lab.static_routes()
    # zebra holds a route through each tunnel's interface; the first tunnel's is the one in use.
    assert routes == {
        "aws-use1": {"10.60.0.0/16": [("xfrm1", 1, True), ("xfrm2", 11, False)]},
        "rack8-dev0": {"10.10.0.0/16": [("xfrm1", 1, True), ("xfrm2", 11, False)]},
    }, f"{routes}\n{lab.diagnostics()}"


# -- one side changed, one tunnel: that tunnel must fail, its sibling must come up ---------------


def _other_inside(tunnel: Tunnel) -> Tunnel:
    """The tunnel as a plan would read with another /30 (e.g. renumbered on one side only)."""
    assert tunnel.inside_cidr is not None
    moved = ipaddress.IPv4Network(tunnel.inside_cidr)
    moved = ipaddress.IPv4Network((int(moved.network_address) + 16, moved.prefixlen))
    return dataclasses.replace(
        tunnel,
        inside_cidr=str(moved),
        a=dataclasses.replace(tunnel.a, inside=str(moved.network_address + 1)),
        b=dataclasses.replace(tunnel.b, inside=str(moved.network_address + 2)),
    )


ONE_SIDED: dict[str, tuple[Callable[[Tunnel], Tunnel], bool, str]] = {
    # name: (change to the device's copy of tunnel 0, PSK changed too, where it must fail)
    "psk": (lambda t: t, True, "ike"),
    "proposal": (lambda t: dataclasses.replace(t, ciphers=CipherSet(dh_group=15)), False, "ike"),
    "asn": (lambda t: dataclasses.replace(t, a=dataclasses.replace(t.a, asn=t.a.asn + 1)), False, "bgp"),
    "inside-address": (_other_inside, False, "bgp"),
}


@pytest.mark.parametrize("change", sorted(ONE_SIDED))
def test_a_one_sided_change_fails_that_tunnel_only(change: str, lab_for: Callable[..., vpnlab.Lab]) -> None:
    link = plan_link(GCP, RACK_BGP, block(103))
    tunnels = link_tunnels(link, IfIds())
    assert len(tunnels) == 2  # both HA VPN interfaces reach the one device
    broken, sibling = tunnels
    mutate, psk_differs, stage = ONE_SIDED[change]
    psks = psks_for(tunnels)
    device_psks = {**psks, broken.name: psks[broken.name] + "x"} if psk_differs else psks
    # GCP's side from the plan as is; the device's from the plan with one thing changed.
    files = {
        "gcp-euw1": render_devices(tunnels, psks)["gcp-euw1"],
        "rack7-dev0": render_device("rack7-dev0", [mutate(broken), sibling], device_psks),
    }
    lab = lab_for(files)
    ike = lab.wait_ike()
    assert ike.tunnel_up(sibling.name), f"{ike.states}\n{lab.diagnostics()}"
    if stage == "ike":
        assert not ike.tunnel_up(broken.name), ike.states
        assert broken.name in ike.fatal, f"expected a permanent IKE failure: {ike.states}"
        expected = "AUTHENTICATION_FAILED" if change == "psk" else "NO_PROPOSAL_CHOSEN"
        assert any(expected in line for line in ike.fatal[broken.name]), ike.fatal
        return
    assert ike.up, f"{ike.states}\n{lab.diagnostics()}"
    lab.links_up(ike)
    # The sibling comes up in about 5 s here; three times that is long enough to call it a failure.
    bgp = lab.wait_bgp(timeout=15)
    assert bgp.tunnel_as_planned(sibling.name), f"{bgp.states} {bgp.notes}\n{lab.diagnostics()}"
    assert not any(bgp.states[(d, t)] == "Established" for d, t in bgp.states if t == broken.name), bgp.states
    if change == "asn":
        assert bgp.refused(broken.name), bgp.notes
        assert any(re.search("Bad Peer AS", n) for n in bgp.notes.values()), bgp.notes
