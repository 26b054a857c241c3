#!/usr/bin/python3
"""Whether this VPN appliance instance can carry its site's traffic: keepalived's track scripts.

This file is shipped verbatim in each instance's user data as
``/usr/local/sbin/skyweave-appliance-check`` (:mod:`skyweave.network.appliance_boot`), with the
instance's tunnels in ``/etc/keepalived/skyweave-appliance.json``. It uses the standard library
only: it runs on the instance's ``python3``, cloud-init's own interpreter, so every image that
boots the user data has one.

Why it checks what carries traffic rather than whether processes exist: after a reboot strongSwan,
FRR and keepalived start again while the tunnels are not up yet, and an instance that took the
next hop back on the strength of a running daemon would black-hole the site's traffic. Two
checks, two ``vrrp_script`` s (keepalived.conf(5), "VRRP script(s)"):

* ``forwarding`` (no weight: failing puts the VRRP instance in FAULT, and it gives the next hop
  up): IP forwarding is on, every tunnel interface exists and is up, and charon and bgpd answer.
  Without these the instance forwards nothing.
* ``ready`` (a negative weight: failing lowers the priority below the other instance's): for
  every site this instance has tunnels to, one of them has its CHILD_SA installed and its BGP
  session Established with routes accepted — the instance reaches every site by itself. Only
  lowered, never FAULT: when a whole vendor is down, neither instance reaches every site, and
  one must still hold the next hop for the sites that remain.

Exit status 0 means the check passes, 1 that it fails, 2 a usage error.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

CONFIG = Path("/etc/keepalived/skyweave-appliance.json")
SWANCTL = "/usr/sbin/swanctl"
VTYSH = "/usr/bin/vtysh"
#: A CHILD_SA line of ``swanctl --list-sas``: "  NAME: #1, reqid 1, INSTALLED, TUNNEL…".
_INSTALLED = re.compile(r"^\s+([A-Za-z0-9_-]+): #\d+, reqid \d+, INSTALLED,", re.M)
_IFF_UP = 0x1


@dataclass(frozen=True)
class Tunnel:
    """One of the instance's tunnels: its swanctl child, the site at its far end, its interface
    and its BGP neighbour (the far end's inside address)."""

    name: str
    site: str
    interface: str
    neighbor: str


@dataclass(frozen=True)
class State:
    """What the instance's kernel and daemons report. ``children`` / ``sessions`` are ``None``
    when charon / bgpd did not answer; ``sessions``: neighbour -> (state, prefixes accepted)."""

    forwarding: bool
    interfaces_up: frozenset[str]
    children: frozenset[str] | None
    sessions: Mapping[str, tuple[str, int]] | None


def forwarding(tunnels: Sequence[Tunnel], state: State) -> list[str]:
    """Why the instance cannot forward at all (empty: it can)."""
    problems = []
    if not state.forwarding:
        problems.append("IP forwarding is off")
    down = sorted({t.interface for t in tunnels} - state.interfaces_up)
    if down:
        problems.append(f"tunnel interfaces missing or down: {', '.join(down)}")
    if state.children is None:
        problems.append("charon does not answer")
    if state.sessions is None:
        problems.append("bgpd does not answer")
    return problems


def ready(tunnels: Sequence[Tunnel], state: State) -> list[str]:
    """Why the instance does not carry traffic to every site it has tunnels to (empty: it does)."""
    problems = forwarding(tunnels, state)
    if problems:
        return problems
    children, sessions = state.children or frozenset(), state.sessions or {}
    for site in sorted({t.site for t in tunnels}):
        carrying = [
            t
            for t in tunnels
            if t.site == site
            and t.name in children
            and sessions.get(t.neighbor, ("", 0))[0] == "Established"
            and sessions[t.neighbor][1] > 0
        ]
        if not carrying:
            problems.append(f"no tunnel to {site} with its CHILD_SA installed and BGP routes received")
    return problems


CHECKS = {"forwarding": forwarding, "ready": ready}


def read_tunnels(config: Path = CONFIG) -> list[Tunnel]:
    return [Tunnel(**t) for t in json.loads(config.read_text())["tunnels"]]


def read_state(tunnels: Sequence[Tunnel]) -> State:
    """The instance's state: forwarding from /proc, interfaces from /sys, CHILD_SAs from
    ``swanctl --list-sas``, BGP sessions from ``vtysh -c 'show bgp neighbors json'``."""
    up = frozenset(t.interface for t in tunnels if _up(t.interface))
    sas = _run(SWANCTL, "--list-sas")
    children = frozenset(_INSTALLED.findall(sas)) if sas is not None else None
    sessions: dict[str, tuple[str, int]] | None = None
    shown = _run(VTYSH, "-c", "show bgp neighbors json")
    if shown is not None:
        try:
            neighbors = json.loads(shown)
        except ValueError:
            neighbors = None
        if isinstance(neighbors, dict):
            sessions = {
                peer: (
                    str(info.get("bgpState", "")),
                    int(
                        info.get("addressFamilyInfo", {})
                        .get("ipv4Unicast", {})
                        .get("acceptedPrefixCounter", 0)
                    ),
                )
                for peer, info in neighbors.items()
                if isinstance(info, dict)
            }
    return State(_forwarding(), up, children, sessions)


def _forwarding() -> bool:
    try:
        return Path("/proc/sys/net/ipv4/ip_forward").read_text().strip() == "1"
    except OSError:
        return False


def _up(interface: str) -> bool:
    try:
        return bool(int(Path(f"/sys/class/net/{interface}/flags").read_text(), 16) & _IFF_UP)
    except (OSError, ValueError):
        return False


def _run(*argv: str) -> str | None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def main(argv: Sequence[str]) -> int:
    if len(argv) != 2 or argv[1] not in CHECKS:
        print(
            f"usage: {argv[0] if argv else 'skyweave-appliance-check'} {{{'|'.join(CHECKS)}}}",
            file=sys.stderr,
        )
        return 2
    tunnels = read_tunnels()
    problems = CHECKS[argv[1]](tunnels, read_state(tunnels))
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
