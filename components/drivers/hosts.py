"""What a component asks a driver for when it needs one server of its own: a database member.

Vendor-neutral, as :mod:`.workloads` is for apps: the component (``MultiCloudDatabase``) decides
the member's address, its size, its disk and exactly which peers reach which port, and hands the
driver a :class:`HostSpec`; the driver builds its vendor's VM, disk and firewall from it and
answers with a :class:`HostHandle`. A driver offers this by implementing
:class:`~skyweave.drivers.services.HostService`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi

__all__ = ["HostHandle", "HostRule", "HostSpec", "HostTerms"]


@dataclass(frozen=True)
class HostTerms:
    """What a vendor's host takes, in its own words (each completes "the image/size is a …"),
    and how its disks are encrypted at rest (for the docs and messages)."""

    image: str
    size: str
    encryption: str


@dataclass(frozen=True)
class HostRule:
    """One rule: TCP ``port`` from (ingress) or to (egress) exactly ``sources`` (single addresses or
    ranges)."""

    port: int
    sources: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class HostSpec:
    """One server: where, what, how big, and who may reach it.

    Attributes:
        key: the child names' key on the site (``pg-a``, ``etcd-b-2``): stable, from the plan.
        zone: the zone to run in (one of the site's).
        subnet: the subnet key (in the site's :class:`~skyweave.drivers.site.SiteNetwork`).
        address: the fixed private IPv4 address, inside that subnet.
        image: the boot image, in the vendor's terms.
        size: the instance size, in the vendor's terms.
        disk_gb: the boot disk's size, which holds the data: encrypted, kept when the VM goes.
        user_data: the cloud-init document (a secret: it holds passwords and keys).
        ingress: every inbound rule; nothing else is admitted.
        egress: every outbound rule, where the vendor filters outbound traffic (AWS security
            groups); the vendor's own resolver and time service are reached regardless.
        tags: tags (labels, metadata) on the VM and its disk: what the policy readers read.
    """

    key: str
    zone: str
    subnet: str
    address: str
    image: str
    size: str
    disk_gb: int
    user_data: pulumi.Output[str]
    ingress: tuple[HostRule, ...]
    egress: tuple[HostRule, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HostHandle:
    """What a driver built for one :class:`HostSpec`: the VM's private address and its resources."""

    key: str
    address: pulumi.Output[str]
    resources: Mapping[str, pulumi.Resource] = field(default_factory=dict)
