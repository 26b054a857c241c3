"""What a VPN appliance instance runs at every boot, and the cloud-init user data that installs it.

Why every boot: cloud-init runs ``runcmd`` once per instance (its module ``cc_runcmd`` has
``frequency: PER_INSTANCE``; ``bootcmd`` and ``scripts-per-boot`` are the ones that run every
boot, ``PER_ALWAYS``), while strongSwan, FRR and keepalived are enabled services that start on
every boot. Whatever the tunnels need must therefore come back by itself after a reboot, before
those daemons start:

* IP forwarding and loose reverse-path filtering: ``/etc/sysctl.d/60-skyweave-appliance.conf``,
  applied by systemd-sysctl early at every boot (sysctl.d(5)).
* The XFRM interface of each tunnel, keepalived's site-network interface and the TCP MSS clamp:
  ``skyweave-appliance.service``, a oneshot unit enabled for ``multi-user.target`` and ordered
  ``Before=`` strongSwan, FRR and keepalived, running ``/usr/local/sbin/skyweave-appliance-up``.
  A unit rather than ``bootcmd``: bootcmd runs before the network is up and, at the first boot,
  before the packages and the deferred files exist; a unit can be ordered after
  ``network-online.target`` and before the daemons that need its work.
* keepalived tracks what carries traffic (:mod:`skyweave.network.appliance_check`, shipped as
  ``/usr/local/sbin/skyweave-appliance-check``), so an instance that is back but not ready does
  not take the next hop (see :func:`render_keepalived`).

The namespace lab (tests/test_vpn_daemons.py) boots both instances from this user data, reboots
one — daemons stopped, forwarding and interfaces lost, then only what boots every boot started —
and checks the traffic keeps flowing through the other and the next hop comes back only when the
first is ready.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from .appliance_check import Tunnel as CheckedTunnel
from .device_config import TUNNEL_MSS, TUNNEL_MTU, TunnelInterface

__all__ = [
    "BOOT_SCRIPT",
    "CHECK_SCRIPT",
    "PACKAGES",
    "render_boot_script",
    "render_keepalived",
    "render_user_data",
]

#: The packages the instances install at first boot (Debian 12): IKE, BGP, VRRP, nftables. Their
#: services are enabled on installation, and the user data enables them explicitly too.
PACKAGES = ("strongswan-swanctl", "charon-systemd", "frr", "keepalived", "nftables")
SERVICES = ("strongswan.service", "frr.service", "keepalived.service")
UNIT = "skyweave-appliance.service"
BOOT_SCRIPT = "/usr/local/sbin/skyweave-appliance-up"
CHECK_SCRIPT = "/usr/local/sbin/skyweave-appliance-check"
CHECK_CONFIG = "/etc/keepalived/skyweave-appliance.json"
KEEPALIVED_TEMPLATE = "/etc/keepalived/skyweave.conf.in"
SYSCTL = "/etc/sysctl.d/60-skyweave-appliance.conf"

#: VRRP priorities of instance 0 and 1, and how much an instance that does not reach every site
#: loses: more than the difference (150 - 60 = 90 < 100), so a ready instance 1 keeps the next hop
#: from an instance 0 that is not ready; and not below 1 (100 - 60 = 40), keepalived's floor.
PRIORITIES = (150, 100)
NOT_READY = 60


def _vrid(site: str) -> int:
    """A VRRP router id (1-255) of the site's pair, stable per site name."""
    return sum(site.encode()) % 255 + 1


def render_keepalived(
    device: str, site: str, index: int, private: Sequence[str], next_hop: str, prefixlen: int
) -> str:
    """keepalived.conf for instance ``index`` (``@UPLINK@``: the site-network interface, which the
    boot script fills in at every boot — cloud images name it differently: eth0, ens3).

    VRRP over unicast to the other instance (tenant networks need not carry multicast), holding
    ``next_hop`` — where the Neutron router sends remote ranges. keepalived.conf(5):

    * ``track_script`` without a weight puts the instance in FAULT while the script fails (it
      releases the next hop); with a negative weight the priority drops by it instead.
    * ``init_fail``: a script counts as failed until it has passed ``rise`` times, so a freshly
      booted instance starts without the next hop (by default scripts start as passing).
    * Preemption stays on (``nopreempt`` would leave the next hop wherever it is): an instance
      only preempts at its full priority, i.e. once ready; ``preempt_delay`` is not needed — it
      counts from start-up or from seeing a lower master, not from readiness, and readiness is
      already debounced by ``rise 2``.
    """
    me, other = private[index], private[1 - index]

    def script(name: str, check: str, weight: int | None) -> list[str]:
        return [
            f"vrrp_script {name} {{",
            f'    script "{CHECK_SCRIPT} {check}"',
            "    interval 2",
            "    timeout 5",
            "    fall 2",
            "    rise 2",
            *([f"    weight {weight}"] if weight is not None else []),
            "    init_fail",
            "}",
        ]

    return "\n".join(
        [
            f"# keepalived.conf for {device}, rendered by skyweave; do not edit.",
            "global_defs {",
            "    script_user root",
            "    enable_script_security",
            "}",
            "# FAULT while the instance cannot forward at all (forwarding, tunnel interfaces, daemons).",
            *script("skyweave_forwarding", "forwarding", None),
            f"# {NOT_READY} off the priority while it does not reach every site through its own tunnels.",
            *script("skyweave_ready", "ready", -NOT_READY),
            "vrrp_instance skyweave {",
            "    state BACKUP",
            "    interface @UPLINK@",
            f"    virtual_router_id {_vrid(site)}",
            f"    priority {PRIORITIES[index]}",
            "    advert_int 1",
            f"    unicast_src_ip {me}",
            "    unicast_peer {",
            f"        {other}",
            "    }",
            "    virtual_ipaddress {",
            f"        {next_hop}/{prefixlen} dev @UPLINK@",
            "    }",
            "    track_script {",
            "        skyweave_forwarding",
            "        skyweave_ready",
            "    }",
            "}",
            "",
        ]
    )


def render_boot_script(device: str, other: str, interfaces: Sequence[TunnelInterface]) -> str:
    """``skyweave-appliance-up``: what the kernel loses on a reboot, made again (idempotent)."""
    lines = [
        "#!/bin/sh",
        f"# {BOOT_SCRIPT.rsplit('/', 1)[1]} for {device}, rendered by skyweave; do not edit.",
        f"# Run at every boot by {UNIT}, before strongSwan, FRR and keepalived:",
        f"# what the kernel loses on a reboot. (Forwarding: {SYSCTL}.)",
        "set -eu",
        "# The site-network interface: the one the other instance of the pair is reached through.",
        f"uplink=$(ip -o -4 route get {other} | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p')",
        f'[ -n "$uplink" ] || {{ echo "skyweave: no route to the other instance ({other})" >&2; exit 1; }}',
        f'sed "s/@UPLINK@/$uplink/g" {KEEPALIVED_TEMPLATE} > /etc/keepalived/keepalived.conf',
        "# One XFRM interface per tunnel; strongSwan binds each CHILD_SA to its if_id.",
    ]
    for x in interfaces:
        lines += [
            f"ip link show {x.name} >/dev/null 2>&1 ||"
            f' ip link add {x.name} type xfrm dev "$uplink" if_id {x.if_id}',
            f"ip link set {x.name} mtu {x.mtu} up",
            *([f"ip addr replace {x.address} dev {x.name}"] if x.address else []),
        ]
    # The clamp: SYN and SYN-ACK into and out of the tunnels carry at most TUNNEL_MSS, so the
    # hosts behind either end never send a segment the tunnel would have to fragment. nft's
    # "table / delete table / table {…}" replaces the table in one transaction (idempotent).
    mss = TUNNEL_MSS
    lines += [
        f"# TCP MSS clamping: tunnel MTU {TUNNEL_MTU} - 20 (IPv4 header) - 20 (TCP header) = {mss}.",
        "nft -f - <<'EOF'",
        "table ip skyweave_mss",
        "delete table ip skyweave_mss",
        "table ip skyweave_mss {",
        "    chain forward {",
        "        type filter hook forward priority mangle; policy accept;",
        *(
            f'        {way} "xfrm*" tcp flags & (syn|rst) == syn tcp option maxseg size > {mss} '
            f"counter tcp option maxseg size set {mss}"
            for way in ("oifname", "iifname")
        ),
        "    }",
        "}",
        "EOF",
        "",
    ]
    return "\n".join(lines)


def _unit() -> str:
    return "\n".join(
        [
            "# Rendered by skyweave; do not edit. The appliance's boot state, made again at every boot.",
            "[Unit]",
            "Description=skyweave VPN appliance: tunnel interfaces, MSS clamping, keepalived's interface",
            "Wants=network-online.target",
            "After=network-online.target",
            f"Before={' '.join(SERVICES)}",
            "",
            "[Service]",
            "Type=oneshot",
            "RemainAfterExit=yes",
            f"ExecStart={BOOT_SCRIPT}",
            "",
            "[Install]",
            "WantedBy=multi-user.target",
            "",
        ]
    )


_SYSCTL = """\
# Rendered by skyweave; do not edit. Applied by systemd-sysctl at every boot.
# The instance forwards between the site network and its tunnels.
net.ipv4.ip_forward = 1
# Loose reverse-path filtering: a cloud's traffic may arrive over one tunnel while the route
# back to its source is another (the pair's iBGP relay); the kernel uses the larger of all/<if>.
net.ipv4.conf.all.rp_filter = 2
net.ipv4.conf.default.rp_filter = 2
"""


def render_user_data(
    swanctl_conf: str, frr_conf: str, keepalived_conf: str, boot_script: str, tunnels: Sequence[CheckedTunnel]
) -> str:
    """The cloud-init user data: the rendered files (written after the packages are installed:
    ``defer``), and at the first boot only (runcmd) what turns them on; every later boot starts
    from the enabled units and sysctl.d alone."""

    def entry(path: str, content: str, mode: str, owner: str = "root:root") -> Mapping[str, object]:
        return {"path": path, "content": content, "permissions": mode, "owner": owner, "defer": True}

    check = {"tunnels": [dataclasses.asdict(t) for t in tunnels]}
    config = {
        "package_update": True,
        "packages": list(PACKAGES),
        "write_files": [
            entry("/etc/swanctl/conf.d/skyweave.conf", swanctl_conf, "0600"),
            entry("/etc/frr/frr.conf", frr_conf, "0640", "frr:frr"),
            entry(KEEPALIVED_TEMPLATE, keepalived_conf, "0644"),
            entry(CHECK_CONFIG, json.dumps(check, indent=1) + "\n", "0644"),
            entry(SYSCTL, _SYSCTL, "0644"),
            entry(BOOT_SCRIPT, boot_script, "0755"),
            entry(CHECK_SCRIPT, _check_source(), "0755"),
            entry(f"/etc/systemd/system/{UNIT}", _unit(), "0644"),
        ],
        "runcmd": [
            ["sysctl", "-p", SYSCTL],  # systemd-sysctl ran before the file existed
            ["sed", "-i", "s/^bgpd=no/bgpd=yes/", "/etc/frr/daemons"],
            ["systemctl", "daemon-reload"],
            ["systemctl", "enable", *SERVICES, UNIT],
            ["systemctl", "start", UNIT],
            ["systemctl", "restart", *SERVICES],
        ],
    }
    # JSON is YAML: no quoting rules to get wrong for a config file's content.
    return "#cloud-config\n" + json.dumps(config, indent=1) + "\n"


def _check_source() -> str:
    """The readiness check, shipped as its own source (a module of this package, linted and
    tested like the rest)."""
    return (Path(__file__).parent / "appliance_check.py").read_text(encoding="utf-8")
