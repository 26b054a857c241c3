"""``check --from-json DIR``: the units' plans of an estate are judged as the one plan they split.

The unit plans here are cut from a single-stack plan the way a unit's program registers them
(each unit: its own custom resources, their ancestor components and root stack, the providers
they use — all under the unit's stack name), so whatever the partition, the estate judged from
the directory must get exactly the findings (rule, resource, message) of the single plan.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import io
import json
import os
import re
import shlex
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from conftest import CliOnce, stack_raw
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from skyweave.cli import main
from skyweave.cli.check_command import EXIT_VIOLATIONS
from skyweave.engine.offline import OfflineRun
from skyweave.engine.plans import MANIFEST, PlanFile, PlanFileError, read_plan, read_plan_directory
from skyweave.engine.units import assign_run
from skyweave.estate.config import parse_stack_config
from skyweave.estate.units import plan_units
from skyweave.planning.units import Unit, UnitGraph

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "examples" / "single-vendor"

Assign = Callable[[dict[str, Any]], int]


def _move(value: Any, old: str, new: str, project: str) -> Any:
    text = json.dumps(value)
    text = text.replace(f"pulumi:pulumi:Stack::{project}-{old}", f"pulumi:pulumi:Stack::{project}-{new}")
    return json.loads(text.replace(f"urn:pulumi:{old}::", f"urn:pulumi:{new}::"))


def split(doc: dict[str, Any], names: list[str], assign: Assign) -> dict[str, dict[str, Any]]:
    """The unit plans a plan splits into: ``assign`` puts each custom resource in ``names[i]``."""
    rows = {r["urn"]: r for r in doc["resources"]}
    members: dict[str, set[str]] = {n: set() for n in names}
    for row in doc["resources"]:
        if row["custom"] and not row["type"].startswith("pulumi:providers:"):
            unit = names[assign(row) % len(names)]
            urn: str | None = row["urn"]
            if row.get("provider"):
                members[unit].add(row["provider"])
            while urn is not None:  # its ancestors up to the root stack
                members[unit].add(urn)
                urn = rows[urn].get("parent")
    homeless = [u for u, r in rows.items() if not any(u in m for m in members.values())]
    for urn in homeless:  # components with no custom resource below: registered by the first unit
        while urn is not None:
            members[names[0]].add(urn)
            urn = rows[urn].get("parent")
    out = {}
    for name, urns in members.items():
        # _move copies (through JSON) what it is given, so the unit's document shares nothing with doc
        unit_doc = dict(doc, stack=name)
        unit_doc["resources"] = [r for r in doc["resources"] if r["urn"] in urns]
        unit_doc["component_outputs"] = {u: v for u, v in doc["component_outputs"].items() if u in urns}
        if name != names[0]:  # what a unit reading another's outputs registers
            unit_doc["resources"].append(stack_reference(doc, names[0]))
        out[name] = _move(unit_doc, doc["stack"], name, doc["project"])
    return out


def stack_reference(doc: dict[str, Any], target: str) -> dict[str, Any]:
    root = (
        f"urn:pulumi:{doc['stack']}::{doc['project']}::pulumi:pulumi:Stack::{doc['project']}-{doc['stack']}"
    )
    return {
        "urn": f"urn:pulumi:{doc['stack']}::{doc['project']}::pulumi:pulumi:StackReference::{target}",
        "type": "pulumi:pulumi:StackReference",
        "name": target,
        "custom": True,
        "parent": root,
        "provider": None,
        "dependencies": [],
        "protect": False,
        "inputs": {"name": f"acme/{doc['project']}/{target}"},
        "propertyDependencies": {},
    }


def write_units(where: Path, estate: str, plans: dict[str, dict[str, Any]]) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    graph = UnitGraph.of(estate, [Unit(name, "site", holds=(name,)) for name in plans])
    (where / MANIFEST).write_text(json.dumps(graph.as_dict()))
    for name, plan in plans.items():
        (where / f"{name}.json").write_text(json.dumps(plan))
    return where


Findings = tuple[int, list[tuple[str, str, str]]]


def findings(capsys: pytest.CaptureFixture[str], *argv: str) -> Findings:
    code = main(["check", *argv, "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    return code, sorted((v["policy"], v["urn"], v["message"]) for v in doc["violations"])


@pytest.fixture(scope="module")
def prod(prod_json: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(prod_json)
    return doc


@pytest.fixture(scope="module")
def prod_findings(prod: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Findings:
    """prod's single plan's findings, judged once for the tests comparing against them."""
    single = tmp_path_factory.mktemp("prod") / "single.json"
    single.write_text(json.dumps(prod))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["check", "--from-json", str(single), "--format", "json"])
    doc = json.loads(out.getvalue())
    return code, sorted((v["policy"], v["urn"], v["message"]) for v in doc["violations"])


@pytest.fixture(scope="module")
def broken(cli_once: CliOnce) -> dict[str, Any]:
    code, out = cli_once("-C", str(BROKEN), "preview", "--stack", "broken", "--format", "json")
    assert code == 0
    doc: dict[str, Any] = json.loads(out)
    return doc


def by_site(row: dict[str, Any]) -> int:
    """A site's provider decides the unit (providers are named after sites)."""
    return sum(map(ord, (row.get("provider") or "").rsplit("::", 1)[-1]))


@pytest.mark.parametrize("example", ["prod", "broken"])
def test_units_of_an_estate_get_the_single_plans_findings(
    example: str, request: pytest.FixtureRequest, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc: dict[str, Any] = request.getfixturevalue(example)
    names = [f"{doc['stack']}.u{i}" for i in range(5)]
    directory = write_units(tmp_path / "units", doc["stack"], split(doc, names, by_site))
    if example == "prod":
        expected: Findings = request.getfixturevalue("prod_findings")
    else:
        single = tmp_path / "single.json"
        single.write_text(json.dumps(doc))
        expected = findings(capsys, "--from-json", str(single))
    assert expected[1], "the comparison needs findings to compare"
    assert findings(capsys, "--from-json", str(directory)) == expected


@pytest.fixture(scope="module")
def prod_read(prod: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> PlanFile:
    single = tmp_path_factory.mktemp("single") / "single.json"
    single.write_text(json.dumps(prod))
    return read_plan(single)


@given(st.integers(1, 6), st.integers(0, 2**32))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_partition_reads_back_as_the_single_plan(
    prod: dict[str, Any], prod_read: PlanFile, n: int, salt: int
) -> None:
    """What the pack is given is the same rows, whatever units the resources were spread over."""
    import tempfile

    names = [f"prod.u{i}" for i in range(n)]
    with tempfile.TemporaryDirectory() as scratch:
        plans = split(prod, names, lambda row: hash((row["urn"], salt)) & 0xFFFF)
        merged = read_plan_directory(write_units(Path(scratch) / "units", "prod", plans), read_plan)
    whole = prod_read
    assert _canonical(merged.rows) == _canonical(whole.rows)
    assert merged.component_outputs == whole.component_outputs
    assert (merged.stack, merged.project) == (whole.stack, whole.project)


def _canonical(rows: Iterable[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True) for r in rows)


# -- what a directory that is not one estate gets -------------------------------------------------


def _bad(tmp_path: Path, prod: dict[str, Any], change: Callable[[Path], None]) -> str:
    directory = write_units(tmp_path / "units", "prod", split(prod, ["prod.a", "prod.b"], by_site))
    change(directory)
    with pytest.raises(PlanFileError) as caught:
        read_plan_directory(directory, read_plan)
    message = str(caught.value)
    # and through the command line: exit 1, the message, no traceback
    assert main(["check", "--from-json", str(directory)]) == 1
    return message


def test_a_directory_without_its_manifest(tmp_path: Path, prod: dict[str, Any]) -> None:
    message = _bad(tmp_path, prod, lambda d: (d / MANIFEST).unlink())
    assert "units.json" in message and "skyweave stacks --stack NAME --format json" in message


def test_a_unit_without_a_plan(tmp_path: Path, prod: dict[str, Any]) -> None:
    message = _bad(tmp_path, prod, lambda d: (d / "prod.b.json").unlink())
    assert "no plan of unit(s) prod.b of estate 'prod'" in message


def test_a_plan_of_a_stack_that_is_not_a_unit(tmp_path: Path, prod: dict[str, Any]) -> None:
    def stray(d: Path) -> None:
        (d / "other.json").write_text(
            json.dumps(_move(prod, "prod", "prod.z", "skyweave") | {"stack": "prod.z"})
        )

    message = _bad(tmp_path, prod, stray)
    assert "other.json" in message and "'prod.z', which is not a unit of estate 'prod'" in message


def test_two_plans_of_one_unit(tmp_path: Path, prod: dict[str, Any]) -> None:
    def twice(d: Path) -> None:
        (d / "again.json").write_text((d / "prod.a.json").read_text())

    message = _bad(tmp_path, prod, twice)
    assert "a second plan of unit 'prod.a'" in message


def test_two_plans_claiming_one_resource(tmp_path: Path, prod: dict[str, Any]) -> None:
    def claim(d: Path) -> None:
        a = json.loads((d / "prod.a.json").read_text())
        b = json.loads((d / "prod.b.json").read_text())
        taken = next(r for r in b["resources"] if r["custom"] and r["type"].startswith("aws:"))
        a["resources"].append(_move(taken, "prod.b", "prod.a", "skyweave"))
        (d / "prod.a.json").write_text(json.dumps(a))

    message = _bad(tmp_path, prod, claim)
    assert "is claimed by two plans" in message and "prod.a.json" in message and "prod.b.json" in message


def test_a_manifest_with_a_cycle(tmp_path: Path, prod: dict[str, Any]) -> None:
    def cycle(d: Path) -> None:
        units = [
            {"name": "prod.a", "kind": "site", "prerequisites": ["prod.b"]},
            {"name": "prod.b", "kind": "link", "prerequisites": ["prod.a"]},
        ]
        (d / MANIFEST).write_text(json.dumps({"stack": "prod", "units": units}))

    message = _bad(tmp_path, prod, cycle)
    assert "units.json" in message and "circle: prod.a -> prod.b -> prod.a" in message


def test_a_manifest_with_a_unit_name_kubernetes_refuses(tmp_path: Path, prod: dict[str, Any]) -> None:
    def bad_name(d: Path) -> None:
        units = [{"name": "prod.a", "kind": "site"}, {"name": "prod.B_1", "kind": "link"}]
        (d / MANIFEST).write_text(json.dumps({"stack": "prod", "units": units}))

    message = _bad(tmp_path, prod, bad_name)
    assert "'prod.B_1' cannot be deployed" in message and "Kubernetes object name" in message


def test_broken_estate_still_fails_as_units(
    tmp_path: Path, broken: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    directory = write_units(tmp_path / "u", "broken", split(broken, ["broken.a", "broken.b"], by_site))
    code, _ = findings(capsys, "--from-json", str(directory))
    assert code == EXIT_VIOLATIONS


def test_the_docs_command_runs(
    tmp_path: Path, prod: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/ci.md's command, on a directory named as it names it: the single plan's verdict."""
    doc = (ROOT / "docs" / "ci.md").read_text()
    section = doc[doc.index("### An estate deployed as units") :]
    found = re.search(r"```bash\n(.*?)\n```", section, re.S)
    assert found is not None
    argv = shlex.split(found.group(1))
    assert argv[:3] == ["skyweave", "check", "--from-json"]
    write_units(tmp_path / argv[3], "prod", split(prod, ["prod.a", "prod.b", "prod.c"], by_site))
    (tmp_path / "single.json").write_text(json.dumps(prod))
    before = Path.cwd()
    os.chdir(tmp_path)
    try:
        expected = findings(capsys, "--from-json", "single.json")
        assert findings(capsys, *argv[2:]) == expected
    finally:
        os.chdir(before)


@dataclasses.dataclass(frozen=True)
class ProdUnits:
    """prod's own units: the manifest ``skyweave stacks --format json`` prints, their names in
    order, and which unit owns each resource (engine/units ``assign_run`` on prod's preview)."""

    manifest: str
    names: list[str]
    unit_of: dict[str, str]

    def assign(self, row: dict[str, Any]) -> int:
        return self.names.index(self.unit_of[row["urn"]])

    def write(self, where: Path, plans: dict[str, dict[str, Any]]) -> Path:
        directory = write_units(where, "prod", plans)
        (directory / MANIFEST).write_text(self.manifest)
        return directory


@pytest.fixture(scope="module")
def prod_units(prod_run: OfflineRun, cli_once: CliOnce) -> ProdUnits:
    code, manifest = cli_once("stacks", "--stack", "prod", "--format", "json")
    assert code == 0
    config = parse_stack_config({**stack_raw("prod"), "deployment": "units"}, source="prod", stack="prod")
    graph = plan_units(config.plan, "prod")
    assignment = assign_run(prod_run, graph, [s.name for s in config.sites])
    return ProdUnits(manifest, list(graph.names()), dict(assignment.unit_of))


def test_prods_own_units_from_skyweave_stacks_get_the_single_plans_findings(
    prod: dict[str, Any],
    prod_findings: Findings,
    prod_units: ProdUnits,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The units ``skyweave stacks`` lists and the resources each owns (engine/units), as a
    directory of plans with ``stacks --format json`` as its manifest."""
    plans = split(prod, prod_units.names, prod_units.assign)
    assert all(any(r["custom"] for r in plan["resources"]) for plan in plans.values())
    directory = prod_units.write(tmp_path / "units", plans)
    assert findings(capsys, "--from-json", str(directory)) == prod_findings


def _without(doc: dict[str, Any], gone: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """``doc`` with the resources ``gone`` picks removed, and every resource depending on one of
    them (by ``dependencies``, ``propertyDependencies`` or its provider), transitively: the plan a
    user gets by deleting them from the program or the console."""
    removed = {r["urn"] for r in doc["resources"] if gone(r)}
    while True:
        more = {
            r["urn"]
            for r in doc["resources"]
            if r["urn"] not in removed
            and (
                r.get("provider") in removed
                or removed.intersection(r.get("dependencies") or ())
                or any(removed.intersection(d) for d in (r.get("propertyDependencies") or {}).values())
            )
        }
        if not more:
            break
        removed |= more
    out = copy.deepcopy(doc)
    out["resources"] = [r for r in out["resources"] if r["urn"] not in removed]
    return out


_REMOVALS: dict[str, Callable[[dict[str, Any]], bool]] = {
    # one of the four tunnels between AWS and GCP
    "a tunnel": lambda r: r["urn"].endswith("::core-tunnel-gcp-euw1-aws-use1-0"),
    # the app's instances on one site
    "a site's compute": lambda r: (
        r["type"] == "aws:ec2/instance:Instance" and (r.get("provider") or "").endswith("::aws-use1")
    ),
    # everything Azure runs, its provider included
    "a whole vendor": lambda r: (
        r["type"] == "pulumi:providers:azure-native"
        or (r.get("provider") or "").startswith("urn:pulumi:prod::skyweave::pulumi:providers:azure-native::")
    ),
}


@pytest.mark.parametrize("removal", sorted(_REMOVALS))
def test_prods_units_with_a_removal_get_the_single_plans_findings(
    removal: str,
    prod: dict[str, Any],
    prod_findings: Findings,
    prod_units: ProdUnits,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 31's done-when: prod's units, with a tunnel, a site's compute or a whole vendor gone,
    get exactly the findings of the single plan with the same resources gone (and the removal
    changes the verdict, so the comparison is not of two unchanged estates)."""
    smaller = _without(prod, _REMOVALS[removal])
    assert len(smaller["resources"]) < len(prod["resources"])
    directory = prod_units.write(tmp_path / "units", split(smaller, prod_units.names, prod_units.assign))
    single = tmp_path / "single.json"
    single.write_text(json.dumps(smaller))
    expected = findings(capsys, "--from-json", str(single))
    assert expected != prod_findings, f"removing {removal} changes no verdict"
    assert findings(capsys, "--from-json", str(directory)) == expected


_JSON_LEAF = st.one_of(st.integers(-3, 3), st.text("ab", max_size=2), st.booleans(), st.none())
_JSON = st.recursive(
    _JSON_LEAF,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text("xy", max_size=1), inner, max_size=3),
    max_leaves=6,
)


@given(st.lists(st.dictionaries(st.sampled_from(["a", "b"]), _JSON, max_size=2), min_size=1, max_size=6))
@settings(max_examples=300, deadline=None)
def test_merging_component_outputs_keeps_each_item_once_in_unit_order(parts: list[dict[str, Any]]) -> None:
    """The merge of a component's outputs over units (``_merge_values``) finds items it holds
    already through a set of their JSON texts (constant time: 20,000 link units fill the same
    lists); what it gives must be what comparing each item with every item before it gives, as
    JSON values (``true`` is not ``1``, as Python's ``==`` would have it)."""
    from skyweave.engine.plans.directory import _merge_values

    def same(a: Any, b: Any) -> bool:
        return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)

    def reference(merged: dict[str, Any], values: dict[str, Any]) -> None:
        for key, value in values.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                reference(merged[key], value)
            elif isinstance(value, list) and isinstance(merged.get(key), list):
                for item in value:
                    if not any(same(item, held) for held in merged[key]):
                        merged[key].append(item)
            else:
                merged.setdefault(key, value)

    expected: dict[str, Any] = {}
    got: dict[str, Any] = {}
    seen: dict[int, set[str]] = {}
    for part in parts:
        reference(expected, copy.deepcopy(part))
        _merge_values(got, copy.deepcopy(part), seen)
    assert json.dumps(got, sort_keys=True) == json.dumps(expected, sort_keys=True)
    # an item a later unit repeats, in another key order, is kept once
    merged: dict[str, Any] = {}
    _merge_values(merged, {"l": [{"a": 1, "b": [True]}]}, seen := {})
    _merge_values(merged, {"l": [{"b": [True], "a": 1}, {"a": 1, "b": [1]}]}, seen)
    assert merged == {"l": [{"a": 1, "b": [True]}, {"a": 1, "b": [1]}]}
