"""The on-prem policy reader: servers someone brought, seen through the commands that configure
them (``command:remote:Command``); the vendor has no cloud package of its own.

A remote command whose connection comes from a cloud instance or address configures that
instance, not an on-prem node. Two commands to one known host are one node; a host the pack
cannot see (a secret connection offline) counts once per command. The plan cannot say which
site or rack such a server belongs to: the nodes are the vendor's, in one domain ``on-prem``.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...policy.model import Unit, known_str
from ...policy.reading import Estate, Reader
from ...policy.values import UnknownValue, get

__all__ = ["OnPremReader"]

REMOTE_COMMAND = "command:remote:Command"


class OnPremReader(Reader):
    vendor = "onprem"
    display_name = "on-prem"
    device_links = True  # its VPN devices are configured by their operator (HybridVpc's onpremDevices)
    scripts = {REMOTE_COMMAND: frozenset({"create", "update", "delete"})}

    def extra_units(self, estate: Estate) -> Iterator[Unit]:
        """Remote commands to hosts outside every cloud of the plan (see the module docstring)."""
        cloud_addresses = estate.cloud_addresses
        seen: set[str] = set()
        for res in estate.index.of_type(REMOTE_COMMAND):
            sources = res.property_dependencies.get("connection") or res.dependencies
            if any(
                (t := estate.index.by_urn.get(u)) is not None and t.type in cloud_addresses for u in sources
            ):
                continue
            try:
                host = known_str(get(res.props, "connection", "host"))
            except UnknownValue:
                host = None
            key = host or res.urn
            if key in seen:
                continue
            seen.add(key)
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
            )
