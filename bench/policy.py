"""Policy pack cost through the real Analyzer protocol, at 1,000 / 10,000 / 50,000 resources.

    .venv/bin/python bench/policy.py [--sizes 1000,10000,50000] [--repeat 3] [--no-naive] [--analyze]

For each size it builds a synthetic multi-vendor estate (VPCs, subnets, security groups,
instances, auto scaling groups, buckets with their settings, GCP subnetworks, firewalls and
MIGs, OpenStack subnets, rules and servers, VPN links and services; every resource with a
provider, a parent component and dependencies, about 40 % of them inside components), starts
the pack exactly as the engine does and times ``AnalyzeStack`` — the call the engine makes once
per preview with every resource. Side by side it times a *naive* pack of the same rules, one
SDK policy per rule (the SDK then decodes the whole stack once per stack policy), for the
ratio. ``--analyze`` also times one ``Analyze`` call per resource (what the engine does as it
registers each one) — one by one, and with calls in flight as ``skyweave check`` sends them — and,
for the floor under those, the same calls to a pack with one resource policy that does nothing
(the SDK's decode and per-call set-up plus gRPC) and to a pack with no policy at all (gRPC and the
SDK's per-call set-up alone). Each row gives wall-clock seconds and the CPU seconds (user + system)
of the pack process and of this client process, read from /proc: the machine's cores are shared,
and CPU time is what waiting for a core does not inflate. ``AnalyzeStack`` timings are the best of
``--repeat`` runs, after one warm-up call. Results: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pulumi.runtime.proto import analyzer_pb2
from skyweave.engine.analyzer import Diagnostic, PolicyPackProcess, ProviderRef, StackResource
from skyweave.engine.check import PACK_MAIN, PACK_MANIFEST

ROOT = Path(__file__).resolve().parent.parent
PROJECT, STACK = "bench", "bench"
SITES = [
    ("aws-use1", "aws", ["us-east-1a", "us-east-1b", "us-east-1c"]),
    ("aws-usw2", "aws", ["us-west-2a", "us-west-2b"]),
    ("gcp-euw1", "gcp", ["europe-west1-b", "europe-west1-c"]),
    ("os-dc1", "openstack", ["az1", "az2"]),
]
NAIVE_MAIN = """\
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy, StackValidationPolicy
from skyweave.policy import ALL_RULES, Kind, StackIndex
from skyweave.policy.pack import resource_from_args, resource_from_policy_resource


def resource_policy(rule):
    def validate(args, report):
        for finding in rule.run_resource(resource_from_args(args), args.get_config()):
            report(finding.message)
    return ResourceValidationPolicy(name=rule.name, description=rule.description, validate=validate)


def stack_policy(rule):
    def validate(args, report):
        index = StackIndex.build(resource_from_policy_resource(r) for r in args.resources)
        for finding in rule.run_stack(index, args.get_config()):
            report(finding.message, finding.urn)
    return StackValidationPolicy(name=rule.name, description=rule.description, validate=validate)


PolicyPack(
    name="skyweave-naive",
    policies=[(resource_policy if r.kind is Kind.RESOURCE else stack_policy)(r) for r in ALL_RULES],
    enforcement_level=EnforcementLevel.MANDATORY,
)
"""


#: Packs that do no work of their own: what 10,000 ``Analyze`` calls cost before any rule runs.
FLOOR_MAINS = {
    "empty resource policy (SDK decode + set-up + gRPC)": """\
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy
from skyweave.policy.pack import tune_gc

tune_gc()  # as skyweave's pack does (build_policies): the floor pays the same collector
PolicyPack(
    name="floor",
    policies=[
        ResourceValidationPolicy(name="nothing", description="does nothing", validate=lambda a, r: None)
    ],
    enforcement_level=EnforcementLevel.MANDATORY,
)
""",
    "no policy (SDK set-up + gRPC)": """\
from pulumi_policy import EnforcementLevel, PolicyPack, StackValidationPolicy
from skyweave.policy.pack import tune_gc

tune_gc()
PolicyPack(
    name="floor",
    policies=[StackValidationPolicy(name="nothing", description="does nothing", validate=lambda a, r: None)],
    enforcement_level=EnforcementLevel.MANDATORY,
)
""",
}


UNTUNED_MAIN = PACK_MAIN.replace(
    "build_policies(fast_path=True)", "build_policies(fast_path=True, tune_collector=False)"
)


def _urn(type_: str, name: str, parent_type: str | None = None) -> str:
    qualified = f"{parent_type}${type_}" if parent_type else type_
    return f"urn:pulumi:{STACK}::{PROJECT}::{qualified}::{name}"


def synthetic_estate(n: int) -> list[StackResource]:
    """About ``n`` resources of a compliant estate spread over four sites and three vendors.

    Each service (a MultiCloudApp) has compute, networks and data on every site, and its claimed
    placements are exactly what its resources provide, so the claims check, the capacity rules
    and the security rules all do their full work and find nothing. The sites are joined by real
    VPN and peering resources (inside VpnLink components whose claims they back) in a shape with
    no hub.
    """
    stack_urn = _urn("pulumi:pulumi:Stack", f"{PROJECT}-{STACK}")
    out: list[StackResource] = [
        StackResource(urn=stack_urn, type="pulumi:pulumi:Stack", name=f"{PROJECT}-{STACK}")
    ]
    providers = {}
    for site, vendor, _ in SITES:
        ref = ProviderRef(_urn(f"pulumi:providers:{vendor}", site), f"pulumi:providers:{vendor}", site, {})
        providers[site] = ref
        out.append(
            StackResource(
                urn=ref.urn, type=ref.type, name=site, properties={"region": site}, parent=stack_urn
            )
        )
    networks = ipaddress.ip_network("10.0.0.0/8").subnets(new_prefix=24)
    tags = {"env": "bench", "owner": "platform", "cost-center": "1234", "managed-by": "skyweave"}
    i = 0
    while len(out) < n:
        app_name = f"app{i}"
        app_urn = _urn("skyweave:app:MultiCloudApp", app_name)
        placements = []
        for site, vendor, zones in SITES:
            counts = {"aws": (2, 1), "gcp": (1, 1), "openstack": (1, 1)}[vendor]
            placements += [
                {"site": site, "vendor": vendor, "region": site, "zone": z, "count": float(c)}
                for z, c in zip(zones, counts, strict=False)
            ]
        props = {"placements": placements, "minHealthy": 4.0, "survive": "zone"}
        out.append(
            StackResource(
                urn=app_urn,
                type="skyweave:app:MultiCloudApp",
                name=app_name,
                properties=props,
                parent=stack_urn,
            )
        )
        data_buckets: list[str] = []
        for site, vendor, zones in SITES:
            provider = providers[site]

            def add(
                type_: str,
                name: str,
                props: dict,
                deps: tuple[str, ...] = (),
                protect: bool = False,
                prop_deps: dict | None = None,
                app_name: str = app_name,
                app_urn: str = app_urn,
                site: str = site,
                provider: ProviderRef = provider,
            ) -> str:
                full = f"{app_name}-{name}-{site}"
                urn = _urn(type_, full, "skyweave:app:MultiCloudApp")
                out.append(
                    StackResource(
                        urn=urn,
                        type=type_,
                        name=full,
                        properties={**props, "tags": tags},
                        parent=app_urn,
                        provider=provider,
                        dependencies=deps,
                        property_dependencies=prop_deps or {},
                        protect=protect,
                    )
                )
                return urn

            if vendor == "aws":
                vpc = add(
                    "aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": str(next(networks)), "enableDnsHostnames": True}
                )
                subnets = [
                    add(
                        "aws:ec2/subnet:Subnet",
                        f"sn-{z}",
                        {"availabilityZone": z, "cidrBlock": "10.255.0.0/28", "vpcId": "vpc-123"},
                        deps=(vpc,),
                        prop_deps={"vpcId": (vpc,)},
                    )
                    for z in zones[:2]
                ]
                sg = add(
                    "aws:ec2/securityGroup:SecurityGroup",
                    "sg",
                    {
                        "vpcId": "vpc-123",
                        "ingress": [
                            {
                                "protocol": "tcp",
                                "fromPort": 443.0,
                                "toPort": 443.0,
                                "cidrBlocks": ["0.0.0.0/0"],
                            },
                            {
                                "protocol": "tcp",
                                "fromPort": 22.0,
                                "toPort": 22.0,
                                "cidrBlocks": ["10.0.0.0/8"],
                            },
                        ],
                    },
                    deps=(vpc,),
                )
                add(
                    "aws:ec2/launchTemplate:LaunchTemplate",
                    "lt",
                    {
                        "imageId": "ami-1",
                        "instanceType": "m5.large",
                        "metadataOptions": {"httpTokens": "required", "httpEndpoint": "enabled"},
                        "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true"}}],
                    },
                    deps=(sg,),
                )
                add(
                    "aws:autoscaling/group:Group",
                    "asg",
                    {"minSize": 2.0, "maxSize": 6.0, "vpcZoneIdentifiers": ["s-1", "s-2"]},
                    deps=tuple(subnets),
                    prop_deps={"vpcZoneIdentifiers": tuple(subnets)},
                )
                add(
                    "aws:ec2/instance:Instance",
                    "vm",
                    {
                        "ami": "ami-1",
                        "instanceType": "t3.micro",
                        "availabilityZone": zones[0],
                        "metadataOptions": {"httpTokens": "required"},
                        "rootBlockDevice": {"encrypted": True},
                    },
                    deps=(sg,),
                )
                bucket = add("aws:s3/bucket:Bucket", "data", {"bucket": f"data-{i}-{site}"}, protect=True)
                data_buckets.append(bucket)
                for kind, extra in (
                    ("ver", {"versioningConfiguration": {"status": "Enabled"}}),
                    ("sse", {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}]}),
                    (
                        "pab",
                        {
                            "blockPublicAcls": True,
                            "blockPublicPolicy": True,
                            "ignorePublicAcls": True,
                            "restrictPublicBuckets": True,
                        },
                    ),
                ):
                    type_ = {
                        "ver": "aws:s3/bucketVersioning:BucketVersioning",
                        "sse": "aws:s3/bucketServerSideEncryptionConfiguration:"
                        "BucketServerSideEncryptionConfiguration",
                        "pab": "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                    }[kind]
                    add(
                        type_,
                        f"data-{kind}",
                        {"bucket": f"data-{i}", **extra},
                        deps=(bucket,),
                        prop_deps={"bucket": (bucket,)},
                    )
            elif vendor == "gcp":
                net = add("gcp:compute/network:Network", "net", {"autoCreateSubnetworks": False})
                add(
                    "gcp:compute/subnetwork:Subnetwork",
                    "sn",
                    {"ipCidrRange": str(next(networks)), "region": "europe-west1", "network": "net"},
                    deps=(net,),
                )
                add(
                    "gcp:compute/firewall:Firewall",
                    "fw",
                    {
                        "network": "net",
                        "sourceRanges": ["0.0.0.0/0"],
                        "allows": [{"protocol": "tcp", "ports": ["443"]}],
                    },
                    deps=(net,),
                )
                add(
                    "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager",
                    "mig",
                    {
                        "baseInstanceName": "web",
                        "region": "europe-west1",
                        "targetSize": 2.0,
                        "distributionPolicyZones": zones,
                    },
                    deps=(net,),
                )
                gcs = add(
                    "gcp:storage/bucket:Bucket",
                    "gcs",
                    {
                        "location": "EU",
                        "versioning": {"enabled": True},
                        "uniformBucketLevelAccess": True,
                        "publicAccessPrevention": "enforced",
                    },
                    protect=True,
                )
                for b, source in enumerate(data_buckets):  # the AWS sites come first in SITES
                    add(
                        "gcp:storage/transferJob:TransferJob",
                        f"copy-{b}",
                        {
                            "transferSpec": {
                                "awsS3DataSource": {"bucketName": "b"},
                                "gcsDataSink": {"bucketName": "g"},
                            }
                        },
                        deps=(source, gcs),
                        prop_deps={"transferSpec": (source, gcs)},
                    )
            else:
                net = add("openstack:networking/network:Network", "net", {"adminStateUp": True})
                add(
                    "openstack:networking/subnet:Subnet",
                    "sn",
                    {"cidr": str(next(networks)), "networkId": "n"},
                    deps=(net,),
                )
                add(
                    "openstack:networking/secGroupRule:SecGroupRule",
                    "rule",
                    {
                        "direction": "ingress",
                        "protocol": "tcp",
                        "portRangeMin": 443.0,
                        "portRangeMax": 443.0,
                        "remoteIpPrefix": "0.0.0.0/0",
                        "ethertype": "IPv4",
                    },
                )
                for z in zones:
                    add(
                        "openstack:compute/instance:Instance",
                        f"vm-{z}",
                        {"availabilityZone": z, "flavorName": "m1.small", "imageName": "ubuntu"},
                        deps=(net,),
                    )
        i += 1
    out += _site_links(stack_urn, providers)
    return out


def _site_links(stack_urn: str, providers: dict[str, ProviderRef]) -> list[StackResource]:
    """VPN and peering resources between the sites, each inside a VpnLink whose claims they back:
    aws-use1 = aws-usw2 (peering), both AWS sites to GCP (HA, four tunnels) and to OpenStack (two)."""
    out: list[StackResource] = []

    def add(type_: str, name: str, site: str, props: dict, parent: str, prop_deps: dict | None = None) -> str:
        urn = _urn(type_, name, "skyweave:network:VpnLink")
        deps = tuple(u for urns in (prop_deps or {}).values() for u in urns)
        out.append(
            StackResource(
                urn=urn,
                type=type_,
                name=name,
                properties=props,
                parent=parent,
                provider=providers[site],
                dependencies=deps,
                property_dependencies=prop_deps or {},
            )
        )
        return urn

    def link(a: str, b: str, va: str, vb: str, kind: str, tunnels: int) -> str:
        urn = _urn("skyweave:network:VpnLink", f"{a}-{b}")
        props = {
            "siteA": a,
            "siteB": b,
            "vendorA": va,
            "vendorB": vb,
            "kind": kind,
            "tunnels": float(tunnels),
            "insideCidrs": [],
        }
        out.append(
            StackResource(
                urn=urn, type="skyweave:network:VpnLink", name=f"{a}-{b}", properties=props, parent=stack_urn
            )
        )
        return urn

    parent = link("aws-use1", "aws-usw2", "aws", "aws", "peering", 0)
    vpc_a = add("aws:ec2/vpc:Vpc", "peer-vpc-a", "aws-use1", {"cidrBlock": "172.16.0.0/24"}, parent)
    vpc_b = add("aws:ec2/vpc:Vpc", "peer-vpc-b", "aws-usw2", {"cidrBlock": "172.16.1.0/24"}, parent)
    add(
        "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
        "peering",
        "aws-use1",
        {},
        parent,
        {"vpcId": (vpc_a,), "peerVpcId": (vpc_b,)},
    )
    for k, aws_site in enumerate(("aws-use1", "aws-usw2")):
        parent = link(aws_site, "gcp-euw1", "aws", "gcp", "vpn", 4)
        gateway = add("gcp:compute/haVpnGateway:HaVpnGateway", f"ha-{k}", "gcp-euw1", {}, parent)
        conns = []
        for c in range(2):
            cgw = add(
                "aws:ec2/customerGateway:CustomerGateway",
                f"cgw-{k}-{c}",
                aws_site,
                {},
                parent,
                {"ipAddress": (gateway,)},
            )
            strong = {
                f"tunnel{t}{key}": value
                for t in (1, 2)
                for key, value in (
                    ("IkeVersions", ["ikev2"]),
                    ("Phase1IntegrityAlgorithms", ["SHA2-256"]),
                    ("Phase2IntegrityAlgorithms", ["SHA2-256"]),
                    ("Phase1DhGroupNumbers", [14.0]),
                    ("Phase2DhGroupNumbers", [14.0]),
                )
            }
            conns.append(
                add(
                    "aws:ec2/vpnConnection:VpnConnection",
                    f"conn-{k}-{c}",
                    aws_site,
                    {
                        "type": "ipsec.1",
                        "tunnel1InsideCidr": f"169.254.{10 + k}.{8 * c}/30",
                        "tunnel2InsideCidr": f"169.254.{10 + k}.{8 * c + 4}/30",
                        **strong,
                    },
                    parent,
                    {"customerGatewayId": (cgw,)},
                )
            )
        peer = add(
            "gcp:compute/externalVpnGateway:ExternalVpnGateway",
            f"peer-{k}",
            "gcp-euw1",
            {"redundancyType": "FOUR_IPS_REDUNDANCY"},
            parent,
            {"interfaces": tuple(conns)},
        )
        for t in range(4):
            add(
                "gcp:compute/vPNTunnel:VPNTunnel",
                f"tunnel-{k}-{t}",
                "gcp-euw1",
                {
                    "vpnGatewayInterface": float(t // 2),
                    "peerExternalGatewayInterface": float(t),
                    "ikeVersion": 2.0,
                },
                parent,
                {"vpnGateway": (gateway,), "peerExternalGateway": (peer,)},
            )
        parent = link(aws_site, "os-dc1", "aws", "openstack", "vpn", 2)
        service = add("openstack:vpnaas/service:Service", f"vpn-{k}", "os-dc1", {}, parent)
        cgw = add(
            "aws:ec2/customerGateway:CustomerGateway",
            f"cgw-os-{k}",
            aws_site,
            {},
            parent,
            {"ipAddress": (service,)},
        )
        conn = add(
            "aws:ec2/vpnConnection:VpnConnection",
            f"conn-os-{k}",
            aws_site,
            {
                "type": "ipsec.1",
                "tunnel1InsideCidr": f"169.254.{20 + k}.0/30",
                "tunnel2InsideCidr": f"169.254.{20 + k}.4/30",
                **strong,
            },
            parent,
            {"customerGatewayId": (cgw,)},
        )
        for t in range(2):
            add(
                "openstack:vpnaas/siteConnection:SiteConnection",
                f"site-conn-{k}-{t}",
                "os-dc1",
                {"initiator": "bi-directional"},
                parent,
                {"peerAddress": (conn,)},
            )
    return out


#: The estate's AWS-OpenStack links end on Neutron VPNaaS (one active path each): accepted, as a
#: team with such a site would accept them, so the estate is compliant (every rule still runs).
POLICY_CONFIG = {
    "skyweave-redundancy-vpn-tunnels": {"allowSinglePathLinks": ["aws-use1/os-dc1", "aws-usw2/os-dc1"]}
}


#: (wall seconds, pack CPU seconds, client CPU seconds, mandatory findings)
Timing = tuple[float, float, float, int]


def _cpu(pid: int | None) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed(pack: PolicyPackProcess, call: Callable[[], Sequence[Any]]) -> Timing:
    pack_cpu, client_cpu, started = _cpu(pack.pid), time.process_time(), time.perf_counter()
    found = call()
    wall = time.perf_counter() - started
    mandatory = sum(
        (d.mandatory if isinstance(d, Diagnostic) else d.enforcementLevel == analyzer_pb2.MANDATORY)
        for d in found
    )
    return wall, _cpu(pack.pid) - pack_cpu, time.process_time() - client_cpu, mandatory


def _time_stack(pack: PolicyPackProcess, request: analyzer_pb2.AnalyzeStackRequest, repeat: int) -> Timing:
    pack.analyze_stack_request(request)  # warm-up
    return min(
        (_timed(pack, lambda: pack.analyze_stack_request(request)) for _ in range(repeat)),
        key=lambda t: t[0],
    )


def _time_analyze(pack: PolicyPackProcess, resources: list[StackResource]) -> Timing:
    requests = [r.analyze_request() for r in resources]

    def one_by_one() -> list[Any]:
        found: list[Any] = []
        for request in requests:
            found.extend(pack.stub.Analyze(request).diagnostics)
        return found

    return _timed(pack, one_by_one)


def _time_analyze_each(pack: PolicyPackProcess, resources: list[StackResource]) -> Timing:
    """What ``skyweave check`` does: every ``Analyze`` with calls in flight (analyze_each)."""
    return _timed(pack, lambda: pack.analyze_each(resources))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-naive", action="store_true", help="skip the one-policy-per-rule baseline")
    parser.add_argument("--gc", action="store_true", help="also time the pack with default GC settings")
    parser.add_argument("--analyze", action="store_true", help="also time one Analyze call per resource")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"# {platform.python_implementation()} {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs; {platform.platform()}"
    )
    print(f"# {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"# load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    estates = {n: synthetic_estate(n) for n in sizes}
    requests = {
        n: analyzer_pb2.AnalyzeStackRequest(resources=[r.stack_message() for r in rs])
        for n, rs in estates.items()
    }
    results: dict[str, dict[int, Timing]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        naive = Path(scratch)
        (naive / "PulumiPolicy.yaml").write_text(PACK_MANIFEST)
        (naive / "__main__.py").write_text(NAIVE_MAIN)
        untuned = Path(scratch) / "untuned"
        untuned.mkdir()
        (untuned / "PulumiPolicy.yaml").write_text(PACK_MANIFEST)
        (untuned / "__main__.py").write_text(UNTUNED_MAIN)
        packs = {"skyweave pack": ROOT / "policies"}
        if args.gc:
            packs["skyweave pack, default GC"] = untuned
        if not args.no_naive:
            packs["naive (1 SDK policy per rule)"] = naive
        for label, directory in packs.items():
            with PolicyPackProcess(directory, project=PROJECT, stack=STACK) as pack:
                pack.configure(POLICY_CONFIG)
                results[label] = {n: _time_stack(pack, requests[n], args.repeat) for n in sizes}
                if args.analyze and label == "skyweave pack":
                    results["Analyze x every resource, one by one"] = {
                        n: _time_analyze(pack, estates[n]) for n in sizes
                    }
                    results["Analyze x every resource, pipelined"] = {
                        n: _time_analyze_each(pack, estates[n]) for n in sizes
                    }
        if args.analyze:
            for label, main in FLOOR_MAINS.items():
                floor = Path(scratch) / f"floor{len(results)}"
                floor.mkdir()
                (floor / "PulumiPolicy.yaml").write_text(PACK_MANIFEST)
                (floor / "__main__.py").write_text(main)
                with PolicyPackProcess(floor, project=PROJECT, stack=STACK) as pack:
                    pack.analyze_each(estates[sizes[0]][:200])  # warm-up
                    results[f"Analyze pipelined, {label}"] = {
                        n: _time_analyze_each(pack, estates[n]) for n in sizes
                    }
    header = f"{'seconds: wall / pack CPU / client CPU':<58}" + "".join(f"{n:>26,}" for n in sizes)
    print(header)
    print("-" * len(header))
    for label, row in results.items():
        print(
            f"{label:<58}"
            + "".join(f"{f'{row[n][0]:.3f} / {row[n][1]:.2f} / {row[n][2]:.2f}':>26}" for n in sizes)
        )
    if "naive (1 SDK policy per rule)" in results:
        ratio = results["naive (1 SDK policy per rule)"]
        print(
            f"{'naive / skyweave':<38}"
            + "".join(f"{ratio[n][0] / results['skyweave pack'][n][0]:>11.1f}x" for n in sizes)
        )
    mandatory = {label: [row[n][3] for n in sizes] for label, row in results.items()}
    print(f"# mandatory violations found (a compliant estate: all 0): {mandatory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
