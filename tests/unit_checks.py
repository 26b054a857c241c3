"""What every estate deployed as units must show, whatever it holds (issue 31 item 1, docs/units.md).

The estate's own program runs for each unit stack through ``skyweave preview --all``; the oracle
is independent of the unit program: :func:`skyweave.engine.units.assign_run` over the single-stack
preview of the same estate, which places each resource by where the program built it. Each unit
must register exactly the custom resources that assignment gives it (same URNs but the stack),
every resource of the single stack exactly once, with the single stack's inputs (values that
cross units read through stack references); the units' plans merged must have the single plan's
dependencies, and ``check --from-json`` over them must give the single plan's findings.

Used by tests/test_unit_program.py (the network's estates, and prod itself) and
tests/test_unit_components.py (the components' estates): :class:`UnitEstateChecks` runs the
checks on a module's ``estate`` fixture.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import write_stack
from skyweave.cli import main
from skyweave.engine.offline import OfflineRun
from skyweave.engine.plans import MANIFEST, read_plan, read_plan_directory
from skyweave.engine.preview import preview_stack, render_json
from skyweave.engine.units import assign_run
from skyweave.estate.config import parse_stack_config
from skyweave.estate.project import Project
from skyweave.estate.units import plan_units

STACK_REFERENCE = "pulumi:pulumi:StackReference"


def findings(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[tuple[str, str, str]]]:
    code = main(["check", *argv, "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    return code, sorted((v["policy"], v["urn"], v["message"]) for v in doc["violations"])


def custom_urns(plan: dict[str, Any]) -> list[str]:
    return [
        r["urn"]
        for r in plan["resources"]
        if r["custom"] and not r["type"].startswith("pulumi:providers:") and r["type"] != STACK_REFERENCE
    ]


def in_estate(urn: str, unit: str, estate: str = "dev") -> str:
    """A unit's URN with its stack part made the estate's."""
    prefix = f"urn:pulumi:{unit}::"
    assert urn.startswith(prefix), urn
    return f"urn:pulumi:{estate}::" + urn[len(prefix) :]


@dataclasses.dataclass
class Estate:
    """An estate previewed both ways: its units' plans in ``units``, its single stack's ``run``
    and that run's plan in ``single``."""

    name: str
    raw: dict[str, Any]
    units: Path
    single: Path
    run: OfflineRun
    stack: str = "dev"

    def unit_plans(self) -> dict[str, dict[str, Any]]:
        return {p.stem: json.loads(p.read_text()) for p in sorted(self.units.glob(f"{self.stack}.*.json"))}


def preview_estate(
    name: str,
    raw: dict[str, Any],
    root: Path,
    write: Callable[[Path, str, dict[str, Any]], Project] = write_stack,
    stack: str = "dev",
    run: OfflineRun | None = None,
) -> Estate:
    """``raw`` (a stack file's skyweave keys) previewed as units (``preview --all``) and as one
    stack (unless its ``run`` is given), in projects under ``root`` that ``write`` makes
    (:func:`conftest.write_stack` by default)."""
    for where in ("units", "single"):
        (root / where).mkdir()
    write(root / "units", stack, {**raw, "deployment": "units"})
    out = root / "plans"
    argv = ["-C", str(root / "units"), "preview", "--stack", stack, "--all", "-j", "2", "--out", str(out)]
    assert main(argv) == 0
    if run is None:
        run = preview_stack(write(root / "single", stack, raw), stack)
    single = root / "single.json"
    single.write_text(render_json(run))
    return Estate(name, raw, out, single, run, stack)


def check_resources_per_unit(estate: Estate) -> None:
    config = parse_stack_config(
        {**estate.raw, "deployment": "units"}, source=estate.stack, stack=estate.stack
    )
    graph = plan_units(config.plan, estate.stack)
    assignment = assign_run(estate.run, graph, [s.name for s in config.sites])
    plans = estate.unit_plans()
    assert sorted(plans) == sorted(graph.names())
    seen: list[str] = []
    for unit, plan in plans.items():
        got = [in_estate(urn, unit, estate.stack) for urn in custom_urns(plan)]
        assert sorted(got) == sorted(assignment.resources(unit)), unit
        seen += got
    single = [r.urn for r in estate.run.resources if r.custom and not r.type.startswith("pulumi:providers:")]
    assert sorted(seen) == sorted(single)  # every resource of the single stack, each once
    assert len(set(seen)) == len(seen)


def check_inputs(estate: Estate) -> None:
    """Values that cross units (a site's gateway ids and interface addresses, read by the link's
    unit through a stack reference) arrive as the single stack has them: every input equal."""
    single = {r["urn"]: r for r in json.loads(estate.single.read_text())["resources"]}
    compared = 0
    for unit, plan in estate.unit_plans().items():
        rows = {r["urn"]: r for r in plan["resources"]}
        for urn in custom_urns(plan):
            assert rows[urn]["inputs"] == single[in_estate(urn, unit, estate.stack)]["inputs"], urn
            compared += 1
    assert compared == len(custom_urns({"resources": list(single.values())}))


def _dependencies(rows: list[dict[str, Any]]) -> dict[str, tuple[list[str], dict[str, list[str]]]]:
    return {
        r["urn"]: (
            sorted(r.get("dependencies") or ()),
            {k: sorted(v) for k, v in (r.get("propertyDependencies") or {}).items()},
        )
        for r in rows
        if r["custom"] and not r["type"].startswith("pulumi:providers:")
    }


def check_merged_dependencies(estate: Estate) -> None:
    """Every dependency a unit has on another unit's resource goes through a stack reference that
    the merge resolves to that resource (several, for the Elastic IPs of one site's addresses):
    each resource's dependencies and property dependencies are the single stack's, those the
    pack's readers follow (from a DNS record to the compute it reaches, from a tunnel to its
    gateway)."""
    crossing = [
        r["urn"]
        for plan in estate.unit_plans().values()
        for r in plan["resources"]
        if any(f"::{STACK_REFERENCE}::" in d for d in r.get("dependencies") or ())
    ]
    assert crossing, "the comparison needs resources reading another unit"
    single = _dependencies(read_plan(estate.single).rows)
    merged = _dependencies(read_plan_directory(estate.units, read_plan).rows)
    assert merged == single


def check_findings(estate: Estate, capsys: pytest.CaptureFixture[str]) -> None:
    """The units' plans get the single plan's findings. Also the proof that the merge puts each
    dependency on a stack reference back on the resource read: without it the pack's readers find
    HA VPN gateways without tunnels."""
    expected = findings(capsys, "--from-json", str(estate.single))
    assert expected[1], "the comparison needs findings to compare"
    assert (estate.units / MANIFEST).is_file()
    assert findings(capsys, "--from-json", str(estate.units)) == expected


class UnitEstateChecks:
    """The checks, on each estate the module's ``estate`` fixture gives."""

    def test_each_unit_registers_exactly_the_resources_the_single_stack_gives_it(
        self, estate: Estate
    ) -> None:
        check_resources_per_unit(estate)

    def test_each_units_resources_have_the_single_stacks_inputs(self, estate: Estate) -> None:
        check_inputs(estate)

    def test_the_units_merged_plan_has_the_single_stacks_dependencies(self, estate: Estate) -> None:
        check_merged_dependencies(estate)

    def test_the_units_plans_get_the_single_plans_findings(
        self, estate: Estate, capsys: pytest.CaptureFixture[str]
    ) -> None:
        check_findings(estate, capsys)
