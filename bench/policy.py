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
registers each one). Timings are the best of ``--repeat`` runs, after one warm-up call.
Results: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from pulumi.runtime.proto import analyzer_pb2
from skyweave.cli.analyzer import PolicyPackProcess, ProviderRef, StackResource
from skyweave.cli.check import PACK_MAIN, PACK_MANIFEST

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


UNTUNED_MAIN = PACK_MAIN.replace("build_policies()", "build_policies(tune_collector=False)")


def _urn(type_: str, name: str, parent_type: str | None = None) -> str:
    qualified = f"{parent_type}${type_}" if parent_type else type_
    return f"urn:pulumi:{STACK}::{PROJECT}::{qualified}::{name}"


def synthetic_estate(n: int) -> list[StackResource]:
    """About ``n`` resources of a compliant estate spread over four sites and three vendors."""
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
        site, vendor, zones = SITES[i % len(SITES)]
        provider = providers[site]
        app_name = f"app{i}"
        app_urn = _urn("skyweave:app:MultiCloudApp", app_name)
        placements = [
            {"site": s, "vendor": v, "region": s, "zone": z[0], "count": 2.0} for s, v, z in SITES
        ] + [{"site": s, "vendor": v, "region": s, "zone": z[1], "count": 2.0} for s, v, z in SITES]
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

        def add(
            type_: str,
            name: str,
            props: dict,
            deps: tuple[str, ...] = (),
            protect: bool = False,
            prop_deps: dict | None = None,
            parent: str = app_urn,
            app_name: str = app_name,
            provider: ProviderRef = provider,
        ) -> str:
            urn = _urn(type_, f"{app_name}-{name}", "skyweave:app:MultiCloudApp")
            out.append(
                StackResource(
                    urn=urn,
                    type=type_,
                    name=f"{app_name}-{name}",
                    properties={**props, "tags": tags},
                    parent=parent,
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
                        {"protocol": "tcp", "fromPort": 443.0, "toPort": 443.0, "cidrBlocks": ["0.0.0.0/0"]},
                        {"protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrBlocks": ["10.0.0.0/8"]},
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
                },
                deps=(sg,),
            )
            bucket = add("aws:s3/bucket:Bucket", "data", {"bucket": f"data-{i}"}, protect=True)
            add(
                "aws:s3/bucketVersioning:BucketVersioning",
                "data-ver",
                {"bucket": f"data-{i}", "versioningConfiguration": {"status": "Enabled"}},
                deps=(bucket,),
                prop_deps={"bucket": (bucket,)},
            )
            add(
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                "data-sse",
                {
                    "bucket": f"data-{i}",
                    "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}],
                },
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
                {"baseInstanceName": "web", "region": "europe-west1", "distributionPolicyZones": zones},
                deps=(net,),
            )
            add(
                "gcp:storage/bucket:Bucket",
                "gcs",
                {"location": "EU", "versioning": {"enabled": True}},
                protect=True,
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
    # a ring of VPN links between the sites
    for k, (site, vendor, _) in enumerate(SITES):
        other, other_vendor, _ = SITES[(k + 1) % len(SITES)]
        pair = {vendor, other_vendor}
        tunnels = 4.0 if pair == {"aws", "gcp"} else 2.0
        inside = [f"169.254.{100 + k}.{4 * t}/30" for t in range(int(tunnels))]
        out.append(
            StackResource(
                urn=_urn("skyweave:network:VpnLink", f"{site}-{other}"),
                type="skyweave:network:VpnLink",
                name=f"{site}-{other}",
                parent=stack_urn,
                properties={
                    "siteA": site,
                    "siteB": other,
                    "vendorA": vendor,
                    "vendorB": other_vendor,
                    "kind": "vpn",
                    "tunnels": tunnels,
                    "insideCidrs": inside,
                },
            )
        )
    return out


def _time_stack(
    pack: PolicyPackProcess, request: analyzer_pb2.AnalyzeStackRequest, repeat: int
) -> tuple[float, int]:
    diagnostics = pack.analyze_stack_request(request)  # warm-up
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        diagnostics = pack.analyze_stack_request(request)
        best = min(best, time.perf_counter() - started)
    return best, sum(d.mandatory for d in diagnostics)


def _time_analyze(pack: PolicyPackProcess, resources: list[StackResource]) -> tuple[float, int]:
    requests = [r.analyze_request() for r in resources]
    started = time.perf_counter()
    mandatory = 0
    for request in requests:
        response = pack.stub.Analyze(request)
        mandatory += sum(d.enforcementLevel == analyzer_pb2.MANDATORY for d in response.diagnostics)
    return time.perf_counter() - started, mandatory


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
    results: dict[str, dict[int, tuple[float, int]]] = {}
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
                pack.configure({})
                results[label] = {n: _time_stack(pack, requests[n], args.repeat) for n in sizes}
                if args.analyze and label == "skyweave pack":
                    results["Analyze x every resource"] = {n: _time_analyze(pack, estates[n]) for n in sizes}
    header = f"{'AnalyzeStack, seconds':<34}" + "".join(f"{n:>12,}" for n in sizes)
    print(header)
    print("-" * len(header))
    for label, row in results.items():
        print(f"{label:<34}" + "".join(f"{row[n][0]:>12.3f}" for n in sizes))
    if "naive (1 SDK policy per rule)" in results:
        ratio = results["naive (1 SDK policy per rule)"]
        print(
            f"{'naive / skyweave':<34}"
            + "".join(f"{ratio[n][0] / results['skyweave pack'][n][0]:>11.1f}x" for n in sizes)
        )
    mandatory = {label: [row[n][1] for n in sizes] for label, row in results.items()}
    print(f"# mandatory violations found (a compliant estate: all 0): {mandatory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
