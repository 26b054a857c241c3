"""Configuration files for a route-based VPN device: strongSwan ``swanctl.conf`` and FRR ``frr.conf``.

Why this module exists: a site whose cloud has no BGP (OpenStack VPNaaS is policy-based, static
only) joins the estate through a router skyweave configures itself — strongSwan for IKEv2/IPsec
and FRR's bgpd for BGP, the usual open-source pair. The same renderer also writes the on-prem
device configs skyweave already describes, so every IPsec/BGP configuration skyweave hands out is
one piece of code, and ``tests/test_vpn_daemons.py`` proves it with the real daemons.

Why it is pure: it takes plain frozen data and returns text, so it can be tested without Pulumi,
rendered inside an ``Output.apply`` where the pre-shared keys become known (they are a separate
argument and never a field, so a plan can be printed, compared and logged without leaking one),
and rendered for *both* ends of a tunnel from each end's own plan data (:func:`render_devices`),
which is how the tests configure the "other side" without copying the device's settings.

The shapes mirror the planner's: a :class:`Tunnel` has two :class:`TunnelSide` s, ``a`` and ``b``
as in :class:`~skyweave.planning.vpn.LinkPlan` (side ``a`` holds the inside /30's first address,
as :class:`~skyweave.planning.vpn.TunnelPlan` gives it), the proposal is the planner's
:class:`~skyweave.planning.vpn.CipherSet` and the routing its :class:`Routing`. A device is every
side with the same ``device`` name; :func:`devices` groups them.

Decisions (sources in docs/vpn-devices.md):

* Route-based, one IKE connection per tunnel: traffic selectors ``0.0.0.0/0`` on both sides (what
  AWS and GCP negotiate for route-based VPNs), each CHILD_SA bound to its own XFRM interface by
  ``if_id_in``/``if_id_out``; routing (BGP or static) decides which tunnel carries what.
* Always on: the initiating end uses ``start_action = start``, ``dpd_action = restart``,
  ``close_action = start`` and ``keyingtries = 0``; the other end only responds, so the two never
  race to create duplicate SAs. AWS's endpoints wait for the customer device by default.
* The PSK is written hex-encoded (``0x…``): swanctl reads ``0x``/``0s`` prefixes as hex/base64, so
  a key that happens to start with either would silently become another key, and hex needs no
  quoting.
* eBGP with explicit route-maps (FRR enables ``bgp ebgp-requires-policy``, RFC 8212): each
  neighbour exports only this device's own prefixes — so an appliance never becomes a transit
  between two clouds — and accepts only the remote site's planned ranges (and more-specifics of
  them), so a peer's default route or stray prefix cannot capture the site's traffic.
* ``no bgp network import-check``: the announced ranges come from the plan; the networks behind an
  appliance are routed by the site's own router, not necessarily present in the appliance's RIB.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from ..core.errors import PlanningError
from ..drivers.base import BgpTimers
from ..planning.vpn import CIPHERS, CipherSet, Routing

__all__ = [
    "DEFAULT_BGP_TIMERS",
    "TUNNEL_MSS",
    "TUNNEL_MTU",
    "Device",
    "DeviceFiles",
    "DeviceTunnel",
    "PairPeer",
    "Tunnel",
    "TunnelInterface",
    "TunnelSide",
    "device",
    "devices",
    "esp_proposal",
    "ike_proposal",
    "render_device",
    "render_devices",
    "render_frr",
    "render_swanctl",
    "tunnel_end",
    "tunnel_interfaces",
]

Side = Literal["a", "b"]
_K = TypeVar("_K", str, int)
_SIDES: tuple[Side, Side] = ("a", "b")

# strongSwan's proposal keywords for the planner's neutral words (swanctl.conf(5), "proposals";
# the IKE/ESP algorithm tables of the strongSwan docs). Only what the Debian packages' default
# plugins implement (aes, sha1, sha2, hmac, gmp): anything else is refused, not guessed.
_ENCRYPTION = {"aes128": "aes128", "aes192": "aes192", "aes256": "aes256"}
_INTEGRITY = {"sha1": "sha1", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}
_DH_GROUPS = {2: "modp1024", 5: "modp1536", 14: "modp2048", 15: "modp3072", 16: "modp4096"}

# Names end up as swanctl section names, FRR route-map/prefix-list names and descriptions.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$")
# IKE identities are written unquoted: addresses, FQDNs, user@FQDN.
_IDENTITY = re.compile(r"^[A-Za-z0-9@._:-]{1,253}$")
_MAX_IF_ID = 0xFFFFFFFE  # if_id 0xffffffff is strongSwan's %unique marker
_MAX_ASN = 4294967295
#: BGP timers where the far end documents none (an on-prem device, the pair's own iBGP): a 10 s
#: keepalive and a hold time of three, AWS's values. A tunnel to a vendor's gateway takes that
#: vendor's instead (``CloudDriver.bgp_timers``): the lower hold time of two peers wins in the OPEN
#: exchange (RFC 4271 4.2), but Azure's gateway keeps its fixed 60 s / 180 s and asks peers to
#: match, so each session is given what its far end documents.
DEFAULT_BGP_TIMERS = BgpTimers(10, 30, "skyweave: no vendor document; AWS's keepalive and hold time")
# How soon bgpd retries a TCP connect after a tunnel flap (FRR's default is 120 s).
_CONNECT_RETRY = 10
# Dead-peer detection: probe after 10 s without traffic from the peer, well inside AWS's DPD
# timeout (30 s at least); with IKEv2 charon's retransmission schedule decides when it gives up.
_DPD_DELAY = 10
# The tunnel interface's MTU: AWS asks for 1399 bytes (customer gateway requirements); GCP's
# payload MTU is 1406 bytes on IPv4 and 8 less with NAT-T (its "MTU considerations"), which an
# appliance behind a floating IP uses. 1390 fits under both.
TUNNEL_MTU = 1390
#: The TCP MSS a tunnel carries without fragmenting (RFC 9293 3.7.1: the MSS counts the payload
#: only): 1390-byte MTU - 20 (IPv4 header without options) - 20 (TCP header without options).
TUNNEL_MSS = TUNNEL_MTU - 20 - 20


@dataclass(frozen=True)
class TunnelSide:
    """One end of one tunnel, as that end's own plan describes it.

    Attributes:
        device: the box or gateway terminating this end; tunnels with the same device name are
            rendered into one configuration (an appliance instance, an on-prem device, or a
            cloud gateway standing in for its vendor in tests).
        outside: the public address the other end sends IKE and ESP to.
        asn: this end's BGP AS (its site's ASN in the link plan).
        prefixes: the IPv4 ranges behind this end: what it announces over BGP, and what the
            other end routes to it when the routing is static.
        inside: this end's inside (BGP) address, a host of the tunnel's ``inside_cidr``; ``None``
            for a static tunnel without inside addresses.
        if_id: the XFRM interface id of this tunnel on this device (unique per device, 1 or more).
        bind: the address configured on the box when it differs from ``outside`` (an OpenStack
            port behind its floating IP); IKE then runs from it and NAT-T takes over.
        identity: the IKE identity; ``None`` means ``outside`` (what AWS and GCP expect).
    """

    device: str
    outside: str
    asn: int
    prefixes: tuple[str, ...] = ()
    inside: str | None = None
    if_id: int = 1
    bind: str | None = None
    identity: str | None = None

    @property
    def ike_id(self) -> str:
        return self.identity or self.outside

    @property
    def local_address(self) -> str:
        return self.bind or self.outside


@dataclass(frozen=True)
class Tunnel:
    """One IPsec tunnel between two sides, carrying one BGP session or static routes.

    Attributes:
        name: stable, unique among the tunnels rendered together (swanctl connection name,
            FRR description and policy names derive from it).
        a, b: the two ends, oriented as the link plan orients them.
        routing: :attr:`Routing.BGP` or :attr:`Routing.STATIC`.
        inside_cidr: the /30 (or other block) both inside addresses belong to; BGP needs one.
        ciphers: the IKE/ESP proposal both ends are given.
        initiator: which end starts the tunnel and keeps it up; the other only responds.
        timers: the BGP keepalive and hold time both ends are given.
    """

    name: str
    a: TunnelSide
    b: TunnelSide
    routing: Routing = Routing.BGP
    inside_cidr: str | None = None
    ciphers: CipherSet = field(default=CIPHERS)
    initiator: Side = "b"
    timers: BgpTimers = DEFAULT_BGP_TIMERS

    def side(self, which: Side) -> TunnelSide:
        return self.a if which == "a" else self.b


@dataclass(frozen=True)
class DeviceTunnel:
    """A tunnel as one of its devices sees it: ``local`` is that device's side."""

    name: str
    local: TunnelSide
    remote: TunnelSide
    routing: Routing
    inside_cidr: ipaddress.IPv4Network | None
    ciphers: CipherSet
    initiates: bool
    timers: BgpTimers = DEFAULT_BGP_TIMERS

    @property
    def interface(self) -> str:
        """The tunnel's XFRM interface name on this device (``ip link add … type xfrm if_id N``)."""
        return f"xfrm{self.local.if_id}"


@dataclass(frozen=True)
class Device:
    """Everything one device terminates: its AS, router id and tunnels (ordered by ``if_id``)."""

    name: str
    asn: int
    router_id: str
    tunnels: tuple[DeviceTunnel, ...]

    @property
    def prefixes(self) -> tuple[str, ...]:
        """This device's own ranges, in first-seen order."""
        return tuple(dict.fromkeys(p for t in self.tunnels for p in t.local.prefixes))


@dataclass(frozen=True)
class TunnelInterface:
    """The interface a tunnel's traffic is routed through, and its inside address.

    On an appliance this is an XFRM interface created before strongSwan starts (``ip link add
    NAME type xfrm dev UPLINK if_id IF_ID`` with ``mtu``); the namespace tests stand a veth in for it.
    """

    name: str
    if_id: int
    tunnel: str
    address: ipaddress.IPv4Interface | None
    peer: ipaddress.IPv4Address | None
    mtu: int = TUNNEL_MTU


@dataclass(frozen=True)
class PairPeer:
    """The other instance of an HA pair, reached over the site network by iBGP.

    Why: each instance of an appliance pair has its own tunnels; when one instance's tunnels to a
    cloud are down but the other's are up, the instance holding the site's next hop must still
    reach that cloud. Over iBGP each learns the remote ranges the other learned (with the other as
    next hop: ``next-hop-self``, the tunnels' inside addresses mean nothing on the LAN) and uses
    them only when its own eBGP routes are gone (BGP prefers eBGP). Only remote ranges cross
    (``SW-PAIR``), so neither re-announces the site's own range, and the eBGP export policy keeps
    iBGP-learned routes away from the clouds as before.

    Attributes:
        address: the other instance's address on the site network.
        local: this instance's address on the site network (the session's source).
    """

    address: str
    local: str


@dataclass(frozen=True)
class DeviceFiles:
    """A device's rendered configuration. ``swanctl_conf`` holds the PSKs: it is left out of
    ``repr`` so a failing assertion or a log line never prints one."""

    device: Device
    swanctl_conf: str = field(repr=False)
    frr_conf: str
    interfaces: tuple[TunnelInterface, ...]


def tunnel_end(tunnel: Tunnel, which: Side) -> DeviceTunnel:
    """``tunnel`` seen from side ``which``, validated (see :func:`devices`)."""
    _check_tunnel(tunnel)
    local, remote = (tunnel.a, tunnel.b) if which == "a" else (tunnel.b, tunnel.a)
    cidr = ipaddress.IPv4Network(tunnel.inside_cidr) if tunnel.inside_cidr else None
    return DeviceTunnel(
        name=tunnel.name,
        local=local,
        remote=remote,
        routing=tunnel.routing,
        inside_cidr=cidr,
        ciphers=tunnel.ciphers,
        initiates=tunnel.initiator == which,
        timers=tunnel.timers,
    )


def devices(tunnels: Iterable[Tunnel]) -> dict[str, Device]:
    """Every device terminating one of ``tunnels``, with its tunnels, by device name.

    Checks what would otherwise only fail on the wire: one ASN per device, distinct ``if_id`` s,
    distinct tunnel names, and no two tunnels of a device with the same pair of IKE identities
    (strongSwan picks a PSK by identities, so such a pair could authenticate with the wrong key).
    """
    ends = _ends(tunnels)
    return {name: _device(name, found) for name, found in sorted(ends.items())}


def device(name: str, tunnels: Iterable[Tunnel]) -> Device:
    """The one device ``name`` among ``tunnels`` ' ends, checked as :func:`devices` checks it.

    Only this device's sides must agree with each other: its peers are not built, so a plan that
    describes a peer inconsistently (say one tunnel with a wrong remote ASN) still renders this
    device — which then fails on the wire, as the namespace tests show.
    """
    ends = _ends(tunnels)
    if name not in ends:
        raise PlanningError(
            f"no tunnel ends on device {name!r}; devices here: {sorted(ends)}", path="device", value=name
        )
    return _device(name, ends[name])


def _ends(tunnels: Iterable[Tunnel]) -> dict[str, list[DeviceTunnel]]:
    tunnels = tuple(tunnels)
    names = [t.name for t in tunnels]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise PlanningError(f"tunnel names must be unique, {dupes} repeat", path="tunnels", value=dupes)
    ends: dict[str, list[DeviceTunnel]] = {}
    for tunnel in tunnels:
        for which in _SIDES:
            end = tunnel_end(tunnel, which)
            ends.setdefault(end.local.device, []).append(end)
    return ends


def _device(name: str, ends: list[DeviceTunnel]) -> Device:
    ends = sorted(ends, key=lambda e: e.local.if_id)
    asns = sorted({e.local.asn for e in ends})
    if len(asns) > 1:
        raise PlanningError(
            f"device {name!r} is given {len(asns)} ASNs {asns} by its tunnels; one BGP speaker has "
            "one AS — give every side of this device the same asn",
            path=f"devices[{name!r}].asn",
            value=asns,
        )
    if_ids = [e.local.if_id for e in ends]
    if len(set(if_ids)) != len(if_ids):
        raise PlanningError(
            f"device {name!r} uses an if_id twice ({if_ids}); each tunnel needs its own XFRM interface id",
            path=f"devices[{name!r}].if_id",
            value=if_ids,
        )
    pairs = [(e.local.ike_id, e.remote.ike_id) for e in ends]
    if len(set(pairs)) != len(pairs):
        raise PlanningError(
            f"device {name!r} has two tunnels between the same IKE identities; strongSwan chooses a "
            "PSK by identities, so give each tunnel a distinct remote address or identity",
            path=f"devices[{name!r}].identity",
            value=sorted(set(pairs)),
        )
    return Device(name=name, asn=asns[0], router_id=_router_id(name, ends), tunnels=tuple(ends))


def _router_id(name: str, ends: list[DeviceTunnel]) -> str:
    """The device's first IPv4 public address: unique across the estate, unlike an inside or
    private address (two OpenStack sites may both use 10.0.0.5 behind their floating IPs)."""
    for end in ends:
        if ipaddress.ip_address(end.local.outside).version == 4:
            return end.local.outside
    for end in ends:
        if end.local.inside:
            return end.local.inside
    raise PlanningError(
        f"device {name!r} has no IPv4 address to use as BGP router id", path=f"devices[{name!r}]"
    )


def _check_tunnel(tunnel: Tunnel) -> None:
    where = f"tunnels[{tunnel.name!r}]"
    if not _NAME.match(tunnel.name):
        raise PlanningError(
            f"tunnel name {tunnel.name!r} must be 1-48 letters, digits, '-' or '_' (it names swanctl "
            "and FRR sections), starting with a letter or digit",
            path=f"{where}.name",
            value=tunnel.name,
        )
    if tunnel.routing not in (Routing.BGP, Routing.STATIC):
        raise PlanningError(
            f"{where}: routing {tunnel.routing.value!r} has no device configuration; use bgp or static",
            path=f"{where}.routing",
            value=tunnel.routing.value,
        )
    if tunnel.initiator not in ("a", "b"):
        raise PlanningError(
            f"{where}: initiator must be 'a' or 'b'", path=f"{where}.initiator", value=tunnel.initiator
        )
    if tunnel.a.device == tunnel.b.device:
        raise PlanningError(f"{where}: both ends are on device {tunnel.a.device!r}", path=f"{where}.b.device")
    for which in _SIDES:
        _check_side(tunnel.side(which), f"{where}.{which}")
    ike_proposal(tunnel.ciphers)  # refuses an unknown algorithm before anything is written
    _check_lifetimes(tunnel.ciphers, f"{where}.ciphers")
    if tunnel.routing is Routing.BGP:
        if tunnel.a.asn == tunnel.b.asn:
            raise PlanningError(
                f"{where}: both ends use AS {tunnel.a.asn}; the tunnels carry eBGP, the two sites need "
                "distinct ASNs",
                path=f"{where}.b.asn",
                value=tunnel.b.asn,
            )
        if tunnel.inside_cidr is None or tunnel.a.inside is None or tunnel.b.inside is None:
            raise PlanningError(
                f"{where}: a BGP tunnel needs inside_cidr and both inside addresses",
                path=f"{where}.inside_cidr",
                value=tunnel.inside_cidr,
            )
        timers = tunnel.timers
        # RFC 4271 4.2: a hold time of at least 3 s (0 would turn liveness off); keepalives at
        # most a third of it, so two can be lost before the session is.
        if not (3 <= timers.hold <= 65535 and 1 <= timers.keepalive <= timers.hold // 3):
            raise PlanningError(
                f"{where}: BGP timers keepalive {timers.keepalive} s / hold {timers.hold} s: the hold "
                "time must be 3-65535 s and the keepalive 1 s to a third of it",
                path=f"{where}.timers",
                value=(timers.keepalive, timers.hold),
            )
    if tunnel.routing is Routing.STATIC and not (tunnel.a.prefixes and tunnel.b.prefixes):
        raise PlanningError(
            f"{where}: a static tunnel routes each side's prefixes to the other; both sides need prefixes",
            path=f"{where}.prefixes",
        )
    if tunnel.inside_cidr is not None:
        _check_inside(tunnel, where)


def _check_side(side: TunnelSide, where: str) -> None:
    if not _NAME.match(side.device):
        raise PlanningError(
            f"device name {side.device!r} must be 1-48 letters, digits, '-' or '_'",
            path=f"{where}.device",
            value=side.device,
        )
    for key in ("outside", "bind"):
        value = getattr(side, key)
        if value is None:
            continue
        try:
            ipaddress.ip_address(value)
        except ValueError:
            raise PlanningError(
                f"{where}.{key} must be an IP address, got {value!r}", path=f"{where}.{key}", value=value
            ) from None
    if not _IDENTITY.match(side.ike_id):
        raise PlanningError(
            f"{where}.identity {side.ike_id!r} must be an address, FQDN or user@FQDN",
            path=f"{where}.identity",
            value=side.ike_id,
        )
    if not 1 <= side.asn <= _MAX_ASN:
        raise PlanningError(
            f"{where}.asn must be 1..{_MAX_ASN}, got {side.asn}", path=f"{where}.asn", value=side.asn
        )
    if not 1 <= side.if_id <= _MAX_IF_ID:
        raise PlanningError(
            f"{where}.if_id must be 1..{_MAX_IF_ID}, got {side.if_id}",
            path=f"{where}.if_id",
            value=side.if_id,
        )
    for prefix in side.prefixes:
        try:
            ipaddress.IPv4Network(prefix)
        except ValueError:
            raise PlanningError(
                f"{where}.prefixes: {prefix!r} is not an IPv4 network (host bits must be zero)",
                path=f"{where}.prefixes",
                value=prefix,
            ) from None


def _check_inside(tunnel: Tunnel, where: str) -> None:
    try:
        cidr = ipaddress.IPv4Network(tunnel.inside_cidr or "")
    except ValueError:
        raise PlanningError(
            f"{where}.inside_cidr {tunnel.inside_cidr!r} is not an IPv4 network",
            path=f"{where}.inside_cidr",
            value=tunnel.inside_cidr,
        ) from None
    hosts = []
    for which in _SIDES:
        inside = tunnel.side(which).inside
        if inside is None:
            continue
        try:
            address = ipaddress.IPv4Address(inside)
        except ValueError:
            address = None
        if (
            address is None
            or address not in cidr
            or address in (cidr.network_address, cidr.broadcast_address)
        ):
            raise PlanningError(
                f"{where}.{which}.inside {inside!r} must be a host address of {cidr}",
                path=f"{where}.{which}.inside",
                value=inside,
            )
        hosts.append(address)
    if len(hosts) == 2 and hosts[0] == hosts[1]:
        raise PlanningError(
            f"{where}: both ends have inside address {hosts[0]}",
            path=f"{where}.b.inside",
            value=str(hosts[0]),
        )


def _check_lifetimes(ciphers: CipherSet, where: str) -> None:
    for key in ("phase1_lifetime", "phase2_lifetime"):
        value = getattr(ciphers, key)
        if value <= 0:
            raise PlanningError(
                f"{where}.{key} must be positive, got {value}", path=f"{where}.{key}", value=value
            )
    if ciphers.ike_version not in (1, 2):
        raise PlanningError(
            f"{where}.ike_version must be 1 or 2, got {ciphers.ike_version}",
            path=f"{where}.ike_version",
            value=ciphers.ike_version,
        )


def _keyword(table: Mapping[_K, str], value: _K, what: str) -> str:
    try:
        return table[value]
    except KeyError:
        raise PlanningError(
            f"{what} {value!r} has no strongSwan equivalent here; valid: {sorted(map(str, table))}",
            path=f"ciphers.{what}",
            value=value,
        ) from None


def ike_proposal(ciphers: CipherSet) -> str:
    """The IKE proposal, e.g. ``aes256-sha256-modp2048`` (IKEv2 derives the PRF from the hash)."""
    return "-".join(
        (
            _keyword(_ENCRYPTION, ciphers.encryption, "encryption"),
            _keyword(_INTEGRITY, ciphers.integrity, "integrity"),
            _keyword(_DH_GROUPS, ciphers.dh_group, "dh_group"),
        )
    )


def esp_proposal(ciphers: CipherSet) -> str:
    """The ESP proposal: same algorithms, the DH group as PFS (AWS and GCP both offer group 14)."""
    return ike_proposal(ciphers)


def tunnel_interfaces(device: Device) -> tuple[TunnelInterface, ...]:
    """The interface (and inside address) of each of ``device`` 's tunnels, by ``if_id``."""
    result = []
    for t in device.tunnels:
        address = peer = None
        if t.inside_cidr is not None and t.local.inside is not None:
            address = ipaddress.IPv4Interface(f"{t.local.inside}/{t.inside_cidr.prefixlen}")
            peer = ipaddress.IPv4Address(t.remote.inside) if t.remote.inside else None
        result.append(TunnelInterface(t.interface, t.local.if_id, t.name, address, peer))
    return tuple(result)


def render_swanctl(device: Device, psks: Mapping[str, str]) -> str:
    """``swanctl.conf`` for ``device``: one IKE connection per tunnel, then the PSKs.

    ``psks`` maps tunnel name to its pre-shared key (plain text here; a caller holding Pulumi
    secrets renders inside ``Output.apply`` and keeps the result secret).
    """
    lines = [
        f"# swanctl.conf for {device.name}, rendered by skyweave from its link plans; do not edit.",
        "# Route-based: every CHILD_SA is bound to its tunnel's XFRM interface by if_id.",
        "connections {",
    ]
    for t in device.tunnels:
        lines += _connection(t)
    lines += ["}", "", "secrets {"]
    for t in device.tunnels:
        psk = _psk(psks, t.name)
        lines += [
            f"    ike-{t.name} {{",
            f"        id-local = {t.local.ike_id}",
            f"        id-remote = {t.remote.ike_id}",
            f"        secret = 0x{psk.encode().hex()}",
            "    }",
        ]
    lines += ["}", ""]
    return "\n".join(lines)


def _psk(psks: Mapping[str, str], name: str) -> str:
    psk = psks.get(name)
    # Messages name the tunnel, never the key.
    if psk is None:
        raise PlanningError(f"no pre-shared key given for tunnel {name!r}", path=f"psks[{name!r}]")
    if not 8 <= len(psk) <= 255 or not psk.isprintable():
        raise PlanningError(
            f"the pre-shared key of tunnel {name!r} must be 8-255 printable characters",
            path=f"psks[{name!r}]",
        )
    return psk


def _connection(t: DeviceTunnel) -> list[str]:
    ike, esp = ike_proposal(t.ciphers), esp_proposal(t.ciphers)
    if t.initiates:
        # Start at load, retry until established, restart on DPD timeout or a peer's delete.
        actions = ["start_action = start", "dpd_action = restart", "close_action = start"]
    else:
        actions = ["start_action = none", "dpd_action = clear", "close_action = none"]
    return [
        f"    {t.name} {{",
        f"        version = {t.ciphers.ike_version}",
        f"        local_addrs = {t.local.local_address}",
        f"        remote_addrs = {t.remote.outside}",
        f"        proposals = {ike}",
        f"        rekey_time = {t.ciphers.phase1_lifetime}s",
        f"        dpd_delay = {_DPD_DELAY}s",
        *(["        keyingtries = 0"] if t.initiates else []),
        "        mobike = no",
        "        local {",
        "            auth = psk",
        f"            id = {t.local.ike_id}",
        "        }",
        "        remote {",
        "            auth = psk",
        f"            id = {t.remote.ike_id}",
        "        }",
        "        children {",
        f"            {t.name} {{",
        # Route-based: the tunnel carries any IPv4 traffic routed into its interface (the inner
        # family is IPv4 whatever the outer one is), as AWS and GCP negotiate it.
        "                local_ts = 0.0.0.0/0",
        "                remote_ts = 0.0.0.0/0",
        f"                esp_proposals = {esp}",
        f"                rekey_time = {t.ciphers.phase2_lifetime}s",
        f"                if_id_in = {t.local.if_id}",
        f"                if_id_out = {t.local.if_id}",
        *(f"                {a}" for a in actions),
        "            }",
        "        }",
        "    }",
    ]


def render_frr(device: Device, pair: PairPeer | None = None) -> str:
    """``frr.conf`` for ``device``: bgpd neighbours with their policies, static routes for static
    tunnels, and the iBGP session to the other instance of a ``pair``. Loaded by ``vtysh -f`` or
    at boot as the integrated config."""
    bgp = [t for t in device.tunnels if t.routing is Routing.BGP]
    remote = tuple(dict.fromkeys(p for t in bgp for p in t.remote.prefixes))
    if pair is not None:
        _check_pair(device, pair)
    static = [t for t in device.tunnels if t.routing is Routing.STATIC]
    lines = [
        f"! frr.conf for {device.name}, rendered by skyweave from its link plans; do not edit.",
        "frr defaults traditional",
        f"hostname {device.name}",
        "service integrated-vtysh-config",
        "!",
    ]
    for t in bgp:
        lines += [
            f"ip prefix-list SW-OUT-{t.name} seq {10 * i} permit {p}"
            for i, p in enumerate(t.local.prefixes, 1)
        ]
        if not t.local.prefixes:
            lines.append(f"ip prefix-list SW-OUT-{t.name} seq 10 deny any")
        lines += [
            f"ip prefix-list SW-IN-{t.name} seq {10 * i} permit {p} le 32"
            for i, p in enumerate(t.remote.prefixes, 1)
        ]
        if not t.remote.prefixes:
            lines.append(f"ip prefix-list SW-IN-{t.name} seq 10 deny any")
    if pair is not None:
        lines += [f"ip prefix-list SW-PAIR seq {10 * i} permit {p} le 32" for i, p in enumerate(remote, 1)]
    if bgp:
        lines.append("!")
    if pair is not None:
        lines += ["route-map SW-PAIR permit 10", " match ip address prefix-list SW-PAIR", "exit"]
    for t in bgp:
        for direction in ("IN", "OUT"):
            lines += [
                f"route-map SW-{direction}-{t.name} permit 10",
                f" match ip address prefix-list SW-{direction}-{t.name}",
                "exit",
            ]
    if bgp:
        lines += [
            "!",
            f"router bgp {device.asn}",
            f" bgp router-id {device.router_id}",
            " bgp log-neighbor-changes",
            " no bgp network import-check",
        ]
        for t in bgp:
            peer = t.remote.inside
            lines += [
                f" neighbor {peer} remote-as {t.remote.asn}",
                f" neighbor {peer} description {t.name}",
                f" neighbor {peer} timers {t.timers.keepalive} {t.timers.hold}",
                f" neighbor {peer} timers connect {_CONNECT_RETRY}",
            ]
        if pair is not None:
            lines += [
                f" neighbor {pair.address} remote-as {device.asn}",
                f" neighbor {pair.address} description pair",
                f" neighbor {pair.address} update-source {pair.local}",
                f" neighbor {pair.address} timers {DEFAULT_BGP_TIMERS.keepalive} {DEFAULT_BGP_TIMERS.hold}",
                f" neighbor {pair.address} timers connect {_CONNECT_RETRY}",
            ]
        lines += [" !", " address-family ipv4 unicast"]
        lines += [f"  network {p}" for p in device.prefixes if any(p in t.local.prefixes for t in bgp)]
        for t in bgp:
            lines += [
                f"  neighbor {t.remote.inside} route-map SW-IN-{t.name} in",
                f"  neighbor {t.remote.inside} route-map SW-OUT-{t.name} out",
            ]
        if pair is not None:
            lines += [
                f"  neighbor {pair.address} next-hop-self",
                f"  neighbor {pair.address} route-map SW-PAIR in",
                f"  neighbor {pair.address} route-map SW-PAIR out",
            ]
        lines += [" exit-address-family", "exit"]
    if static:
        lines.append("!")
        carriers: dict[str, list[DeviceTunnel]] = {}
        for t in static:
            for p in t.remote.prefixes:
                carriers.setdefault(p, []).append(t)
        for p, via in carriers.items():
            # Tunnels in if_id order: the first carries the traffic, the others are standbys
            # (one active path, as AWS's static VPNs use one tunnel at a time).
            lines += [f"ip route {p} {t.interface} {1 + 10 * rank}" for rank, t in enumerate(via)]
    lines += ["!", "end", ""]
    return "\n".join(lines)


def _check_pair(device: Device, pair: PairPeer) -> None:
    where = f"devices[{device.name!r}].pair"
    for key in ("address", "local"):
        value = getattr(pair, key)
        try:
            ipaddress.IPv4Address(value)
        except ValueError:
            raise PlanningError(
                f"{where}.{key} must be an IPv4 address, got {value!r}", path=f"{where}.{key}"
            ) from None
    if pair.address == pair.local:
        raise PlanningError(f"{where}: the pair's two addresses are equal ({pair.address})", path=where)
    if not any(t.routing is Routing.BGP for t in device.tunnels):
        raise PlanningError(f"{where}: an iBGP pair needs BGP tunnels on the device", path=where)


def render_device(
    name: str, tunnels: Iterable[Tunnel], psks: Mapping[str, str], *, pair: PairPeer | None = None
) -> DeviceFiles:
    """The files of the one device ``name`` (an appliance or on-prem router), from the plans of
    its tunnels; ``psks`` needs the keys of this device's tunnels only; ``pair``: the other
    instance of an HA pair, joined by iBGP."""
    return _files(device(name, tunnels), psks, pair)


def render_devices(tunnels: Iterable[Tunnel], psks: Mapping[str, str]) -> dict[str, DeviceFiles]:
    """Both ends of every tunnel: each device's files, rendered from its own side of each plan.

    Given one tunnel this renders the device *and* its peer (an AWS or GCP gateway in a test, a
    second appliance, an on-prem router), so the "other side" is never a hand-edited copy.
    """
    return {name: _files(found, psks) for name, found in devices(tunnels).items()}


def _files(found: Device, psks: Mapping[str, str], pair: PairPeer | None = None) -> DeviceFiles:
    return DeviceFiles(
        device=found,
        swanctl_conf=render_swanctl(found, psks),
        frr_conf=render_frr(found, pair),
        interfaces=tunnel_interfaces(found),
    )
