"""The on-prem policy reader: servers someone brought, seen through the resources the on-prem
driver registers for them; the vendor has no cloud package of its own.

Each server of a BYON pool has a record (:mod:`skyweave.drivers.onprem.server`): a remote command
with nothing to run whose environment names the server, its address, site, region and rack. One
record is one server, in its rack (its failure domain); a remote command that depends on a record
configures that server and is no server of its own.

Any other remote command (a program skyweave did not write) whose connection does not come from
a cloud instance or address configures a host outside the clouds: two commands to one known host
are one node, and a host the pack cannot see (a secret connection) counts once per command. The
plan cannot say which site or rack such a host belongs to: it is a domain of its own, in the
vendor's site ``on-prem`` (:attr:`Unit.domain_unseen`).
"""

from __future__ import annotations

from collections.abc import Iterator

from ...policy.model import ANY_SITE, Unit, known_str
from ...policy.reading import Estate, Reader
from ...policy.values import Resource, UnknownValue, get
from . import server

__all__ = ["OnPremReader"]

REMOTE_COMMAND = "command:remote:Command"
_UNSEEN = (
    "a host reached by a remote command no server record describes: its site and rack are not in the plan"
)


def _fact(res: Resource, key: str) -> str | None:
    try:
        return known_str(get(res.props, "environment", key))
    except UnknownValue:
        return None


def _unknown(res: Resource, key: str) -> bool:
    try:
        get(res.props, "environment", key)
    except UnknownValue:
        return True
    return False


class OnPremReader(Reader):
    vendor = "onprem"
    display_name = "on-prem"
    device_links = True  # its VPN devices are configured by their operator (HybridVpc's onpremDevices)
    scripts = {REMOTE_COMMAND: frozenset({"create", "update", "delete"})}

    def extra_units(self, estate: Estate) -> Iterator[Unit]:
        """One unit per server record, then per host other remote commands reach outside every
        cloud of the plan (see the module docstring)."""
        commands = estate.index.of_type(REMOTE_COMMAND)
        records: dict[str, Resource] = {}
        for res in commands:
            if "create" not in res.props and (
                (_fact(res, server.NODE) and _fact(res, server.SITE))
                or _unknown(res, server.NODE)
                or _unknown(res, server.SITE)
            ):
                records[res.urn] = res
        servers: set[tuple[str | None, str, str]] = set()
        for res in records.values():
            name, site = _fact(res, server.NODE), _fact(res, server.SITE)
            if name is None or site is None:
                # A server record whose name or site is not known until apply: a server, but where
                # it stands cannot be judged in this preview (never a violation of its own).
                yield Unit(
                    res.urn,
                    name or res.name,
                    "on-prem server",
                    self.vendor,
                    site or ANY_SITE,
                    _fact(res, server.REGION) or site or ANY_SITE,
                    ((_fact(res, server.FAILURE_DOMAIN) or res.name, 1),),
                    estate.owner(res),
                    unknown="its server record's name or site is not known until apply",
                )
                continue
            owner = estate.owner(res)
            identity = (owner, site, _fact(res, server.ADDRESS) or name)
            if identity in servers:
                continue
            servers.add(identity)
            zone = _fact(res, server.FAILURE_DOMAIN) or site
            region = _fact(res, server.REGION) or site
            yield Unit(res.urn, name, "on-prem server", self.vendor, site, region, ((zone, 1),), owner)
        cloud_addresses = estate.cloud_addresses
        hosts: set[str] = set()
        for res in commands:
            if res.urn in records:
                continue
            if any(u in records for u in res.dependencies):
                continue  # it configures a server that has a record
            sources = res.property_dependencies.get("connection") or res.dependencies
            if any(
                (t := estate.index.by_urn.get(u)) is not None and t.type in cloud_addresses for u in sources
            ):
                continue  # it configures a cloud instance
            try:
                host = known_str(get(res.props, "connection", "host"))
            except UnknownValue:
                host = None
            key = host or res.urn
            if key in hosts:
                continue
            hosts.add(key)
            label = host or res.name
            yield Unit(
                res.urn,
                res.name,
                "on-prem node",
                self.vendor,
                "on-prem",
                "on-prem",
                ((label, 1),),
                estate.owner(res),
                domain_unseen=_UNSEEN,
            )
