"""A vSphere site as a stack file declares it (:class:`VsphereSiteArgs`), and what validating one
needs: the port groups, the VPN appliance pair's addresses, and whether the optional SDK
(``pulumi-vsphere``) is installed. Its own module so the driver's services (:mod:`.appliance`,
:mod:`.app`) read the site model without importing the driver back.

What a site is: one vCenter and one of its datacenters. The site's zones are the datacenter's
compute clusters — the boundary vSphere HA restarts VMs within and DRS places them in. Its
networks are distributed port groups (one VLAN each) on an existing distributed switch, each
addressed from the estate's IPAM at a slot the stack file fixes. VMs are cloned from a template,
which needs vCenter: a bare ESXi host cannot clone.

Credentials never appear here: the provider reads ``VSPHERE_USER`` and ``VSPHERE_PASSWORD`` from
the environment (or ``vsphere:user`` / ``vsphere:password`` stack config), as the provider
documents (https://www.pulumi.com/registry/packages/vsphere/installation-configuration/).
"""

from __future__ import annotations

import importlib.util
import ipaddress
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ...core.naming import NAME_PATTERN
from ...core.sites import CloudSiteArgs
from ...core.validation import FieldValueError

__all__ = [
    "EXTRA",
    "MAIN",
    "SDK",
    "PortGroupArgs",
    "VsphereApplianceArgs",
    "VsphereSiteArgs",
    "host_address",
    "sdk_installed",
]

#: What to install for vSphere sites (pyproject.toml's optional extra).
EXTRA = "pip install 'skyweave[vsphere]'"
SDK = "pulumi_vsphere"
#: The port group apps and the VPN appliance pair sit on.
MAIN = "main"

_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = rf"^{_LABEL}(\.{_LABEL})*$"
#: vSphere inventory names (clusters, datastores, switches, templates): up to 80 characters; no
#: '/', '\' or '%', which the inventory path syntax reserves.
_INVENTORY_NAME = r"^[^/\\%]{1,80}$"
#: The clouds that sell vSphere in their own regions, and what they call it.
HOSTS = {
    "aws": "VMware Cloud on AWS",
    "azure": "Azure VMware Solution",
    "gcp": "Google Cloud VMware Engine",
}


def sdk_installed() -> bool:
    """Whether pulumi-vsphere can be imported (found, not loaded)."""
    try:
        return importlib.util.find_spec(SDK) is not None
    except (ImportError, ValueError):  # ValueError: a module hidden as sys.modules[name] = None
        return False


def host_address(subnet: str, host: int) -> str:
    """Host number ``host`` of ``subnet`` (1 is the first usable address).

    >>> host_address("10.8.0.0/20", 4)
    '10.8.0.4'
    """
    return str(ipaddress.IPv4Network(subnet).network_address + host)


class PortGroupArgs(BaseModel):
    """One distributed port group: a VLAN on the site's distributed switch, one IPAM subnet."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(
        pattern=NAME_PATTERN,
        max_length=24,
        description="The port group's key in the site (its subnet's key; `main` is where apps and "
        "the VPN appliance pair sit). Required.",
    )
    vlan_id: int = Field(ge=1, le=4094, description="The 802.1Q VLAN id the port group tags. Required.")
    slot: int = Field(
        default=0,
        ge=0,
        le=255,
        description="The subnet's slot in the site's block (its index among blocks of "
        "ipam.subnet_prefix): fixed per port group so adding one never renumbers another. Default 0.",
    )


class VsphereApplianceArgs(BaseModel):
    """The site's VPN appliance pair: two VMs cloned from a template on the ``main`` port group.

    vSphere without NSX has no VPN service, so the site's end of every link is this pair
    (strongSwan, FRR and keepalived, as on OpenStack). Its addresses are the operator's: the
    public ones are NAT addresses on the site's edge, the private ones and the next hop are host
    numbers in the ``main`` port group's subnet, since the VMs boot with static addresses.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    template: str | None = Field(
        default=None,
        pattern=_INVENTORY_NAME,
        description="Name of the VM template to clone (a Debian 12 cloud image with cloud-init's "
        "VMware datasource); cloning needs vCenter. Required.",
    )
    public_ips: tuple[ipaddress.IPv4Address, ipaddress.IPv4Address] = Field(
        description="The two public IPv4 addresses your edge forwards (1:1 NAT) to the appliances: "
        "their IKE identities, what peers connect to. Required."
    )
    hosts: tuple[int, int] = Field(
        default=(4, 5),
        description="Host numbers of the two appliances in the main port group's subnet. Default [4, 5].",
    )
    next_hop_host: int = Field(
        ge=2,
        description="Host number, in the main port group's subnet, of the address keepalived keeps "
        "on a live appliance: your router's static routes to the other sites point to it. Required.",
    )
    cpus: int = Field(default=2, ge=1, le=64, description="vCPUs of each appliance. Default 2.")
    memory_mb: int = Field(default=2048, ge=512, description="Memory (MiB) of each appliance. Default 2048.")

    @field_validator("public_ips")
    @classmethod
    def _public(
        cls, ips: tuple[ipaddress.IPv4Address, ipaddress.IPv4Address]
    ) -> tuple[ipaddress.IPv4Address, ipaddress.IPv4Address]:
        for ip in ips:
            if not ip.is_global and not _is_documentation(ip):
                raise ValueError(
                    f"{ip} is not a public address; peers' VPN gateways reach the appliances over "
                    "the internet at these addresses"
                )
        if ips[0] == ips[1]:
            raise ValueError(f"both appliances have {ips[0]}; each needs its own public address")
        return ips

    @model_validator(mode="after")
    def _distinct_hosts(self) -> VsphereApplianceArgs:
        if self.template is None:
            raise FieldValueError(
                "template",
                "name the VM template the appliances are cloned from (a Debian 12 cloud image with "
                "cloud-init); cloning needs vCenter, so `vcenter` must be a vCenter Server, not an "
                "ESXi host",
                None,
            )
        hosts = [*self.hosts, self.next_hop_host]
        for i, host in enumerate(self.hosts):
            if host < 2:
                raise FieldValueError(
                    f"hosts[{i}]", "host 1 is the port group's router (its gateway); use 2 or above", host
                )
        if len(set(hosts)) != len(hosts):
            raise FieldValueError(
                "next_hop_host",
                f"the appliances ({self.hosts[0]}, {self.hosts[1]}) and the next hop "
                f"({self.next_hop_host}) need three different host numbers",
                self.next_hop_host,
            )
        return self


def _is_documentation(ip: ipaddress.IPv4Address) -> bool:
    """RFC 5737 ranges, accepted so examples need no real address."""
    return any(
        ip in ipaddress.ip_network(net) for net in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
    )


class VsphereSiteArgs(CloudSiteArgs):
    """A VMware vSphere datacenter managed by one vCenter. Credentials come from the environment
    (``VSPHERE_USER``, ``VSPHERE_PASSWORD``); never from here."""

    VENDOR = "vsphere"

    vendor: Literal["vsphere"] = "vsphere"
    vcenter: str = Field(
        max_length=253,
        description="Host name or address of the vCenter Server (not an ESXi host: cloning needs "
        "vCenter). Required.",
    )
    datacenter: str = Field(
        pattern=_INVENTORY_NAME, description="The vSphere datacenter the site is, by name. Required."
    )
    distributed_switch: str = Field(
        pattern=_INVENTORY_NAME,
        description="Name of the existing distributed switch the port groups are created on. Required.",
    )
    datastore: str = Field(
        pattern=_INVENTORY_NAME,
        description="Name of the datastore (shared by the clusters) the VMs' disks go on. Required.",
    )
    port_groups: tuple[PortGroupArgs, ...] = Field(
        default=(),
        description="The site's networks: distributed port groups with their VLAN ids and subnet "
        "slots; one must be named `main`. Required.",
    )
    allow_unverified_ssl: bool = Field(
        default=False,
        description="Accept vCenter's certificate unverified (a lab's self-signed one). Default false.",
    )
    appliance_pair: VsphereApplianceArgs | None = Field(
        default=None,
        description="The VPN appliance pair (template, public and private addresses, next hop). "
        "Omitted: the site cannot be joined by VPN.",
    )
    hosted_on: str | None = Field(
        default=None,
        description="The other vendor's region the vSphere estate runs in, as vendor:region, for a "
        "hosted one: VMware Cloud on AWS (aws:us-east-1), Azure VMware Solution (azure:westeurope), "
        "Google Cloud VMware Engine (gcp:europe-west1). The site then fails with that vendor and "
        "region in simulate, the availability model and the pack. Omitted: your own datacenter.",
    )
    ingress_ip: ipaddress.IPv4Address | None = Field(
        default=None,
        description="Public IPv4 address of the load balancer you run in front of the main port "
        "group (vSphere has none of its own). Required for a MultiCloudApp on the site.",
    )

    @field_validator("vendor")
    @classmethod
    def _extra_installed(cls, vendor: str) -> str:
        if not sdk_installed():
            raise ValueError(
                f"vSphere sites need pulumi-vsphere, which skyweave ships as an optional extra: {EXTRA}"
            )
        return vendor

    @field_validator("vcenter")
    @classmethod
    def _vcenter_host(cls, value: str) -> str:
        if not re.match(_HOSTNAME, value):
            raise ValueError(
                f"{value!r} is not a host name or address: give the vCenter Server's name alone, "
                "without scheme, port or path, e.g. vcenter.dc1.example.net"
            )
        return value

    @field_validator("hosted_on")
    @classmethod
    def _host(cls, value: str | None) -> str | None:
        if value is None:
            return value
        vendor, _, region = value.partition(":")
        if vendor not in HOSTS or not re.fullmatch(r"[a-z][a-z0-9-]{1,40}[0-9a-z]", region):
            raise ValueError(
                f"{value!r} is not vendor:region of a cloud that hosts vSphere; write one of "
                + ", ".join(f"{v}:<region> ({product})" for v, product in HOSTS.items())
            )
        return value

    @field_validator("zones")
    @classmethod
    def _cluster_names(cls, zones: tuple[str, ...]) -> tuple[str, ...]:
        for zone in zones:
            if not re.match(_INVENTORY_NAME, zone):
                raise ValueError(
                    f"zone {zone!r} is not a vSphere compute cluster name (1-80 characters, no '/', "
                    "'\\' or '%')"
                )
        return zones

    @model_validator(mode="after")
    def _site_checks(self) -> VsphereSiteArgs:
        if not self.zones:
            raise FieldValueError(
                "zones",
                "list the datacenter's compute clusters the site uses (its zones: vSphere HA and "
                "DRS act within one), e.g. [cluster-a, cluster-b]",
                [],
            )
        if not self.port_groups:
            raise FieldValueError(
                "port_groups",
                "declare the site's distributed port groups, at least `main`, e.g. "
                "[{name: main, vlan_id: 110, slot: 0}]",
                [],
            )
        seen: dict[str, dict[object, int]] = {"name": {}, "vlan_id": {}, "slot": {}}
        for i, group in enumerate(self.port_groups):
            for key, value in (("name", group.name), ("vlan_id", group.vlan_id), ("slot", group.slot)):
                if value in seen[key]:
                    raise FieldValueError(
                        f"port_groups[{i}].{key}",
                        f"port_groups[{seen[key][value]}] has it too; each port group needs its own {key}",
                        value,
                    )
                seen[key][value] = i
        if MAIN not in seen["name"]:
            names = ", ".join(g.name for g in self.port_groups)
            raise FieldValueError(
                "port_groups",
                f"no port group is named {MAIN!r} (apps and the VPN appliance pair sit on it); "
                f"declared: {names}",
            )
        return self

    def host(self) -> tuple[str, ...]:
        """The hosting cloud's region as a failure domain (``aws/us-east-1``), or none."""
        return () if self.hosted_on is None else (self.hosted_on.replace(":", "/", 1),)

    def main_port_group(self) -> PortGroupArgs:
        return next(g for g in self.port_groups if g.name == MAIN)
