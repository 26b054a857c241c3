"""AWS shapes for a service: launch template + Auto Scaling group + ALB, and Route 53 records.

Per site (see :func:`create_app_site`):

* a security group for the ALB: the service port from anywhere (IPv4 and IPv6), egress only
  into the site's own ranges;
* a security group for the instances: the service port from the ALB's group and from the
  estate's ranges, admin ports only from the estate's ranges;
* a launch template with IMDSv2 required (``http_tokens = "required"``, hop limit 1), so a
  server-side request forgery cannot read instance credentials with a plain GET, and the AMI's
  root device mapped encrypted (the device name is looked up, so the mapping encrypts the root
  volume instead of attaching a second one; AWS's default is unencrypted);
* an Auto Scaling group over the private subnet of every zone of the site (≥ 2 AZs), its size
  pinned to the planned capacity (min = desired = planned, so scale-in never goes below what
  the capacity plan counted on), replacing instances the ALB reports unhealthy, and rolling its
  instances onto each new launch template version (an instance refresh: :func:`refresh_preferences`);
* an internet-facing ALB in the public subnets, a target group with the health check, and a
  listener forwarding the service port — or, with a TLS certificate, an HTTPS listener (TLS 1.2+
  policy) forwarding ``https_port`` while the service port only redirects to HTTPS.

When the app's DNS health-checks IP targets only (Cloud DNS serving the name too), the site gets
fixed addresses: an internet-facing Network Load Balancer with an Elastic IP per zone, forwarding
the service port and ``https_port`` (TCP) to the ALB registered as a target of type ``alb``
(https://docs.aws.amazon.com/elasticloadbalancing/latest/network/application-load-balancer-target.html).

Route 53 (see :func:`create_dns`): one health check per site and one record per site in one
weighted (or failover) set; an ALB is aliased (it has no fixed IP), other sites — and an AWS site
with fixed addresses — get A records listing its addresses (the health check probes the first).
"""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pulumi

from ...core.errors import did_you_mean
from ...core.naming import child_name
from ...core.sites import SiteArgs
from ..base import SiteContext, SiteNetwork
from ..sdk import lazy_sdk, sdk_enum_values
from ..workloads import (
    AppEndpoint,
    AppSiteSpec,
    AppTerms,
    AppValue,
    AppValueKind,
    DnsRouting,
    DnsSpec,
    DnsTerms,
    EndpointKind,
    TlsTermination,
)

if TYPE_CHECKING:
    import pulumi_aws as aws
else:
    aws = lazy_sdk("pulumi_aws")

__all__ = [
    "APP_TERMS",
    "DNS_TERMS",
    "ROUTE53_INTERVALS",
    "app_value_problems",
    "create_app_site",
    "create_dns",
    "route53_problems",
]

#: Route 53 checks every 30 s (standard) or 10 s (fast); nothing else is accepted.
#: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-creating-values.html
ROUTE53_INTERVALS = (10, 30)
#: Failure threshold range Route 53 accepts (1-10).
ROUTE53_THRESHOLDS = range(1, 11)
#: Weights of a weighted record: 0-255.
ROUTE53_MAX_WEIGHT = 255
#: The ALB security policy for HTTPS listeners: TLS 1.3 and 1.2 only, forward-secret ciphers.
#: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
#: The ALB terminates TLS with an ACM certificate (its HTTPS listener) and the service port's
#: listener only redirects.
APP_TERMS = AppTerms(
    image="AMI id (one region's: AWS sites in several regions need an entry per region or site) or "
    "resolve:ssm:<parameter>, which each region resolves to its own AMI",
    size="instance type",
    tls=TlsTermination.LOAD_BALANCER,
    certificate="ACM certificate ARN",
    fixed_addresses="a Network Load Balancer with an Elastic IP per zone forwarding to the ALB",
)
DNS_TERMS = DnsTerms(
    product="Route 53",
    zone="a Route 53 hosted zone id (Z…)",
    failover="exactly two sites, a primary and a secondary",
    intervals="10 or 30",
    max_weight=ROUTE53_MAX_WEIGHT,
    name_servers="the hosted zone's four name servers",
)


#: An AMI id: ``ami-`` and 8 or 17 hex digits (EC2's ``ImageId`` format).
_AMI = re.compile(r"ami-(?:[0-9a-f]{8}|[0-9a-f]{17})")
#: A launch template's ``ImageId`` may name a Systems Manager parameter instead, resolved in the
#: template's own region when an instance launches (a public one per AMI family and region):
#: https://docs.aws.amazon.com/autoscaling/ec2/userguide/using-systems-manager-parameters.html
SSM_IMAGE = "resolve:ssm:"
_SSM_EXAMPLE = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
#: An ACM certificate ARN names the one region it serves: an ALB takes only its own region's
#: (https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html); an IAM server
#: certificate is global.
_ACM = re.compile(r"arn:aws(?:-cn|-us-gov)?:acm:(?P<region>[a-z0-9-]+):\d{12}:certificate/\S+")
_IAM_CERTIFICATE = re.compile(r"arn:aws(?:-cn|-us-gov)?:iam::\d{12}:server-certificate/\S+")


def _where(sites: tuple[SiteArgs, ...]) -> str:
    return ", ".join(f"{s.name} ({s.region})" for s in sites)


def app_value_problems(value: AppValue) -> list[str]:
    """An image is an AMI id (one region's) or ``resolve:ssm:``; a size is one of the installed
    pulumi-aws's ``InstanceType`` values; a certificate an ACM ARN of the site's region (or IAM)."""
    text, sites = value.value, value.sites
    if value.kind is AppValueKind.IMAGE:
        if text.startswith(SSM_IMAGE) and len(text) > len(SSM_IMAGE):
            return []
        if not _AMI.fullmatch(text):
            return [
                "not an AMI id (ami- and 8 or 17 hex digits) nor resolve:ssm:<parameter> "
                + f"(e.g. {_SSM_EXAMPLE})"
            ]
        if len({s.region for s in sites}) > 1:
            return [
                f"an AMI id belongs to one region, and {_where(sites)} take this one: give each region "
                f"its own AMI (an entry per site or region) or a parameter each region resolves, e.g. "
                f"{_SSM_EXAMPLE}"
            ]
        return []
    if value.kind is AppValueKind.SIZE:
        types = sdk_enum_values("pulumi_aws", "ec2._enums", "InstanceType")  # the SDK's own list
        if text not in types:
            return [
                f"not an EC2 instance type the installed pulumi-aws lists ({len(types)} types, e.g. "
                f"t3.small, m6i.large){did_you_mean(text, types)}"
            ]
        return []
    acm = _ACM.fullmatch(text)
    if acm is not None:
        wrong = tuple(s for s in sites if s.region != acm["region"])
        if wrong:
            return [
                f"an ACM certificate serves only its own region ({acm['region']}), and {_where(wrong)} "
                "use it: give each region its own certificate (an entry per site or region)"
            ]
        return []
    if _IAM_CERTIFICATE.fullmatch(text):
        return []
    return [
        "not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>) nor an IAM server "
        "certificate ARN"
    ]


def _split(cidrs: tuple[str, ...]) -> tuple[list[str], list[str]]:
    v4 = [c for c in cidrs if ipaddress.ip_network(c).version == 4]
    v6 = [c for c in cidrs if ipaddress.ip_network(c).version == 6]
    return v4, v6


def refresh_preferences(desired: int, surge: int) -> dict[str, int]:
    """An instance refresh that never takes the site below its planned count: new instances
    launch before old ones stop (``min_healthy_percentage`` 100), up to ``surge`` more at a time
    (the room the group's max size keeps for a lost zone's share), as GCP's managed instance group
    (``max_unavailable`` 0, a surge) and Azure's scale set (rolling with a surge) do. The app's
    ``min_healthy`` is planned to hold with a vendor down; keeping every planned instance in
    service keeps it holding during a refresh too.

    AWS takes ``max_healthy_percentage`` from 100 to 200 and needs it above 100 when the minimum
    is 100 (RefreshPreferences, Amazon EC2 Auto Scaling API Reference); the percentage is of the
    desired capacity, so at least one more instance fits: ``ceil(100 * (desired + surge) /
    desired)``, at most 200.
    """
    maximum = min(200, -(-100 * (desired + max(surge, 1)) // desired))
    return {"min_healthy_percentage": 100, "max_healthy_percentage": maximum}


def create_app_site(ctx: SiteContext, network: SiteNetwork, spec: AppSiteSpec) -> AppEndpoint:
    site = ctx.site
    zones = list(site.zones)
    letters = [z[-1] for z in zones]
    vpc_id = network.network_id
    assert vpc_id is not None

    def tags(name: str) -> dict[str, str]:
        return {**ctx.tags, "Name": name}

    site_v4, site_v6 = _split(network.cidrs)
    estate_v4, estate_v6 = _split(spec.estate_cidrs)
    lb_sg_name = ctx.name("lb-sg")
    tls = spec.tls and spec.tls_certificate is not None
    # With TLS the service port redirects, or is closed to the public (plain_http: closed).
    public_http = not tls or spec.public_http
    public_ports = [(spec.port, "service port, public")] if public_http else []
    if tls:
        public_ports.append((spec.https_port, "HTTPS, public"))
    lb_sg = aws.ec2.SecurityGroup(
        lb_sg_name,
        vpc_id=vpc_id,
        description=f"{ctx.component} load balancer: port {spec.port} from anywhere",
        ingress=[
            aws.ec2.SecurityGroupIngressArgs(
                protocol="tcp",
                from_port=port,
                to_port=port,
                cidr_blocks=["0.0.0.0/0"],
                ipv6_cidr_blocks=["::/0"],
                description=description,
            )
            for port, description in public_ports
        ],
        egress=[
            aws.ec2.SecurityGroupEgressArgs(
                protocol="tcp",
                from_port=spec.port,
                to_port=spec.port,
                cidr_blocks=site_v4 or None,
                ipv6_cidr_blocks=site_v6 or None,
                description="to the instances",
            )
        ],
        tags=tags(lb_sg_name),
        opts=ctx.opts(),
    )
    app_sg_name = ctx.name("app-sg")
    ingress = [
        aws.ec2.SecurityGroupIngressArgs(
            protocol="tcp",
            from_port=spec.port,
            to_port=spec.port,
            security_groups=[lb_sg.id],
            description="service port from the load balancer",
        ),
        aws.ec2.SecurityGroupIngressArgs(
            protocol="tcp",
            from_port=spec.port,
            to_port=spec.port,
            cidr_blocks=estate_v4 or None,
            ipv6_cidr_blocks=estate_v6 or None,
            description="service port from the estate",
        ),
    ]
    for port in spec.admin_ports:
        ingress.append(
            aws.ec2.SecurityGroupIngressArgs(
                protocol="tcp",
                from_port=port,
                to_port=port,
                cidr_blocks=estate_v4 or None,
                ipv6_cidr_blocks=estate_v6 or None,
                description=f"admin port {port} from the estate only",
            )
        )
    app_sg = aws.ec2.SecurityGroup(
        app_sg_name,
        vpc_id=vpc_id,
        description=f"{ctx.component} instances: service port via the load balancer and the estate",
        ingress=ingress,
        egress=[
            aws.ec2.SecurityGroupEgressArgs(
                protocol="-1",
                from_port=0,
                to_port=0,
                cidr_blocks=["0.0.0.0/0"],
                ipv6_cidr_blocks=["::/0"],
                description="anywhere: package mirrors and the APIs the instances call",
            )
        ],
        tags=tags(app_sg_name),
        opts=ctx.opts(),
    )
    lt_name = ctx.name("lt")
    invoke = pulumi.InvokeOutputOptions(parent=ctx.parent, provider=ctx.provider)
    ami: pulumi.Input[str] = spec.image
    if spec.image.startswith(SSM_IMAGE):  # the AMI the site's region resolves the parameter to
        ami = aws.ssm.get_parameter_output(name=spec.image.removeprefix(SSM_IMAGE), opts=invoke).value
    root_device = aws.ec2.get_ami_output(
        filters=[aws.ec2.GetAmiFilterArgs(name="image-id", values=[ami])], opts=invoke
    ).root_device_name
    template = aws.ec2.LaunchTemplate(
        lt_name,
        image_id=spec.image,
        instance_type=spec.size,
        vpc_security_group_ids=[app_sg.id],
        block_device_mappings=[
            aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                device_name=root_device,
                ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                    encrypted="true", volume_type="gp3", delete_on_termination="true"
                ),
            )
        ],
        metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
            http_endpoint="enabled",
            http_tokens="required",
            http_put_response_hop_limit=1,
            instance_metadata_tags="disabled",
        ),
        user_data=base64.b64encode(spec.user_data.encode()).decode() if spec.user_data else None,
        update_default_version=True,
        tag_specifications=[
            aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type="instance", tags=tags(ctx.name("vm"))),
            aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type="volume", tags=tags(ctx.name("vm"))),
        ],
        tags=tags(lt_name),
        opts=ctx.opts(),
    )
    health = spec.health
    tg_name = ctx.name("tg")
    target_group = aws.lb.TargetGroup(
        tg_name,
        port=spec.port,
        protocol="HTTP",
        target_type="instance",
        vpc_id=vpc_id,
        health_check=aws.lb.TargetGroupHealthCheckArgs(
            enabled=True,
            protocol="HTTP",
            port="traffic-port",
            path=health.path,
            interval=health.interval_seconds,
            timeout=health.timeout_seconds,
            healthy_threshold=health.healthy_threshold,
            unhealthy_threshold=health.unhealthy_threshold,
            matcher="200-399",
        ),
        tags=tags(tg_name),
        opts=ctx.opts(),
    )
    alb_name = ctx.name("alb")
    alb = aws.lb.LoadBalancer(
        alb_name,
        load_balancer_type="application",
        internal=False,
        security_groups=[lb_sg.id],
        subnets=[network.subnet_ids[f"public-{letter}"] for letter in letters],
        drop_invalid_header_fields=True,
        tags=tags(alb_name),
        # An internet-facing ALB is refused ("InvalidSubnet: VPC ... has no internet gateway")
        # until the VPC's internet gateway is attached; its subnets alone do not order that.
        opts=ctx.opts(depends_on=[network.resources["igw"]]),
    )
    forward = aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=target_group.arn)
    redirect = aws.lb.ListenerDefaultActionArgs(
        type="redirect",
        redirect=aws.lb.ListenerDefaultActionRedirectArgs(
            protocol="HTTPS", port=str(spec.https_port), status_code="HTTP_301"
        ),
    )
    extra: dict[str, pulumi.Resource] = {}
    if public_http:
        extra["listener"] = aws.lb.Listener(
            ctx.name("listener"),
            load_balancer_arn=alb.arn,
            port=spec.port,
            protocol="HTTP",
            default_actions=[redirect if tls else forward],
            tags=tags(ctx.name("listener")),
            opts=ctx.opts(),
        )
    if tls:
        extra["https_listener"] = aws.lb.Listener(
            ctx.name("https-listener"),
            load_balancer_arn=alb.arn,
            port=spec.https_port,
            protocol="HTTPS",
            certificate_arn=spec.tls_certificate,
            ssl_policy=TLS_POLICY,
            default_actions=[forward],
            tags=tags(ctx.name("https-listener")),
            opts=ctx.opts(),
        )
    fixed: list[aws.ec2.Eip] = []
    if spec.fixed_addresses:
        fixed = _fixed_addresses(ctx, network, spec, alb, list(extra.values()), letters, extra)
    largest_zone = max(spec.zone_counts.values(), default=0)
    asg = aws.autoscaling.Group(
        ctx.name("asg"),
        vpc_zone_identifiers=[network.subnet_ids[f"private-{letter}"] for letter in letters],
        min_size=spec.total,
        desired_capacity=spec.total,
        # Room to replace a lost zone's share in the others while it is down.
        max_size=spec.total + largest_zone,
        launch_template=aws.autoscaling.GroupLaunchTemplateArgs(
            id=template.id, version=template.latest_version.apply(str)
        ),
        target_group_arns=[target_group.arn],
        health_check_type="ELB",
        health_check_grace_period=300,
        # A new template version (a new size or image) starts a refresh: without one the running
        # instances would keep the old size until something replaced them.
        instance_refresh=aws.autoscaling.GroupInstanceRefreshArgs(
            strategy="Rolling",
            preferences=aws.autoscaling.GroupInstanceRefreshPreferencesArgs(
                **refresh_preferences(spec.total, largest_zone)
            ),
        ),
        tags=[
            aws.autoscaling.GroupTagArgs(key=k, value=v, propagate_at_launch=True)
            for k, v in sorted(tags(ctx.name("vm")).items())
        ],
        opts=ctx.opts(),
    )
    addresses = [eip.public_ip for eip in fixed]
    return AppEndpoint(
        site=site.name,
        vendor="aws",
        kind=EndpointKind.IP if fixed else EndpointKind.HOSTNAME,
        address=addresses[0] if fixed else alb.dns_name,
        addresses=pulumi.Output.all(*addresses) if fixed else None,
        weight=spec.total,
        alias_zone_id=None if fixed else alb.zone_id,
        resources={
            "lb_security_group": lb_sg,
            "security_group": app_sg,
            "launch_template": template,
            "target_group": target_group,
            "load_balancer": alb,
            "group": asg,
            **extra,
        },
        health_protocol="HTTPS" if tls else "HTTP",
        health_port=spec.https_port if tls else None,
    )


def _fixed_addresses(
    ctx: SiteContext,
    network: SiteNetwork,
    spec: AppSiteSpec,
    alb: aws.lb.LoadBalancer,
    alb_listeners: list[pulumi.Resource],
    letters: list[str],
    resources: dict[str, pulumi.Resource],
) -> list[aws.ec2.Eip]:
    """An internet-facing Network Load Balancer with an Elastic IP per zone, forwarding the
    service port and ``https_port`` (TCP) to the ALB, registered as a target of type ``alb``: the
    site's fixed addresses, for DNS that health-checks IP targets only. The ALB, its listeners and
    its TLS stay as they are; the NLB passes bytes through.
    """
    vpc_id = network.network_id
    eips = [
        aws.ec2.Eip(
            ctx.name("nlb-ip", letter),
            domain="vpc",
            tags={**ctx.tags, "Name": ctx.name("nlb-ip", letter)},
            opts=ctx.opts(depends_on=[network.resources["igw"]]),
        )
        for letter in letters
    ]
    nlb_name = ctx.name("nlb")
    nlb = aws.lb.LoadBalancer(
        nlb_name,
        load_balancer_type="network",
        internal=False,
        subnet_mappings=[
            aws.lb.LoadBalancerSubnetMappingArgs(
                subnet_id=network.subnet_ids[f"public-{letter}"], allocation_id=eip.allocation_id
            )
            for letter, eip in zip(letters, eips, strict=True)
        ],
        enable_cross_zone_load_balancing=True,
        tags={**ctx.tags, "Name": nlb_name},
        opts=ctx.opts(depends_on=[network.resources["igw"]]),
    )
    tls = spec.tls and spec.tls_certificate is not None
    ports = [*([spec.port] if not tls or spec.public_http else []), *([spec.https_port] if tls else [])]
    health = spec.health
    for port in ports:
        group = aws.lb.TargetGroup(
            ctx.name("nlb-tg", str(port)),
            port=port,
            protocol="TCP",
            target_type="alb",
            vpc_id=vpc_id,
            # The ALB is healthy when it serves the app: HTTPS on https_port where the service
            # port only redirects, else HTTP on the service port.
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                enabled=True,
                protocol="HTTPS" if tls else "HTTP",
                port=str(spec.https_port if tls else spec.port),
                path=health.path,
                interval=health.interval_seconds,
                healthy_threshold=health.healthy_threshold,
                unhealthy_threshold=health.unhealthy_threshold,
                matcher="200-399",
            ),
            tags={**ctx.tags, "Name": ctx.name("nlb-tg", str(port))},
            opts=ctx.opts(),
        )
        # An ALB is registered as a target only once it has a listener on the group's port.
        resources[f"nlb_attachment:{port}"] = aws.lb.TargetGroupAttachment(
            ctx.name("nlb-target", str(port)),
            target_group_arn=group.arn,
            target_id=alb.arn,
            port=port,
            opts=ctx.opts(depends_on=alb_listeners),
        )
        resources[f"nlb_listener:{port}"] = aws.lb.Listener(
            ctx.name("nlb-listener", str(port)),
            load_balancer_arn=nlb.arn,
            port=port,
            protocol="TCP",
            default_actions=[aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=group.arn)],
            tags={**ctx.tags, "Name": ctx.name("nlb-listener", str(port))},
            opts=ctx.opts(),
        )
        resources[f"nlb_target_group:{port}"] = group
    resources["nlb"] = nlb
    for letter, eip in zip(letters, eips, strict=True):
        resources[f"nlb_ip:{letter}"] = eip
    return eips


def name_servers(ctx: SiteContext, dns: DnsSpec) -> pulumi.Output[list[str]]:
    """The hosted zone's name servers (Route 53's delegation set), for the registrar."""
    zone = aws.route53.get_zone_output(
        zone_id=dns.zone, opts=pulumi.InvokeOutputOptions(parent=ctx.parent, provider=ctx.provider)
    )
    servers: pulumi.Output[list[str]] = zone.name_servers
    return servers


def route53_problems(dns: DnsSpec, endpoints: Mapping[str, EndpointKind]) -> list[str]:
    problems = []
    if dns.health.interval_seconds not in ROUTE53_INTERVALS:
        problems.append(
            f"Route 53 checks every 10 or 30 seconds; dns.check_interval_seconds is "
            f"{dns.health.interval_seconds}"
        )
    if dns.health.unhealthy_threshold not in ROUTE53_THRESHOLDS:
        problems.append(
            "Route 53 failure thresholds are 1 to 10; dns.failure_threshold is "
            f"{dns.health.unhealthy_threshold}"
        )
    if dns.routing is DnsRouting.FAILOVER and len(endpoints) != 2:
        problems.append(
            f"failover routing has one primary and one secondary: it needs exactly 2 sites, the app "
            f"has {len(endpoints)}; use routing: weighted"
        )
    if dns.source_regions:
        problems.append("dns.source_regions applies to Cloud DNS only; Route 53 probes from its own regions")
    return problems


def create_dns(ctx: SiteContext, dns: DnsSpec, endpoints: list[AppEndpoint]) -> dict[str, pulumi.Resource]:
    resources: dict[str, pulumi.Resource] = {}
    for index, endpoint in enumerate(endpoints):
        check_name = child_name(ctx.component, "dns-check", endpoint.site)
        check = aws.route53.HealthCheck(
            check_name,
            type=endpoint.health_protocol,
            fqdn=endpoint.address if endpoint.kind is EndpointKind.HOSTNAME else None,
            ip_address=endpoint.address if endpoint.kind is EndpointKind.IP else None,
            port=endpoint.health_port or dns.health.port,
            resource_path=dns.health.path,
            request_interval=dns.health.interval_seconds,
            failure_threshold=dns.health.unhealthy_threshold,
            tags={**ctx.tags, "Name": check_name},
            opts=ctx.opts(),
        )
        alias = endpoint.kind is EndpointKind.HOSTNAME
        if dns.routing is DnsRouting.WEIGHTED:
            # The plan scales capacity into Route 53's 0-255 (DnsTerms.max_weight), never to 0.
            weight = dns.weight(endpoint)
            routing: dict[str, object] = {
                "weighted_routing_policies": [aws.route53.RecordWeightedRoutingPolicyArgs(weight=weight)]
            }
        else:
            routing = {
                "failover_routing_policies": [
                    aws.route53.RecordFailoverRoutingPolicyArgs(type="PRIMARY" if index == 0 else "SECONDARY")
                ]
            }
        record = aws.route53.Record(
            child_name(ctx.component, "dns-record", endpoint.site),
            zone_id=dns.zone,
            name=dns.record_name,
            type="A",
            set_identifier=endpoint.site,
            health_check_id=check.id,
            ttl=None if alias else dns.ttl_seconds,
            records=None if alias else endpoint.all_addresses(),
            aliases=[
                aws.route53.RecordAliasArgs(
                    name=endpoint.address,
                    zone_id=endpoint.alias_zone_id,
                    evaluate_target_health=True,
                )
            ]
            if alias
            else None,
            opts=ctx.opts(),
            **routing,
        )
        resources[f"check:{endpoint.site}"] = check
        resources[f"record:{endpoint.site}"] = record
    return resources
