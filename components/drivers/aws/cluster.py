"""Amazon EKS for a KubernetesFleet: the control plane in the region's zones, a managed node group
per zone.

Shape (per site): an IAM role EKS assumes for the control plane, a KMS key envelope-encrypting
Kubernetes secrets, the cluster (its elastic network interfaces in every zone's private subnet,
its API reachable from inside the estate only: private endpoint on, public endpoint off), an IAM
role for the nodes, and a managed node group per zone in that zone's private subnet, sized as the
fleet's plan says. Pods take addresses from the subnets (the Amazon VPC CNI), so the cluster has
no pod range: pods are routed over the estate's links as the site's block is. Services take
theirs from ``service_ipv4_cidr``, which the fleet's IPAM hands out.

Nodes carry the zone label ``topology.kubernetes.io/zone`` that Kubernetes' cloud provider sets
(what a workload's topology spread keys on); skyweave sets no label of its own in that namespace.
The cluster is protected: deleting it takes an explicit unprotect first (it holds the workloads'
state in etcd). Its kubeconfig runs ``aws eks get-token``, so no credential is written in it.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import pulumi

from ...core.sites import SiteArgs
from ...planning.ipam import RFC1918
from ..clusters import (
    ClusterHandle,
    ClusterSla,
    ClusterSpec,
    ClusterTerms,
    FixedAddresses,
    PodAddressing,
    RangeRule,
    WorkloadSpec,
    exec_kubeconfig,
)
from ..site import SiteContext, SiteNetwork
from ..workloads import AppValue, AppValueKind, EndpointKind
from . import app as aws_app

if TYPE_CHECKING:
    import pulumi_aws as aws
else:
    from ..sdk import lazy_sdk

    aws = lazy_sdk("pulumi_aws")

__all__ = [
    "CLUSTER_TERMS",
    "EIP_ALLOCATIONS",
    "cluster_site_problems",
    "cluster_value_problems",
    "create_cluster",
    "create_fixed_addresses",
]

_SDK_DOC = "pulumi-aws eks.ClusterKubernetesNetworkConfigArgs.service_ipv4_cidr"
CLUSTER_TERMS = ClusterTerms(
    product="Amazon EKS",
    node_size="an EC2 instance type",
    pods=PodAddressing.SUBNETS,
    # "Within one of the following private IP address blocks: 10.0.0.0/8, 172.16.0.0/12, or
    # 192.168.0.0/16 … Between /24 and /12." (the SDK's docstring of service_ipv4_cidr)
    service_range=RangeRule(
        12,
        24,
        _SDK_DOC,
        within=RFC1918,
    ),
    control_plane="EKS runs the control plane in several of the region's Availability Zones",
    # Amazon EKS Service Level Agreement: the Kubernetes endpoint of a cluster 99.95% monthly.
    sla=ClusterSla(0.9995, 0.9995, "https://aws.amazon.com/eks/sla/"),
    # A Service of type LoadBalancer annotated so gets a Network Load Balancer from the cloud
    # provider built into EKS, internet-facing by default, reached by its DNS name (Kubernetes,
    # "Service": "Network Load Balancer support on AWS"). The AWS Load Balancer Controller, which
    # AWS recommends for new NLBs, is not installed by skyweave.
    load_balancer=EndpointKind.HOSTNAME,
    load_balancer_annotations={"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"},
    load_balancer_source="https://kubernetes.io/docs/concepts/services-networking/service/#aws-nlb-support",
    fixed_addresses="an Elastic IP per zone given to the NLB (service.beta.kubernetes.io/"
    "aws-load-balancer-eip-allocations)",
)

#: The Service annotation naming the Elastic IPs (allocation ids, comma-separated) an NLB takes,
#: one per subnet it spans: the cloud provider EKS ships reads it for type ``nlb`` and refuses a
#: count unlike its subnets' (kubernetes/cloud-provider-aws, pkg/providers/v1/aws.go
#: ``ServiceAnnotationLoadBalancerEIPAllocations``, "Only supported on elbv2 (NLB)", and
#: aws_loadbalancer.go: "Must have same number of EIP AllocationIDs … and SubnetIDs"); the AWS Load
#: Balancer Controller reads it too, for an internet-facing NLB (its "Service annotations" guide).
EIP_ALLOCATIONS = "service.beta.kubernetes.io/aws-load-balancer-eip-allocations"
#: The scheme annotation of the AWS Load Balancer Controller, whose default is ``internal``: given
#: so the NLB is internet-facing whichever controller builds it (the built-in one makes it so unless
#: ``aws-load-balancer-internal`` says otherwise, and ignores this key).
SCHEME = "service.beta.kubernetes.io/aws-load-balancer-scheme"

_VERSION = re.compile(r"1\.[0-9]{2}")
#: AWS managed policies the cluster and node roles need (EKS User Guide, "Amazon EKS cluster IAM
#: role" and "Amazon EKS node IAM role").
CLUSTER_POLICIES = ("AmazonEKSClusterPolicy",)
NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly")


def cluster_site_problems(site: SiteArgs) -> list[str]:
    # vpc_config.subnet_ids "Must be in at least two different availability zones" (the SDK).
    if len(site.zones) < 2:
        return [
            f"EKS needs subnets in at least two Availability Zones, and site {site.name!r} lists "
            f"{len(site.zones)} ({', '.join(site.zones)}); list two or more zones"
        ]
    return []


def cluster_value_problems(site: SiteArgs, spec: ClusterSpec) -> list[tuple[str, str]]:
    problems = aws_app.app_value_problems(AppValue(AppValueKind.SIZE, spec.node_size, (site,)))
    out = [("node_size", p) for p in problems]
    version = spec.kubernetes_version
    if version is not None and not _VERSION.fullmatch(version):
        out.append(("kubernetes_version", "EKS takes a major.minor version such as 1.31"))
    if spec.image is not None:
        out.append(("image", "EKS chooses the node image (its EKS-optimized AMI); remove image"))
    return out


def _role(
    ctx: SiteContext, role: str, service: str, policies: tuple[str, ...]
) -> tuple[aws.iam.Role, list[pulumi.Resource]]:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }
        ],
    }
    name = ctx.name(role)
    iam_role = aws.iam.Role(
        name, assume_role_policy=json.dumps(trust), tags={**ctx.tags, "Name": name}, opts=ctx.opts()
    )
    attached: list[pulumi.Resource] = [
        aws.iam.RolePolicyAttachment(
            ctx.name(role, policy.lower().replace("_", "-")),
            role=iam_role.name,
            policy_arn=f"arn:aws:iam::aws:policy/{policy}",
            opts=ctx.opts(),
        )
        for policy in policies
    ]
    return iam_role, attached


def create_cluster(ctx: SiteContext, network: SiteNetwork, spec: ClusterSpec) -> ClusterHandle:
    letters = [zone[-1] for zone in ctx.site.zones]
    cluster_role, cluster_grants = _role(ctx, "eks-role", "eks.amazonaws.com", CLUSTER_POLICIES)
    key = aws.kms.Key(
        ctx.name("eks-secrets-key"),
        description=f"{ctx.component}: envelope encryption of the EKS cluster's Kubernetes secrets",
        enable_key_rotation=True,
        deletion_window_in_days=30,
        tags={**ctx.tags, "Name": ctx.name("eks-secrets-key")},
        opts=ctx.opts(protect=True),  # losing it loses every secret it encrypted
    )
    name = ctx.name("eks")
    cluster = aws.eks.Cluster(
        name,
        role_arn=cluster_role.arn,
        version=spec.kubernetes_version,
        vpc_config=aws.eks.ClusterVpcConfigArgs(
            subnet_ids=[network.subnet_ids[f"private-{letter}"] for letter in letters],
            endpoint_private_access=True,
            endpoint_public_access=False,
        ),
        kubernetes_network_config=aws.eks.ClusterKubernetesNetworkConfigArgs(
            ip_family="ipv4", service_ipv4_cidr=spec.service_cidr
        ),
        encryption_config=aws.eks.ClusterEncryptionConfigArgs(
            provider=aws.eks.ClusterEncryptionConfigProviderArgs(key_arn=key.arn), resources=["secrets"]
        ),
        access_config=aws.eks.ClusterAccessConfigArgs(authentication_mode="API"),
        enabled_cluster_log_types=["api", "audit", "authenticator"],
        tags={**ctx.tags, "Name": name},
        opts=ctx.opts(protect=True, depends_on=cluster_grants),
    )
    node_role, node_grants = _role(ctx, "eks-node-role", "ec2.amazonaws.com", NODE_POLICIES)
    resources: dict[str, pulumi.Resource] = {"cluster": cluster, "secrets_key": key, "role": cluster_role}
    for zone, letter in zip(ctx.site.zones, letters, strict=True):
        count = spec.nodes.get(zone, 0)
        if count < 1:
            continue
        group = ctx.name("eks-nodes", letter)
        resources[f"nodes-{zone}"] = aws.eks.NodeGroup(
            group,
            cluster_name=cluster.name,
            node_role_arn=node_role.arn,
            subnet_ids=[network.subnet_ids[f"private-{letter}"]],
            instance_types=[spec.node_size],
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                desired_size=count, min_size=count, max_size=count
            ),
            update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
            tags={**ctx.tags, "Name": group},
            opts=ctx.opts(depends_on=node_grants),
        )
    region = ctx.site.region
    kubeconfig = pulumi.Output.all(cluster.name, cluster.endpoint, cluster.certificate_authority.data).apply(
        lambda v: exec_kubeconfig(
            str(v[0]),
            str(v[1]),
            str(v[2]),
            "aws",
            ("eks", "get-token", "--cluster-name", str(v[0]), "--region", region),
            install_hint="the AWS CLI (aws eks get-token)",
        )
    )
    # The region's NLB hosted zone, which a Route 53 alias to the NLB's name needs (pulumi-aws
    # lb.get_hosted_zone_id: "for the purpose of using in an AWS Route53 Alias").
    zone = aws.lb.get_hosted_zone_id_output(
        load_balancer_type="network",
        region=region,
        opts=pulumi.InvokeOutputOptions(provider=ctx.provider, parent=ctx.parent),
    )
    return ClusterHandle(
        site=ctx.site.name,
        vendor="aws",
        name=cluster.name,
        endpoint=cluster.endpoint,
        kubeconfig=pulumi.Output.secret(kubeconfig),
        resources=resources,
        load_balancer_zone_id=zone.id,
    )


def create_fixed_addresses(
    ctx: SiteContext, network: SiteNetwork, handle: ClusterHandle, spec: WorkloadSpec
) -> FixedAddresses:
    """An Elastic IP per zone of the site for ``spec``'s NLB (``{component}-lb-ip-{site}-{name}-
    {letter}``), given to it by :data:`EIP_ALLOCATIONS`: its fixed public addresses.

    One per zone because the NLB spans one public subnet per zone of the VPC: the built-in cloud
    provider takes every subnet of the VPC not tagged for another cluster, keeps the public ones for
    an internet-facing load balancer, one per Availability Zone (``findELBSubnets``), and the
    count of allocations must equal that of subnets. The site's public subnets carry
    ``kubernetes.io/role/elb: 1`` (the network's), which breaks a tie between two public subnets of
    a zone and is what the AWS Load Balancer Controller discovers them by."""
    letters = [zone[-1] for zone in ctx.site.zones if f"public-{zone[-1]}" in network.subnet_ids]
    eips = [
        aws.ec2.Eip(
            ctx.name("lb-ip", spec.name, letter),
            domain="vpc",
            tags={**ctx.tags, "Name": ctx.name("lb-ip", spec.name, letter)},
            opts=ctx.opts(depends_on=[network.resources["igw"]]),
        )
        for letter in letters
    ]
    allocations: pulumi.Output[str] = pulumi.Output.all(*(eip.allocation_id for eip in eips)).apply(
        lambda ids: ",".join(str(i) for i in ids)
    )
    addresses: pulumi.Output[list[str]] = pulumi.Output.all(*(eip.public_ip for eip in eips)).apply(
        lambda ips: [str(ip) for ip in ips]
    )
    return FixedAddresses(
        annotations={EIP_ALLOCATIONS: allocations, SCHEME: "internet-facing"},
        addresses=addresses,
        resources={f"lb_ip:{letter}": eip for letter, eip in zip(letters, eips, strict=True)},
    )
