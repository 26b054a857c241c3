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

# Each component gets its part of the plan made while validating, so nothing is planned twice.
plan = config.plan
network = skyweave.HybridVpc(
    config.network.name, config.hybrid_vpc_args(), providers=providers, plan=plan.network
)

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
    skyweave.BareMetalPool(
        pool.name,
        pool.pool_args(config.tags),
        network=network,
        providers=providers,
        plan=plan.pools[pool.name],
    )
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

# Services across vendors: each MultiCloudApp is sized so that losing the failure it names
# (zone, region or vendor) still leaves min_healthy instances, behind health-checked DNS.
apps = {
    app.name: skyweave.MultiCloudApp(
        app.name,
        app.args(estate_tags=config.tags),
        network=network,
        providers=providers,
        plan=plan.apps[app.name],
    )
    for app in config.apps
}
pulumi.export(
    "apps",
    {
        name: {
            "addresses": app.addresses,
            "availability": app.availability,
            "failoverSeconds": app.failover_seconds,
            "sizing": app.sizing,
            # What the registrar lists for the zone: every DNS provider's name servers.
            "nameServers": app.name_servers,
        }
        for name, app in apps.items()
    },
)

# Object storage that outlives a vendor: a primary bucket and copies on other vendors' sites, each
# filled by the copy vendor's transfer service or by the application. A storage-level copy: the
# application's data consistency stays its own job.
buckets = {
    bucket.name: skyweave.MultiCloudBucket(
        bucket.name,
        bucket.args(estate_tags=config.tags),
        sites=config.sites,
        providers=providers,
        plan=plan.buckets[bucket.name],
    )
    for bucket in config.buckets
}
pulumi.export("buckets", {name: bucket.buckets for name, bucket in buckets.items()})

# Databases that outlive a vendor (docs/database.md): PostgreSQL under Patroni on VMs of several
# vendors, its leader lock in an etcd spread so that losing any one vendor keeps a majority.
# Clients connect with the leaderConnection string (libpq picks the writable member).
databases = {
    database.name: skyweave.MultiCloudDatabase(
        database.name,
        database.args(estate_tags=config.tags),
        network=network,
        providers=providers,
        plan=plan.databases[database.name],
    )
    for database in config.databases
}
if databases:
    pulumi.export(
        "databases",
        {
            name: {"members": db.members, "leaderConnection": db.leader_connection}
            for name, db in databases.items()
        },
    )

# Kubernetes across vendors (docs/kubernetes.md): a managed cluster per listed site (EKS, GKE, AKS,
# Magnum), nodes sized so losing the failure the fleet names still leaves min_nodes, pod and
# service ranges from the estate's IPAM; the kubeconfigs stay secrets. A fleet's workload runs on
# every cluster through that cluster's own pulumi-kubernetes provider, behind health-checked DNS.
fleets = {
    fleet.name: skyweave.KubernetesFleet(
        fleet.name,
        fleet.args(estate_tags=config.tags),
        network=network,
        providers=providers,
        plan=plan.fleets[fleet.name],
    )
    for fleet in config.kubernetes
}
if fleets:
    pulumi.export("kubernetes", {name: fleet.clusters for name, fleet in fleets.items()})
    pulumi.export("kubeconfigs", {name: fleet.kubeconfigs for name, fleet in fleets.items()})
    pulumi.export("workloads", {name: fleet.workload for name, fleet in fleets.items()})
