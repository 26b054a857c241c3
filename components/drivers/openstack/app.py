"""OpenStack shapes for a service: an anti-affinity server group, instances per zone, Octavia.

Per site (see :func:`create_app_site`):

* a security group for the instances: the service port and admin ports from the estate's
  ranges only (clients come in through Octavia, whose amphorae sit in the site's subnet);
* a Nova server group with the ``anti-affinity`` policy, so no two instances share a hypervisor
  (the scheduler refuses a placement rather than doubling up);
* the planned number of instances in each availability zone, named by zone and a number within
  it (scaling a zone down removes its highest numbers; no other instance is renamed);
* an Octavia load balancer on the site's subnet with a listener, a pool, an HTTP health monitor
  and a member per instance, and a floating IP from the external network on its VIP port; with a
  TLS certificate (a Barbican container), a TERMINATED_HTTPS listener on ``https_port`` holds
  the pool and the service port's listener only redirects to ``https://<dns name>`` (an L7
  policy: Octavia redirects to a fixed URL prefix).

Nova offers no instance-metadata hardening to set from the API (the metadata service is the
operator's); the instances get no floating IP of their own.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

import pulumi

from ..base import SiteContext, SiteNetwork
from ..sdk import lazy_sdk
from ..workloads import AppEndpoint, AppSiteSpec, AppTerms, EndpointKind, TlsTermination

if TYPE_CHECKING:
    import pulumi_openstack as openstack
else:
    openstack = lazy_sdk("pulumi_openstack")

__all__ = ["APP_TERMS", "create_app_site"]

#: Octavia terminates TLS with a Barbican container (a TERMINATED_HTTPS listener); its L7 policy
#: redirects the service port to a fixed URL prefix, https://<the app's DNS name>.
APP_TERMS = AppTerms(
    image="Glance image id",
    size="flavor name",
    tls=TlsTermination.LOAD_BALANCER,
    certificate="Barbican container ref",
    redirect_to_dns_name=True,
)


def create_app_site(ctx: SiteContext, network: SiteNetwork, spec: AppSiteSpec) -> AppEndpoint:
    site = ctx.site
    external_network = str(getattr(site, "external_network", "public"))
    tags = [f"{k}={v}" for k, v in sorted(ctx.tags.items())]
    group = openstack.networking.SecGroup(
        ctx.name("sg"),
        description=f"{ctx.component}: service and admin ports from the estate only",
        tags=tags,
        opts=ctx.opts(),
    )
    rules: list[openstack.networking.SecGroupRule] = []
    for port, role in [(spec.port, "service"), *((p, f"admin{p}") for p in spec.admin_ports)]:
        for cidr in spec.estate_cidrs:
            net = ipaddress.ip_network(cidr)
            rules.append(
                openstack.networking.SecGroupRule(
                    ctx.name(
                        "sg-rule",
                        role,
                        str(net.network_address).replace(":", "-").replace(".", "-"),
                        str(net.prefixlen),
                    ),
                    direction="ingress",
                    ethertype="IPv4" if net.version == 4 else "IPv6",
                    protocol="tcp",
                    port_range_min=port,
                    port_range_max=port,
                    remote_ip_prefix=str(net),
                    security_group_id=group.id,
                    opts=ctx.opts(),
                )
            )
    server_group = openstack.compute.ServerGroup(ctx.name("group"), policies="anti-affinity", opts=ctx.opts())
    subnet_id = network.subnet_ids["main"]
    assert network.network_id is not None
    lb = openstack.loadbalancer.LoadBalancer(
        ctx.name("lb"),
        vip_subnet_id=subnet_id,
        description=f"{ctx.component} on {site.name}",
        tags=tags,
        opts=ctx.opts(),
    )
    tls = spec.tls and spec.tls_certificate is not None
    extra: dict[str, pulumi.Resource] = {}
    # plain_http: closed leaves the service port without a listener (HTTPS only).
    listener = None
    if not tls or spec.public_http:
        listener = extra["listener"] = openstack.loadbalancer.Listener(
            ctx.name("listener"),
            loadbalancer_id=lb.id,
            protocol="HTTP",
            protocol_port=spec.port,
            tags=tags,
            opts=ctx.opts(),
        )
    serving = listener
    if tls:
        serving = extra["https_listener"] = openstack.loadbalancer.Listener(
            ctx.name("https-listener"),
            loadbalancer_id=lb.id,
            protocol="TERMINATED_HTTPS",
            protocol_port=spec.https_port,
            default_tls_container_ref=spec.tls_certificate,
            tls_versions=["TLSv1.2", "TLSv1.3"],
            tags=tags,
            opts=ctx.opts(),
        )
    if tls and listener is not None:
        suffix = "" if spec.https_port == 443 else f":{spec.https_port}"
        extra["https_redirect"] = openstack.loadbalancer.L7PolicyV2(
            ctx.name("https-redirect"),
            listener_id=listener.id,
            action="REDIRECT_PREFIX",
            redirect_prefix=f"https://{spec.redirect_host}{suffix}",
            redirect_http_code=301,
            position=1,
            opts=ctx.opts(),
        )
    assert serving is not None  # a listener on the service port, or the HTTPS one
    pool = openstack.loadbalancer.Pool(
        ctx.name("pool"),
        listener_id=serving.id,
        protocol="HTTP",
        lb_method="ROUND_ROBIN",
        tags=tags,
        opts=ctx.opts(),
    )
    health = spec.health
    monitor = openstack.loadbalancer.Monitor(
        ctx.name("monitor"),
        pool_id=pool.id,
        type="HTTP",
        http_method="GET",
        url_path=health.path,
        expected_codes="200-399",
        delay=health.interval_seconds,
        timeout=health.timeout_seconds,
        max_retries=health.healthy_threshold,
        max_retries_down=health.unhealthy_threshold,
        opts=ctx.opts(),
    )
    servers: list[openstack.compute.Instance] = []
    # The servers name only the network; Nova refuses to boot on a network that has no subnet yet
    # (NetworkRequiresSubnet), so they also wait for the site's subnets.
    subnets = [r for key, r in network.resources.items() if key.startswith("subnet:")]
    for zone, count in spec.zone_counts.items():
        for number in range(1, count + 1):
            name = ctx.name("server", zone, str(number))
            server = openstack.compute.Instance(
                name,
                image_id=spec.image,
                flavor_name=spec.size,
                availability_zone=zone,
                networks=[openstack.compute.InstanceNetworkArgs(uuid=network.network_id)],
                security_groups=[group.name],
                scheduler_hints=[openstack.compute.InstanceSchedulerHintArgs(group=server_group.id)],
                user_data=spec.user_data,
                metadata={**ctx.tags, "skyweave-app": ctx.component},
                tags=tags,
                opts=ctx.opts(depends_on=[*rules, *subnets]),
            )
            openstack.loadbalancer.Member(
                ctx.name("member", zone, str(number)),
                pool_id=pool.id,
                address=server.access_ip_v4,
                protocol_port=spec.port,
                subnet_id=subnet_id,
                opts=ctx.opts(),
            )
            servers.append(server)
    # Neutron associates a floating IP with the VIP port only once the VIP subnet has a port on
    # a router to the external network (ExternalGatewayForFloatingIPNotFound otherwise).
    floating_ip = openstack.networking.FloatingIp(
        ctx.name("fip"),
        pool=external_network,
        port_id=lb.vip_port_id,
        description=f"{ctx.component} on {site.name}",
        tags=tags,
        opts=ctx.opts(depends_on=[network.resources["router-if:main"]]),
    )
    resources: dict[str, pulumi.Resource] = {
        "security_group": group,
        "server_group": server_group,
        "load_balancer": lb,
        "pool": pool,
        "monitor": monitor,
        "floating_ip": floating_ip,
        **extra,
    }
    return AppEndpoint(
        site=site.name,
        vendor="openstack",
        kind=EndpointKind.IP,
        address=floating_ip.address,
        weight=spec.total,
        resources=resources,
        health_protocol="HTTPS" if tls else "HTTP",
        health_port=spec.https_port if tls else None,
    )
