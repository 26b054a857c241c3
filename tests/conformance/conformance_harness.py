"""Runs of an estate as the conformance tests need them: every value, every edge, every id.

The normal offline run (``skyweave.engine.offline``) masks secrets and keeps only what a preview shows.
The conformance checks need more — the value behind a secret (to see that both ends of a tunnel
got the *same* key), which property of a resource each dependency feeds (``propertyDependencies``
on the wire), the id the mock gave each resource (to resolve ``subnetId: <id>`` back to the
subnet), and the far-end addresses a cloud assigns at create time. :class:`ConformanceMonitor`
records them; :class:`ConformanceMocks` gives those provider-assigned addresses distinct,
deterministic stand-ins (from 198.18.0.0/15, RFC 2544's benchmarking range, so they can never be
mistaken for a real peer) — the stand-ins only exist in these runs, not in ``skyweave preview``.

:class:`PreviewMocks` answers as the engine does in a real ``pulumi preview``: no ids and no
outputs at all, so every output a program reads is unknown (the SDK resolves a property the
engine did not return as unknown during a dry run).

Estates: the two example stacks, and :data:`GENERATED` — estates built from a seed to reach the
shapes the examples do not (three GCP networks peering with each other, OpenStack ↔ OpenStack,
on-prem devices with and without BGP, same-region AWS peering, two Azure VNets peering, pools of
every kind).
"""

from __future__ import annotations

import atexit
import copy
import functools
import hashlib
import random
import shutil
import tempfile
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from conftest import ROOT, stack_raw, write_stack
from google.protobuf import json_format
from pulumi.runtime import rpc
from skyweave.engine.offline import OfflineMocks, OfflineRun, RecordingMonitor, Registration
from skyweave.engine.preview import preview_stack
from skyweave.estate.project import Project

__all__ = [
    "GENERATED",
    "STACKS",
    "UNKNOWN",
    "ConformanceMocks",
    "ConformanceMonitor",
    "Estate",
    "PreviewMocks",
    "estate",
    "generated_raw",
    "project_for",
]

#: The example stacks every conformance test runs on.
STACKS = ("dev", "prod")
#: Seeds of the generated estates (see :func:`generated_raw`).
GENERATED = ("gen-1", "gen-2", "gen-3")

#: How an unknown value appears in a conformance recording.
UNKNOWN: dict[str, bool] = {"__unknown__": True}

_SIG = rpc._special_sig_key
_SECRET_SIG = rpc._special_secret_sig
_RESOURCE_SIG = rpc._special_resource_sig


def plain(value: Any, path: str = "", secrets: set[str] | None = None) -> Any:
    """A wire value as plain JSON: secrets *revealed* (their paths collected), unknowns as
    :data:`UNKNOWN`, resource references as URNs, integral floats as ints."""
    if isinstance(value, dict):
        sig = value.get(_SIG)
        if sig == _SECRET_SIG:
            if secrets is not None:
                secrets.add(path)
            return plain(value.get("value"), path, secrets)
        if sig == _RESOURCE_SIG:
            return value.get("urn")
        return {k: plain(v, f"{path}.{k}" if path else k, secrets) for k, v in value.items() if k != _SIG}
    if isinstance(value, list):
        return [plain(v, f"{path}[{i}]", secrets) for i, v in enumerate(value)]
    if value == rpc.UNKNOWN:
        return dict(UNKNOWN)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _stand_in_ip(*parts: str) -> str:
    """A distinct address in 198.18.0.0/15 for a provider-assigned public IP."""
    n = int(hashlib.sha256("/".join(parts).encode()).hexdigest()[:8], 16) % (2**17 - 2) + 1
    return f"198.{18 + (n >> 16)}.{(n >> 8) & 0xFF}.{n & 0xFF}"


class ConformanceMocks(OfflineMocks):
    """:class:`OfflineMocks` plus stand-ins for the far-end addresses the link checks compare."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        resource_id, state = super().new_resource(args)
        if args.typ == "aws:ec2/vpnConnection:VpnConnection":
            state["tunnel1Address"] = _stand_in_ip(args.name, "1")
            state["tunnel2Address"] = _stand_in_ip(args.name, "2")
        elif args.typ == "gcp:compute/haVpnGateway:HaVpnGateway":
            state["vpnInterfaces"] = [{"id": i, "ipAddress": _stand_in_ip(args.name, str(i))} for i in (0, 1)]
        elif args.typ == "openstack:vpnaas/service:Service":
            state["externalV4Ip"] = _stand_in_ip(args.name)
        elif args.typ == "openstack:loadbalancer/loadBalancer:LoadBalancer":
            state["vipPortId"] = f"{resource_id}-vip-port"
        elif args.typ == "azure-native:network:PublicIPAddress":
            state["ipAddress"] = _stand_in_ip(args.name)
        return resource_id, state


class PreviewMocks(pulumi.runtime.Mocks):
    """What the engine answers during ``pulumi preview`` for a resource to be created: no id, and
    no outputs — every output the program reads is unknown. Invokes run, as they do in a preview."""

    def __init__(self) -> None:
        self._calls = OfflineMocks()

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return "", {}

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        return self._calls.call(args)


@dataclass
class Recorded:
    """What :class:`ConformanceMonitor` keeps per resource beyond :class:`Registration`."""

    inputs: dict[str, Any]
    secret_paths: set[str]
    property_deps: dict[str, list[str]]


class ConformanceMonitor(RecordingMonitor):
    """A :class:`RecordingMonitor` that also keeps raw inputs, property dependencies and outputs."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.recorded: dict[str, Recorded] = {}
        self.raw_outputs: dict[str, Any] = {}

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        urn = self.make_urn(request.parent, request.type, request.name)
        secrets: set[str] = set()
        self.recorded[urn] = Recorded(
            inputs=plain(json_format.MessageToDict(request.object), "", secrets),
            secret_paths=secrets,
            property_deps={k: sorted(set(v.urns)) for k, v in request.propertyDependencies.items()},
        )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        self.raw_outputs[request.urn] = plain(json_format.MessageToDict(request.outputs))
        return super().RegisterResourceOutputs(request)


@dataclass
class Estate:
    """One recorded run of an estate, indexed for the conformance checks."""

    name: str
    run: OfflineRun
    recorded: dict[str, Recorded]
    ids: dict[str, str]
    state: dict[str, dict[str, Any]]
    raw_outputs: dict[str, Any]
    _closure: dict[str, frozenset[str]] = field(default_factory=dict)

    @functools.cached_property
    def by_urn(self) -> dict[str, Registration]:
        return {r.urn: r for r in self.run.resources}

    @functools.cached_property
    def urn_of_id(self) -> dict[str, str]:
        return {v: k for k, v in self.ids.items() if v}

    def of_type(self, *types: str) -> list[Registration]:
        return sorted((r for r in self.run.resources if r.type in types), key=lambda r: r.urn)

    def inputs(self, urn: str) -> dict[str, Any]:
        return self.recorded[urn].inputs

    def resolve(self, value: Any) -> Registration | None:
        """The resource a recorded id (``subnetId: <id>``) refers to."""
        urn = self.urn_of_id.get(value) if isinstance(value, str) else None
        return self.by_urn[urn] if urn else None

    def stack_outputs(self) -> dict[str, Any]:
        root = next(r.urn for r in self.run.resources if r.type == "pulumi:pulumi:Stack")
        outputs: dict[str, Any] = self.raw_outputs.get(root, {})
        return outputs

    def before(self, urn: str) -> frozenset[str]:
        """Everything the engine must finish before ``urn`` starts: its dependencies and its
        provider, transitively (the order ``pulumi up`` creates in)."""
        if urn not in self._closure:
            seen: set[str] = set()
            queue = deque(self._direct(urn))
            while queue:
                item = queue.popleft()
                if item in seen:
                    continue
                seen.add(item)
                queue.extend(self._direct(item))
            self._closure[urn] = frozenset(seen)
        return self._closure[urn]

    def _direct(self, urn: str) -> Iterable[str]:
        reg = self.by_urn[urn]
        yield from reg.dependencies
        if reg.provider:
            yield reg.provider

    def ordered(self, first: str, then: str) -> bool:
        return first in self.before(then)


def project_for(name: str) -> Project:
    """The project an estate runs in: the repository for the examples, a copy for generated ones."""
    if name in STACKS:
        return Project.find(ROOT)
    return _generated_project(name)


@functools.cache
def _generated_project(name: str) -> Project:
    folder = Path(tempfile.mkdtemp(prefix=f"skyweave-{name}-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return write_stack(folder, "prod", generated_raw(name))


@functools.cache
def estate(name: str) -> Estate:
    """The conformance recording of an example stack (``dev``, ``prod``) or a generated estate."""
    stack = name if name in STACKS else "prod"
    monitor = ConformanceMonitor(ConformanceMocks())
    run = preview_stack(project_for(name), stack, monitor=monitor)
    return Estate(
        name=name,
        run=run,
        recorded=monitor.recorded,
        ids={urn: reg.id for urn, reg in monitor.resources.items()},
        state={urn: dict(reg.state) for urn, reg in monitor.resources.items()},
        raw_outputs=monitor.raw_outputs,
    )


# --- generated estates ---------------------------------------------------------------------------

_SITE_POOL: list[dict[str, Any]] = [
    {"name": "aws-a", "vendor": "aws", "region": "us-east-1", "zones": ["us-east-1a", "us-east-1b"]},
    {"name": "aws-b", "vendor": "aws", "region": "us-east-1", "zones": ["us-east-1c", "us-east-1d"]},
    {"name": "aws-c", "vendor": "aws", "region": "eu-west-1", "zones": ["eu-west-1a", "eu-west-1b"]},
    {"name": "gcp-a", "vendor": "gcp", "region": "europe-west1", "project": "skyweave-gen-001"},
    {"name": "gcp-b", "vendor": "gcp", "region": "us-central1", "project": "skyweave-gen-002"},
    {"name": "gcp-c", "vendor": "gcp", "region": "asia-east1", "project": "skyweave-gen-003"},
    {"name": "os-a", "vendor": "openstack", "region": "RegionOne", "cloud": "dc-a", "zones": ["az1", "az2"]},
    {"name": "os-b", "vendor": "openstack", "region": "RegionTwo", "cloud": "dc-b"},
    {
        "name": "prem-bgp",
        "vendor": "onprem",
        "region": "ams",
        "zones": ["hall-1", "hall-2"],
        "cidrs": ["10.210.0.0/16"],
        "vpn_peer_ip": "198.51.100.20",
        "vpn_secondary_peer_ip": "198.51.100.21",
        "bgp": True,
    },
    {
        "name": "prem-static",
        "vendor": "onprem",
        "region": "lis",
        "cidrs": ["10.220.0.0/16"],
        "vpn_peer_ip": "203.0.113.30",
    },
    # Last, so the draws for the sites above stay what they were before Azure joined the pool.
    *(
        {
            "name": f"azure-{letter}",
            "vendor": "azure",
            "region": region,
            "subscription_id": "00000000-0000-4000-8000-00000000000" + str(i),
            "admin_ssh_public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGenerateDConformanceEstate0 gen",
        }
        for i, (letter, region) in enumerate((("a", "westeurope"), ("b", "northeurope")))
    ),
]


#: Sites a generated estate always has, so the three together reach every shape: three GCP
#: networks peering pairwise (gen-1), OpenStack ↔ OpenStack and a single-device site (gen-2),
#: same-region AWS peering and a random rest (gen-3).
_ALWAYS = {
    "gen-1": {"aws-a", "gcp-a", "gcp-b", "gcp-c", "os-a", "prem-bgp"},
    "gen-2": {"aws-c", "gcp-a", "os-a", "os-b", "prem-static"},
    "gen-3": {"aws-a", "aws-b", "azure-a", "azure-b"},
}


def _refused(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Pairs skyweave refuses to join (docs/connectivity.md), left out of a generated mesh."""
    vendors = {a["vendor"], b["vendor"]}
    if vendors in ({"gcp", "openstack"}, {"azure", "openstack"}, {"onprem"}):
        return True
    return bool(vendors & {"gcp", "azure"}) and "onprem" in vendors and not (a.get("bgp") or b.get("bgp"))


def generated_raw(name: str) -> dict[str, Any]:
    """The skyweave config of a generated estate: a seeded choice of sites from a pool covering
    every vendor pair skyweave joins, a full mesh minus the pairs it refuses (GCP ↔ OpenStack,
    GCP ↔ an on-prem site without BGP), an app, a bucket and a pool where the sites allow."""
    rng = random.Random(name)
    always = _ALWAYS.get(name, {"aws-a"})
    chosen = [s for s in _SITE_POOL if s["name"] in always or rng.random() < 0.6]
    sites = copy.deepcopy(chosen)
    for i, site in enumerate(sites):
        if site["vendor"] != "onprem":
            site["cidr"] = f"10.{40 + i}.0.0/16"
    names = {s["name"]: s for s in sites}
    exclude = [[a, b] for a in names for b in names if a < b and _refused(names[a], names[b])]
    raw = copy.deepcopy(stack_raw("prod"))
    raw["sites"] = sites
    raw["network"] = {"name": "core", "topology": "full-mesh", "exclude": exclude}
    # A full mesh of this many vendors needs more than AWS's default 10 VPN connections per
    # virtual private gateway: the accounts are taken to have the quota raised, declared as a
    # stack file declares it (docs/limits.md).
    raw["network"]["quotas"] = {
        s["name"]: {"vpn_connections_per_gateway": 20} for s in sites if s["vendor"] == "aws"
    }
    raw["ipam"] = {"supernet": "10.0.0.0/8", "site_prefix": 16, "subnet_prefix": 20}
    raw.pop("apps", None)
    raw.pop("buckets", None)
    raw.pop("pools", None)
    raw.pop("kubernetes", None)
    raw.pop("databases", None)
    by_vendor: dict[str, str] = {}
    for site in sites:
        by_vendor.setdefault(site["vendor"], site["name"])
    app_sites = [by_vendor[v] for v in ("aws", "gcp", "openstack", "azure") if v in by_vendor]
    if len(app_sites) >= 2:
        raw["apps"] = [
            {
                "name": "web",
                "sites": app_sites,
                "images": {
                    "aws": "ami-0a1b2c3d4e5f60718",
                    "gcp": "projects/debian-cloud/global/images/family/debian-12",
                    "openstack": "6f1c8a52-3e1b-4c4e-9a7d-2b3c4d5e6f70",
                    "azure": "Canonical:ubuntu-24_04-lts:server:latest",
                },
                "sizes": {
                    "aws": "t3.small",
                    "gcp": "e2-small",
                    "openstack": "m1.small",
                    "azure": "Standard_D2s_v5",
                },
                "min_healthy": 2,
                "survive": "vendor",
                **({"availability": {by_vendor["openstack"]: 0.995}} if "openstack" in by_vendor else {}),
            }
        ]
    if {"aws", "gcp"} <= by_vendor.keys():
        bucket: dict[str, Any] = {"name": "data", "s3_site": by_vendor["aws"], "gcs_site": by_vendor["gcp"]}
        if "openstack" in by_vendor:
            bucket["swift_site"] = by_vendor["openstack"]
        if "azure" in by_vendor:
            bucket["blob_site"] = by_vendor["azure"]
        raw["buckets"] = [bucket]
    if {"aws", "gcp", "azure"} <= by_vendor.keys():
        db_sites = [names[by_vendor[v]] for v in ("aws", "gcp", "azure")]
        raw["databases"] = [
            {
                "name": "orders",
                "members": [
                    *({"site": site["name"]} for site in db_sites),
                    *({"site": site["name"], **_last_zone(site), "role": "etcd"} for site in db_sites[:2]),
                    {"site": db_sites[2]["name"], **_last_zone(db_sites[2]), "role": "witness"},
                ],
                "images": {
                    "aws": "ami-0c7c4e3c6b4941f0f",
                    "gcp": "projects/debian-cloud/global/images/family/debian-12",
                    "azure": "Debian:debian-12:12-gen2:latest",
                },
                "sizes": {"aws": "m6i.large", "gcp": "n2-standard-2", "azure": "Standard_D2s_v3"},
            }
        ]
    sources: list[dict[str, Any]] = []
    if "openstack" in by_vendor:
        sources.append(
            {"kind": "ironic", "site": by_vendor["openstack"], "image": "ubuntu", "resource_class": "bm-x"}
        )
    if "onprem" in by_vendor:
        prem = names[by_vendor["onprem"]]
        zones = prem.get("zones") or [prem["region"]]
        base = prem["cidrs"][0].split("/")[0].rsplit(".", 2)[0]
        sources.append(
            {
                "kind": "byon",
                "site": prem["name"],
                "ssh_user": "deploy",
                "ssh_private_key_config": "byon:fra-ssh-key",
                "servers": [
                    {"name": f"srv-{j}", "address": f"{base}.10.{j + 1}", "room": zones[j % len(zones)]}
                    for j in range(3)
                ],
            }
        )
    if sources:
        raw["pools"] = [
            {
                "name": "metal",
                "count": 3,
                "sources": sources,
                "bootstrap": {
                    "script": "#!/bin/sh\nset -eu\n. /etc/skyweave/pool.env\n",
                    "files": {"/etc/skyweave/pool.env": "POOL=gen\n", "/opt/skyweave/app.conf": "a=1\n"},
                },
            }
        ]
    return raw


def _last_zone(site: dict[str, Any]) -> dict[str, str]:
    """A member in the site's last zone, or (no zones given: the driver's default) its first."""
    return {"zone": site["zones"][-1]} if site.get("zones") else {}


# --- the same program, as a real preview sees it -------------------------------------------------


def graph(run: OfflineRun) -> dict[str, tuple[str, str | None, str | None, frozenset[str]]]:
    """Per URN: type, parent, provider and dependencies — what must not differ between runs."""
    return {r.urn: (r.type, r.parent, r.provider, frozenset(r.dependencies)) for r in run.resources}


@functools.cache
def preview_faithful(name: str) -> OfflineRun:
    """The estate's program under :class:`PreviewMocks`: no ids, every output unknown."""
    stack = name if name in STACKS else "prod"
    return preview_stack(project_for(name), stack, monitor=RecordingMonitor(PreviewMocks()))


@functools.cache
def normal(name: str) -> OfflineRun:
    """The estate's program as ``skyweave preview`` runs it (``OfflineMocks``)."""
    stack = name if name in STACKS else "prod"
    return preview_stack(project_for(name), stack)
