"""A shop's web tier on AWS and GCP: one network over both, one app that survives losing a vendor.

This program lives in its own repository and imports skyweave the way any user would: from the
installed package (``pip install skyweave``), through the public API only (``skyweave.__all__``).
"""

import pulumi
import skyweave

config = pulumi.Config()
aws_region = config.require("awsRegion")
gcp_region = config.require("gcpRegion")

sites = [
    {
        "name": "aws-main",
        "vendor": "aws",
        "region": aws_region,
        "zones": [f"{aws_region}a", f"{aws_region}b"],
    },
    {
        "name": "gcp-main",
        "vendor": "gcp",
        "region": gcp_region,
        "project": config.require("gcpProject"),
        "zones": [f"{gcp_region}-b", f"{gcp_region}-c"],
    },
]

# Validated before anything is registered.
network_args = skyweave.HybridVpcArgs.model_validate(
    {"sites": sites, "ipam": {"supernet": config.require("supernet")}, "tags": {"team": "shop"}}
)
providers = skyweave.SiteProviders(network_args.sites)
network = skyweave.HybridVpc("shop", network_args, providers=providers)

# A mapping is validated like the stack file: a bad value raises skyweave.InvalidArgsError naming it.
web = skyweave.MultiCloudApp(
    "web",
    {
        "sites": ["aws-main", "gcp-main"],
        "images": {"aws": "ami-0a1b2c3d4e5f60718", "gcp": "debian-cloud/debian-12"},
        "sizes": {"aws": "t3.small", "gcp": "e2-small"},
        "port": 8080,
        "health_check_path": "/healthz",
        "min_healthy": config.require_int("minHealthy"),
        "survive": config.get("survive") or "vendor",
    },
    network=network,
    providers=providers,
)

pulumi.export("skyweaveVersion", skyweave.__version__)
pulumi.export("networks", network.networks)
pulumi.export("links", network.links)
pulumi.export("webAddresses", web.addresses)
pulumi.export("webSizing", web.sizing)
