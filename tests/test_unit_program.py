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
import dataclasses
import json
import shlex
from pathlib import Path
from typing import Any

import pytest
from conftest import stack_raw, write_stack
from skyweave.cli import main
from skyweave.engine.offline import OfflineRun
from skyweave.engine.plans import MANIFEST, read_plan, read_plan_directory
from skyweave.engine.preview import preview_stack, render_json
from skyweave.engine.units import assign_run
from skyweave.estate.config import parse_stack_config
from skyweave.estate.units import plan_units


def findings(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[tuple[str, str, str]]]:
    code = main(["check", *argv, "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    return code, sorted((v["policy"], v["urn"], v["message"]) for v in doc["violations"])


def custom_urns(plan: dict[str, Any]) -> list[str]:
    return [
        r["urn"]
        for r in plan["resources"]
        if r["custom"]
        and not r["type"].startswith("pulumi:providers:")
        and r["type"] != "pulumi:pulumi:StackReference"
    ]


def in_estate(urn: str, unit: str) -> str:
    """A unit's URN with its stack part made the estate's (``dev``)."""
    prefix = f"urn:pulumi:{unit}::"
    assert urn.startswith(prefix), urn
    return "urn:pulumi:dev::" + urn[len(prefix) :]


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


def device_raw() -> dict[str, Any]:
    """dev with prod's on-prem site (two VPN devices, BGP) in the mesh: links of shape
    aws-site-vpn and gcp-ha-vpn-device, whose device entries two link units each fill."""
    raw = copy.deepcopy(stack_raw("dev"))
    raw["sites"].append(next(s for s in stack_raw("prod")["sites"] if s["name"] == "onprem-fra"))
    return raw


def prod_sites(*names: str) -> list[dict[str, Any]]:
    """prod's sites named, without IPv6 (dev plans none)."""
    ipv6 = ("ipv6", "ipv6_cidr")
    sites = stack_raw("prod")["sites"]
    return [{k: v for k, v in s.items() if k not in ipv6} for s in sites if s["name"] in names]


def azure_raw() -> dict[str, Any]:
    """dev with prod's Azure site and on-prem site: the Azure active-active gateway (site-owned,
    read by three link units) on links of shapes aws-azure-vpn, gcp-azure-ha-vpn and
    azure-vpn-device."""
    raw = copy.deepcopy(stack_raw("dev"))
    raw["sites"] += prod_sites("azure-weu1", "onprem-fra")
    return raw


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


@dataclasses.dataclass
class Estate:
    raw: dict[str, Any]
    units: Path
    single: Path
    run: OfflineRun


ESTATES = {
    "dev": lambda: stack_raw("dev"),
    "hub": hub_raw,
    "device": device_raw,
    "azure": azure_raw,
    "peering": peering_raw,
    "vpnaas": vpnaas_raw,
}


@pytest.fixture(scope="module", params=list(ESTATES))
def estate(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Estate:
    raw = ESTATES[request.param]()
    root = tmp_path_factory.mktemp(request.param)
    for where in ("units", "single"):
        (root / where).mkdir()
    write_stack(root / "units", "dev", {**raw, "deployment": "units"})
    out = root / "plans"
    argv = ["-C", str(root / "units"), "preview", "--stack", "dev", "--all", "-j", "2", "--out", str(out)]
    assert main(argv) == 0
    run = preview_stack(write_stack(root / "single", "dev", raw), "dev")
    single = root / "single.json"
    single.write_text(render_json(run))
    return Estate(raw, out, single, run)


def test_each_unit_registers_exactly_the_resources_the_single_stack_gives_it(estate: Estate) -> None:
    config = parse_stack_config({**estate.raw, "deployment": "units"}, source="dev", stack="dev")
    graph = plan_units(config.plan, "dev")
    assignment = assign_run(estate.run, graph, [s.name for s in config.sites])
    seen: list[str] = []
    for unit in graph.names():
        plan = json.loads((estate.units / f"{unit}.json").read_text())
        got = [in_estate(urn, unit) for urn in custom_urns(plan)]
        assert sorted(got) == sorted(assignment.resources(unit)), unit
        seen += got
    single = [r.urn for r in estate.run.resources if r.custom and not r.type.startswith("pulumi:providers:")]
    assert sorted(seen) == sorted(single)  # every resource of the single stack, each once
    assert len(set(seen)) == len(seen)


def test_each_units_resources_have_the_single_stacks_inputs(estate: Estate) -> None:
    """Values that cross units (a site's gateway ids and interface addresses, read by the link's
    unit through a stack reference) arrive as the single stack has them: every input equal."""
    single = {r["urn"]: r for r in json.loads(estate.single.read_text())["resources"]}
    compared = 0
    for path in sorted(estate.units.glob("dev.*.json")):
        unit = path.stem
        for row in json.loads(path.read_text())["resources"]:
            if row["custom"] and not row["type"].startswith("pulumi:providers:"):
                assert row["inputs"] == single[in_estate(row["urn"], unit)]["inputs"], row["urn"]
                compared += 1
    assert compared == len(custom_urns({"resources": list(single.values())}))


def test_the_units_merged_plan_has_the_single_stacks_dependencies(estate: Estate) -> None:
    """Every dependency a unit has on another unit's resource goes through a stack reference that
    the merge resolves to that resource: each resource's dependencies and property dependencies
    are the single stack's (the GCP peering chain across link units included)."""
    single = read_plan(estate.single)
    merged = read_plan_directory(estate.units, read_plan)
    by_urn = {r["urn"]: r for r in merged.rows}

    def deps(row: dict[str, Any]) -> tuple[list[str], dict[str, list[str]]]:
        props = row.get("propertyDependencies") or {}
        return sorted(row.get("dependencies") or []), {k: sorted(v) for k, v in props.items()}

    compared = 0
    for row in single.rows:
        if row["custom"] and not row["type"].startswith("pulumi:providers:"):
            assert deps(by_urn[row["urn"]]) == deps(row), row["urn"]
            compared += 1
    assert compared == len(custom_urns({"resources": single.rows}))


def test_a_site_unit_makes_only_its_sites_provider_and_a_link_reads_the_gateways(estate: Estate) -> None:
    site = json.loads((estate.units / "dev.aws-use1.json").read_text())
    providers = [r["name"] for r in site["resources"] if r["type"].startswith("pulumi:providers:")]
    assert providers == ["aws-use1"]
    link = json.loads((estate.units / "dev.link.aws-use1.gcp-euw1.json").read_text())
    # The VPN connections attach to the site unit's gateway, by the id that unit exported and the
    # link's unit read through its stack reference (the gateway is not the link unit's).
    exported = site["outputs"]["core.gateway.aws-use1.id"]
    assert not [r for r in link["resources"] if r["type"] == "aws:ec2/vpnGateway:VpnGateway"]
    vpns = [r for r in link["resources"] if r["type"] == "aws:ec2/vpnConnection:VpnConnection"]
    assert len(vpns) == 2 and all(r["inputs"]["vpnGatewayId"] == exported for r in vpns)


def test_the_units_plans_get_the_single_plans_findings(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    """Also the proof that the merge puts each dependency on a stack reference back on the
    resource read: without it the pack's readers find HA VPN gateways without tunnels."""
    expected = findings(capsys, "--from-json", str(estate.single))
    assert expected[1], "the comparison needs findings to compare"
    assert (estate.units / MANIFEST).is_file()
    assert findings(capsys, "--from-json", str(estate.units)) == expected


def test_the_estates_own_stack_is_still_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_stack(tmp_path, "dev", {**stack_raw("dev"), "deployment": "units"})
    assert main(["-C", str(tmp_path), "preview", "--stack", "dev"]) == 1
    err = capsys.readouterr().err
    assert "skyweave:deployment" in err and "run `pulumi up` on its units" in err


def test_a_unit_of_an_estate_with_what_units_do_not_build_yet_is_refused_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = copy.deepcopy(stack_raw("prod"))
    write_stack(tmp_path, "prod", {**raw, "deployment": "units"})
    stacks = tmp_path / "stacks"
    # a unit's stack gets its estate's configuration (`pulumi stack init --copy-config-from`)
    (stacks / "Pulumi.prod.aws-use1.yaml").write_text((stacks / "Pulumi.prod.yaml").read_text())
    assert main(["-C", str(tmp_path), "preview", "--stack", "prod.aws-use1"]) == 1
    err = capsys.readouterr().err
    assert "prod.aws-use1" in err and "does not build these yet" in err
    named_all = ("links of shape aws-vpn-appliance (",)
    for named in named_all:
        assert named in err, named
    for built in (
        "MultiCloudBucket",
        "MultiCloudDatabase",
        "KubernetesFleet",
        "BareMetalPool",
        "gcp-vpc-peering",
        "aws-vpc-peering",
        "aws-azure-vpn",
        "gcp-azure-ha-vpn",
        "azure-vpn-device",
    ):
        assert built not in err, built


NETWORK = "urn:pulumi:dev::skyweave::skyweave:network:HybridVpc::core"


def test_a_units_network_outputs_hold_its_part_and_together_the_single_stacks(estate: Estate) -> None:
    """A unit's network outputs hold only its own sites and links (the whole estate's plan in every
    unit cost each unit the estate: 5 s per link unit at 100 sites); merged, the units' outputs are
    the single stack's, key for key (the single-stack preview is the oracle)."""
    single = read_plan(estate.single).component_outputs[NETWORK]
    merged = read_plan_directory(estate.units, read_plan).component_outputs[NETWORK]
    for key in ("layout", "links", "networks", "cidrs"):
        assert merged[key] == single[key], key
    link = json.loads((estate.units / "dev.link.aws-use1.gcp-euw1.json").read_text())
    site = json.loads((estate.units / "dev.aws-use1.json").read_text())
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

    write_stack(tmp_path, "dev", estate.raw)
    state = tmp_path / "dev.json"
    deps = {r.urn: r.property_dependencies for r in estate.run.resources}
    state.write_text(json.dumps(stack_export(estate.run, deps)))
    assert main(["-C", str(tmp_path), "stacks", "--stack", "dev", "--migrate", "--state", str(state)]) == 0
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
