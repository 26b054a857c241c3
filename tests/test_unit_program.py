"""A unit's program builds only its unit's resources (issue 31 item 1, docs/units.md).

The estate's own program (``stacks/__main__.py``, unchanged) runs for each unit stack of dev
deployed as units, through ``skyweave preview --all`` (each unit in its own process, its stack
references answered from its prerequisites' previews). The oracle is independent of the unit
program: :func:`skyweave.engine.units.assign_run` over the single-stack preview of the same
estate, which places each resource by where the program built it. Each unit must register
exactly the custom resources that assignment gives it (same URNs but the stack), every resource
of the single stack exactly once, and ``check --from-json`` over the units' plans must give the
single plan's findings.
"""

from __future__ import annotations

import copy
import json
import shlex
import types
from pathlib import Path
from typing import Any

import pytest
from conftest import stack_raw, write_stack
from skyweave.cli import main
from skyweave.engine.offline import SECRET, OfflineMocks, StackOutputs
from skyweave.engine.plans import MANIFEST, read_plan, read_plan_directory
from skyweave.engine.preview import preview_stack, render_json
from skyweave.estate.config import parse_stack_config
from skyweave.estate.units import plan_units
from skyweave.network.links import appliance_pair
from skyweave.network.links import builder as builder_module
from skyweave.network.links.builder import unit_problem
from skyweave.planning.vpn import safe_psk
from unit_checks import (
    Estate,
    UnitEstateChecks,
    findings,
    preview_estate,
)


def hub_raw() -> dict[str, Any]:
    """dev with a second AWS site, both joined to GCP only (hub-spoke): two links share
    gcp-euw1's HA VPN gateway and Cloud Router, each read by both link units."""
    raw = copy.deepcopy(stack_raw("dev"))
    raw["sites"].append(
        {
            "name": "aws-usw2",
            "vendor": "aws",
            "region": "us-west-2",
            "zones": ["us-west-2a", "us-west-2b"],
            "cidr": "10.3.0.0/16",
            "asn": 65184,
        }
    )
    raw["network"] = {**raw["network"], "topology": "hub-spoke", "hubs": ["gcp-euw1"]}
    return raw


def prod_sites(*names: str) -> list[dict[str, Any]]:
    """prod's sites named, without IPv6 (dev plans none)."""
    ipv6 = ("ipv6", "ipv6_cidr")
    sites = stack_raw("prod")["sites"]
    return [{k: v for k, v in s.items() if k not in ipv6} for s in sites if s["name"] in names]


def peering_raw() -> dict[str, Any]:
    """dev with prod's second AWS and GCP sites and a third GCP site, joined to the other vendor
    through dev's one VPN: AWS VPC peering, and three GCP peerings chained (each link's unit
    waits for the last earlier peering on either network, read through a stack reference)."""
    raw = copy.deepcopy(stack_raw("dev"))
    raw["sites"] += prod_sites("aws-usw2", "gcp-usc1")
    raw["sites"][2]["cidr"] = "10.9.0.0/16"  # dev's gcp-euw1 has prod's aws-usw2's
    raw["sites"].append(
        {
            "name": "gcp-usw1",
            "vendor": "gcp",
            "region": "us-west1",
            "project": "skyweave-dev-001",
            "zones": ["us-west1-a", "us-west1-b"],
            "cidr": "10.8.0.0/16",
            "asn": 64709,
        }
    )
    others = [["aws-usw2", g] for g in ("gcp-euw1", "gcp-usc1", "gcp-usw1")]
    raw["network"] = {
        **raw["network"],
        "exclude": [*others, ["aws-use1", "gcp-usc1"], ["aws-use1", "gcp-usw1"]],
    }
    return raw


def vpnaas_raw() -> dict[str, Any]:
    """dev with two OpenStack VPNaaS sites (prod's os-dc1 as `vpn: vpnaas`, and a second) and
    prod's on-prem site: links of shapes aws-site-vpn to a policy-based end and openstack-vpnaas
    (VPNaaS to VPNaaS and to devices), each site's VPN service, IKE and IPsec policies and local
    endpoint group read by its link units (GCP HA VPN cannot reach VPNaaS: excluded)."""
    raw = copy.deepcopy(stack_raw("dev"))
    (os1,) = prod_sites("os-dc1")
    os1 = {k: v for k, v in os1.items() if k != "vpn_appliance"} | {"vpn": "vpnaas"}
    os2 = {
        **os1,
        "name": "os-dc2",
        "auth_url": "https://keystone.dc2.example.net:5000/v3",
        "cidr": "10.5.0.0/16",
    }
    os2["asn"] = 64619
    raw["sites"] += [os1, os2, *prod_sites("onprem-fra")]
    exclude = [["gcp-euw1", s] for s in ("os-dc1", "os-dc2")]
    raw["network"] = {**raw["network"], "exclude": exclude}
    return raw


def appliance_raw() -> dict[str, Any]:
    """dev with prod's OpenStack appliance site, Azure site and on-prem site: links of shapes
    aws-vpn-appliance, gcp-ha-vpn-appliance, azure-vpn-appliance and appliance-device, whose
    tunnels the appliance instances (the edge unit) carry, keys included."""
    raw = copy.deepcopy(stack_raw("dev"))
    raw["sites"] += prod_sites("os-dc1", "azure-weu1", "onprem-fra")
    return raw


#: stacks/Pulumi.prod.yaml itself (39 units: every component, 27 links in 9 shapes, two appliance
#: edges) holds every shape of the device, Azure, OpenStack-appliance and vSphere estates that
#: came before it (measured: their links' shapes are a subset of its), so only what it lacks has
#: an estate of its own: hub-and-spoke, a chain of GCP peerings, Neutron VPNaaS.
ESTATES = {
    "dev": lambda: stack_raw("dev"),
    "hub": hub_raw,
    "peering": peering_raw,
    "vpnaas": vpnaas_raw,
    "prod": lambda: stack_raw("prod"),
}


@pytest.fixture(scope="module", params=list(ESTATES))
def estate(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Estate:
    name = request.param
    root = tmp_path_factory.mktemp(name)
    if name == "prod":  # its single stack is the session's preview of prod
        run = request.getfixturevalue("prod_run")
        return preview_estate(name, ESTATES[name](), root, stack="prod", run=run)
    return preview_estate(name, ESTATES[name](), root)


class TestEachEstate(UnitEstateChecks):
    """tests/unit_checks.py's checks on each estate (the GCP peering chain across link units
    included)."""


def test_a_site_unit_makes_only_its_sites_provider_and_a_link_reads_the_gateways(estate: Estate) -> None:
    site = json.loads((estate.units / f"{estate.stack}.aws-use1.json").read_text())
    providers = [r for r in site["resources"] if r["type"].startswith("pulumi:providers:")]
    # its site's, and one for each of its own Kubernetes clusters (prod's fleet), made in the unit
    kubernetes = "pulumi:providers:kubernetes"
    assert [r["name"] for r in providers if r["type"] != kubernetes] == ["aws-use1"]
    assert all(r["name"].endswith("-aws-use1") for r in providers if r["type"] == kubernetes)
    link = json.loads((estate.units / f"{estate.stack}.link.aws-use1.gcp-euw1.json").read_text())
    # The VPN connections attach to the site unit's gateway, by the id that unit exported and the
    # link's unit read through its stack reference (the gateway is not the link unit's).
    exported = site["outputs"]["core.gateway.aws-use1.id"]
    assert not [r for r in link["resources"] if r["type"] == "aws:ec2/vpnGateway:VpnGateway"]
    vpns = [r for r in link["resources"] if r["type"] == "aws:ec2/vpnConnection:VpnConnection"]
    assert len(vpns) == 2 and all(r["inputs"]["vpnGatewayId"] == exported for r in vpns)


def test_without_a_tunnel_the_units_plans_get_the_single_plans_findings(
    estate: Estate, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The same resource removed from the single plan and from the unit plan holding it (a
    tunnel lost): the verdicts on the estate change alike (issue 31: "prod with a tunnel
    removed")."""
    without_a_tunnel(estate.single, estate.units, estate.stack, tmp_path, capsys)


def without_a_tunnel(
    single_plan: Path, units: Path, estate: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tunnel_types = ("gcp:compute/vPNTunnel:VPNTunnel", "aws:ec2/vpnConnection:VpnConnection")
    single = json.loads(single_plan.read_text())
    gone = next(r["urn"] for r in single["resources"] if r["type"] in tunnel_types)
    single["resources"] = [r for r in single["resources"] if r["urn"] != gone]
    (tmp_path / "single.json").write_text(json.dumps(single))
    (tmp_path / "units").mkdir()
    removed = 0
    for path in units.iterdir():
        doc = json.loads(path.read_text())
        if path.name != MANIFEST:
            stack = doc["stack"].rsplit("/", 1)[-1]
            kept = [r for r in doc["resources"] if in_estate_if(r["urn"], stack, estate) != gone]
            removed += len(doc["resources"]) - len(kept)
            doc["resources"] = kept
        (tmp_path / "units" / path.name).write_text(json.dumps(doc))
    assert removed == 1
    expected = findings(capsys, "--from-json", str(tmp_path / "single.json"))
    assert expected[1], "the comparison needs findings to compare"
    assert findings(capsys, "--from-json", str(tmp_path / "units")) == expected


def in_estate_if(urn: str, unit: str, estate: str = "dev") -> str:
    prefix = f"urn:pulumi:{unit}::"
    return f"urn:pulumi:{estate}::" + urn[len(prefix) :] if urn.startswith(prefix) else urn


def test_the_estates_own_stack_is_still_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_stack(tmp_path, "dev", {**stack_raw("dev"), "deployment": "units"})
    assert main(["-C", str(tmp_path), "preview", "--stack", "dev"]) == 1
    err = capsys.readouterr().err
    assert "skyweave:deployment" in err and "run `pulumi up` on its units" in err


def test_a_unit_of_an_estate_with_what_units_do_not_build_yet_is_refused_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every component and link of prod is built in units; a link whose vendor does not say what
    it reads of a site (a plugin's: here GCP without ``peering_reads``) is refused by name, at
    ``skyweave:deployment``, before anything registers."""
    without("gcp", builder_module, monkeypatch)
    raw = copy.deepcopy(stack_raw("prod"))
    write_stack(tmp_path, "prod", {**raw, "deployment": "units"})
    stacks = tmp_path / "stacks"
    # a unit's stack gets its estate's configuration (`pulumi stack init --copy-config-from`)
    (stacks / "Pulumi.prod.aws-use1.yaml").write_text((stacks / "Pulumi.prod.yaml").read_text())
    assert main(["-C", str(tmp_path), "preview", "--stack", "prod.aws-use1"]) == 1
    err = capsys.readouterr().err
    assert "prod.aws-use1" in err and "does not build these yet" in err
    assert "links of shape gcp-vpc-peering (gcp-euw1/gcp-usc1): gcp does not say what its peering" in err
    for built in (
        "MultiCloudBucket",
        "MultiCloudDatabase",
        "KubernetesFleet",
        "BareMetalPool",
        "aws-vpc-peering",
        "aws-azure-vpn",
        "gcp-azure-ha-vpn",
        "azure-vpn-device",
        "aws-vpn-appliance",
        "gcp-ha-vpn-appliance",
        "azure-vpn-appliance",
        "appliance-device",
    ):
        assert built not in err, built


def test_a_units_network_outputs_hold_its_part_and_together_the_single_stacks(estate: Estate) -> None:
    """A unit's network outputs hold only its own sites and links (the whole estate's plan in every
    unit cost each unit the estate: 5 s per link unit at 100 sites); merged, the units' outputs are
    the single stack's, key for key (the single-stack preview is the oracle)."""
    network = f"urn:pulumi:{estate.stack}::skyweave::skyweave:network:HybridVpc::core"
    single = read_plan(estate.single).component_outputs[network]
    merged = read_plan_directory(estate.units, read_plan).component_outputs[network]
    for key in ("layout", "links", "networks", "cidrs"):
        assert merged[key] == single[key], key
    link = json.loads((estate.units / f"{estate.stack}.link.aws-use1.gcp-euw1.json").read_text())
    site = json.loads((estate.units / f"{estate.stack}.aws-use1.json").read_text())
    outputs = {
        unit: next(v for u, v in plan["component_outputs"].items() if u.endswith("HybridVpc::core"))
        for unit, plan in (("link", link), ("site", site))
    }
    assert outputs["link"]["layout"]["sites"] == {} and list(outputs["link"]["links"]["links"]) == [
        "aws-use1/gcp-euw1"
    ]
    assert (
        list(outputs["site"]["layout"]["sites"]) == ["aws-use1"] and outputs["site"]["links"]["links"] == {}
    )


def without(vendor: str, module: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """``module`` sees ``vendor``'s driver as a plugin's that declares no optional protocol (its
    name only): a stand-in object, since a class's runtime protocol checks are cached."""
    real = module.get_driver
    monkeypatch.setattr(
        module,
        "get_driver",
        lambda name: types.SimpleNamespace(vendor=name) if name == vendor else real(name),
    )


def test_every_link_of_prod_is_built_in_a_unit_unless_its_vendor_says_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What a unit's program can build is derived from what each end declares (its kind's site
    part, a peering vendor's PeeringReads, an appliance vendor's ApplianceParts, the shape's
    edge part): every link of prod; an appliance vendor that does not say what its links read of
    its pair has exactly its appliance links refused, naming why."""
    config = parse_stack_config({**stack_raw("prod"), "deployment": "units"}, source="prod", stack="prod")
    links = config.plan.network.connectivity.links
    assert [unit_problem(link) for link in links] == [None] * len(links) and len(links) == 27
    without("openstack", appliance_pair, monkeypatch)
    refused = {link.id: unit_problem(link) for link in links if unit_problem(link) is not None}
    os_links = [link.id for link in links if "os-dc1" in (link.a.site, link.b.site)]
    assert sorted(refused) == sorted(os_links) and len(os_links) == 6
    assert all("(ApplianceParts)" in str(why) and "os-dc1" in str(why) for why in refused.values())


class UserData(OfflineMocks):
    """The offline mocks, keeping each appliance instance's user data as the provider gets it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user_data: dict[str, str] = {}

    def new_resource(self, args: Any) -> tuple[str, dict[str, Any]]:
        if args.typ == "openstack:compute/instance:Instance":
            self.user_data[args.name] = args.inputs["userData"]
        return super().new_resource(args)


def test_the_edge_carries_every_links_keys_and_only_as_secrets(tmp_path: Path) -> None:
    """The appliance instances' user data in the edge unit is the single stack's, byte for byte:
    every link's tunnels, far addresses and pre-shared keys, the keys read from the link units
    through stack references. Each key is a secret output of its link's unit, the user data a
    secret input, and no key appears in the edge's plan or its outputs but inside a secret."""
    raw = appliance_raw()
    for where in ("units", "single"):
        (tmp_path / where).mkdir()
    project = write_stack(tmp_path / "units", "dev", {**raw, "deployment": "units"})
    config = parse_stack_config({**raw, "deployment": "units"}, source="dev", stack="dev")
    graph = plan_units(config.plan, "dev")
    edge = "dev.edge.os-dc1"
    needed = {edge}
    for unit in reversed(graph.names()):
        if unit in needed:
            needed.update(graph[unit].prerequisites)

    outputs: dict[str, StackOutputs] = {}
    for unit in graph.names():  # prerequisites first, as preview --all runs them
        if unit in needed and unit != edge:
            mocks = OfflineMocks(stack_references=outputs)
            outputs[unit] = preview_stack(project, unit, stack_file="dev", mocks=mocks).reference_outputs
    captured = UserData(stack_references=outputs)
    edge_run = preview_stack(project, edge, stack_file="dev", mocks=captured)
    keys = {(u, k): value for u, out in outputs.items() for k, value in out.outputs.items() if ".psk." in k}
    appliance_links = [u for u in graph[edge].prerequisites if u.startswith("dev.link.")]
    assert {unit for unit, _ in keys} == set(appliance_links) and len(keys) >= 10
    assert all(name in outputs[unit].secret_names for unit, name in keys)

    single = UserData()
    preview_stack(write_stack(tmp_path / "single", "dev", raw), "dev", mocks=single)
    assert captured.user_data == single.user_data
    assert sorted(captured.user_data) == ["core-appliance-os-dc1-0", "core-appliance-os-dc1-1"]
    psks = [safe_psk(str(key)) for key in keys.values()]
    instances = [r for r in edge_run.resources if r.type == "openstack:compute/instance:Instance"]
    assert [r.inputs["userData"] for r in instances] == [SECRET, SECRET]
    plan = render_json(edge_run)
    edge_outputs = edge_run.reference_outputs
    shown = json.dumps({k: v for k, v in edge_outputs.outputs.items() if k not in edge_outputs.secret_names})
    for value in [*psks, *(str(key) for key in keys.values())]:
        assert value not in plan and value not in shown


# -- moving a deployed single stack into its units replaces nothing --------------------------------


def state_move(resources: list[dict[str, Any]], urns: list[str], dest: str) -> list[dict[str, Any]]:
    """What ``pulumi state move --dest <dest> URN…`` writes into an empty destination, after
    pulumi's ``pkg/cmd/pulumi/state/state_move.go`` (``Run`` and ``rewriteURNs``): the providers
    of the moved resources are copied; a moved or copied resource whose parent stays behind is
    re-parented to the destination's root stack; every URN gets the destination's stack and is
    rebuilt from its parent's type (``urn.New``: none under the root stack)."""
    by_urn = {r["urn"]: r for r in resources}
    moving = set(urns)
    root = f"urn:pulumi:{dest}::skyweave::pulumi:pulumi:Stack::skyweave-{dest}"
    providers = sorted({by_urn[u]["provider"].rsplit("::", 1)[0] for u in urns if by_urn[u].get("provider")})
    new_urn: dict[str, str] = {}
    out = []
    for urn in [*providers, *[r["urn"] for r in resources if r["urn"] in moving]]:  # state order
        res = copy.deepcopy(by_urn[urn])
        parent = res.get("parent")
        parent = new_urn[parent] if parent in moving else root
        parent_type = parent.split("::")[2]
        qualified = res["type"] if parent_type == "pulumi:pulumi:Stack" else f"{parent_type}${res['type']}"
        new_urn[urn] = f"urn:pulumi:{dest}::skyweave::{qualified}::{urn.split('::', 3)[3]}"
        out.append({"urn": new_urn[urn], "type": res["type"], "parent": parent})
    return out


def test_the_migrations_moves_replace_nothing(
    estate: Estate, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The state the migration's own `pulumi state move` commands leave in each unit's stack is
    found by that unit's program: each moved (or copied) resource under its URN or under an alias
    the unit registers it with (as the engine resolves aliases, ``collapseAliasToUrn`` in
    ``step_generator.go``), each by exactly one registration of the same type — so the unit's
    first ``pulumi up`` renames, and creates or deletes nothing but components."""
    from plan_writers import stack_export
    from skyweave.engine.diff import alias_urns

    write_stack(tmp_path, estate.stack, estate.raw)
    state = tmp_path / "state.json"
    deps = {r.urn: r.property_dependencies for r in estate.run.resources}
    state.write_text(json.dumps(stack_export(estate.run, deps)))
    argv = ["-C", str(tmp_path), "stacks", "--stack", estate.stack, "--migrate", "--state", str(state)]
    assert main(argv) == 0
    script = capsys.readouterr().out.replace("\\\n", " ")
    moves = [shlex.split(line) for line in script.splitlines() if line.startswith("pulumi state move")]
    exported = json.loads(state.read_text())["deployment"]["resources"]
    assert moves
    for move in moves:
        unit = move[6].rsplit("/", 1)[-1]
        arrived = state_move(exported, move[7:], unit)
        rows = json.loads((estate.units / f"{unit}.json").read_text())["resources"]
        finds: dict[str, list[str]] = {}
        for row in rows:
            for urn in {row["urn"], *alias_urns(row["urn"], row["type"], row.get("aliases") or [])}:
                finds.setdefault(urn, []).append(row["urn"])
        types = {row["urn"]: row["type"] for row in rows}
        claimed: list[str] = []
        for res in arrived:
            found = finds.get(res["urn"], [])
            assert len(found) == 1, f"{unit}: {res['urn']} is found by {found or 'no registration'}"
            assert types[found[0]] == res["type"]
            claimed += found
        assert len(set(claimed)) == len(claimed), unit
        # what the unit registers and no move brought: its components, its stack references, and
        # the providers of units whose resources all stay (none)
        fresh = [r for r in rows if r["urn"] not in claimed and r["type"] != "pulumi:pulumi:Stack"]
        assert all(not r["custom"] or r["type"] == "pulumi:pulumi:StackReference" for r in fresh), [
            r["urn"] for r in fresh if r["custom"] and r["type"] != "pulumi:pulumi:StackReference"
        ]
