"""The Pulumi twin of main.tf: the same resources, the same names, the same settings."""

import pulumi_openstack as openstack

GROUP = "b1a88262-2257-497f-aede-4f84068cb614"


def world(name: str, port: int) -> None:
    openstack.networking.SecGroupRule(
        name,
        direction="ingress",
        ethertype="IPv4",
        protocol="tcp",
        port_range_min=port,
        port_range_max=port,
        remote_ip_prefix="0.0.0.0/0",
        security_group_id=GROUP,
    )


world("rule_ssh", 22)
world("rule_rdp", 3389)
world("rule_https", 443)
openstack.compute.Instance(
    "server_admin_pass",
    name="web",
    image_name="debian-12",
    flavor_name="m1.small",
    admin_pass="N0t-a-Secret-1",
)
