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

# Bare-metal pools (docs/bare-metal.md): whole servers from Ironic, AWS metal and servers you bring,
# on the same sites, providers and networks; their inventory is `skyweave inventory --stack <stack>`.
pools = [
    skyweave.BareMetalPool(pool.name, pool.pool_args(config.tags), network=network, providers=providers)
    for pool in config.pools
]
if pools:
    pulumi.export("pools", {p.name: pool.records for p, pool in zip(config.pools, pools, strict=True)})
    pulumi.export(
        "inventory",
        pulumi.Output.all(*[pool.nodes for pool in pools]).apply(
            lambda nodes: skyweave.ansible_inventory(
                {p.name: n for p, n in zip(config.pools, nodes, strict=True)}
            )
        ),
    )
