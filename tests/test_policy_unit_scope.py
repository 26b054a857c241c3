"""The pack inside one unit's preview: resource rules judge, stack rules say they need the whole
estate — never a verdict from seeing one unit (docs/units.md, policy/scope.py).

Through the real Analyzer protocol, with the stack configuration and name the engine hands a
pack (``PULUMI_CONFIG``, ``PULUMI_STACK``), on the single-vendor example (which fails stack and
resource rules alike), on both the fast path and the public SDK path.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import CliOnce
from skyweave.engine.check import PACK_MAIN, PACK_MANIFEST, CheckResult, run_check
from skyweave.engine.plans import parse_plan
from skyweave.engine.requests import resources_from_plan
from skyweave.policy import ALL_RULES
from skyweave.policy.rule import Kind
from skyweave.policy.scope import deployed_unit

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "examples" / "single-vendor"
STACK_RULES = {r.name for r in ALL_RULES if r.kind is Kind.STACK}
UNITS = {"skyweave:deployment": "units"}


@pytest.fixture(scope="module")
def broken_plan(cli_once: CliOnce) -> Any:
    code, out = cli_once("-C", str(BROKEN), "preview", "--stack", "broken", "--format", "json")
    assert code == 0
    return resources_from_plan(parse_plan(out.encode(), "broken.json"))


@pytest.fixture(scope="module")
def public_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("public")
    (directory / "PulumiPolicy.yaml").write_text(PACK_MANIFEST)
    (directory / "__main__.py").write_text(
        PACK_MAIN.replace("build_policies(fast_path=True)", "build_policies()")
    )
    return directory


def _check(plan: Any, stack: str, config: dict[str, str], pack: Path | None) -> CheckResult:
    for_analyze, for_stack = plan
    return run_check(
        for_analyze, for_stack, stack=stack, project="skyweave", source="t", pack_dir=pack, config=config
    )


def _findings(result: CheckResult) -> set[tuple[str, str, str, bool]]:
    return {(d.policy_name, d.urn, d.message, d.mandatory) for d in result.diagnostics}


@pytest.mark.parametrize("path", ["fast", "public"])
def test_in_a_unit_stack_rules_defer_and_resource_rules_judge(
    broken_plan: Any, public_pack: Path, path: str
) -> None:
    pack = None if path == "fast" else public_pack
    whole = _check(broken_plan, "broken", {}, pack)
    unit = _check(broken_plan, "broken.aws-use1", UNITS, pack)
    whole_stack = {f for f in _findings(whole) if f[0] in STACK_RULES}
    assert any(f[3] for f in whole_stack), "the example fails stack rules when judged whole"
    # resource rules: the same findings either way
    assert {f for f in _findings(unit) if f[0] not in STACK_RULES and "not judged" not in f[2]} == {
        f for f in _findings(whole) if f[0] not in STACK_RULES
    }
    # stack rules: no verdict, one advisory note each, naming the unit and where it is judged
    notes = [d for d in unit.diagnostics if "not judged in broken.aws-use1" in d.message]
    assert not any(d.mandatory for d in notes)
    assert not any(d.policy_name in STACK_RULES and "not judged" not in d.message for d in unit.diagnostics)
    # fast path: under each rule's own name; public path: the SDK's advisory-notes policy, "[rule] …"
    named = sorted(d.policy_name if path == "fast" else _rule_in(d.message) for d in notes)
    assert named == sorted(STACK_RULES)
    assert all("skyweave check --from-json DIR" in d.message for d in notes)


def _rule_in(message: str) -> str:
    found = re.search(r"\[(skyweave-[a-z0-9-]+)\] not judged", message)
    assert found is not None, message
    return found.group(1)


def test_a_single_stack_or_no_configuration_is_the_whole_estate() -> None:
    assert deployed_unit({}) is None
    assert deployed_unit({"PULUMI_CONFIG": json.dumps({"skyweave:deployment": "single"})}) is None
    assert deployed_unit({"PULUMI_CONFIG": "not json", "PULUMI_STACK": "x"}) is None
    assert (
        deployed_unit({"PULUMI_CONFIG": json.dumps(UNITS), "PULUMI_STACK": "prod.aws-use1"})
        == "prod.aws-use1"
    )
