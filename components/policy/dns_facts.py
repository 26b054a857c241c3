"""The DNS part of :class:`~skyweave.policy.facts.EstateFacts`: names of record sets and profiles
(Traffic Manager), who serves each and the compute behind its targets.

Why a part of its own: a DNS name is what users call a service, and finding what it reaches is a
walk of its own — through property dependencies, literal addresses of the plan's resources,
profiles that answer with their endpoints, and front doors outside the plan — that the other
facts (units, links, data) only consume (:attr:`DnsFacts.dns`, :meth:`DnsFacts.target_vendors`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

from . import readers
from .index import StackIndex
from .model import DnsName, Unit, is_ip, known_str, unknown_at
from .reading import Estate, Reader
from .values import Resource, UnknownValue, get, items

__all__ = ["DnsFacts"]

#: Record types whose values lead to the compute that answers (an MX or TXT record does not).
_ADDRESS_RECORDS = frozenset({"A", "AAAA", "CNAME", "ALIAS"})


class DnsFacts:
    """What the plan's DNS records and profiles answer with (see the module docstring)."""

    index: StackIndex
    readers: tuple[Reader, ...]

    @property
    def _estate(self) -> Estate:
        """The whole facts object, which readers are given (this part is mixed into it)."""
        return cast(Estate, self)

    @cached_property
    def profiles(self) -> dict[str, DnsName]:
        """The names profiles answer for (Traffic Manager), with their endpoints' targets."""
        names: dict[str, DnsName] = {}
        for reader in self.readers:
            names.update(reader.profiles(self._estate))
        return names

    @cached_property
    def _profile_types(self) -> frozenset[str]:
        return readers.types_of("profile_types")

    @cached_property
    def _profile_domains(self) -> tuple[str, ...]:
        return tuple(f".{d}" for reader in self.readers for d in reader.profile_domains)

    @cached_property
    def dns(self) -> dict[str, DnsName]:
        names: dict[str, DnsName] = dict(self.profiles)
        for reader in self.readers:
            for res in self.index.of_type(*reader.dns_records):
                service = reader.dns_records.get(res.type, res.package)
                try:
                    kind = reader.record_kind(res)
                    name = reader.record_name(self._estate, res)
                except UnknownValue as exc:
                    # It may be an address record of any name: kept with the vendor and targets it
                    # would add, so each name can tell whether it might answer for it.
                    label = f"(unknown name of {res.name})"
                    entry = names.setdefault(label, DnsName(label))
                    entry.records.append(res)
                    entry.unknown = str(exc)
                    entry.dns_vendors.add(self.index.vendor(res) or res.package)
                    entry.services.add(service)
                    reader.record_targets(self._estate, res, entry)
                    continue
                if not name or (kind and kind not in _ADDRESS_RECORDS):
                    continue
                entry = names.setdefault(name, DnsName(name))
                entry.records.append(res)
                entry.dns_vendors.add(self.index.vendor(res) or res.package)
                entry.services.add(service)
                reader.record_targets(self._estate, res, entry)
        return names

    def link_targets(
        self, res: Resource, props: Iterable[str], entry: DnsName, profiles: bool = True
    ) -> bool:
        """Add the resources ``res``'s ``props`` came from; whether there were any. A profile among
        them stands for its endpoints' targets (unless building those)."""
        linked = False
        for prop in props:
            for urn in res.property_dependencies.get(prop, ()):
                target = self.index.by_urn.get(urn)
                if target is None:
                    continue
                linked = True
                if profiles and target.type in self._profile_types:
                    self._through_profile(target, entry)
                else:
                    entry.targets.append(target)
        return linked

    def literal_target(self, value: Any, entry: DnsName, profiles: bool = True) -> None:
        """A record value written out: one of the plan's addresses or (``profiles``) a profile's
        name, else an external target — which may be a resource address, or a profile's name,
        that a preview does not know yet (:attr:`DnsName.targets_unknown`)."""
        text = known_str(value)
        if not text:
            return
        owners, unknown_address = self._addresses
        target = owners.get(text)
        if target is not None:
            entry.targets.append(target)
            return
        if self.front_door_target(text, entry):
            return
        name = text.rstrip(".").lower()
        profile = self.profiles.get(name) if profiles else None
        if profile is not None:
            self._answer_with(profile, entry)
            return
        entry.external_targets.add(text)
        if entry.targets_unknown is not None:
            return
        if unknown_address is not None and is_ip(text):
            entry.targets_unknown = f"{text} may be the address of {unknown_address}"
        elif profiles and self._profile_domains and name.endswith(self._profile_domains):
            maybe = next((p for p in self.profiles.values() if p.unknown), None)
            if maybe is not None:
                entry.targets_unknown = (
                    f"{text} may be Traffic Manager profile {maybe.records[0].name!r}'s name: {maybe.unknown}"
                )

    def front_door_target(self, value: Any, entry: DnsName) -> bool:
        """A record value that is a front door outside the plan (:meth:`Reader.front_doors`, the
        operator's load balancer) reaches the compute behind it; whether it was one."""
        text = known_str(value)
        behind = self._front_doors.get(text) if text else None
        if behind:
            entry.targets.extend(behind)
        return bool(behind)

    def literal_targets(
        self,
        res: Resource,
        entry: DnsName,
        lists: Iterable[tuple[str, str | None]],
        singles: Iterable[tuple[str, ...]] = (),
        references: Iterable[str] = (),
    ) -> None:
        """A record's targets written out: each list property (with the key of each item's value;
        ``None``: the item), each single value at a path, and — for references (``{id}``) to a
        resource a preview does not know yet — a target the update will tell. Read all first, so
        a target a preview cannot know is noted before any literal is judged."""
        literals: list[Any] = []
        for prop, key in lists:
            try:
                values = items(res.props, prop)
                literals += [get(value, key) for value in values] if key else values
            except UnknownValue as exc:  # a target the update will tell: not "no target"
                entry.targets_unknown = entry.targets_unknown or f"{res.name}.{exc}"
        for path in singles:
            try:
                literals.append(get(res.props, *path))
            except UnknownValue as exc:
                entry.targets_unknown = entry.targets_unknown or f"{res.name}.{exc}"
        for prop in references:
            unknown = unknown_at(res.props, prop, "id")
            if unknown is not None:
                entry.targets_unknown = entry.targets_unknown or f"{res.name}.{unknown}"
        for value in literals:
            self.literal_target(value, entry)

    def _through_profile(self, profile: Resource, entry: DnsName) -> None:
        """A record that points at a profile answers with its endpoints."""
        for answer in self.profiles.values():
            if profile in answer.records:
                self._answer_with(answer, entry)

    @staticmethod
    def _answer_with(profile: DnsName, entry: DnsName) -> None:
        """``entry`` answers with a profile's targets (and its doubts about them)."""
        entry.targets.extend(profile.targets)
        entry.external_targets |= profile.external_targets
        entry.targets_unknown = entry.targets_unknown or profile.targets_unknown

    @cached_property
    def _front_doors(self) -> dict[str, list[Resource]]:
        """Each reader's front doors outside the plan (:meth:`Reader.front_doors`) → what is behind."""
        doors: dict[str, list[Resource]] = {}
        for reader in self.readers:
            try:
                for address, res in reader.front_doors(self._estate):
                    doors.setdefault(address, []).append(res)
            except UnknownValue:
                continue  # its records' targets stay external: counted as unreached, never as reached
        return doors

    @cached_property
    def addresses_by_type(self) -> dict[str, tuple[str, ...]]:
        return readers.merged("addresses")

    @property
    def address_owner(self) -> dict[str, Resource]:
        """Literal addresses of the plan's own resources (to resolve a record written with an IP)."""
        return self._addresses[0]

    @cached_property
    def _addresses(self) -> tuple[dict[str, Resource], str | None]:
        """:attr:`address_owner`, and a resource address unknown in this preview (a literal IP of a
        record may be it) as ``"<name>, whose <prop> is not known until the update runs"``."""
        owners: dict[str, Resource] = {}
        unknown: str | None = None
        for type_, props in self.addresses_by_type.items():
            for res in self.index.of_type(type_):
                for prop in props:
                    try:
                        ip = known_str(get(res.props, prop))
                    except UnknownValue:
                        unknown = unknown or f"{res.name}, whose {prop} is not known until the update runs"
                        continue
                    if ip and is_ip(ip):
                        owners.setdefault(ip, res)
        return owners, unknown

    def target_vendors(self, dns: DnsName) -> set[str]:
        """The vendors holding ``dns``'s targets. A target of a vendor-neutral package (a
        Kubernetes Service, :data:`~.readers.NEUTRAL_PACKAGES`) is on no vendor of its own: it is
        on the vendors of the compute behind it (the cluster's nodes), where there is any."""
        vendors: set[str] = set()
        for target in dns.targets:
            vendor = self.index.vendor(target)
            if vendor is None and target.package in readers.NEUTRAL_PACKAGES:
                behind = set(self.behind([target.urn]))
                vendors |= {u.vendor for u in self.units if u.urn in behind} or {target.package}
            else:
                vendors.add(vendor or target.package)
        if dns.external_targets:
            vendors.add("external")
        return vendors

    if TYPE_CHECKING:  # the facts object this part is mixed into (facts.EstateFacts) has them

        @property
        def units(self) -> list[Unit]: ...

        def behind(self, start: Iterable[str]) -> list[str]: ...
