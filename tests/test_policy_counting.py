"""Issue 24: the pack counts what is really there.

* On-prem servers are counted as servers (one per server, in its rack), from the facts the
  on-prem driver records on the resources it creates — never one node per remote command.
* One site's VPN devices are one node of the site graph, so the pack and ``skyweave graph``
  agree on cut sites.
* A service's capacity counts only the compute its DNS name reaches.

Expected figures come from the stack files (the servers and racks a pool lists) and from the
resources themselves, never from the code's own constants.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import stack_raw, write_stack
from skyweave.engine.analyzer import StackResource
from skyweave.engine.offline import OfflineRun
from skyweave.engine.preview import preview_stack
from skyweave.engine.requests import resources_from_run
from skyweave.policy import ALL_RULES, Kind, Resource, StackIndex, rule_by_name
from skyweave.policy.facts import facts

ROOT = Path(__file__).resolve().parent.parent
POOL = "skyweave:compute:BareMetalPool"
SURVIVES = rule_by_name("skyweave-redundancy-survives-vendor-loss")
ZONES = rule_by_name("skyweave-redundancy-zone-spread")
CLAIMS = rule_by_name("skyweave-redundancy-claims-backed")


def _as_resource(r: StackResource) -> Resource:
    return Resource(
        urn=r.urn,
        type=r.type,
        name=r.name,
        props=dict(r.properties),
        parent=r.parent,
        provider_type=r.provider.type if r.provider else None,
        provider_urn=r.provider.urn if r.provider else None,
        dependencies=tuple(r.dependencies),
        property_dependencies={k: tuple(v) for k, v in r.property_dependencies.items()},
    )


def _resources(run: OfflineRun) -> list[Resource]:
    _, for_stack = resources_from_run(run)
    return [_as_resource(r) for r in for_stack]


def _messages(rule: Any, resources: Iterable[Resource]) -> list[str]:
    return [f.message for f in rule.run_stack(StackIndex.build(resources), None)]


def _byon_servers(raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The servers prod's pool lists, by name (the stack file: the independent source)."""
    (pool,) = raw["pools"]
    (source,) = [s for s in pool["sources"] if s["kind"] == "byon"]
    return {s["name"]: s for s in source["servers"]}


@pytest.fixture(scope="module")
def prod(prod_run: OfflineRun) -> list[Resource]:
    return _resources(prod_run)


# -- 1. on-prem servers are servers, in their racks ---------------------------------------------


def test_prods_on_prem_servers_count_once_each_in_their_own_racks(prod: list[Resource]) -> None:
    raw = stack_raw("prod")
    servers = _byon_servers(raw)
    estate = facts(StackIndex.build(prod))
    onprem = [u for u in estate.units if u.vendor == "onprem"]
    # The pool places 11 nodes; the stack file's other sources are clouds, so the on-prem part is
    # what the pool's count leaves after its cloud nodes (the comment in the stack file: 3).
    (pool,) = raw["pools"]
    cloud_units = [u for u in estate.units if u.owner and u.vendor != "onprem" and "metal" in u.owner]
    assert len(onprem) == pool["count"] - sum(u.count for u in cloud_units) == 3
    for unit in onprem:
        assert unit.name in servers, unit
        assert unit.site == "onprem-fra"
        assert unit.zones == ((servers[unit.name]["rack"], 1),)
        assert unit.owner is not None and unit.owner.endswith(f"{POOL}::metal")


def test_a_pool_short_of_a_server_after_losing_a_vendor_is_caught(prod: list[Resource]) -> None:
    """prod keeps 7 after losing AWS (4 on OpenStack, 3 servers): without one server's resources
    (a hand-edited plan) it really keeps 6, below min_healthy 7."""
    dropped = [r for r in prod if not r.name.endswith("fra-r2-01")]
    assert len(dropped) < len(prod)
    assert _messages(SURVIVES, prod) == []
    (message,) = _messages(SURVIVES, dropped)
    assert "BareMetalPool 'metal': losing vendor 'aws' leaves 6 of 10 node(s)" in message
    assert "below minHealthy 7" in message


@pytest.fixture(scope="module")
def one_rack_no_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> list[Resource]:
    """prod with every server moved into rack r1 and the pool's bootstrap script removed."""
    raw = copy.deepcopy(stack_raw("prod"))
    (pool,) = raw["pools"]
    del pool["bootstrap"]
    pool["min_healthy"] = 6  # one rack is one failure domain: the planner keeps fewer there
    for source in pool["sources"]:
        if source["kind"] == "byon":
            for server in source["servers"]:
                server.update(room="room-a", rack="r1")
    project = write_stack(tmp_path_factory.mktemp("one-rack"), "prod", raw)
    return _resources(preview_stack(project, "prod"))


def test_a_pool_moved_into_one_rack_is_caught(one_rack_no_bootstrap: list[Resource]) -> None:
    messages = _messages(ZONES, one_rack_no_bootstrap)
    assert any("site 'onprem-fra' runs compute in 1 zone(s) (r1)" in m for m in messages), messages


def test_a_byon_pool_without_a_bootstrap_script_is_backed_by_its_servers(
    one_rack_no_bootstrap: list[Resource], prod: list[Resource]
) -> None:
    assert _messages(CLAIMS, one_rack_no_bootstrap) == []
    assert _messages(CLAIMS, prod) == []
    onprem = [u for u in facts(StackIndex.build(one_rack_no_bootstrap)).units if u.vendor == "onprem"]
    assert onprem and all(u.zones == (("r1", 1),) and u.site == "onprem-fra" for u in onprem)


def test_the_server_records_run_nothing(prod: list[Resource]) -> None:
    """What carries a server's facts is a remote command with nothing to run: the provider runs
    nothing on create or delete without a command (pulumi-command's remote/commandController.go:
    ``if state.Create == nil { return }``, ``if props.Delete == nil { return nil }``)."""
    records = [r for r in prod if r.type == "command:remote:Command" and "-host-" in r.name]
    assert len(records) == 3
    for record in records:
        assert not {"create", "update", "delete"} & set(record.props), record.props
    yaml.safe_dump([r.props.get("environment") for r in records])  # plain data, no secret in it


# -- 2. one site's VPN devices are one node ------------------------------------------------------

HUB = rule_by_name("skyweave-redundancy-no-hub-site")


def _device_estate(cloud: dict[str, Any]) -> dict[str, Any]:
    """The simplest HA hybrid estate: one cloud site linked to an on-prem site with two devices."""
    onprem = {
        "name": "onprem-fra",
        "vendor": "onprem",
        "region": "fra-dc2",
        "cidrs": ["10.200.0.0/16"],
        "vpn_peer_ip": "203.0.113.10",
        "vpn_secondary_peer_ip": "203.0.113.11",
        "bgp": True,
    }
    return {"ipam": {"supernet": "10.0.0.0/8"}, "sites": [cloud, onprem]}


AWS_SITE = {"name": "aws-use1", "vendor": "aws", "region": "us-east-1", "zones": ["us-east-1a", "us-east-1b"]}
AZURE_SITE = {
    "name": "azure-weu1",
    "vendor": "azure",
    "region": "westeurope",
    "subscription_id": "00000000-0000-4000-8000-000000000001",
}


OPENSTACK_SITE = {
    "name": "os-dc1",
    "vendor": "openstack",
    "region": "RegionOne",
    "auth_url": "https://keystone.dc1.example.net:5000/v3",
    "external_network": "public",
    "zones": ["az1", "az2"],
}
#: A Neutron site connection carries no tags: its two devices are one peer by their shared peer
#: endpoint group, named by their addresses.
DEVICES = "external peer 203.0.113.10 + 203.0.113.11"


#: An OpenStack site whose VPN end is skyweave's appliance pair (``vpn: appliance``): strongSwan
#: and FRR on two servers behind floating IPs, each with its tunnels to both devices.
OPENSTACK_APPLIANCE_SITE = {
    **OPENSTACK_SITE,
    "vpn": "appliance",
    "vpn_appliance": {"image": "debian-12-genericcloud", "flavor": "m1.small"},
}


@pytest.mark.parametrize(
    ("cloud", "far"),
    [
        (AWS_SITE, "onprem-fra"),
        (AZURE_SITE, "onprem-fra"),
        (OPENSTACK_SITE, DEVICES),
        (OPENSTACK_APPLIANCE_SITE, DEVICES),
    ],
    ids=["aws", "azure", "openstack-vpnaas", "openstack-appliance"],
)
def test_two_devices_of_one_site_are_one_node_and_the_pack_agrees_with_the_graph(
    cloud: dict[str, Any], far: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from skyweave.cli import main

    project = write_stack(tmp_path, "dev", _device_estate(dict(cloud)))
    resources = _resources(preview_stack(project, "dev"))
    assert _messages(HUB, resources) == []
    estate = facts(StackIndex.build(resources))
    # Both devices' addresses are the on-prem site's node: one edge, cloud site to on-prem site.
    assert {(e.a, e.b) for e in estate.edges if e.kind == "vpn"} == {(cloud["name"], far)}
    capsys.readouterr()
    assert main(["-C", str(tmp_path), "graph", "--stack", "dev", "--format", "json"]) == 0
    graph = json.loads(capsys.readouterr().out)
    assert graph["cut_sites"] == []


# -- 5. capacity counts what DNS reaches ----------------------------------------------------------


@pytest.fixture(scope="module")
def route53_only(tmp_path_factory: pytest.TempPathFactory) -> list[Resource]:
    """prod with its name served by Route 53 alone (no Cloud DNS copy): each site's reach is then
    one record, which the tests below remove (with Cloud DNS too, its record set still reaches)."""
    raw = copy.deepcopy(stack_raw("prod"))
    (shop,) = raw["apps"]
    del shop["dns"]["also_served_by"]
    project = write_stack(tmp_path_factory.mktemp("route53-only"), "prod", raw)
    return _resources(preview_stack(project, "prod"))


def _without_records(prod: list[Resource], *sites: str) -> list[Resource]:
    gone = {f"shop-dns-record-{site}" for site in sites}
    assert gone <= {r.name for r in prod}
    return [r for r in prod if r.name not in gone]


def test_a_single_vendor_dns_name_fails_a_service_that_must_survive_a_vendor(
    route53_only: list[Resource],
) -> None:
    """prod's shop answers at shop.example.com from records on five vendors' sites; with only the
    AWS record left, losing AWS leaves the name nothing to answer with, whatever runs elsewhere."""
    raw = stack_raw("prod")
    (shop,) = raw["apps"]
    assert shop["survive"] == "vendor" and SURVIVES.level.value == "mandatory"
    only_aws = _without_records(route53_only, "gcp-euw1", "azure-weu1", "os-dc1", "vs-dc1")
    (message,) = _messages(SURVIVES, only_aws)
    assert "MultiCloudApp 'shop': losing vendor 'aws' leaves 0 of 4 instance(s)" in message
    assert f"below minHealthy {shop['min_healthy']}" in message
    assert "16 instance(s) no DNS record of it reaches are not counted" in message


def test_instances_no_dns_record_reaches_do_not_count(route53_only: list[Resource]) -> None:
    """Without the OpenStack record the shop's 4 OpenStack servers serve nobody: 16 are reachable,
    and losing any vendor leaves 12, below its min_healthy 16."""
    (message,) = _messages(SURVIVES, _without_records(route53_only, "os-dc1"))
    assert "leaves 12 of 16 instance(s)" in message
    assert "4 instance(s) no DNS record of it reaches are not counted" in message


def test_a_service_whose_records_reach_none_of_its_instances_says_so(route53_only: list[Resource]) -> None:
    prod = route53_only
    records = {f"shop-dns-record-{s}" for s in ("aws-use1", "gcp-euw1", "azure-weu1", "os-dc1", "vs-dc1")}
    targets = {
        urn for r in prod if r.name in records for urns in r.property_dependencies.values() for urn in urns
    }
    cut = [
        dataclasses.replace(
            r, property_dependencies={}, dependencies=(), props={**r.props, "records": ["192.0.2.1"]}
        )
        if r.name in records
        else r
        for r in prod
    ]
    assert targets
    messages = _messages(SURVIVES, cut)
    assert any(
        "MultiCloudApp 'shop': no DNS record of it reaches any of its instance(s)" in m for m in messages
    )


def test_cloud_dns_alone_reaches_the_vsphere_vms_at_their_front_door(prod: list[Resource]) -> None:
    """prod's Cloud DNS record set answers for every site: the sites' load balancers (linked
    resources) and vs-dc1's front door, the operator's load balancer at ``ingress_ip`` (an address
    written out). With the Route 53 records gone, it alone must still reach the vSphere VMs."""
    route53 = {f"shop-dns-record-{s}" for s in ("aws-use1", "gcp-euw1", "azure-weu1", "os-dc1", "vs-dc1")}
    only_cloud_dns = [r for r in prod if r.name not in route53]
    (shop,) = [
        s for s in facts(StackIndex.build(only_cloud_dns)).services if s.label == "MultiCloudApp 'shop'"
    ]
    assert [u for u in shop.units if u.site == "vs-dc1"], "the front door reaches the VMs"
    assert not shop.unreached, [u.urn for u in shop.unreached]


# -- 6. what `skyweave rules` cites, plan files, messages --------------------------------------

ADMIN_PORTS = rule_by_name("skyweave-security-no-open-admin-ports")
SECRETS = rule_by_name("skyweave-security-no-plaintext-secrets")


def _equivalents(rule: Any) -> set[str]:
    return {
        check.strip()
        for line in rule.equivalents
        if line.startswith("checkov ")
        for check in line[8:].split(",")
    }


def _flagged(resource: Resource) -> list[str]:
    return [r.name for r in ALL_RULES if r.kind is Kind.RESOURCE and r.run_resource(resource, None)]


def test_checkov_equivalents_are_what_the_rules_catch() -> None:
    """Twins of what each checkov check catches (its check source: CKV_GCP_88 a firewall open to
    the world on 3306, CKV2_GCP_12 one open on every port, CKV_AWS_260 / CKV_GCP_106 port 80 open
    to the world, CKV_AWS_41 an AWS provider with a hard-coded key): listed exactly when caught."""
    from policy_helpers import res

    def firewall(name: str, allow: dict[str, Any]) -> Resource:
        props = {"direction": "INGRESS", "allows": [allow], "sourceRanges": ["0.0.0.0/0"]}
        return res("gcp:compute/firewall:Firewall", name, props, site="gcp-euw1")

    mysql = firewall("mysql", {"protocol": "tcp", "ports": ["3306"]})
    every_port = firewall("all", {"protocol": "tcp"})
    http_gcp = firewall("http", {"protocol": "tcp", "ports": ["80"]})
    http_aws = res(
        "aws:ec2/securityGroup:SecurityGroup",
        "http",
        {
            "description": "web",
            "ingress": [
                {
                    "protocol": "tcp",
                    "fromPort": 80,
                    "toPort": 80,
                    "cidrBlocks": ["0.0.0.0/0"],
                    "description": "http",
                }
            ],
        },
        site="aws-use1",
    )
    provider = res(
        "pulumi:providers:aws",
        "aws-use1",
        {"region": "us-east-1", "accessKey": "AKIAIOSFODNN7EXAMPLE", "secretKey": "wJalrXUtnFEMI/K7MDENG"},
    )
    assert _flagged(mysql) == _flagged(every_port) == [ADMIN_PORTS.name]
    assert {"CKV_GCP_88", "CKV2_GCP_12"} <= _equivalents(ADMIN_PORTS)
    assert _flagged(http_gcp) == _flagged(http_aws) == []
    cited = set().union(*(_equivalents(r) for r in ALL_RULES))
    assert not {"CKV_AWS_260", "CKV_GCP_106"} & cited
    assert SECRETS.name not in _flagged(provider)
    assert "CKV_AWS_41" not in cited


def test_a_skyweave_plan_whose_provider_is_a_reference_keeps_its_site(prod_run: OfflineRun) -> None:
    """A provider written as Pulumi writes a reference (``<provider URN>::<id>``) names the same
    site as its URN alone."""
    from skyweave.engine.preview import render_json
    from skyweave.engine.requests import resources_from_preview

    doc = json.loads(render_json(prod_run))
    _, plain = resources_from_preview(copy.deepcopy(doc), "plan.json")
    for row in doc["resources"]:
        if row.get("provider"):
            row["provider"] = f"{row['provider']}::04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    _, referenced = resources_from_preview(doc, "plan.json")
    sites = {r.urn: r.provider.name if r.provider else None for r in plain}
    assert {"aws-use1", "gcp-euw1", "os-dc1", "azure-weu1"} <= set(sites.values())
    assert {r.urn: r.provider.name if r.provider else None for r in referenced} == sites
    assert [r.provider.urn if r.provider else None for r in referenced] == [
        r.provider.urn if r.provider else None for r in plain
    ]


def _all_messages(resources: list[Resource]) -> Iterator[str]:
    index = StackIndex.build(resources)
    for rule in ALL_RULES:
        if rule.kind is Kind.STACK:
            yield from (f.message for f in rule.run_stack(index, None))
        else:
            for resource in resources:
                yield from (f.message for f in rule.run_resource(resource, None))


def test_no_rule_message_has_doubled_parentheses(prod: list[Resource]) -> None:
    """Every message of every rule over prod and over prod broken in the ways the rules catch
    (records, servers and VPN resources gone, buckets and groups stripped of their settings)."""
    broken = [r for r in prod if not r.name.startswith(("shop-dns-record-os", "core-vpn-conn", "metal-host"))]
    stripped = [
        dataclasses.replace(r, props={k: v for k, v in r.props.items() if k in ("tags", "name")})
        if r.type.startswith(("aws:", "gcp:", "azure-native:", "openstack:"))
        else r
        for r in prod
    ]
    messages = [*_all_messages(prod), *_all_messages(broken), *_all_messages(stripped)]
    assert len(messages) > 50
    doubled = [m for m in messages if "((" in m or "))" in m]
    assert doubled == []


def test_neutron_site_connections_to_one_peer_group_reach_one_peer() -> None:
    """A Neutron VPNaaS end to an on-prem site with two devices: a site connection per device,
    both with the link's one peer endpoint group (the device site's ranges) — one peer, no hub."""
    from policy_helpers import res

    group = res("openstack:vpnaas/endpointGroup:EndpointGroup", "peer", {"type": "cidr"}, site="os-dc1")
    connections = [
        res(
            "openstack:vpnaas/siteConnection:SiteConnection",
            f"conn-{i}",
            {"peerAddress": f"203.0.113.{10 + i}", "peerEpGroupId": "id"},
            site="os-dc1",
            prop_deps={"peerEpGroupId": [group.urn]},
            deps=[group.urn],
        )
        for i in (0, 1)
    ]
    provider = res("pulumi:providers:openstack", "os-dc1")
    estate = [provider, group, *connections]
    assert _messages(HUB, estate) == []
    (edge,) = facts(StackIndex.build(estate)).edges
    assert (edge.a, edge.b) == ("os-dc1", "external peer 203.0.113.10 + 203.0.113.11")
    # Two groups (two peer networks) are two peers, and the site between them is a hub.
    other = res("openstack:vpnaas/endpointGroup:EndpointGroup", "peer2", {"type": "cidr"}, site="os-dc1")
    split = [
        provider,
        group,
        other,
        connections[0],
        dataclasses.replace(connections[1], property_dependencies={"peerEpGroupId": (other.urn,)}),
    ]
    assert any("site 'os-dc1' is a hub" in m for m in _messages(HUB, split))


def test_a_finding_names_the_same_resource_whatever_order_the_plan_lists_them() -> None:
    """The offline runtime registers resources as the program's outputs resolve, so two runs of one
    program may list them in different orders (CI saw gcp-py-instance-nginx's zone-spread finding
    move from 'poc' to 'poc-container-instance'). A finding names the first resource by URN."""
    from policy_helpers import res

    provider = res("pulumi:providers:gcp", "gcp-euw1")
    instances = [
        res("gcp:compute/instance:Instance", name, {"zone": "europe-west1-b"}, site="gcp-euw1")
        for name in ("poc", "poc-container-instance")
    ]
    forward = ZONES.run_stack(StackIndex.build([provider, *instances]), None)
    backward = ZONES.run_stack(StackIndex.build([provider, *reversed(instances)]), None)
    assert [f.urn for f in forward] == [f.urn for f in backward] == [instances[0].urn]
