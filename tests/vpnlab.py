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

A device whose sides have a ``bind`` address (an OpenStack port behind its floating IP) gets a
namespace in front of it doing 1:1 NAT with nftables, fixed address <-> public address.

Every step is bounded by a deadline, the daemons are stopped and the namespaces deleted in
:meth:`Lab.close` whatever happened, and the temporary directory holding the PSKs (mode 0700,
removed at the end) is the only place they are written.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labkit import LabError, NamespaceLab
from labkit import run as _run
from labkit import until as _until
from skyweave.network.device_config import DeviceFiles, DeviceTunnel
from skyweave.planning.vpn import Routing

CHARON = "/usr/sbin/charon-systemd"
LIBIPSEC = "/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so"
FRR_DIR = "/usr/lib/frr"
FRR_DAEMONS = ("zebra", "bgpd", "staticd")
#: keepalived (VRRP) for the appliance pair's next hop; its test skips without it.
KEEPALIVED = "/usr/sbin/keepalived"
#: Debian packages providing the above (``.ci/run`` installs them).
PACKAGES = (
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
# A NAT namespace forwards, and answers ARP for the peers' addresses on the device's side.
_NAT_SYSCTLS = "echo 1 > /proc/sys/net/ipv4/ip_forward && echo 1 > /proc/sys/net/ipv4/conf/lan/proxy_arp"
# charon's logs name these when a negotiation fails for good; the lab stops waiting then.
_LOG_NAME = re.compile(r"<([A-Za-z0-9_-]+)\|\d+>")
_IKE_FATAL = re.compile(
    r"received (AUTHENTICATION_FAILED|NO_PROPOSAL_CHOSEN) notify|"
    r"tried \d+ shared keys? for .* failed|no IKE config found|"
    r"(IKE|CHILD_SA) proposals? .*(unacceptable|mismatch)|no acceptable proposal found"
)


def missing() -> str | None:
    """Why the lab cannot run here, or ``None`` when it can."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, veth, TUN)"
    tools = {
        "ip": shutil.which("ip"),
        "swanctl": shutil.which("swanctl"),
        "vtysh": shutil.which("vtysh"),
        "nft": shutil.which("nft"),
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
        self, files: Mapping[str, DeviceFiles], lans: Sequence[tuple[str, str, str, str]] = ()
    ) -> None:
        """``lans``: (device, address, device, address) joined by a site network of their own
        (an appliance pair's two instances, whose addresses are their ``bind`` addresses)."""
        self.files = dict(files)
        self.lans = tuple(lans)
        self.tag = secrets.token_hex(3)
        self.root: Path | None = None
        self.nodes: dict[str, _Node] = {}
        self.namespaces: list[str] = []
        self.timings: dict[str, float] = {}

    # -- setting up -------------------------------------------------------------------------

    def ns(self, role: str) -> str:
        return f"swl-{self.tag}-{role}"

    def start(self) -> None:
        t0 = time.monotonic()
        # 0711: the frr user must reach its own 0700 directory inside; nobody can list this one.
        self.root = Path(tempfile.mkdtemp(prefix="skyweave-vpnlab-"))
        self.root.chmod(0o711)
        wan = self._netns("wan")
        _run(["ip", "-n", wan, "link", "add", "br0", "type", "bridge"])
        _run(["ip", "-n", wan, "link", "set", "br0", "up"])
        for i, (name, files) in enumerate(sorted(self.files.items())):
            node = self._node(i, name, files)
            self.nodes[name] = node
            self._outside(i, node, wan)
        self._tunnel_links()
        self._lans()
        self.timings["namespaces"] = time.monotonic() - t0
        t1 = time.monotonic()
        for node in self.nodes.values():
            self._start_charon(node)
        # Responders first, so an initiator's first IKE_SA_INIT finds its peer configured.
        for node in sorted(self.nodes.values(), key=lambda n: n.initiates):
            self._swanctl(node, "--load-all", "--noprompt", "--file", str(node.ipsec_dir / "swanctl.conf"))
        self.timings["charon"] = time.monotonic() - t1
        t2 = time.monotonic()
        for node in self.nodes.values():
            self._start_frr(node)
        for node in self.nodes.values():
            self._load_frr(node)
        self.timings["frr"] = time.monotonic() - t2

    def _node(self, i: int, name: str, files: DeviceFiles) -> _Node:
        assert self.root is not None
        netns = self._netns(f"d{i}")
        ipsec_dir = self.root / f"d{i}-ipsec"
        ipsec_dir.mkdir(mode=0o700)
        frr_dir = self.root / f"d{i}-frr"
        frr_dir.mkdir(mode=0o700)
        shutil.chown(frr_dir, "frr", "frr")
        node = _Node(name, files, netns, ipsec_dir, frr_dir)
        _write(ipsec_dir / "strongswan.conf", self._strongswan_conf(node))
        _write(ipsec_dir / "swanctl.conf", files.swanctl_conf)
        _write(frr_dir / "frr.conf", files.frr_conf)
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
        """The device's public addresses on the lab's bridge, and on-link routes to its peers'.

        A device whose sides have a ``bind`` address (an OpenStack port behind its floating IP)
        sits behind a namespace of its own doing 1:1 NAT, bind <-> public, as Neutron does."""
        tunnels = node.files.device.tunnels
        remotes = list(dict.fromkeys(t.remote.outside for t in tunnels))
        nat = {
            t.local.bind: t.local.outside for t in tunnels if t.local.bind and t.local.bind != t.local.outside
        }
        if nat and len(nat) != len({t.local.local_address for t in tunnels}):
            raise LabError(f"{node.name}: the lab NATs all of a device's addresses or none")
        upstream = self._netns(f"n{i}") if nat else node.netns
        _veth("wan", upstream, f"d{i}", wan)
        _run(["ip", "-n", wan, "link", "set", f"d{i}", "master", "br0", "up"])
        public = nat.values() if nat else dict.fromkeys(t.local.local_address for t in tunnels)
        for address in public:
            _run(["ip", "-n", upstream, "addr", "add", f"{address}/32", "dev", "wan"])
        _run(["ip", "-n", upstream, "link", "set", "wan", "up"])
        for address in remotes:
            _run(["ip", "-n", upstream, "route", "add", f"{address}/32", "dev", "wan"])
        if not nat:
            return
        _veth("wan", node.netns, "lan", upstream)
        for n, dev in ((node.netns, "wan"), (upstream, "lan")):
            _run(["ip", "-n", n, "link", "set", dev, "up"])
        for address in nat:
            _run(["ip", "-n", node.netns, "addr", "add", f"{address}/32", "dev", "wan"])
            _run(["ip", "-n", upstream, "route", "add", f"{address}/32", "dev", "lan"])
        for address in remotes:  # on-link: the NAT namespace answers ARP for them (proxy_arp)
            _run(["ip", "-n", node.netns, "route", "add", f"{address}/32", "dev", "wan"])
        _run(["ip", "netns", "exec", upstream, "sh", "-c", _NAT_SYSCTLS])
        rules = "\n".join(
            [
                "table ip lab_nat {",
                "  chain pre { type nat hook prerouting priority dstnat; policy accept;",
                *(f"    ip daddr {pub} dnat to {bind}" for bind, pub in nat.items()),
                "  }",
                "  chain post { type nat hook postrouting priority srcnat; policy accept;",
                *(f"    ip saddr {bind} snat to {pub}" for bind, pub in nat.items()),
                "  }",
                "}",
            ]
        )
        _run(["ip", "netns", "exec", upstream, "nft", "-f", "-"], stdin=rules + "\n")

    def _tunnel_links(self) -> None:
        """One veth per tunnel between its two devices, down until IKE has established it."""
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
                    _run(["ip", "-n", n.netns, "link", "set", itf.name, "mtu", str(itf.mtu)])
                    if itf.address is not None:
                        _run(["ip", "-n", n.netns, "addr", "add", str(itf.address), "dev", itf.name])

    def _lans(self) -> None:
        """A veth per pair standing in for the site network; each address reached through it."""
        for i, (a, a_address, b, b_address) in enumerate(self.lans):
            name = f"site{i}"
            node_a, node_b = self.nodes[a], self.nodes[b]
            pair = ["peer", "name", name, "netns", node_b.netns]
            _run(["ip", "link", "add", name, "netns", node_a.netns, "type", "veth", *pair])
            for node, other in ((node_a, b_address), (node_b, a_address)):
                _run(["ip", "-n", node.netns, "link", "set", name, "up"])
                _run(["ip", "-n", node.netns, "route", "add", f"{other}/32", "dev", name])

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

    def start_keepalived(self, device: str, conf: str) -> None:
        """Run keepalived (VRRP only) in ``device``'s namespace on the rendered ``conf``."""
        node = self.nodes[device]
        d = node.ipsec_dir
        (d / "keepalived.conf").unlink(missing_ok=True)  # a restart rewrites it
        _write(d / "keepalived.conf", conf)
        out = (d / "keepalived.out").open("wb")
        node.keepalived = subprocess.Popen(
            [
                *("ip", "netns", "exec", node.netns, KEEPALIVED, "--dont-fork", "--log-console", "--vrrp"),
                *(
                    "-f",
                    str(d / "keepalived.conf"),
                    "-p",
                    str(d / "keepalived.pid"),
                    "-r",
                    str(d / "vrrp.pid"),
                ),
            ],
            env=_base_env(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()

    def stop_keepalived(self, device: str) -> None:
        node = self.nodes[device]
        if node.keepalived is not None:
            _stop([node.keepalived], grace=3.0)
            node.keepalived = None

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
        _until(
            lambda: (node.ipsec_dir / "charon.vici").exists() or None,
            10,
            f"{node.name}: charon's vici socket",
        )

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
                _until(lambda: (d / "zserv.api").exists() or None, 10, f"{node.name}: zebra's socket")
        for daemon in FRR_DAEMONS:
            _until(lambda: (d / f"{daemon}.vty").exists() or None, 10, f"{node.name}: {daemon}'s vty")  # noqa: B023

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
        route zebra holds for it, once every prefix has a selected route (or at ``timeout``)."""
        deadline = time.monotonic() + timeout
        while True:
            table: dict[str, dict[str, list[tuple[str, int, bool]]]] = {}
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
            complete = all(
                any(sel for *_, sel in hops) for routes in table.values() for hops in routes.values()
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
        _stop([n.charon for n in nodes if n.charon and n.initiates], grace=3.0)
        _stop([n.charon for n in nodes if n.charon and not n.initiates], grace=3.0)
        _stop([p for n in nodes for p in n.frr], grace=3.0)
        _stop([n.keepalived for n in nodes if n.keepalived], grace=3.0)
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
