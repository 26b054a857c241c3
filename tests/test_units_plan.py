"""The units an estate is deployed as (`skyweave:deployment: units`, issue 31): what the planner
gives prod and dev, read against their stack files, and the configuration errors that stop a
units estate before anything registers. The planned graph is checked against the resources'
real dependencies in tests/test_units_deps.py."""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import stack_raw, write_stack
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from skyweave.cli import main
from skyweave.core.errors import ConfigError
from skyweave.estate.config import parse_stack_config
from skyweave.estate.units import plan_units
from skyweave.planning.units import Deployment, UnitKind

SOURCE = "stacks/Pulumi.prod.yaml"


def _units(raw: dict[str, Any]) -> dict[str, Any]:
    return {**copy.deepcopy(raw), "deployment": "units"}


def _error(raw: dict[str, Any], stack: str | None = "prod") -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_stack_config(raw, source=SOURCE, stack=stack)
    return info.value


def test_a_stack_is_one_stack_unless_it_says_units() -> None:
    single = parse_stack_config(stack_raw("dev"), source=SOURCE, stack="dev")
    assert single.deployment is Deployment.SINGLE
    units = parse_stack_config(_units(stack_raw("dev")), source=SOURCE, stack="dev")
    assert units.deployment is Deployment.UNITS


def test_an_unknown_deployment_mode_names_the_file_key_value_and_the_modes() -> None:
    text = str(_error({**stack_raw("dev"), "deployment": "micro"}))
    assert SOURCE in text
    assert "skyweave:deployment: 'micro'" in text
    assert "single" in text and "units" in text


def test_the_command_line_refuses_an_unknown_mode_as_a_user_error(tmp_path: Path, capsys: Any) -> None:
    write_stack(tmp_path, "dev", {**stack_raw("dev"), "deployment": "micro"})
    assert main(["-C", str(tmp_path), "ipam", "show", "--stack", "dev"]) == 1
    err = capsys.readouterr().err
    assert "stacks/Pulumi.dev.yaml" in err and "skyweave:deployment: 'micro'" in err
    assert "Traceback" not in err


def test_prod_units_follow_its_stack_file() -> None:
    """Every site a unit, every pair of the full mesh but the excluded one a link unit needing both
    ends, the two appliance sites an edge after all their links, the database's secrets first, the
    shop's and the fleet workload's DNS and the assets' transfer copy in the global unit — all read
    from the stack file."""
    raw = stack_raw("prod")
    config = parse_stack_config(_units(raw), source=SOURCE, stack="prod")
    graph = plan_units(config.plan, "prod")
    sites = [s["name"] for s in raw["sites"]]
    excluded = {frozenset(pair) for pair in raw["network"]["exclude"]}
    pairs = [frozenset(p) for p in itertools.combinations(sites, 2) if frozenset(p) not in excluded]
    kinds = {u.name: u.kind for u in graph.units}
    assert {n for n, k in kinds.items() if k == UnitKind.SITE} == {f"prod.{s}" for s in sites}
    links = {u.name: u for u in graph.units if u.kind == UnitKind.LINK}
    assert len(links) == len(pairs) == 27
    for name, unit in links.items():
        _, _, a, b = name.split(".")
        assert frozenset((a, b)) in pairs
        assert set(unit.prerequisites) == {f"prod.{a}", f"prod.{b}"}
    appliance = [s["name"] for s in raw["sites"] if s.get("vpn") == "appliance" or "appliance_pair" in s]
    assert appliance == ["os-dc1", "vs-dc1"]
    for site in appliance:
        edge = graph[f"prod.edge.{site}"]
        assert {f"prod.link.{p}" for p in _names(links, site)} <= set(edge.prerequisites)
        assert f"prod.{site}" in edge.prerequisites
    members = {m["site"] for m in raw["databases"][0]["members"]}
    assert graph["prod.secrets"].kind == UnitKind.SECRETS
    for site in sites:
        assert ("prod.secrets" in graph[f"prod.{site}"].prerequisites) == (site in members)
    glob = graph["prod.global"]
    assert set(glob.prerequisites) >= {f"prod.{s}" for s in raw["apps"][0]["sites"]}
    # The fleet's workload `api` is behind DNS too (issue 27): its records are global, after the
    # clusters' sites.
    assert glob.holds == ("dns shop", "dns apps/api", "bucket assets: copies filled by transfer")
    fleet_sites = {c["site"] for c in raw["kubernetes"][0]["clusters"]}
    assert set(glob.prerequisites) >= {f"prod.{s}" for s in fleet_sites}
    assert len(graph.units) == len(sites) + 27 + 2 + 2
    # layers: secrets → sites → links and global → edges
    order = [sorted({str(u.kind) for u in layer}) for layer in graph.layers()]
    assert order == [["secrets", "site"], ["link", "site"], ["global", "link"], ["edge"]]


def _names(links: dict[str, Any], site: str) -> list[str]:
    return [n.split(".", 2)[2] for n in links if site in n.split(".")[2:]]


def test_dev_is_two_sites_and_their_link() -> None:
    config = parse_stack_config(_units(stack_raw("dev")), source=SOURCE, stack="dev")
    graph = plan_units(config.plan, "dev")
    assert [[u.name for u in layer] for layer in graph.layers()] == [
        ["dev.aws-use1", "dev.gcp-euw1"],
        ["dev.link.aws-use1.gcp-euw1"],
    ]


def test_a_stack_name_kubernetes_refuses_is_a_config_error_at_the_deployment_key() -> None:
    error = _error(_units(stack_raw("dev")), stack="Dev_1")
    text = str(error)
    assert [i.path for i in error.issues] == ["skyweave:deployment"]
    assert "'Dev_1' cannot be deployed as units" in text and "Kubernetes object name" in text
    # the same stack deployed as one stack is fine
    parse_stack_config(stack_raw("dev"), source=SOURCE, stack="Dev_1")


def test_a_site_named_as_an_estate_unit_is_refused() -> None:
    raw = _units(stack_raw("dev"))
    raw["sites"][1]["name"] = "global"
    raw["apps"][0]["sites"] = ["aws-use1", "global"]
    raw["network"].pop("tunnel_blocks", None)  # pinned under the old name
    error = _error(raw)
    assert [(i.path, i.value) for i in error.issues] == [("skyweave:sites[1].name", "global")]
    assert "may not be named 'global'" in str(error)


def test_a_site_named_with_an_underscore_never_reaches_the_units() -> None:
    raw = _units(stack_raw("dev"))
    raw["sites"][0]["name"] = "aws_use1"
    error = _error(raw)
    assert any(i.path.startswith("skyweave:sites[0].name") for i in error.issues)


def test_a_units_estate_name_with_a_dot_is_refused() -> None:
    error = _error(_units(stack_raw("dev")), stack="team.dev")
    assert [i.path for i in error.issues] == ["skyweave:deployment"]
    assert "could be a unit of 'team'" in str(error)


def test_a_unit_name_over_pulumis_limit_names_the_unit() -> None:
    stack = "s" * 80  # prod.link.<a>.<b> passes 100 characters; the sites alone do not
    error = _error(_units(stack_raw("dev")), stack=stack)
    text = str(error)
    assert f"'{stack}.link.aws-use1.gcp-euw1' (link) cannot be deployed" in text
    assert "1 to 100 characters" in text
    assert {i.path for i in error.issues} == {"skyweave:deployment"}


def _closure(graph: Any, name: str) -> set[str]:
    found: set[str] = set()
    todo = list(graph[name].prerequisites)
    while todo:
        unit = todo.pop()
        if unit not in found:
            found.add(unit)
            todo.extend(graph[unit].prerequisites)
    return found


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=6))
def test_generated_estates_units_keep_the_programs_order(seed: str) -> None:
    """Random estates (a seeded choice of sites over every vendor pair skyweave joins, in a full
    mesh, with an app, a bucket, a database and a pool where the sites allow): a unit per site and
    per link, each link after both its sites, each appliance site's edge after every link of the
    site, each peering after every earlier peering on either of its sites (the program's chain)."""
    from conformance.conformance_harness import generated_raw

    raw = generated_raw(seed)
    config = parse_stack_config(_units(raw), source=SOURCE, stack="prod")
    graph = plan_units(config.plan, "prod")
    sites = {s["name"] for s in raw["sites"]}
    assert {u.name for u in graph.units if u.kind == UnitKind.SITE} == {f"prod.{s}" for s in sites}
    links = config.plan.network.connectivity.links
    names = [f"prod.link.{link.a.site}.{link.b.site}" for link in links]
    assert {u.name for u in graph.units if u.kind == UnitKind.LINK} == set(names)
    for link, name in zip(links, names, strict=True):
        assert {f"prod.{link.a.site}", f"prod.{link.b.site}"} <= set(graph[name].prerequisites)
    for edge in (u for u in graph.units if u.kind == UnitKind.EDGE):
        site = edge.name.rsplit(".", 1)[1]
        mine = {n for link, n in zip(links, names, strict=True) if site in (link.a.site, link.b.site)}
        assert mine and mine <= _closure(graph, edge.name)
    peerings = [(link, n) for link, n in zip(links, names, strict=True) if link.routing.value == "peering"]
    for i, (later, later_name) in enumerate(peerings):
        for earlier, earlier_name in peerings[:i]:
            if {earlier.a.site, earlier.b.site} & {later.a.site, later.b.site}:
                assert earlier_name in _closure(graph, later_name)


def test_stacks_lists_prod_within_the_terminal_in_deployment_order(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["stacks", "--stack", "prod"]) == 0
    out = capsys.readouterr().out
    assert all(len(line) <= 100 for line in out.splitlines())  # conftest pins COLUMNS=100
    assert "39 Pulumi stacks in 4 layers" in out
    rows = [line.split() for line in out.splitlines() if line[:1].isdigit()]
    assert [int(r[0]) for r in rows] == sorted(int(r[0]) for r in rows)
    assert {r[1] for r in rows} >= {
        "prod.secrets",
        "prod.global",
        "prod.edge.os-dc1",
        "prod.link.os-dc1.onprem-fra",
    }


def test_stacks_json_of_a_units_stack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = write_stack(tmp_path, "prod", _units(stack_raw("prod")))
    assert main(["-C", str(project.root), "stacks", "--stack", "prod", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["deployment"] == "units" and document["layers"] == 4
    by_name = {u["name"]: u for u in document["units"]}
    assert by_name["prod.link.aws-use1.gcp-euw1"]["prerequisites"] == ["prod.aws-use1", "prod.gcp-euw1"]
    layer = {name: u["layer"] for name, u in by_name.items()}
    assert all(layer[p] < u["layer"] for u in document["units"] for p in u["prerequisites"])


def test_stacks_refuses_a_stack_name_kubernetes_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_stack(tmp_path, "Dev_1", _units(stack_raw("dev")))
    assert main(["-C", str(project.root), "stacks", "--stack", "Dev_1"]) == 1
    err = capsys.readouterr().err
    assert "stacks/Pulumi.Dev_1.yaml" in err and "skyweave:deployment" in err and "Traceback" not in err


def test_a_units_stack_names_its_estate_and_unit() -> None:
    from skyweave.estate.units import find_unit

    plan = parse_stack_config(stack_raw("prod"), source=SOURCE, stack="prod").plan
    found = find_unit(plan, "prod.link.os-dc1.onprem-fra")
    assert found is not None and found[0] == "prod" and found[1].kind == UnitKind.LINK
    assert find_unit(plan, "team.prod.edge.vs-dc1") is None  # an estate's name holds no dot
    assert find_unit(plan, "prod") is None
    assert find_unit(plan, "prod.nowhere") is None


def test_no_program_builds_a_units_estate_in_one_stack(tmp_path: Path, capsys: Any) -> None:
    """Under `units`, `pulumi up` of the estate's stack would put every unit's resources in it: it
    stops before anything registers. A unit's stack builds its unit (tests/test_unit_program.py)."""
    raw = _units(stack_raw("dev"))
    project = write_stack(tmp_path, "dev", raw)
    write_stack(tmp_path, "dev.aws-use1", raw)
    assert main(["-C", str(project.root), "preview", "--stack", "dev"]) == 1
    err = capsys.readouterr().err
    assert "skyweave:deployment: 'units'" in err and "run `pulumi up` on its units" in err
    assert main(["-C", str(project.root), "preview", "--stack", "dev.aws-use1"]) == 0
