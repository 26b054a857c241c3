"""`skyweave stacks --migrate` (issue 31): the `pulumi stack init` and `pulumi state move` commands
that move a deployed single stack into its units. Checked against the preview of the same
program: every resource of it is moved exactly once, to the unit that owns it, and nothing
`pulumi state move` refuses or would drag along (a provider, a component with its children) is
listed. The flags are the CLI's own (pkg/cmd/pulumi/state/state_move.go: --source, --dest, URNs as
arguments; stack new/init: --copy-config-from, --no-select)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, stack_raw
from plan_writers import stack_export
from skyweave.cli import main
from skyweave.engine.offline import OfflineRun
from skyweave.engine.preview import preview_stack
from skyweave.engine.units import assign_run
from skyweave.estate.config import parse_stack_config
from skyweave.estate.project import Project
from skyweave.estate.units import plan_units


def _commands(out: str) -> list[list[str]]:
    script = "\n".join(line for line in out.splitlines() if not line.startswith("#"))
    commands = []
    for line in script.replace("\\\n", " ").splitlines():
        if line.strip():
            commands.append(shlex.split(line))
    return commands


def _migration(stack: str, capsys: Any, *extra: str) -> list[list[str]]:
    assert main(["-C", str(ROOT), "stacks", "--stack", stack, "--migrate", *extra]) == 0
    return _commands(capsys.readouterr().out)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_resource_moves_once_to_its_unit(
    stack: str, project: Project, prod_run: OfflineRun, capsys: pytest.CaptureFixture[str]
) -> None:
    commands = _migration(stack, capsys, "--org", "acme")
    run = prod_run if stack == "prod" else preview_stack(project, stack)
    config = parse_stack_config(stack_raw(stack), source="x", stack=stack)
    graph = plan_units(config.plan, stack)
    inits = [c for c in commands if c[:3] == ["pulumi", "stack", "init"]]
    moves = [c for c in commands if c[:3] == ["pulumi", "state", "move"]]
    assert len(inits) + len(moves) == len(commands)
    assert [c[3] for c in inits] == [f"acme/{name}" for name in graph.names()]
    assert all(c[4:] == ["--copy-config-from", f"acme/{stack}", "--no-select"] for c in inits)
    moved: list[str] = []
    owner = assign_run(run, graph, [s.name for s in config.sites]).unit_of
    for command in moves:
        assert command[3:5] == ["--source", f"acme/skyweave/{stack}"] and command[5] == "--dest"
        unit = command[6].removeprefix("acme/skyweave/")
        assert unit in graph
        for urn in command[7:]:
            assert owner[urn] == unit
            moved.append(urn)
    owned = [r.urn for r in run.resources if r.custom and not r.type.startswith("pulumi:providers:")]
    assert sorted(moved) == sorted(owned)  # each resource once, every resource of the preview
    assert len(set(moved)) == len(moved)
    by_urn = run.by_urn()
    assert not [u for u in moved if not by_urn[u].custom or by_urn[u].type.startswith("pulumi:providers:")]


def test_without_an_organisation_the_names_are_the_projects(capsys: pytest.CaptureFixture[str]) -> None:
    commands = _migration("dev", capsys)
    assert commands[0][3:] == ["dev.aws-use1", "--copy-config-from", "dev", "--no-select"]
    move = next(c for c in commands if c[1] == "state")
    assert move[3:7] == ["--source", "skyweave/dev", "--dest", "skyweave/dev.aws-use1"]


def test_state_without_migrate_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-C", str(ROOT), "stacks", "--stack", "dev", "--state", "x.json"]) == 2
    assert "--state goes with --migrate" in capsys.readouterr().err


def test_org_without_migrate_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-C", str(ROOT), "stacks", "--stack", "dev", "--org", "acme"]) == 2
    assert "--org goes with --migrate" in capsys.readouterr().err


def _export(run: OfflineRun, path: Path, extra: tuple[dict[str, Any], ...] = ()) -> None:
    deps = {r.urn: r.property_dependencies for r in run.resources}
    document = stack_export(run, deps)
    document["deployment"]["resources"] += list(extra)
    path.write_text(json.dumps(document))


def test_from_a_stack_export_exactly_the_deployed_resources_move(
    prod_run: OfflineRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--state`: the URNs come from `pulumi stack export` (what is deployed), each once; the
    prod state written from the preview moves the same resources to the same units."""
    state = tmp_path / "prod.json"
    _export(prod_run, state)
    commands = _migration("prod", capsys, "--state", str(state))
    from_state = {urn: c[6] for c in commands if c[1] == "state" for urn in c[7:]}
    from_preview = {urn: c[6] for c in _migration("prod", capsys) if c[1] == "state" for urn in c[7:]}
    assert from_state == from_preview
    exported = json.loads(state.read_text())["deployment"]["resources"]
    custom = [r["urn"] for r in exported if r["custom"] and not r["type"].startswith("pulumi:providers:")]
    assert sorted(from_state) == sorted(custom)


def test_a_deployed_resource_no_unit_owns_is_named(
    prod_run: OfflineRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A resource in the state that the program does not declare (made by hand, imported) is in
    no unit: the migration stops naming it rather than leave it behind."""
    stray = {
        "urn": "urn:pulumi:prod::skyweave::random:index/randomPet:RandomPet::pet",
        "custom": True,
        "type": "random:index/randomPet:RandomPet",
        "id": "pet",
        "created": "2026-08-21T19:18:00.000000000Z",
        "modified": "2026-08-21T19:18:00.000000000Z",
    }
    state = tmp_path / "prod.json"
    _export(prod_run, state, (stray,))
    assert main(["-C", str(ROOT), "stacks", "--stack", "prod", "--migrate", "--state", str(state)]) == 1
    err = capsys.readouterr().err
    assert "RandomPet::pet has no unit" in err and "Traceback" not in err
