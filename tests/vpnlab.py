"""A network-namespace lab that runs the real strongSwan and FRR daemons on rendered device configs.

Why: a configuration that only a unit test has read is a guess about what strongSwan and bgpd
accept. Here every device of a scenario (an appliance, an on-prem router, and the AWS or GCP
gateway standing in for its vendor, each rendered from its own side of the plans) gets its own
network namespace, its own charon (IKE) and its own zebra + bgpd + staticd, with exactly the files
:mod:`skyweave.network.device_config` rendered. Nothing leaves the namespaces: the outside addresses live
on a bridge in a namespace of the lab's own, and the lab deletes all of it on the way out.

What carries what (this machine has no kernel ESP, XFRM interfaces, VTI or GRE):

* IKE and ESP: charon with the ``kernel-libipsec`` plugin, strongSwan's userspace IPsec. It
  creates a TUN device and always UDP-encapsulates ESP, so IKE_SA_INIT starts on port 500 and
  the rest runs on 4500. It accepts and reports the rendered ``if_id`` s but does not use them
  (libipsec picks an SA by traffic selector alone, so several 0.0.0.0/0 tunnels in one daemon
  cannot each carry their own traffic through its TUN).
* BGP: over one veth pair per tunnel, standing in for that tunnel's XFRM interface: the same
  name and the same inside /30 address the device's :class:`TunnelInterface` gives. A tunnel's
  veth is brought up only once *both* ends report its CHILD_SA installed, so, as on a real
  appliance, no BGP session can come up over a tunnel IKE did not establish. The lab's
  strongswan.conf puts charon's routing table after the main table (``routing_table_prio``) so
  libipsec's 0.0.0.0/0 routes do not capture the per-tunnel links.

An appliance pair sits on a site network of its own (:class:`SiteLan`): a bridge in a namespace
standing in for the Neutron router, which holds the subnet's gateway address, does the 1:1 NAT
between each instance's fixed address and its floating IP with nftables (a device's ``bind``
address <-> its public one), and routes the remote ranges to the pair's next hop, as the
router's routes do. The router also sends test traffic through the pair (:meth:`Lab.start_prober`).

Booting (:mod:`vpnlab_boot`): a device given its cloud-init user data is started the way the
instance starts — the lab writes the files the user data writes into a directory of the device's
own, bind-mounted over their real paths in a mount namespace of the device's own (``/run`` there is
a tmpfs whose ``frr`` and ``charon.vici`` point at the device's daemons), applies its
``/etc/sysctl.d`` files, runs the units it enables, and starts only the daemons it enables;
:meth:`Lab.shutdown` and :meth:`Lab.boot` then replay a reboot: daemons stopped, the kernel state a
reboot loses reset (forwarding, the tunnel interfaces, nftables), and only what boots every boot
started again. The rendered scripts run unmodified; ``ip link add NAME type xfrm …`` (no XFRM
here) is answered by the lab's stand-in for ``ip``, which checks that NAME is the veth the lab made
for that ``if_id`` and leaves it to the script to raise and address.

Every step is bounded by a deadline, the daemons are stopped and the namespaces deleted in
:meth:`Lab.close` whatever happened, and the temporary directory holding the PSKs (mode 0700,
removed at the end) is the only place they are written.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labkit import LabError, NamespaceLab, until
from labkit import run as _run
from skyweave.network.device_config import DeviceFiles, DeviceTunnel
from skyweave.planning.vpn import Routing
from vpnlab_boot import UserData

CHARON = "/usr/sbin/charon-systemd"
LIBIPSEC = "/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so"
FRR_DIR = "/usr/lib/frr"
FRR_DAEMONS = ("zebra", "bgpd", "staticd")
#: keepalived (VRRP) for the appliance pair's next hop; its test skips without it.
KEEPALIVED = "/usr/sbin/keepalived"
#: Debian packages providing the above (``.ci/run`` installs them).
PACKAGES = (
    "python3",  # /usr/bin/python3: the appliance's readiness check (its shebang), as on the instance
    "procps",  # sysctl: what systemd-sysctl applies at boot, and the reset a reboot makes
    "strongswan-swanctl",
    "charon-systemd",
    "libcharon-extra-plugins",
    "frr",
    "iproute2",
    "nftables",
    "keepalived",
)

# Plugins charon loads: crypto for the planner's proposals, PSK auth, userspace IPsec, vici.
_CHARON_PLUGINS = (
    "random nonce aes sha1 sha2 hmac gmp kdf pem pkcs1 x509 pubkey "
    "kernel-libipsec kernel-netlink socket-default vici"
)
# charon's logs name these when a negotiation fails for good; the lab stops waiting then.
_LOG_NAME = re.compile(r"<([A-Za-z0-9_-]+)\|\d+>")
_IKE_FATAL = re.compile(
    r"received (AUTHENTICATION_FAILED|NO_PROPOSAL_CHOSEN) notify|"
    r"tried \d+ shared keys? for .* failed|no IKE config found|"
    r"(IKE|CHILD_SA) proposals? .*(unacceptable|mismatch)|no acceptable proposal found"
)

# ip(8) for booting devices (no XFRM interfaces here): ``ip link add NAME type xfrm … if_id N``
# succeeds when NAME is the tunnel interface the lab made with that if_id (listed in the device's
# /run/lab-xfrm), and leaves raising and addressing it to the script; anything else is the real ip.
_IP_STAND_IN = """#!/bin/sh
if [ "$1" = link ] && [ "$2" = add ] && [ "$4" = type ] && [ "$5" = xfrm ]; then
    name=$3
    if_id=
    shift 5
    while [ $# -gt 1 ]; do [ "$1" = if_id ] && if_id=$2; shift; done
    if grep -qx "$name=$if_id" /run/lab-xfrm; then exec @IP@ link show "$name" >/dev/null; fi
    echo "lab: $name with if_id $if_id is not one of this device's tunnel interfaces" >&2
    exit 2
fi
exec @IP@ "$@"
"""
# The prober: a TCP connection attempt every 0.2 s; connected or refused both mean an answer came.
_PROBER = """
import socket, sys, time
target, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(out, "a", buffering=1) as log:
    while True:
        at = time.time()
        s = socket.socket()
        s.settimeout(0.5)
        try:
            s.connect((target, port))
            ok = True
        except ConnectionRefusedError:
            ok = True
        except OSError:
            ok = False
        finally:
            s.close()
        log.write(f"{at:.3f} {int(ok)}\\n")
        time.sleep(max(0.0, 0.2 - (time.time() - at)))
"""
# The MSS option of the next TCP SYN (not SYN-ACK) to a port arriving on an interface, from a
# packet socket (what is on the wire, before netfilter): the MSS, 0 without the option, -1 if none
# came in time. Packets the device sends (PACKET_OUTGOING, 4) are skipped.
_SYN_MSS = """
import socket, sys, time
port, interface, seconds = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
s.settimeout(0.5)
end = time.monotonic() + seconds
while time.monotonic() < end:
    try:
        ip, (name, _, kind, *_) = s.recvfrom(65535)
    except TimeoutError:
        continue
    if kind == 4 or (interface and name != interface) or ip[9] != 6:
        continue
    tcp = ip[(ip[0] & 15) * 4:]
    if int.from_bytes(tcp[2:4], "big") != port or tcp[13] & 0x12 != 0x02:
        continue
    options, i, mss = tcp[20:(tcp[12] >> 4) * 4], 0, 0
    while i < len(options) and options[i] != 0:
        if options[i] == 1:
            i += 1
            continue
        if options[i] == 2:
            mss = int.from_bytes(options[i + 2:i + 4], "big")
        i += max(options[i + 1], 2)
    print(mss)
    sys.exit(0)
print(-1)
"""


def missing() -> str | None:
    """Why the lab cannot run here, or ``None`` when it can."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, veth, TUN)"
    tools = {
        "ip": shutil.which("ip"),
        "swanctl": shutil.which("swanctl"),
        "vtysh": shutil.which("vtysh"),
        "nft": shutil.which("nft"),
        "unshare": shutil.which("unshare"),
        "sysctl": shutil.which("sysctl"),
        "/usr/bin/python3": "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else None,
        CHARON: CHARON if os.access(CHARON, os.X_OK) else None,
        LIBIPSEC: LIBIPSEC if os.path.exists(LIBIPSEC) else None,
        **{d: f"{FRR_DIR}/{d}" if os.access(f"{FRR_DIR}/{d}", os.X_OK) else None for d in FRR_DAEMONS},
    }
    absent = sorted(name for name, path in tools.items() if path is None)
    if absent:
        return f"not installed: {', '.join(absent)} (apt-get install {' '.join(PACKAGES)})"
    if not os.path.exists("/dev/net/tun"):
        return "no /dev/net/tun (kernel-libipsec needs a TUN device)"
    try:
        import pwd

        pwd.getpwnam("frr")
    except KeyError:
        return "no 'frr' user (the frr package creates it)"
    return None


@dataclass(frozen=True)
class SiteLan:
    """A site network: its members (device, fixed address on it), the subnet, and the router's
    routes of remote ranges to a next hop (the Neutron router's routes to an appliance pair).

    The router takes the subnet's first host address, as Neutron's router interface does."""

    members: tuple[tuple[str, str], ...]
    subnet: str
    next_hop: str | None = None
    routes: tuple[str, ...] = ()

    @property
    def router(self) -> str:
        return str(next(ipaddress.IPv4Network(self.subnet).hosts()))

    @property
    def prefixlen(self) -> int:
        return ipaddress.IPv4Network(self.subnet).prefixlen


@dataclass
class _Node:
    """One device's namespace, directories and daemons."""

    name: str
    files: DeviceFiles
    netns: str
    ipsec_dir: Path
    frr_dir: Path
    charon: subprocess.Popen[bytes] | None = None
    frr: list[subprocess.Popen[bytes]] = field(default_factory=list)
    keepalived: subprocess.Popen[bytes] | None = None
    #: The user data the device boots from (``None``: the lab configures it directly), the
    #: directory standing in for its disk, and its IPv4 sysctls before its first boot.
    boot: UserData | None = None
    disk: Path | None = None
    sysctl_defaults: dict[str, str] = field(default_factory=dict)

    @property
    def initiates(self) -> bool:
        return any(t.initiates for t in self.files.device.tunnels)

    @property
    def vici(self) -> str:
        return f"unix://{self.ipsec_dir / 'charon.vici'}"


@dataclass(frozen=True)
class IkeResult:
    """Each tunnel end's IKE_SA and CHILD_SA state, keyed by (device, tunnel)."""

    states: dict[tuple[str, str], tuple[str, str]]  # -> (IKE_SA state, CHILD_SA state)
    sas: dict[tuple[str, str], dict[str, Any]]  # -> the IKE_SA as vici lists it, its CHILD_SA as "child"
    fatal: dict[str, tuple[str, ...]]  # tunnel -> log lines of a permanent failure
    seconds: float

    def tunnel_up(self, tunnel: str) -> bool:
        ends = [s for (_, t), s in self.states.items() if t == tunnel]
        return len(ends) == 2 and all(s == ("ESTABLISHED", "INSTALLED") for s in ends)

    @property
    def tunnels(self) -> set[str]:
        return {t for _, t in self.states}

    @property
    def up(self) -> bool:
        return bool(self.states) and all(self.tunnel_up(t) for t in self.tunnels)

    @property
    def settled(self) -> bool:
        """Every tunnel is up or has failed for good."""
        return all(self.tunnel_up(t) or t in self.fatal for t in self.tunnels)


@dataclass(frozen=True)
class BgpResult:
    """Each BGP session's state and what each end learned and announced, keyed by (device, tunnel)."""

    states: dict[tuple[str, str], str]
    learned: dict[tuple[str, str], frozenset[str]]
    advertised: dict[tuple[str, str], frozenset[str]]
    plan_learned: dict[tuple[str, str], frozenset[str]]
    plan_advertised: dict[tuple[str, str], frozenset[str]]
    notes: dict[tuple[str, str], str]
    seconds: float

    def tunnel_as_planned(self, tunnel: str) -> bool:
        keys = [k for k in self.states if k[1] == tunnel]
        return bool(keys) and all(
            self.states[k] == "Established"
            and self.learned[k] == self.plan_learned[k]
            and self.advertised[k] == self.plan_advertised[k]
            for k in keys
        )

    def refused(self, tunnel: str) -> bool:
        """A peer rejected the session's OPEN (wrong AS): it will not come up by waiting."""
        return any(
            "OPEN Message Error" in n or "Bad Peer AS" in n for k, n in self.notes.items() if k[1] == tunnel
        )

    @property
    def tunnels(self) -> set[str]:
        return {t for _, t in self.states}

    @property
    def up(self) -> bool:
        return bool(self.states) and all(s == "Established" for s in self.states.values())

    @property
    def as_planned(self) -> bool:
        return bool(self.states) and all(self.tunnel_as_planned(t) for t in self.tunnels)


class Lab(NamespaceLab):
    """The namespaces and daemons for one scenario: ``with Lab(files) as lab: lab.wait_ike()…``."""

    def __init__(
        self,
        files: Mapping[str, DeviceFiles],
        lans: Sequence[SiteLan] = (),
        boot: Mapping[str, str] | None = None,
    ) -> None:
        """``lans``: site networks joining devices (an appliance pair's two instances, whose
        fixed addresses are their ``bind`` addresses); ``boot``: device -> the cloud-init user
        data it boots from (its swanctl.conf and frr.conf are then the ones the user data writes)."""
        self.files = dict(files)
        self.lans = tuple(lans)
        self.boot_data = {d: UserData.parse(text) for d, text in (boot or {}).items()}
        self.tag = secrets.token_hex(3)
        self.root: Path | None = None
        self.nodes: dict[str, _Node] = {}
        self.namespaces: list[str] = []
        self.routers: list[str] = []
        self.helpers: list[subprocess.Popen[bytes]] = []
        self.timings: dict[str, float] = {}

    # -- setting up -------------------------------------------------------------------------

    def ns(self, role: str) -> str:
        return f"swl-{self.tag}-{role}"

    def start(self) -> None:
        t0 = time.monotonic()
        # 0711: the frr user must reach its own 0700 directory inside; nobody can list this one.
        self.root = Path(tempfile.mkdtemp(prefix="skyweave-vpnlab-"))
        self.root.chmod(0o711)
        self._ip_stand_in()
        wan = self._netns("wan")
        _run(["ip", "-n", wan, "link", "add", "br0", "type", "bridge"])
        _run(["ip", "-n", wan, "link", "set", "br0", "up"])
        members = {device for lan in self.lans for device, _ in lan.members}
        for i, (name, files) in enumerate(sorted(self.files.items())):
            node = self._node(i, name, files)
            self.nodes[name] = node
            if name not in members:
                self._outside(i, node, wan)
        self._tunnel_links()
        for k, lan in enumerate(self.lans):
            self._lan(k, lan, wan)
        for node in self.nodes.values():
            if node.boot is not None:
                self._boot_state(node, first=True)
        self.timings["namespaces"] = time.monotonic() - t0
        t1 = time.monotonic()
        running = [n for n in self.nodes.values() if _runs(n, "strongswan.service")]
        for node in running:
            self._start_charon(node)
        # Responders first, so an initiator's first IKE_SA_INIT finds its peer configured.
        for node in sorted(running, key=lambda n: n.initiates):
            self._load_swanctl(node)
        self.timings["charon"] = time.monotonic() - t1
        t2 = time.monotonic()
        routing = [n for n in self.nodes.values() if _runs(n, "frr.service")]
        for node in routing:
            self._start_frr(node)
        for node in routing:
            self._load_frr(node)
        for node in self.nodes.values():
            if _runs(node, "keepalived.service"):
                self._start_keepalived(node)
        self.timings["frr"] = time.monotonic() - t2

    def _node(self, i: int, name: str, files: DeviceFiles) -> _Node:
        assert self.root is not None
        netns = self._netns(f"d{i}")
        ipsec_dir = self.root / f"d{i}-ipsec"
        ipsec_dir.mkdir(mode=0o700)
        frr_dir = self.root / f"d{i}-frr"
        frr_dir.mkdir(mode=0o700)
        shutil.chown(frr_dir, "frr", "frr")
        node = _Node(name, files, netns, ipsec_dir, frr_dir, boot=self.boot_data.get(name))
        swanctl, frr = files.swanctl_conf, files.frr_conf
        if node.boot is not None:
            node.disk = self._disk(i, node.boot)
            # What Debian's units load: swanctl's conf.d (swanctl.conf includes it), FRR's
            # integrated config.
            swanctl = "".join(
                f.content for p, f in sorted(node.boot.files.items()) if p.startswith("/etc/swanctl/conf.d/")
            )
            frr = (
                node.boot.files["/etc/frr/frr.conf"].content if "/etc/frr/frr.conf" in node.boot.files else ""
            )
        _write(ipsec_dir / "strongswan.conf", self._strongswan_conf(node))
        _write(ipsec_dir / "swanctl.conf", swanctl)
        _write(frr_dir / "frr.conf", frr)
        shutil.chown(frr_dir / "frr.conf", "frr", "frr")
        return node

    def _strongswan_conf(self, node: _Node) -> str:
        d = node.ipsec_dir
        return f"""\
# The lab's charon: userspace IPsec, its own vici socket and log, nothing from /etc.
charon-systemd {{
    load = {_CHARON_PLUGINS}
    # After the main table, so libipsec's 0.0.0.0/0 routes leave the per-tunnel links alone.
    routing_table_prio = 32767
    plugins {{
        vici {{
            socket = unix://{d}/charon.vici
        }}
    }}
    journal {{
        default = -1
    }}
    filelog {{
        lab {{
            path = {d}/charon.log
            time_format = %H:%M:%S
            flush_line = yes
            ike_name = yes
            default = 1
        }}
    }}
}}
swanctl {{
    load = pem pkcs1 x509 pubkey random nonce
}}
"""

    def _outside(self, i: int, node: _Node, wan: str) -> None:
        """The device's public addresses on the lab's bridge, and on-link routes to its peers'."""
        tunnels = node.files.device.tunnels
        if _nat(node):
            raise LabError(f"{node.name}: a device behind a floating IP sits on a SiteLan (its router NATs)")
        _veth("wan", node.netns, f"d{i}", wan)
        _run(["ip", "-n", wan, "link", "set", f"d{i}", "master", "br0", "up"])
        for address in dict.fromkeys(t.local.local_address for t in tunnels):
            _run(["ip", "-n", node.netns, "addr", "add", f"{address}/32", "dev", "wan"])
        _run(["ip", "-n", node.netns, "link", "set", "wan", "up"])
        for address in dict.fromkeys(t.remote.outside for t in tunnels):
            _run(["ip", "-n", node.netns, "route", "add", f"{address}/32", "dev", "wan"])

    def _tunnel_links(self) -> None:
        """One veth per tunnel between its two devices, down until IKE has established it. A
        booting device's end gets no address or MTU here: its boot configuration must set them."""
        seen: set[str] = set()
        for node in self.nodes.values():
            for t in node.files.device.tunnels:
                if t.name in seen:
                    continue
                seen.add(t.name)
                peer = self._peer(t)
                mine, theirs = _interface(node, t.name), _interface(peer, t.name)
                pair = ["peer", "name", theirs.name, "netns", peer.netns]
                _run(["ip", "link", "add", mine.name, "netns", node.netns, "type", "veth", *pair])
                for n, itf in ((node, mine), (peer, theirs)):
                    if n.boot is not None:
                        continue
                    _run(["ip", "-n", n.netns, "link", "set", itf.name, "mtu", str(itf.mtu)])
                    if itf.address is not None:
                        _run(["ip", "-n", n.netns, "addr", "add", str(itf.address), "dev", itf.name])

    def _lan(self, k: int, lan: SiteLan, wan: str) -> None:
        """The site network: a bridge in the router's namespace, each member on it with its fixed
        address and the router as default gateway; the router NATs each member's fixed address to
        its public one and routes ``lan.routes`` to ``lan.next_hop``."""
        router = self._netns(f"r{k}")
        self.routers.append(router)
        nat: dict[str, str] = {}
        remotes: dict[str, None] = {}
        for device, _ in lan.members:
            nat |= _nat(self.nodes[device])
            remotes |= dict.fromkeys(t.remote.outside for t in self.nodes[device].files.device.tunnels)
        _veth("wan", router, f"r{k}", wan)
        _run(["ip", "-n", wan, "link", "set", f"r{k}", "master", "br0", "up"])
        for address in nat.values():
            _run(["ip", "-n", router, "addr", "add", f"{address}/32", "dev", "wan"])
        _run(["ip", "-n", router, "link", "set", "wan", "up"])
        for address in remotes:
            _run(["ip", "-n", router, "route", "add", f"{address}/32", "dev", "wan"])
        _run(["ip", "-n", router, "link", "add", "br0", "type", "bridge"])
        _run(["ip", "-n", router, "addr", "add", f"{lan.router}/{lan.prefixlen}", "dev", "br0"])
        _run(["ip", "-n", router, "link", "set", "br0", "up"])
        _run(["ip", "netns", "exec", router, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"])
        for j, (device, address) in enumerate(lan.members):
            node = self.nodes[device]
            if address not in nat and nat:
                raise LabError(f"{device}: {address} is not the address its tunnels are bound to")
            _veth(f"site{k}", node.netns, f"m{j}", router)
            _run(["ip", "-n", router, "link", "set", f"m{j}", "master", "br0", "up"])
            _run(["ip", "-n", node.netns, "addr", "add", f"{address}/{lan.prefixlen}", "dev", f"site{k}"])
            _run(["ip", "-n", node.netns, "link", "set", f"site{k}", "up"])
            _run(["ip", "-n", node.netns, "route", "add", "default", "via", lan.router])
        for prefix in lan.routes:
            _run(["ip", "-n", router, "route", "add", prefix, "via", str(lan.next_hop)])
        rules = "\n".join(
            [
                "table ip lab_nat {",
                "  chain pre { type nat hook prerouting priority dstnat; policy accept;",
                # Only across the router (with br_netfilter loaded, bridged frames between two
                # members would pass these hooks too).
                *(f'    iifname "wan" ip daddr {pub} dnat to {bind}' for bind, pub in nat.items()),
                "  }",
                "  chain post { type nat hook postrouting priority srcnat; policy accept;",
                *(f'    oifname "wan" ip saddr {bind} snat to {pub}' for bind, pub in nat.items()),
                "  }",
                "}",
            ]
        )
        _run(["ip", "netns", "exec", router, "nft", "-f", "-"], stdin=rules + "\n")

    def pair_session(self, device: str, peer: str, timeout: float = 30.0) -> tuple[str, frozenset[str]]:
        """(state, prefixes learned) of ``device``'s BGP session with ``peer`` (an iBGP pair),
        once Established with routes, or at ``timeout``."""
        node = self.nodes[device]
        deadline = time.monotonic() + timeout
        while True:
            peers = self.vtysh(node, "show bgp summary json").get("ipv4Unicast", {}).get("peers", {})
            state = peers.get(peer, {}).get("state", "NONE")
            routes = self.vtysh(node, "show ip bgp json").get("routes", {})
            learned = frozenset(
                prefix
                for prefix, paths in routes.items()
                if any(path.get("peerId") == peer and path.get("valid") for path in paths)
            )
            if (state == "Established" and learned) or time.monotonic() > deadline:
                return state, learned
            time.sleep(0.25)

    # -- booting a device from its user data, and rebooting it ------------------------------------

    def _disk(self, i: int, data: UserData) -> Path:
        """The device's disk: the files its user data writes, at their paths under one directory
        (bind-mounted over the real ones when its boot runs), and the lab's stand-in for ``ip``."""
        assert self.root is not None
        disk = self.root / f"d{i}-disk"
        disk.mkdir(mode=0o700)
        for path, f in data.files.items():
            target = disk / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
            _write(target, f.content)
            target.chmod(f.mode)
        return disk

    def _ip_stand_in(self) -> None:
        """``ip`` for booting devices: the real one, except ``ip link add NAME type xfrm …
        if_id N``, which finds the veth the lab made for NAME and checks its if_id instead."""
        assert self.root is not None
        real = shutil.which("ip")
        if real is None:
            raise LabError("no ip(8)")
        bin_dir = self.root / "bin"
        bin_dir.mkdir(mode=0o755)
        _write(bin_dir / "ip", _IP_STAND_IN.replace("@IP@", real))
        (bin_dir / "ip").chmod(0o755)

    def _in_root(self, node: _Node, argv: Sequence[str]) -> list[str]:
        """``argv`` in the device's namespaces: its network namespace, and a mount namespace where
        its disk's directories cover the host's and /run holds its daemons' sockets. A directory
        the host lacks is not mounted (the lab reads those files — sysctl.d, units — from the disk
        itself); the ones the device's processes read at their paths, /usr/local/sbin and
        /etc/keepalived, are there wherever keepalived is installed."""
        assert node.boot is not None and node.disk is not None
        q = shlex.quote
        interfaces = node.files.interfaces
        setup = [
            "mount -t tmpfs -o mode=0755 lab-run /run",
            f"ln -s {q(str(node.frr_dir))} /run/frr",
            f"ln -s {q(str(node.ipsec_dir / 'charon.vici'))} /run/charon.vici",
            *(
                f"mount --bind {q(str(node.disk) + d)} {q(d)}"
                for d in sorted({str(Path(p).parent) for p in node.boot.files})
                if Path(d).is_dir()
            ),
            f"printf '%s\\n' {' '.join(q(f'{i.name}={i.if_id}') for i in interfaces)} > /run/lab-xfrm",
        ]
        return [
            *("ip", "netns", "exec", node.netns, "unshare", "--mount", "--propagation", "private", "--"),
            *("/bin/sh", "-c", " && ".join(setup) + ' && exec "$@"', "sh", *argv),
        ]

    def _boot_env(self) -> dict[str, str]:
        assert self.root is not None
        return {
            **_base_env(),
            "PATH": f"{self.root / 'bin'}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        }

    def run_in(
        self, device: str, argv: Sequence[str], timeout: float = 30.0
    ) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` on a booted device, as its own processes see the machine."""
        node = self.nodes[device]
        return subprocess.run(
            self._in_root(node, argv),
            env=self._boot_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def _boot_state(self, node: _Node, *, first: bool) -> None:
        """What the device makes of its disk at boot, before its daemons: systemd-sysctl's
        /etc/sysctl.d, the units it enables (their ExecStart), and at the first boot only the
        runcmd entries that run a file the user data wrote."""
        assert node.boot is not None and node.disk is not None
        if first:
            node.sysctl_defaults = self._sysctls(node)
        for f in node.boot.sysctl_files():
            _run(
                ["ip", "netns", "exec", node.netns, "sysctl", "-q", "-p", str(node.disk / f.path.lstrip("/"))]
            )
        commands = [c for unit in node.boot.units() for c in unit.exec_start]
        if first:
            commands += node.boot.first_boot_commands()
        for command in commands:
            done = self.run_in(node.name, command)
            if done.returncode != 0:
                raise LabError(
                    f"{node.name}: {' '.join(command)} failed (rc {done.returncode}): {done.stderr[-800:]}"
                )

    def _start_keepalived(self, node: _Node) -> None:
        """keepalived (VRRP only) on the device's /etc/keepalived/keepalived.conf, if not empty
        (Debian's unit: ``ConditionFileNotEmpty``)."""
        assert node.disk is not None
        conf = node.disk / "etc/keepalived/keepalived.conf"
        if not conf.exists() or not conf.stat().st_size:
            return
        d = node.ipsec_dir
        out = (d / "keepalived.out").open("ab")
        argv = [KEEPALIVED, "--dont-fork", "--log-console", "--vrrp", "-f", "/etc/keepalived/keepalived.conf"]
        node.keepalived = subprocess.Popen(
            self._in_root(node, [*argv, "-p", str(d / "keepalived.pid"), "-r", str(d / "vrrp.pid")]),
            env=self._boot_env(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()

    def boot(self, device: str) -> None:
        """Start ``device`` again after :meth:`shutdown`: only what its user data makes every boot."""
        node = self.nodes[device]
        assert node.boot is not None, f"{device} does not boot from user data"
        self._boot_state(node, first=False)
        if _runs(node, "strongswan.service"):
            self._start_charon(node)
            self._load_swanctl(node)
        if _runs(node, "frr.service"):
            self._start_frr(node)
            self._load_frr(node)
        if _runs(node, "keepalived.service"):
            self._start_keepalived(node)

    def shutdown(self, device: str) -> None:
        """Stop ``device`` as a reboot does (its daemons get SIGTERM, keepalived first), and lose
        what a reboot loses: sysctl values back to the kernel's, its tunnel interfaces (here:
        down, unaddressed, default MTU — and their far ends down, as the SAs are gone until IKE
        re-establishes them and :meth:`links_up` raises them), its nftables rules, /run."""
        node = self.nodes[device]
        _stop([node.keepalived] if node.keepalived else [], grace=3.0)
        _stop(node.frr, grace=3.0)
        _stop([node.charon] if node.charon else [], grace=3.0)
        node.keepalived, node.charon = None, None
        node.frr.clear()
        now = self._sysctls(node)
        restore = [f"{k}={v}" for k, v in node.sysctl_defaults.items() if now.get(k, v) != v]
        if restore:
            _run(["ip", "netns", "exec", node.netns, "sysctl", "-q", "-w", *restore])
        for t in node.files.device.tunnels:
            name = t.interface
            for command in (
                ["link", "set", name, "down"],
                ["addr", "flush", "dev", name],
                ["link", "set", name, "mtu", "1500"],
            ):
                _run(["ip", "-n", node.netns, *command])
            peer = self._peer(t)
            _run(["ip", "-n", peer.netns, "link", "set", _interface(peer, t.name).name, "down"])
        _run(["ip", "netns", "exec", node.netns, "nft", "flush", "ruleset"])
        for stale in [
            node.ipsec_dir / "charon.vici",
            *node.frr_dir.glob("*.vty"),
            *node.frr_dir.glob("*.pid"),
        ]:
            stale.unlink(missing_ok=True)
        (node.frr_dir / "zserv.api").unlink(missing_ok=True)

    def _sysctls(self, node: _Node) -> dict[str, str]:
        """The IPv4 stack's settings in the device's network namespace (what a reboot resets)."""
        done = subprocess.run(
            ["ip", "netns", "exec", node.netns, "sysctl", "-a", "-r", r"^net\.ipv4\."],
            capture_output=True, text=True, timeout=15, check=False,
        )  # fmt: skip
        return dict(line.split(" = ", 1) for line in done.stdout.splitlines() if " = " in line)

    def sysctl(self, device: str, key: str) -> str:
        """``key`` 's value in ``device``'s network namespace."""
        done = subprocess.run(
            ["ip", "netns", "exec", self.nodes[device].netns, "sysctl", "-n", key],
            capture_output=True,
            text=True,
            timeout=15,
            check=False,
        )
        if done.returncode != 0:
            raise LabError(f"sysctl {key}: {done.stderr.strip()}")
        return done.stdout.strip()

    def nft(self, device: str, *args: str) -> Any:
        """``nft -j ARGS`` in ``device``'s network namespace, parsed."""
        done = subprocess.run(
            ["ip", "netns", "exec", self.nodes[device].netns, "nft", "-j", *args],
            capture_output=True, text=True, timeout=15, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise LabError(f"{device}: nft {' '.join(args)}: {done.stderr.strip()}")
        return json.loads(done.stdout)

    def keepalived_log(self, device: str) -> str:
        path = self.nodes[device].ipsec_dir / "keepalived.out"
        return path.read_text(errors="replace") if path.exists() else ""

    def link_state(self, device: str, interface: str) -> tuple[bool, int, list[str]]:
        """(administratively up, MTU, IPv4 addresses) of ``interface`` on ``device``."""
        shown = json.loads(
            subprocess.run(
                ["ip", "-n", self.nodes[device].netns, "-j", "addr", "show", "dev", interface],
                capture_output=True,
                text=True,
                timeout=15,
                check=True,
            ).stdout
        )[0]
        addresses = [
            f"{a['local']}/{a['prefixlen']}" for a in shown.get("addr_info", []) if a.get("family") == "inet"
        ]
        return "UP" in shown.get("flags", []), int(shown["mtu"]), addresses

    # -- traffic through a site network ---------------------------------------------------------

    def add_address(self, device: str, address: str) -> None:
        """A host address on ``device`` (a machine behind a cloud gateway, say)."""
        _run(["ip", "-n", self.nodes[device].netns, "addr", "add", f"{address}/32", "dev", "lo"])

    def start_prober(self, lan: int, target: str, port: int) -> None:
        """From site network ``lan``'s router, a TCP connection attempt to ``target``:``port``
        every 0.2 s; an answer (accepted or refused) means the path works both ways."""
        assert self.root is not None
        self.probe_log = self.root / "probes.log"
        self.helpers.append(
            subprocess.Popen(
                [
                    "ip",
                    "netns",
                    "exec",
                    self.routers[lan],
                    sys.executable,
                    "-c",
                    _PROBER,
                    target,
                    str(port),
                    str(self.probe_log),
                ],
                env=_base_env(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )

    def probes(self, since: float = 0.0) -> list[tuple[float, bool]]:
        """The prober's results (wall-clock time, answered) from ``since`` on."""
        if not getattr(self, "probe_log", None) or not self.probe_log.exists():
            return []
        found = []
        for line in self.probe_log.read_text().splitlines():
            at, ok = line.split()
            if float(at) >= since:
                found.append((float(at), ok == "1"))
        return found

    def syn_mss(self, device: str, port: int, interface: str = "", timeout: float = 10.0) -> int | None:
        """The MSS option of the next TCP SYN to ``port`` arriving at ``device`` (on ``interface``,
        or any), as the wire has it, before its own netfilter hooks; ``None`` if none came."""
        done = subprocess.run(
            [
                "ip",
                "netns",
                "exec",
                self.nodes[device].netns,
                sys.executable,
                "-c",
                _SYN_MSS,
                str(port),
                interface,
                str(timeout),
            ],
            capture_output=True,
            text=True,
            timeout=timeout + 15,
            check=False,
        )
        if done.returncode != 0:
            raise LabError(f"{device}: capturing a SYN failed: {done.stderr[-400:]}")
        mss = int(done.stdout.strip() or "-1")
        return None if mss < 0 else mss

    def holder(self, address: str, devices: Sequence[str], want: str, timeout: float = 15.0) -> str | None:
        """Which of ``devices`` holds ``address``: ``want`` once it alone does, else (at
        ``timeout``) the one that alone does, or ``None``."""
        deadline = time.monotonic() + timeout
        while True:
            holding = [
                d
                for d in devices
                if f" {address}/" in subprocess.run(
                    ["ip", "-n", self.nodes[d].netns, "-o", "-4", "addr", "show"],
                    capture_output=True, text=True, timeout=15, check=False,
                ).stdout
            ]  # fmt: skip
            if holding == [want]:
                return want
            if time.monotonic() > deadline:
                return holding[0] if len(holding) == 1 else None
            time.sleep(0.25)

    def _peer(self, t: DeviceTunnel) -> _Node:
        try:
            return self.nodes[t.remote.device]
        except KeyError:
            raise LabError(f"tunnel {t.name}: device {t.remote.device!r} is not in the lab") from None

    def _start_charon(self, node: _Node) -> None:
        env = {**_base_env(), "STRONGSWAN_CONF": str(node.ipsec_dir / "strongswan.conf")}
        out = (node.ipsec_dir / "charon.out").open("wb")
        node.charon = subprocess.Popen(
            ["ip", "netns", "exec", node.netns, CHARON],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()
        until(
            lambda: (node.ipsec_dir / "charon.vici").exists() or None,
            10,
            f"{node.name}: charon's vici socket",
        )

    def _load_swanctl(self, node: _Node) -> None:
        """``swanctl --load-all`` on the device's configuration (Debian's unit: ExecStartPost)."""
        self._swanctl(node, "--load-all", "--noprompt", "--file", str(node.ipsec_dir / "swanctl.conf"))

    def _swanctl(self, node: _Node, *args: str) -> str:
        env = {**_base_env(), "STRONGSWAN_CONF": str(node.ipsec_dir / "strongswan.conf")}
        done = subprocess.run(
            ["swanctl", *args, "--uri", node.vici], env=env, capture_output=True, timeout=15, check=False
        )
        if done.returncode != 0:
            # swanctl's own messages name connections and secrets, never a secret's value.
            raise LabError(f"{node.name}: swanctl {args[0]} failed: {done.stdout.decode()[-800:]}")
        return done.stdout.decode()

    def _start_frr(self, node: _Node) -> None:
        d = node.frr_dir
        for daemon in FRR_DAEMONS:
            out = (d / f"{daemon}.out").open("wb")
            node.frr.append(
                subprocess.Popen(
                    [
                        *("ip", "netns", "exec", node.netns, f"{FRR_DIR}/{daemon}"),
                        *("-f", "/dev/null", "-i", f"{d}/{daemon}.pid", "-z", f"{d}/zserv.api"),
                        *("--vty_socket", str(d), "-P", "0", "--log", f"file:{d}/{daemon}.log"),
                    ],
                    env=_base_env(),
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
            out.close()
            if daemon == "zebra":  # the others connect to zebra's socket at start
                until(lambda: (d / "zserv.api").exists() or None, 10, f"{node.name}: zebra's socket")
        for daemon in FRR_DAEMONS:
            until(lambda: (d / f"{daemon}.vty").exists() or None, 10, f"{node.name}: {daemon}'s vty")  # noqa: B023

    def _load_frr(self, node: _Node) -> None:
        """Apply the rendered frr.conf through vtysh, the way ``vtysh -b`` applies it at boot."""
        done = subprocess.run(
            ["vtysh", "--vty_socket", str(node.frr_dir), "-f", str(node.frr_dir / "frr.conf")],
            capture_output=True,
            timeout=15,
            check=False,
        )
        text = (done.stdout + done.stderr).decode()
        if done.returncode != 0 or "%" in text:
            raise LabError(f"{node.name}: frr.conf was refused (rc {done.returncode}): {text[-800:]}")

    # -- checking ----------------------------------------------------------------------------

    def list_sas(self, node: _Node) -> list[dict[str, Any]]:
        """The node's IKE_SAs as vici reports them (``swanctl --list-sas --pretty``)."""
        return [
            sa
            for name, sa in _parse_pretty(self._swanctl(node, "--list-sas", "--pretty"))
            if name == "list-sa"
        ]

    def ike_states(
        self, *, rekeyed: bool = False
    ) -> tuple[dict[tuple[str, str], tuple[str, str]], dict[tuple[str, str], dict[str, Any]]]:
        """(states, SAs) of every tunnel end; ``rekeyed`` counts only CHILD_SAs keyed with PFS."""
        states: dict[tuple[str, str], tuple[str, str]] = {}
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for node in self.nodes.values():
            sas: dict[str, dict[str, Any]] = {}
            for event in self.list_sas(node):
                for conn, sa in event.items():
                    # Prefer an established IKE_SA if a retry left a second one behind.
                    if conn not in sas or sa.get("state") == "ESTABLISHED":
                        sas[conn] = sa
            for t in node.files.device.tunnels:
                sa = sas.get(t.name, {})
                children = [
                    c
                    for c in sa.get("child-sas", {}).values()
                    if c.get("name") == t.name and (c.get("dh-group") or not rekeyed)
                ]
                child = next(
                    (c for c in children if c.get("state") == "INSTALLED"), children[0] if children else {}
                )
                states[(node.name, t.name)] = (sa.get("state", "NONE"), child.get("state", "NONE"))
                if sa:
                    found[(node.name, t.name)] = {**sa, "child": child}
        return states, found

    def fatal_lines(self) -> dict[str, tuple[str, ...]]:
        """Permanent IKE failures in any daemon's log, by tunnel (the log names each IKE_SA)."""
        found: dict[str, list[str]] = {}
        for node in self.nodes.values():
            log = node.ipsec_dir / "charon.log"
            if not log.exists():
                continue
            for line in log.read_text(errors="replace").splitlines():
                named = _LOG_NAME.search(line)
                if named and _IKE_FATAL.search(line):
                    found.setdefault(named.group(1), []).append(f"{node.name}: {line}")
        return {t: tuple(lines) for t, lines in found.items()}

    def wait_ike(self, timeout: float = 20.0) -> IkeResult:
        """Poll until every tunnel is established at both ends or has failed for good (a
        permanent error in a log), or ``timeout`` passes."""
        t0 = time.monotonic()
        deadline = t0 + timeout
        while True:
            states, sas = self.ike_states()
            result = IkeResult(states, sas, self.fatal_lines(), time.monotonic() - t0)
            if result.settled or time.monotonic() > deadline:
                return result
            time.sleep(0.25)

    def links_up(self, ike: IkeResult) -> list[str]:
        """Bring up each tunnel's link whose CHILD_SA both ends report installed."""
        raised = []
        for node in self.nodes.values():
            if node.boot is not None:  # raising its interfaces is its boot configuration's job
                continue
            for t in node.files.device.tunnels:
                both = (node.name, t.name), (t.remote.device, t.name)
                if all(ike.states.get(k) == ("ESTABLISHED", "INSTALLED") for k in both):
                    _run(["ip", "-n", node.netns, "link", "set", t.interface, "up"])
                    raised.append(f"{node.name}:{t.interface}")
        return raised

    def rekey_children(self, timeout: float = 15.0) -> IkeResult:
        """Rekey every CHILD_SA from its initiator and wait for the new ones: the first CHILD_SA
        is keyed from the IKE_SA, so only a rekey proves both ends agree on the ESP proposal's
        DH (PFS) group. The result's states count only CHILD_SAs that used a DH group."""
        for node in self.nodes.values():
            for t in node.files.device.tunnels:
                if t.initiates:
                    self._swanctl(node, "--rekey", "--child", t.name)
        t0 = time.monotonic()
        deadline = t0 + timeout
        while True:
            states, sas = self.ike_states(rekeyed=True)
            result = IkeResult(states, sas, self.fatal_lines(), time.monotonic() - t0)
            if result.settled or time.monotonic() > deadline:
                return result
            time.sleep(0.25)

    def vtysh(self, node: _Node, command: str) -> Any:
        done = subprocess.run(
            ["vtysh", "--vty_socket", str(node.frr_dir), "-c", command],
            capture_output=True,
            timeout=15,
            check=False,
        )
        if done.returncode != 0:
            raise LabError(f"{node.name}: vtysh -c {command!r} failed: {done.stderr.decode()[-400:]}")
        return json.loads(done.stdout or b"{}")

    def bgp_state(self) -> BgpResult:
        states: dict[tuple[str, str], str] = {}
        learned: dict[tuple[str, str], frozenset[str]] = {}
        advertised: dict[tuple[str, str], frozenset[str]] = {}
        plan_learned: dict[tuple[str, str], frozenset[str]] = {}
        plan_advertised: dict[tuple[str, str], frozenset[str]] = {}
        notes: dict[tuple[str, str], str] = {}
        for node in self.nodes.values():
            bgp = [t for t in node.files.device.tunnels if t.routing is Routing.BGP]
            if not bgp:
                continue
            peers = self.vtysh(node, "show bgp summary json").get("ipv4Unicast", {}).get("peers", {})
            routes = self.vtysh(node, "show ip bgp json").get("routes", {})
            neighbors: dict[str, Any] | None = None
            for t in bgp:
                peer, key = str(t.remote.inside), (node.name, t.name)
                states[key] = peers.get(peer, {}).get("state", "NONE")
                learned[key] = frozenset(
                    prefix
                    for prefix, paths in routes.items()
                    if any(p.get("peerId") == peer and p.get("valid") for p in paths)
                )
                plan_learned[key] = frozenset(t.remote.prefixes)
                plan_advertised[key] = frozenset(t.local.prefixes)
                if states[key] == "Established":
                    sent = self.vtysh(node, f"show ip bgp neighbors {peer} advertised-routes json")
                    advertised[key] = frozenset(sent.get("advertisedRoutes", {}))
                else:
                    advertised[key] = frozenset()
                    if neighbors is None:
                        neighbors = self.vtysh(node, "show bgp neighbors json")
                    info = neighbors.get(peer, {})
                    reasons = [info.get(k) for k in ("lastNotificationReason", "lastResetDueTo")]
                    if any(reasons):
                        notes[key] = "; ".join(r for r in reasons if r)
        return BgpResult(states, learned, advertised, plan_learned, plan_advertised, notes, 0.0)

    def wait_bgp(self, timeout: float = 30.0) -> BgpResult:
        """Poll until every session is Established with exactly the planned prefixes learned and
        announced, or refused by its peer (wrong AS), or ``timeout`` passes."""
        t0 = time.monotonic()
        deadline = t0 + timeout
        while True:
            r = self.bgp_state()
            result = dataclasses.replace(r, seconds=time.monotonic() - t0)
            settled = all(r.tunnel_as_planned(t) or r.refused(t) for t in r.tunnels)
            if settled or time.monotonic() > deadline:
                return result
            time.sleep(0.25)

    def static_routes(self, timeout: float = 10.0) -> dict[str, dict[str, list[tuple[str, int, bool]]]]:
        """Per device, per planned remote prefix: (interface, distance, selected) of each static
        route zebra holds for it, once every prefix has a route through each of its tunnels and
        one selected (or at ``timeout``: zebra lists a standby's route a moment after the first)."""
        deadline = time.monotonic() + timeout
        while True:
            table: dict[str, dict[str, list[tuple[str, int, bool]]]] = {}
            expected: dict[tuple[str, str], int] = {}
            for node in self.nodes.values():
                static = [t for t in node.files.device.tunnels if t.routing is Routing.STATIC]
                if not static:
                    continue
                rib = self.vtysh(node, "show ip route static json")
                table[node.name] = {
                    prefix: sorted(
                        (hop.get("interfaceName", ""), int(r.get("distance", 0)), bool(r.get("selected")))
                        for r in rib.get(prefix, [])
                        for hop in r.get("nexthops", [])
                    )
                    for t in static
                    for prefix in t.remote.prefixes
                }
                for t in static:
                    for prefix in t.remote.prefixes:
                        expected[(node.name, prefix)] = expected.get((node.name, prefix), 0) + 1
            complete = all(
                len(hops) == expected[(name, prefix)] and any(sel for *_, sel in hops)
                for name, routes in table.items()
                for prefix, hops in routes.items()
            )
            if complete or time.monotonic() > deadline:
                return table
            time.sleep(0.25)

    def diagnostics(self) -> str:
        """The daemons' logs, for a failing test's message (PSKs are never logged at these levels)."""
        parts = []
        for node in self.nodes.values():
            for path in (node.ipsec_dir / "charon.log", node.frr_dir / "bgpd.log"):
                if path.exists():
                    tail = path.read_text(errors="replace").splitlines()[-25:]
                    parts.append(f"--- {node.name} {path.name}\n" + "\n".join(tail))
        return "\n".join(parts)

    # -- tearing down ------------------------------------------------------------------------

    def close(self) -> None:
        """Stop every daemon this lab started, delete its namespaces and its files. Idempotent."""
        # Initiators' charons first: a responder going first sends DELETEs that make an
        # initiator (close_action = start) re-initiate, and charon then waits on that job.
        nodes = list(self.nodes.values())
        _stop(self.helpers, grace=1.0)
        self.helpers.clear()
        _stop([n.keepalived for n in nodes if n.keepalived], grace=3.0)
        _stop([n.charon for n in nodes if n.charon and n.initiates], grace=3.0)
        _stop([n.charon for n in nodes if n.charon and not n.initiates], grace=3.0)
        _stop([p for n in nodes for p in n.frr], grace=3.0)
        for node in nodes:
            node.charon = None
            node.keepalived = None
            node.frr.clear()
        self._delete_namespaces()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None


def _stop(procs: Sequence[subprocess.Popen[bytes]], grace: float) -> None:
    """SIGTERM, then SIGKILL whatever has not exited after ``grace`` seconds."""
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    stop_by = time.monotonic() + grace
    for p in procs:
        try:
            p.wait(timeout=max(0.05, stop_by - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=5)


def _runs(node: _Node, unit: str) -> bool:
    """Whether ``node`` runs the daemons of ``unit``: a device the lab configures runs charon and
    FRR; a booting one runs what its user data enables."""
    if node.boot is None:
        return unit in ("strongswan.service", "frr.service")
    return unit in node.boot.daemons()


def _nat(node: _Node) -> dict[str, str]:
    """The device's fixed addresses behind 1:1 NAT, to their public ones (all or none)."""
    tunnels = node.files.device.tunnels
    nat = {t.local.bind: t.local.outside for t in tunnels if t.local.bind and t.local.bind != t.local.outside}
    if nat and len(nat) != len({t.local.local_address for t in tunnels}):
        raise LabError(f"{node.name}: the lab NATs all of a device's addresses or none")
    return nat


def _interface(node: _Node, tunnel: str) -> Any:
    return next(i for i in node.files.interfaces if i.tunnel == tunnel)


def _base_env() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), "LANG": "C"}


def _write(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def _veth(name: str, netns: str, peer: str, peer_netns: str) -> None:
    _run(
        ["ip", "link", "add", name, "netns", netns, "type", "veth", "peer", "name", peer, "netns", peer_netns]
    )


def _parse_pretty(text: str) -> list[tuple[str, dict[str, Any]]]:
    """swanctl's ``--pretty`` output as (message name, body) pairs.

    Lines are ``name {``, ``key = value``, ``key = [`` … ``]`` and ``}``.
    """
    messages: list[tuple[str, dict[str, Any]]] = []
    stack: list[dict[str, Any]] = []
    listing: list[str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if listing is not None:
            if line == "]":
                listing = None
            else:
                listing.append(line)
        elif line.endswith("{"):
            name = line[:-1].strip()
            section: dict[str, Any] = {}
            if stack:
                stack[-1][name] = section
            else:
                messages.append((name.split(" ")[0], section))
            stack.append(section)
        elif line == "}":
            stack.pop()
        elif line.endswith("= ["):
            listing = []
            stack[-1][line[:-3].strip()] = listing
        elif "=" in line:
            key, _, value = line.partition("=")
            stack[-1][key.strip()] = value.strip()
    return messages
