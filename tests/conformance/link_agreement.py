"""Both ends of every link agree: the same key, a common proposal, matching addresses and ASNs.

A tunnel is configured twice — once per end, in two vendors' APIs (or in the on-prem device
entries skyweave exports) — and nothing in either API checks the other end. This module pairs the
ends of every tunnel of every ``skyweave:network:VpnLink`` from the recorded resources alone and
reports each disagreement:

* **key**: both ends' PSK fields are fed by the same ``random:RandomPassword`` (the wire's
  property dependencies) and carry the same value (the conformance run records secrets);
* **proposal**: IKE version, phase 1 and phase 2 encryption, integrity and DH group have a common
  choice, in each vendor's spelling; lifetimes are equal where both ends set them (GCP's are
  fixed by Google and not configurable, so a GCP end is not compared on lifetimes);
* **addresses**: each end's peer address is the other end's public address (AWS tunnel outside
  addresses, GCP HA VPN interface addresses, the Neutron VPN service's external address, the
  on-prem devices); BGP inside addresses are the two hosts of one /30, AWS taking the first;
* **ASNs**: each BGP peer's remote ASN is the other end's local ASN;
* **routes**: static routes / endpoint groups on each end list the other end's ranges;
* **device entries**: every field of an exported on-prem device entry matches the cloud end.

Azure's end (an active-active gateway) is one local network gateway and one connection per far
address; each connection names, per gateway instance, the custom APIPA address that instance
speaks BGP from. The instance whose public address the far end expects must speak from the
second host of the tunnel's /30 (the far end the first), the gateway must list that address
for that instance, and every such address lies in 169.254.21.0-169.254.22.255.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from conformance_harness import Estate
from skyweave.engine.offline import Registration
from skyweave.planning.topology import link_id

__all__ = ["disagreements"]

_PSK_TYPE = "random:index/randomPassword:RandomPassword"

# Each vendor's spelling of the neutral proposal words (docs/connectivity.md).
_AWS_ENC = {
    "AES256": "aes256",
    "AES128": "aes128",
    "AES128-GCM-16": "aes128gcm16",
    "AES256-GCM-16": "aes256gcm16",
}
_AWS_INT = {"SHA1": "sha1", "SHA2-256": "sha256", "SHA2-384": "sha384", "SHA2-512": "sha512"}
_GCP_ENC = {"AES-CBC-256": "aes256", "AES-CBC-128": "aes128"}
_GCP_INT = {"HMAC-SHA2-256-128": "sha256", "HMAC-SHA2-384-192": "sha384", "HMAC-SHA2-512-256": "sha512"}
_OS_ENC = {"aes-256": "aes256", "aes-128": "aes128"}
_AZ_ENC = {"AES256": "aes256", "AES128": "aes128", "GCMAES256": "aes256gcm16", "GCMAES128": "aes128gcm16"}
_AZ_INT = {"SHA256": "sha256", "SHA384": "sha384", "SHA1": "sha1", "MD5": "md5"}
#: Azure's group names: DHGroup2048 and PFS2048 are group 14.
_AZ_GROUP = {
    "DHGroup1": 1,
    "DHGroup2": 2,
    "DHGroup14": 14,
    "DHGroup2048": 14,
    "DHGroup24": 24,
    "ECP256": 19,
    "ECP384": 20,
    "PFS1": 1,
    "PFS2": 2,
    "PFS14": 14,
    "PFS2048": 14,
    "PFS24": 24,
}
#: Azure's IKE SA lifetime is fixed at 28,800 s.
_AZ_IKE_LIFETIME = 28800
_APIPA = (ipaddress.ip_network("169.254.21.0/24"), ipaddress.ip_network("169.254.22.0/24"))

Proposal = dict[str, Any]


def _group(value: Any) -> int:
    """``14``, ``"14"``, ``"group14"``, ``"Group-14"`` → 14."""
    return int(re.sub(r"\D", "", str(value)))


def aws_proposal(estate: Estate, conn: Registration, n: int) -> Proposal:
    i = estate.inputs(conn.urn)
    p = f"tunnel{n}"
    return {
        "ike": {int(v.removeprefix("ikev")) for v in i.get(f"{p}IkeVersions", [])},
        "p1_enc": {_AWS_ENC.get(v, v) for v in i.get(f"{p}Phase1EncryptionAlgorithms", [])},
        "p1_int": {_AWS_INT.get(v, v) for v in i.get(f"{p}Phase1IntegrityAlgorithms", [])},
        "p1_dh": {_group(v) for v in i.get(f"{p}Phase1DhGroupNumbers", [])},
        "p2_enc": {_AWS_ENC.get(v, v) for v in i.get(f"{p}Phase2EncryptionAlgorithms", [])},
        "p2_int": {_AWS_INT.get(v, v) for v in i.get(f"{p}Phase2IntegrityAlgorithms", [])},
        "p2_dh": {_group(v) for v in i.get(f"{p}Phase2DhGroupNumbers", [])},
        "p1_life": i.get(f"{p}Phase1LifetimeSeconds"),
        "p2_life": i.get(f"{p}Phase2LifetimeSeconds"),
    }


def gcp_proposal(estate: Estate, tunnel: Registration) -> Proposal:
    i = estate.inputs(tunnel.urn)
    suite = i.get("cipherSuite", {})
    one, two = suite.get("phase1", {}), suite.get("phase2", {})
    return {
        "ike": {int(i.get("ikeVersion", 2))},
        "p1_enc": {_GCP_ENC.get(v, v) for v in one.get("encryptions", [])},
        "p1_int": {_GCP_INT.get(v, v) for v in one.get("integrities", [])},
        "p1_dh": {_group(v) for v in one.get("dhs", [])},
        "p2_enc": {_GCP_ENC.get(v, v) for v in two.get("encryptions", [])},
        "p2_int": {_GCP_INT.get(v, v) for v in two.get("integrities", [])},
        "p2_dh": {_group(v) for v in two.get("pfs", [])},
        "p1_life": None,  # fixed by Google, not configurable
        "p2_life": None,
    }


def openstack_proposal(estate: Estate, conn: Registration) -> Proposal:
    ike = estate.resolve(estate.inputs(conn.urn).get("ikepolicyId"))
    ipsec = estate.resolve(estate.inputs(conn.urn).get("ipsecpolicyId"))
    k = estate.inputs(ike.urn) if ike else {}
    s = estate.inputs(ipsec.urn) if ipsec else {}

    def life(policy: dict[str, Any]) -> Any:
        lifetimes = policy.get("lifetimes") or []
        return next((x.get("value") for x in lifetimes if x.get("units") == "seconds"), None)

    return {
        "ike": {int(str(k.get("ikeVersion", "v1")).removeprefix("v"))},
        "p1_enc": {_OS_ENC.get(k.get("encryptionAlgorithm", "aes-128"), k.get("encryptionAlgorithm"))},
        "p1_int": {k.get("authAlgorithm", "sha1")},
        "p1_dh": {_group(k.get("pfs", "group5"))},
        "p2_enc": {_OS_ENC.get(s.get("encryptionAlgorithm", "aes-128"), s.get("encryptionAlgorithm"))},
        "p2_int": {s.get("authAlgorithm", "sha1")},
        "p2_dh": {_group(s.get("pfs", "group5"))},
        "p1_life": life(k),
        "p2_life": life(s),
    }


def azure_proposal(estate: Estate, conn: Registration) -> Proposal:
    i = estate.inputs(conn.urn)
    policies = i.get("ipsecPolicies") or []
    if len(policies) != 1:  # Azure's defaults are a list of its own: never a match to check
        return {
            k: {"azure default"} for k in ("ike", "p1_enc", "p1_int", "p1_dh", "p2_enc", "p2_int", "p2_dh")
        } | {
            "p1_life": None,
            "p2_life": None,
        }
    (p,) = policies
    return {
        "ike": {2 if i.get("connectionProtocol", "IKEv2") == "IKEv2" else 1},
        "p1_enc": {_AZ_ENC.get(p.get("ikeEncryption"), p.get("ikeEncryption"))},
        "p1_int": {_AZ_INT.get(p.get("ikeIntegrity"), p.get("ikeIntegrity"))},
        "p1_dh": {_AZ_GROUP.get(p.get("dhGroup"), p.get("dhGroup"))},
        "p2_enc": {_AZ_ENC.get(p.get("ipsecEncryption"), p.get("ipsecEncryption"))},
        "p2_int": {_AZ_INT.get(p.get("ipsecIntegrity"), p.get("ipsecIntegrity"))},
        "p2_dh": {_AZ_GROUP.get(p.get("pfsGroup"), p.get("pfsGroup"))},
        "p1_life": _AZ_IKE_LIFETIME,
        "p2_life": p.get("saLifeTimeSeconds"),
    }


def device_proposal(entry: dict[str, Any]) -> Proposal:
    c = entry["ciphers"]
    return {
        "ike": {c["ike_version"]},
        "p1_enc": {c["encryption"]},
        "p1_int": {c["integrity"]},
        "p1_dh": {c["dh_group"]},
        "p2_enc": {c["encryption"]},
        "p2_int": {c["integrity"]},
        "p2_dh": {c["dh_group"]},
        "p1_life": c["phase1_lifetime_seconds"],
        "p2_life": c["phase2_lifetime_seconds"],
    }


def proposal_mismatches(a: Proposal, b: Proposal) -> list[str]:
    out = []
    for key in ("ike", "p1_enc", "p1_int", "p1_dh", "p2_enc", "p2_int", "p2_dh"):
        if not a[key] & b[key]:
            out.append(f"{key}: {sorted(a[key])} vs {sorted(b[key])}")
    for key in ("p1_life", "p2_life"):
        if a[key] is not None and b[key] is not None and a[key] != b[key]:
            out.append(f"{key}: {a[key]} vs {b[key]}")
    return out


# --- helpers over the recording -------------------------------------------------------------------------


def _children(estate: Estate, parent: str, type_: str) -> list[Registration]:
    return [r for r in estate.of_type(type_) if r.parent == parent]


def _psk(estate: Estate, reg: Registration, key: str) -> tuple[frozenset[str], Any]:
    feeds = estate.recorded[reg.urn].property_deps.get(key, [])
    return frozenset(u for u in feeds if estate.by_urn[u].type == _PSK_TYPE), estate.inputs(reg.urn).get(key)


def _same_key(
    estate: Estate, where: str, a: tuple[frozenset[str], Any], b: tuple[frozenset[str], Any]
) -> list[str]:
    out = []
    if not a[0] or a[0] != b[0]:
        out.append(f"{where}: PSKs from different generators ({sorted(a[0])} vs {sorted(b[0])})")
    if a[1] != b[1]:
        out.append(f"{where}: PSK values differ")
    return out


def _fed_by(estate: Estate, reg: Registration, key: str, type_: str) -> list[Registration]:
    return [
        estate.by_urn[u]
        for u in estate.recorded[reg.urn].property_deps.get(key, [])
        if estate.by_urn[u].type == type_
    ]


def _bgp_of_gcp_tunnel(estate: Estate, tunnel: Registration) -> tuple[dict[str, Any], dict[str, Any]]:
    interfaces = [
        r
        for r in estate.of_type("gcp:compute/routerInterface:RouterInterface")
        if tunnel.urn in estate.recorded[r.urn].property_deps.get("vpnTunnel", [])
    ]
    peers = [
        r
        for r in estate.of_type("gcp:compute/routerPeer:RouterPeer")
        if any(i.urn in estate.recorded[r.urn].property_deps.get("interface", []) for i in interfaces)
    ]
    iface = estate.inputs(interfaces[0].urn) if len(interfaces) == 1 else {}
    peer = estate.inputs(peers[0].urn) if len(peers) == 1 else {}
    return iface, peer


def _gcp_router_asn(estate: Estate, tunnel: Registration) -> Any:
    router = estate.resolve(estate.inputs(tunnel.urn).get("router"))
    return estate.inputs(router.urn).get("bgp", {}).get("asn") if router else None


def _gcp_interface_ip(estate: Estate, tunnel: Registration) -> Any:
    gateway = estate.resolve(estate.inputs(tunnel.urn).get("vpnGateway"))
    index = estate.inputs(tunnel.urn).get("vpnGatewayInterface")
    if gateway is None:
        return None
    return next(
        (
            x.get("ipAddress")
            for x in estate.state[gateway.urn].get("vpnInterfaces", [])
            if x.get("id") == index
        ),
        None,
    )


def _gcp_peer_ip(estate: Estate, tunnel: Registration) -> Any:
    external = estate.resolve(estate.inputs(tunnel.urn).get("peerExternalGateway"))
    index = estate.inputs(tunnel.urn).get("peerExternalGatewayInterface")
    if external is None:
        return None
    return next(
        (
            x.get("ipAddress")
            for x in estate.inputs(external.urn).get("interfaces", [])
            if x.get("id") == index
        ),
        None,
    )


def _aws_tunnels(estate: Estate, link: str) -> list[tuple[Registration, int, str]]:
    """(connection, tunnel number, outside address) of every AWS tunnel of a link."""
    return [
        (conn, n, estate.state[conn.urn].get(f"tunnel{n}Address"))
        for conn in _children(estate, link, "aws:ec2/vpnConnection:VpnConnection")
        for n in (1, 2)
    ]


def _hosts(cidr: Any) -> tuple[str, str] | None:
    try:
        net = ipaddress.ip_network(str(cidr))
    except ValueError:
        return None
    if net.prefixlen != 30:
        return None
    return str(net.network_address + 1), str(net.network_address + 2)


def _asn(value: Any) -> int | None:
    return None if value is None else int(value)


def _site_cidrs(estate: Estate, site: str) -> set[str]:
    networks = estate.stack_outputs().get("networks", {})
    return {c for c in networks.get(site, {}).get("cidrs", []) if ":" not in c}


def _lookup(estate: Estate, reference: str) -> Any:
    """Resolve an exported reference like ``vpn_psks['a/b'][0]`` against the stack outputs."""
    match = re.fullmatch(r"(\w+)((?:\[[^\]]+\])+)", reference)
    if match is None:
        return None
    value: Any = estate.stack_outputs().get(match.group(1))
    for part in re.findall(r"\[([^\]]+)\]", match.group(2)):
        key: Any = int(part) if part.isdigit() else part.strip("'\"")
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _entries(estate: Estate, props: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The exported device entries of a link, by tunnel index."""
    lid = link_id(props["siteA"], props["siteB"])
    out: dict[int, dict[str, Any]] = {}
    for entries in estate.stack_outputs().get("onprem_devices", {}).values():
        for entry in entries:
            if entry["link"] == lid:
                out[entry["tunnel"]] = entry
    return out


# --- per shape ---------------------------------------------------------------------------------------------


def _aws_gcp(estate: Estate, link: Registration, props: dict[str, Any]) -> Iterator[str]:
    aws_tunnels = {addr: (conn, n) for conn, n, addr in _aws_tunnels(estate, link.urn)}
    gcp_tunnels = _children(estate, link.urn, "gcp:compute/vPNTunnel:VPNTunnel")
    if len(gcp_tunnels) != props["tunnels"] or len(aws_tunnels) != props["tunnels"]:
        yield f"{link.name}: {len(gcp_tunnels)} GCP and {len(aws_tunnels)} AWS tunnels for {props['tunnels']}"
    used = set()
    for tunnel in gcp_tunnels:
        where = tunnel.name
        peer_ip = _gcp_peer_ip(estate, tunnel)
        if peer_ip not in aws_tunnels:
            yield f"{where}: peer address {peer_ip} is no AWS tunnel's outside address"
            continue
        conn, n = aws_tunnels[peer_ip]
        used.add((conn.urn, n))
        yield from _same_key(
            estate, where, _psk(estate, tunnel, "sharedSecret"), _psk(estate, conn, f"tunnel{n}PresharedKey")
        )
        yield from (
            f"{where}: {m}"
            for m in proposal_mismatches(gcp_proposal(estate, tunnel), aws_proposal(estate, conn, n))
        )
        cgw = estate.resolve(estate.inputs(conn.urn).get("customerGatewayId"))
        vgw = estate.resolve(estate.inputs(conn.urn).get("vpnGatewayId"))
        if cgw is None or vgw is None:
            yield f"{conn.name}: gateways not found"
            continue
        if estate.inputs(cgw.urn).get("ipAddress") != _gcp_interface_ip(estate, tunnel):
            yield f"{where}: AWS customer gateway {cgw.name} is not this tunnel's HA VPN interface address"
        iface, peer = _bgp_of_gcp_tunnel(estate, tunnel)
        hosts = _hosts(estate.inputs(conn.urn).get(f"tunnel{n}InsideCidr"))
        if hosts is None or iface.get("ipRange") != f"{hosts[1]}/30":
            yield f"{where}: router interface {iface.get('ipRange')} is not the customer side of {hosts}"
        if hosts is None or (peer.get("ipAddress"), peer.get("peerIpAddress")) != (hosts[1], hosts[0]):
            yield f"{where}: BGP {peer.get('ipAddress')}->{peer.get('peerIpAddress')} do not match AWS's /30"
        if _asn(peer.get("peerAsn")) != _asn(estate.inputs(vgw.urn).get("amazonSideAsn")):
            yield f"{where}: peer ASN {peer.get('peerAsn')} is not the AWS gateway's ASN"
        if _asn(estate.inputs(cgw.urn).get("bgpAsn")) != _asn(_gcp_router_asn(estate, tunnel)):
            yield f"{where}: AWS customer gateway ASN is not the Cloud Router's"
    if len(used) != len(gcp_tunnels):
        yield f"{link.name}: two GCP tunnels end on one AWS tunnel"


def _aws_site(estate: Estate, link: Registration, props: dict[str, Any]) -> Iterator[str]:
    tunnels = _aws_tunnels(estate, link.urn)
    if len(tunnels) != props["tunnels"]:
        yield f"{link.name}: {len(tunnels)} AWS tunnels for {props['tunnels']}"
    far = props["siteB"]
    routes = {
        estate.inputs(r.urn).get("destinationCidrBlock")
        for r in _children(estate, link.urn, "aws:ec2/vpnConnectionRoute:VpnConnectionRoute")
    }
    if props["routing"] == "static" and routes != _site_cidrs(estate, far):
        yield f"{link.name}: AWS static routes {sorted(routes)} are not {far}'s ranges"
    entries = _entries(estate, props)
    connections = _children(estate, link.urn, "openstack:vpnaas/siteConnection:SiteConnection")
    for conn, n, outside in sorted(tunnels, key=lambda t: (t[0].name, t[1])):
        where = f"{conn.name}#{n}"
        cgw = estate.resolve(estate.inputs(conn.urn).get("customerGatewayId"))
        vgw = estate.resolve(estate.inputs(conn.urn).get("vpnGatewayId"))
        assert cgw is not None and vgw is not None
        static = bool(estate.inputs(conn.urn).get("staticRoutesOnly"))
        if static != (props["routing"] == "static"):
            yield f"{where}: staticRoutesOnly={static} on a {props['routing']} link"
        if props["vendorB"] == "openstack":
            ends = [c for c in connections if estate.inputs(c.urn).get("peerAddress") == outside]
            if len(ends) != 1:
                yield f"{where}: {len(ends)} Neutron site connections peer with outside address {outside}"
                continue
            (end,) = ends
            service = estate.resolve(estate.inputs(end.urn).get("vpnserviceId"))
            if service is None or estate.state[service.urn].get("externalV4Ip") != estate.inputs(cgw.urn).get(
                "ipAddress"
            ):
                yield f"{where}: customer gateway {cgw.name} is not the Neutron VPN service's address"
            yield from _same_key(
                estate, where, _psk(estate, conn, f"tunnel{n}PresharedKey"), _psk(estate, end, "psk")
            )
            yield from (
                f"{where}: {m}"
                for m in proposal_mismatches(aws_proposal(estate, conn, n), openstack_proposal(estate, end))
            )
            yield from _peer_group(estate, end, props["siteA"])
        else:
            entry = next(
                (e for e in entries.values() if _lookup(estate, e["remote_public_ip"]) == outside), None
            )
            if entry is None:
                yield f"{where}: no on-prem device entry for outside address {outside}"
                continue
            hosts = _hosts(estate.inputs(conn.urn).get(f"tunnel{n}InsideCidr"))
            checks = {
                "device": (entry["device"], estate.inputs(cgw.urn).get("ipAddress")),
                "inside_cidr": (entry["inside_cidr"], estate.inputs(conn.urn).get(f"tunnel{n}InsideCidr")),
                "local_inside_ip": (entry["local_inside_ip"], hosts[1] if hosts else None),
                "remote_inside_ip": (entry["remote_inside_ip"], hosts[0] if hosts else None),
                "local_asn": (_asn(entry["local_asn"]), _asn(estate.inputs(cgw.urn).get("bgpAsn"))),
                "remote_asn": (_asn(entry["remote_asn"]), _asn(estate.inputs(vgw.urn).get("amazonSideAsn"))),
                "routing": (entry["routing"], "static" if static else "bgp"),
                "remote_cidrs": (set(entry["remote_cidrs"]), _site_cidrs(estate, props["siteA"])),
            }
            if props["routing"] == "static":
                checks["inside_cidr"] = (entry["inside_cidr"], entry["inside_cidr"])
                checks["local_inside_ip"] = checks["remote_inside_ip"] = (None, None)
            for key, (have, want) in checks.items():
                if have != want:
                    yield f"{where}: device entry {key}={have!r}, the AWS end says {want!r}"
            if _lookup(estate, entry["psk"]) != estate.inputs(conn.urn).get(f"tunnel{n}PresharedKey"):
                yield f"{where}: device entry's PSK is not the tunnel's"
            yield from (
                f"{where}: {m}"
                for m in proposal_mismatches(aws_proposal(estate, conn, n), device_proposal(entry))
            )


def _peer_group(estate: Estate, conn: Registration, peer_site: str) -> Iterator[str]:
    group = estate.resolve(estate.inputs(conn.urn).get("peerEpGroupId"))
    endpoints = set(estate.inputs(group.urn).get("endpoints", [])) if group else set()
    if endpoints != _site_cidrs(estate, peer_site):
        yield f"{conn.name}: peer endpoint group {sorted(endpoints)} is not {peer_site}'s ranges"


def _gcp_device(estate: Estate, link: Registration, props: dict[str, Any]) -> Iterator[str]:
    entries = _entries(estate, props)
    tunnels = _children(estate, link.urn, "gcp:compute/vPNTunnel:VPNTunnel")
    if len(tunnels) != props["tunnels"] or len(entries) != props["tunnels"]:
        yield f"{link.name}: {len(tunnels)} tunnels and {len(entries)} device entries for {props['tunnels']}"
    for tunnel in tunnels:
        where = tunnel.name
        index = int(tunnel.name.rsplit("-", 1)[1])
        entry = entries.get(index)
        if entry is None:
            yield f"{where}: no device entry"
            continue
        iface, peer = _bgp_of_gcp_tunnel(estate, tunnel)
        checks = {
            "device": (entry["device"], _gcp_peer_ip(estate, tunnel)),
            "remote_public_ip": (
                _lookup(estate, entry["remote_public_ip"]),
                _gcp_interface_ip(estate, tunnel),
            ),
            "inside_cidr": (
                entry["inside_cidr"],
                str(ipaddress.ip_interface(iface.get("ipRange", "0.0.0.0/0")).network),
            ),
            "local_inside_ip": (entry["local_inside_ip"], peer.get("peerIpAddress")),
            "remote_inside_ip": (entry["remote_inside_ip"], peer.get("ipAddress")),
            "local_asn": (_asn(entry["local_asn"]), _asn(peer.get("peerAsn"))),
            "remote_asn": (_asn(entry["remote_asn"]), _asn(_gcp_router_asn(estate, tunnel))),
            "routing": (entry["routing"], "bgp"),
        }
        for key, (have, want) in checks.items():
            if have != want:
                yield f"{where}: device entry {key}={have!r}, the GCP end says {want!r}"
        if _lookup(estate, entry["psk"]) != estate.inputs(tunnel.urn).get("sharedSecret"):
            yield f"{where}: device entry's PSK is not the tunnel's"
        yield from (
            f"{where}: {m}" for m in proposal_mismatches(gcp_proposal(estate, tunnel), device_proposal(entry))
        )


def _vpnaas(estate: Estate, link: Registration, props: dict[str, Any]) -> Iterator[str]:
    connections = _children(estate, link.urn, "openstack:vpnaas/siteConnection:SiteConnection")
    a, b = props["siteA"], props["siteB"]
    if props["vendorB"] == "openstack":
        if len(connections) != 2:
            yield f"{link.name}: {len(connections)} site connections, expected one at each end"
            return
        one, two = connections
        for here, there in ((one, two), (two, one)):
            service = estate.resolve(estate.inputs(there.urn).get("vpnserviceId"))
            if service is None or estate.inputs(here.urn).get("peerAddress") != estate.state[service.urn].get(
                "externalV4Ip"
            ):
                yield f"{here.name}: peer address is not the other VPN service's external address"
        yield from _same_key(estate, link.name, _psk(estate, one, "psk"), _psk(estate, two, "psk"))
        yield from (
            f"{link.name}: {m}"
            for m in proposal_mismatches(openstack_proposal(estate, one), openstack_proposal(estate, two))
        )
        for conn in connections:
            service = estate.resolve(estate.inputs(conn.urn).get("vpnserviceId"))
            here = a if service is not None and service.name.endswith(f"-{a}") else b
            yield from _peer_group(estate, conn, b if here == a else a)
        return
    entries = _entries(estate, props)
    for conn in connections:
        where = conn.name
        peer = estate.inputs(conn.urn).get("peerAddress")
        entry = next((e for e in entries.values() if e["device"] == peer), None)
        if entry is None:
            yield f"{where}: no device entry for peer {peer}"
            continue
        service = estate.resolve(estate.inputs(conn.urn).get("vpnserviceId"))
        if service is None or _lookup(estate, entry["remote_public_ip"]) != estate.state[service.urn].get(
            "externalV4Ip"
        ):
            yield f"{where}: device entry's remote address is not the VPN service's external address"
        if _lookup(estate, entry["psk"]) != estate.inputs(conn.urn).get("psk"):
            yield f"{where}: device entry's PSK is not the site connection's"
        if set(entry["remote_cidrs"]) != _site_cidrs(estate, a) or entry["routing"] != "static":
            yield f"{where}: device entry routes {entry['routing']} {entry['remote_cidrs']} do not match {a}"
        yield from (
            f"{where}: {m}"
            for m in proposal_mismatches(openstack_proposal(estate, conn), device_proposal(entry))
        )
        yield from _peer_group(estate, conn, b)


def _aws_peering(estate: Estate, link: Registration, props: dict[str, Any]) -> Iterator[str]:
    (peering,) = _children(estate, link.urn, "aws:ec2/vpcPeeringConnection:VpcPeeringConnection")
    peering_id = estate.ids[peering.urn]
    for here, there in ((props["siteA"], props["siteB"]), (props["siteB"], props["siteA"])):
        tables = [
            r
            for r in estate.of_type("aws:ec2/routeTable:RouteTable")
            if r.name.startswith(f"core-rt-{here}-")
        ]
        for table in tables:
            routes = {
                estate.inputs(r.urn).get("destinationCidrBlock")
                for r in estate.of_type("aws:ec2/route:Route")
                if estate.inputs(r.urn).get("routeTableId") == estate.ids[table.urn]
                and estate.inputs(r.urn).get("vpcPeeringConnectionId") == peering_id
            }
            if routes != _site_cidrs(estate, there):
                yield f"{table.name}: routes over the peering {sorted(routes)} are not {there}'s ranges"


def _gcp_peering(estate: Estate, link: Registration, props: dict[str, Any]) -> Iterator[str]:
    peerings = _children(estate, link.urn, "gcp:compute/networkPeering:NetworkPeering")
    pairs = {(estate.inputs(p.urn).get("network"), estate.inputs(p.urn).get("peerNetwork")) for p in peerings}
    if len(peerings) != 2 or {(b, a) for a, b in pairs} != pairs:
        yield f"{link.name}: peerings {sorted(pairs)} are not one per direction"
    flags = {
        (estate.inputs(p.urn).get("exportCustomRoutes"), estate.inputs(p.urn).get("importCustomRoutes"))
        for p in peerings
    }
    if flags != {(True, True)}:
        yield f"{link.name}: custom routes exported/imported {flags} differ between the two directions"


# --- Azure's end ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _AzureEnd:
    """One Azure connection with what it refers to, resolved from the recording."""

    conn: Registration
    inputs: dict[str, Any]
    local: dict[str, Any]
    gateway: dict[str, Any]
    instance_ips: tuple[Any, ...]
    custom: dict[int, str]  # instance → the address it speaks BGP from on this connection

    def address_for(self, public_ip: Any) -> str | None:
        """The custom BGP address of the instance whose public address is ``public_ip``."""
        for instance, ip in enumerate(self.instance_ips):
            if ip == public_ip:
                return self.custom.get(instance)
        return None


def _azure_ends(estate: Estate, link: Registration) -> list[_AzureEnd]:
    ends = []
    for conn in _children(estate, link.urn, "azure-native:network:VirtualNetworkGatewayConnection"):
        i = estate.inputs(conn.urn)
        local_reg = estate.resolve((i.get("localNetworkGateway2") or {}).get("id"))
        gateway_reg = estate.resolve((i.get("virtualNetworkGateway1") or {}).get("id"))
        gateway = estate.inputs(gateway_reg.urn) if gateway_reg else {}
        configs = [c.get("name") for c in gateway.get("ipConfigurations", [])]
        ips = []
        for config in gateway.get("ipConfigurations", []):
            pip = estate.resolve((config.get("publicIPAddress") or {}).get("id"))
            ips.append(estate.state[pip.urn].get("ipAddress") if pip else None)
        custom = {}
        for entry in i.get("gatewayCustomBgpIpAddresses", []):
            name = str(entry.get("ipConfigurationId", "")).rsplit("/ipConfigurations/", 1)[-1]
            if name in configs:
                custom[configs.index(name)] = entry.get("customBgpIpAddress")
        ends.append(
            _AzureEnd(conn, i, estate.inputs(local_reg.urn) if local_reg else {}, gateway, tuple(ips), custom)
        )
    return ends


def _azure_listed(end: _AzureEnd, instance: int, address: Any) -> bool:
    """Whether the gateway lists ``address`` among instance ``instance``'s custom BGP addresses."""
    configs = end.gateway.get("ipConfigurations", [])
    if instance >= len(configs):
        return False
    name = configs[instance].get("name")
    for peering in end.gateway.get("bgpSettings", {}).get("bgpPeeringAddresses", []):
        if str(peering.get("ipconfigurationId", "")).endswith(f"/ipConfigurations/{name}"):
            return address in peering.get("customBgpIpAddresses", [])
    return False


def _azure_bgp(end: _AzureEnd, far_ip: Any, hosts: tuple[str, str] | None, where: str) -> Iterator[str]:
    """The instance the far end expects speaks from the /30's second host, the far end from the
    first; the gateway lists that address; all inside Azure's APIPA range."""
    if hosts is None:
        yield f"{where}: no /30 to compare the BGP addresses with"
        return
    if end.local.get("bgpSettings", {}).get("bgpPeeringAddress") != hosts[0]:
        yield f"{where}: local network gateway's BGP address is not the far end's {hosts[0]}"
    if far_ip not in end.instance_ips:
        yield f"{where}: the far end expects {far_ip}, which is no instance of the Azure gateway"
        return
    instance = end.instance_ips.index(far_ip)
    if end.address_for(far_ip) != hosts[1]:
        yield f"{where}: instance {instance} speaks BGP from {end.address_for(far_ip)}, not {hosts[1]}"
    if not _azure_listed(end, instance, hosts[1]):
        yield f"{where}: the gateway does not list {hosts[1]} for instance {instance}"
    for address in end.custom.values():
        if not any(ipaddress.ip_address(address) in net for net in _APIPA):
            yield f"{where}: custom BGP address {address} is outside Azure's 169.254.21.0-169.254.22.255"
    if end.inputs.get("enableBgp") is not True:
        yield f"{where}: BGP is not enabled on the connection"


def _aws_azure(estate: Estate, link: Registration, props: dict[str, Any]) -> Iterator[str]:
    aws = {addr: (conn, n) for conn, n, addr in _aws_tunnels(estate, link.urn)}
    ends = _azure_ends(estate, link)
    if len(aws) != props["tunnels"] or len(ends) != props["tunnels"]:
        yield f"{link.name}: {len(aws)} AWS tunnels and {len(ends)} Azure connections for {props['tunnels']}"
    used = set()
    for end in ends:
        where = end.conn.name
        outside = end.local.get("gatewayIpAddress")
        if outside not in aws:
            yield f"{where}: local network gateway address {outside} is no AWS tunnel's outside address"
            continue
        conn, n = aws[outside]
        used.add((conn.urn, n))
        yield from _same_key(
            estate, where, _psk(estate, end.conn, "sharedKey"), _psk(estate, conn, f"tunnel{n}PresharedKey")
        )
        yield from (
            f"{where}: {m}"
            for m in proposal_mismatches(azure_proposal(estate, end.conn), aws_proposal(estate, conn, n))
        )
        cgw = estate.resolve(estate.inputs(conn.urn).get("customerGatewayId"))
        vgw = estate.resolve(estate.inputs(conn.urn).get("vpnGatewayId"))
        if cgw is None or vgw is None:
            yield f"{conn.name}: gateways not found"
            continue
        if estate.inputs(conn.urn).get("staticRoutesOnly"):
            yield f"{conn.name}: static routes on a BGP link"
        hosts = _hosts(estate.inputs(conn.urn).get(f"tunnel{n}InsideCidr"))
        yield from _azure_bgp(end, estate.inputs(cgw.urn).get("ipAddress"), hosts, where)
        if _asn(end.local.get("bgpSettings", {}).get("asn")) != _asn(
            estate.inputs(vgw.urn).get("amazonSideAsn")
        ):
            yield f"{where}: local network gateway ASN is not the AWS gateway's"
        if _asn(estate.inputs(cgw.urn).get("bgpAsn")) != _asn(end.gateway.get("bgpSettings", {}).get("asn")):
            yield f"{where}: AWS customer gateway ASN is not the Azure gateway's"
    if len(used) != len(ends):
        yield f"{link.name}: two Azure connections end on one AWS tunnel"


def _gcp_azure(estate: Estate, link: Registration, props: dict[str, Any]) -> Iterator[str]:
    tunnels = _children(estate, link.urn, "gcp:compute/vPNTunnel:VPNTunnel")
    ends = _azure_ends(estate, link)
    if len(tunnels) != props["tunnels"] or len(ends) != props["tunnels"]:
        yield f"{link.name}: {len(tunnels)} GCP tunnels, {len(ends)} Azure connections for {props['tunnels']}"
    for tunnel in tunnels:
        where = tunnel.name
        interface_ip = _gcp_interface_ip(estate, tunnel)
        matching = [e for e in ends if e.local.get("gatewayIpAddress") == interface_ip]
        if len(matching) != 1:
            yield f"{where}: {len(matching)} Azure connections to this HA VPN interface's address"
            continue
        (end,) = matching
        yield from _same_key(
            estate, where, _psk(estate, tunnel, "sharedSecret"), _psk(estate, end.conn, "sharedKey")
        )
        yield from (
            f"{where}: {m}"
            for m in proposal_mismatches(gcp_proposal(estate, tunnel), azure_proposal(estate, end.conn))
        )
        iface, peer = _bgp_of_gcp_tunnel(estate, tunnel)
        net = ipaddress.ip_interface(iface.get("ipRange", "0.0.0.0/0")).network
        hosts = _hosts(net)
        if hosts is None or (peer.get("ipAddress"), peer.get("peerIpAddress")) != hosts:
            yield f"{where}: BGP {peer.get('ipAddress')}->{peer.get('peerIpAddress')} are not {net}'s hosts"
        yield from _azure_bgp(end, _gcp_peer_ip(estate, tunnel), hosts, where)
        if _asn(peer.get("peerAsn")) != _asn(end.gateway.get("bgpSettings", {}).get("asn")):
            yield f"{where}: peer ASN {peer.get('peerAsn')} is not the Azure gateway's ASN"
        if _asn(end.local.get("bgpSettings", {}).get("asn")) != _asn(_gcp_router_asn(estate, tunnel)):
            yield f"{where}: local network gateway ASN is not the Cloud Router's"


def _azure_device(estate: Estate, link: Registration, props: dict[str, Any]) -> Iterator[str]:
    entries = _entries(estate, props)
    ends = _azure_ends(estate, link)
    if len(entries) != props["tunnels"]:
        yield f"{link.name}: {len(entries)} device entries for {props['tunnels']} tunnels"
    for index, entry in sorted(entries.items()):
        where = f"{link.name}#{index}"
        matching = [e for e in ends if e.local.get("gatewayIpAddress") == entry["device"]]
        if len(matching) != 1:
            yield f"{where}: {len(matching)} Azure connections to device {entry['device']}"
            continue
        (end,) = matching
        remote = _lookup(estate, entry["remote_public_ip"])
        checks = {
            "local_inside_ip": (
                entry["local_inside_ip"],
                end.local.get("bgpSettings", {}).get("bgpPeeringAddress"),
            ),
            "remote_inside_ip": (entry["remote_inside_ip"], end.address_for(remote)),
            "local_asn": (_asn(entry["local_asn"]), _asn(end.local.get("bgpSettings", {}).get("asn"))),
            "remote_asn": (_asn(entry["remote_asn"]), _asn(end.gateway.get("bgpSettings", {}).get("asn"))),
            "routing": (entry["routing"], "bgp"),
        }
        for key, (have, want) in checks.items():
            if have != want:
                yield f"{where}: device entry {key}={have!r}, the Azure end says {want!r}"
        hosts = _hosts(entry["inside_cidr"])
        if hosts is None or entry["remote_inside_ip"] != hosts[1]:
            yield f"{where}: the Azure instance's address is not the second host of {entry['inside_cidr']}"
        if remote not in end.instance_ips:
            yield f"{where}: remote public address {remote} is no instance of the Azure gateway"
        elif not _azure_listed(end, end.instance_ips.index(remote), entry["remote_inside_ip"]):
            yield f"{where}: the gateway does not list {entry['remote_inside_ip']} for that instance"
        if _lookup(estate, entry["psk"]) != estate.inputs(end.conn.urn).get("sharedKey"):
            yield f"{where}: device entry's PSK is not the connection's"
        yield from (
            f"{where}: {m}"
            for m in proposal_mismatches(azure_proposal(estate, end.conn), device_proposal(entry))
        )


def _azure_peering(estate: Estate, link: Registration, props: dict[str, Any]) -> Iterator[str]:
    peerings = _children(estate, link.urn, "azure-native:network:VirtualNetworkPeering")
    pairs = set()
    for peering in peerings:
        i = estate.inputs(peering.urn)
        remote = estate.resolve((i.get("remoteVirtualNetwork") or {}).get("id"))
        pairs.add((i.get("virtualNetworkName"), estate.state[remote.urn].get("name") if remote else None))
        if not i.get("allowVirtualNetworkAccess"):
            yield f"{peering.name}: allowVirtualNetworkAccess is off"
    if len(peerings) != 2 or {(b, a) for a, b in pairs} != pairs:
        yield f"{link.name}: peerings {sorted(pairs, key=str)} are not one per direction"


@dataclass(frozen=True)
class _ApplianceSide:
    """What an appliance pair's site records for one link: the pair's public addresses, the
    sources let through to it per opening (``ike``, ``natt``, ``esp``) and the ranges routed to it.

    ``exact``: the openings and routes are the link's own (OpenStack: a rule and a route per link),
    not the whole pair's (vSphere: one list on each VM, every link's)."""

    public: list[Any]
    opened: dict[str, set[str]]
    routed: set[Any]
    exact: bool


def _openstack_appliance_side(estate: Estate, link: Registration, appliance: str, far: str) -> _ApplianceSide:
    """Floating IPs, a security-group rule per opening and peer address, a router route per range."""
    fips = [
        estate.state[r.urn].get("address")
        for r in estate.of_type("openstack:networking/floatingIp:FloatingIp")
        if r.name.startswith(f"core-appliance-fip-{appliance}-")
    ]
    opened = {
        kind: {
            str(estate.inputs(r.urn).get("remoteIpPrefix", "")).removesuffix("/32")
            for r in _children(estate, link.urn, "openstack:networking/secGroupRule:SecGroupRule")
            if r.name.startswith(f"core-appliance-{kind}-{appliance}-{far}-")
        }
        for kind in ("ike", "natt", "esp")
    }
    routed = {
        estate.inputs(r.urn).get("destinationCidr")
        for r in _children(estate, link.urn, "openstack:networking/routerRoute:RouterRoute")
    }
    return _ApplianceSide(fips, opened, routed, exact=True)


#: vSphere's appliance VMs (docs/vsphere.md): the edge's 1:1 NAT is the operator's, so the pair's
#: public addresses are what each VM's annotation tells the operator to forward; the openings and
#: routes are the guestinfo lists the VMs carry for the edge and the router.
_VSPHERE_OPENINGS = {"ike": ("udp", 500), "natt": ("udp", 4500), "esp": ("esp", None)}
_NAT = re.compile(r"1:1 NAT (\S+) -> ")


def _vsphere_appliance_side(estate: Estate, link: Registration, appliance: str, far: str) -> _ApplianceSide:
    vms = [
        r
        for r in estate.of_type("vsphere:index/virtualMachine:VirtualMachine")
        if re.fullmatch(rf"core-appliance-{re.escape(appliance)}-\d", r.name)
    ]
    public: list[Any] = []
    # what *every* VM of the pair says (either may hold the tunnels and the next hop)
    opened: dict[str, set[str]] | None = None
    routed: set[Any] | None = None
    for vm in vms:
        inputs = estate.inputs(vm.urn)
        nat = _NAT.search(str(inputs.get("annotation", "")))
        public.append(nat.group(1) if nat else None)
        extra = inputs.get("extraConfig", {})
        rules = json.loads(extra.get("guestinfo.skyweave.ingress", "[]"))
        mine = {
            kind: {
                str(r.get("source", "")).removesuffix("/32")
                for r in rules
                if (r.get("protocol"), r.get("port")) == opening
            }
            for kind, opening in _VSPHERE_OPENINGS.items()
        }
        opened = mine if opened is None else {k: opened[k] & v for k, v in mine.items()}
        to = {r.get("to") for r in json.loads(extra.get("guestinfo.skyweave.routes", "[]"))}
        routed = to if routed is None else routed & to
    empty: dict[str, set[str]] = {k: set() for k in _VSPHERE_OPENINGS}
    return _ApplianceSide(public, opened or empty, routed or set(), exact=False)


_APPLIANCE_SIDES = {"openstack": _openstack_appliance_side, "vsphere": _vsphere_appliance_side}


def _azure_appliance(estate: Estate, link: Registration, props: dict[str, Any]) -> Iterator[str]:
    """The Azure end of a link to an appliance pair, against what the pair's side records (per
    vendor: OpenStack's floating IPs, security-group rules and router routes; vSphere's NAT,
    openings and routes on the VMs), the link's /30s and ASNs. The appliance's own configuration
    is in its (secret) user data: tests/test_vpn_daemons.py brings it up against an end rendered
    from the same plan with the real daemons."""
    appliance, azure = props["siteA"], props["siteB"]
    ends = _azure_ends(estate, link)
    if len(ends) != props["tunnels"]:
        yield f"{link.name}: {len(ends)} Azure connections for {props['tunnels']} tunnels"
    side = _APPLIANCE_SIDES[props["vendorA"]](estate, link, appliance, azure)
    fips = side.public
    if len(fips) != 2 or None in fips:
        yield f"{link.name}: {appliance}'s pair records public addresses {fips}, not one per instance"
    asns = estate.stack_outputs().get("links", {}).get("links", {}).get(link_id(appliance, azure), {})
    asns = asns.get("asns", {})
    cidrs = {
        h[0]: h for h in (_hosts(c) for c in props.get("insideCidrs", [])) if h is not None
    }  # the far end's (the appliance's) address → both hosts of its /30
    speakers: set[int] = set()
    for end in ends:
        where = end.conn.name
        outside = end.local.get("gatewayIpAddress")
        if outside not in fips:
            yield f"{where}: local network gateway address {outside} is no appliance public address {fips}"
        hosts = cidrs.get(end.local.get("bgpSettings", {}).get("bgpPeeringAddress"))
        if hosts is None:
            yield f"{where}: the local network gateway's BGP address is no tunnel's first host"
            continue
        speaking = [i for i, address in end.custom.items() if address == hosts[1]]
        if len(speaking) != 1:
            yield f"{where}: {len(speaking)} instances speak BGP from {hosts[1]}"
            continue
        speakers.add(speaking[0])
        yield from _azure_bgp(end, end.instance_ips[speaking[0]], hosts, where)
        feeds, _ = _psk(estate, end.conn, "sharedKey")
        if len(feeds) != 1 or estate.by_urn[next(iter(feeds))].parent != link.urn:
            yield f"{where}: the connection's key is not one of this link's generated keys"
        yield from (
            f"{where}: {m}" for m in proposal_mismatches(azure_proposal(estate, end.conn), _plan_proposal())
        )
        if _asn(end.local.get("bgpSettings", {}).get("asn")) != _asn(asns.get(appliance)):
            yield f"{where}: local network gateway ASN is not {appliance}'s"
        if _asn(end.gateway.get("bgpSettings", {}).get("asn")) != _asn(asns.get(azure)):
            yield f"{where}: the Azure gateway's ASN is not {azure}'s"
    if len(speakers) != len(ends):
        yield f"{link.name}: the connections' BGP sessions do not use both Azure instances"
    instance_ips = {ip for end in ends for ip in end.instance_ips}
    for kind, opened in side.opened.items():
        if opened != instance_ips if side.exact else not instance_ips <= opened:
            yield f"{link.name}: the appliance opens {kind} to {sorted(opened)}, not the Azure instances"
    azure_cidrs = _site_cidrs(estate, azure)
    if side.routed != azure_cidrs if side.exact else not azure_cidrs <= side.routed:
        routes = sorted(side.routed, key=str)
        yield f"{link.name}: {appliance} routes {routes} to the pair, not {azure}'s ranges"


def _plan_proposal() -> Proposal:
    """What the planner gives both ends of every tunnel (the appliance renders exactly this)."""
    from skyweave.planning.vpn import CIPHERS

    return device_proposal({"ciphers": CIPHERS.as_dict()})


_SHAPES = {
    "aws-gcp-ha-vpn": _aws_gcp,
    "aws-site-vpn": _aws_site,
    "gcp-ha-vpn-device": _gcp_device,
    "openstack-vpnaas": _vpnaas,
    "aws-vpc-peering": _aws_peering,
    "gcp-vpc-peering": _gcp_peering,
    "aws-azure-vpn": _aws_azure,
    "gcp-azure-ha-vpn": _gcp_azure,
    "azure-vpn-device": _azure_device,
    "azure-vpn-appliance": _azure_appliance,
    "azure-vpc-peering": _azure_peering,
}


#: Shapes whose far end is a VPN appliance skyweave renders (strongSwan + FRR in its user data):
#: both ends come from one link plan, and tests/test_appliance.py with tests/test_vpn_daemons.py
#: prove they agree by bringing IKE and BGP up between the real daemons on the rendered files.
#: Checking the recorded resources here would need the secret user data, which a preview masks.
PROVEN_BY_DAEMONS = frozenset({"aws-vpn-appliance", "gcp-ha-vpn-appliance", "appliance-device"})


def disagreements(estate: Estate) -> Iterator[str]:
    """Every way two ends of a link of ``estate`` disagree (empty when they all agree)."""
    inside: dict[str, str] = {}
    for link in estate.of_type("skyweave:network:VpnLink"):
        props = estate.inputs(link.urn)
        if props["shape"] in PROVEN_BY_DAEMONS:
            continue
        check = _SHAPES.get(props["shape"])
        if check is None:
            yield f"{link.name}: no agreement check for shape {props['shape']!r}"
            continue
        yield from check(estate, link, props)
        for cidr in props.get("insideCidrs", []):
            if cidr in inside:
                yield f"{link.name}: inside {cidr} is also used by {inside[cidr]}"
            inside[cidr] = link.name
