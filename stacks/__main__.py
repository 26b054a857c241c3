"""The estate's Pulumi program: read the stack configuration, validate it, build the estate.

Runs unchanged under `pulumi preview` / `pulumi up` and under `skyweave preview` (offline).
Everything is validated and planned by `load_stack_config()` before the first resource is
registered, so a mistake in Pulumi.<stack>.yaml changes nothing.
"""

import pulumi
import skyweave

config = skyweave.load_stack_config()

# One explicit provider per site, shared by every component on that site.
providers = skyweave.SiteProviders(config.sites)

network = skyweave.HybridVpc(config.network.name, config.hybrid_vpc_args(), providers=providers)

pulumi.export("networks", network.networks)
pulumi.export("ipam", network.layout)
pulumi.export("links", network.links)
# What each on-prem VPN device must be configured with; its `psk` fields name entries of vpn_psks.
pulumi.export("onprem_devices", network.onprem_devices)
pulumi.export("onprem_peer_ips", network.onprem_peer_ips)
pulumi.export("vpn_psks", network.vpn_psks)
