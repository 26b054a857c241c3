"""The two ways of serving the rules: the public path (each rule its own SDK policy, the default)
and the opt-in fast path (two runners over one decode, through SDK internals) — in-process, the
fallback when the SDK changes, and both through the real Analyzer protocol on prod, where they
must give the same findings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import MonitoredRun
from pulumi_policy import (
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationPolicy,
    StackValidationPolicy,
)
from pulumi_policy.policy import PolicyCustomTimeouts, StackValidationArgs
from skyweave.policy import ALL_RULES, build_policies
from skyweave.policy.pack import ADVISORY_NOTES, ADVISORY_RESOURCE_NOTES, STACK_RUNNER, DeclaredRule

ROOT = Path(__file__).resolve().parent.parent


def _resource(type_: str, name: str, props: dict[str, Any]) -> PolicyResource:
    opts = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)
    return PolicyResource(type_, props, f"urn:pulumi:s::p::{type_}::{name}", name, opts, None, None, [], {})


def test_the_fast_path_declares_each_rule_once_plus_two_runners() -> None:
    policies = build_policies(tune_collector=False, fast_path=True)
    declared = [p for p in policies if isinstance(p, DeclaredRule)]
    assert [p.name for p in declared] == [r.name for r in ALL_RULES]
    assert sum(isinstance(p, StackValidationPolicy) for p in policies) == 1
    assert sum(isinstance(p, ResourceValidationPolicy) for p in policies) == 1
    with pytest.raises(ValueError, match="repeated: skyweave-security-imdsv2-required"):
        imds = next(r for r in ALL_RULES if r.name == "skyweave-security-imdsv2-required")
        build_policies([imds, imds], tune_collector=False)


def test_the_public_path_serves_each_rule_as_its_own_policy_plus_the_advisory_notes() -> None:
    policies = build_policies(tune_collector=False)
    assert [p.name for p in policies] == [r.name for r in ALL_RULES] + [
        ADVISORY_RESOURCE_NOTES,
        ADVISORY_NOTES,
    ]
    for policy, rule in zip(policies, ALL_RULES, strict=False):
        assert isinstance(
            policy, ResourceValidationPolicy if rule.kind.value == "resource" else StackValidationPolicy
        )
        assert policy.enforcement_level.value == rule.level.value and policy.description == rule.description


def test_without_the_sdk_servicer_the_runner_falls_back_to_prefixed_messages(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A report callback that is not the SDK's (no servicer in its closure): still reports."""
    runner = next(p for p in build_policies(tune_collector=False, fast_path=True) if p.name == STACK_RUNNER)
    assert isinstance(runner, StackValidationPolicy)
    reported: list[tuple[str, str | None]] = []

    def report(message: str, urn: str | None = None) -> None:
        reported.append((message, urn))

    args = StackValidationArgs([_resource("aws:ec2/vpc:Vpc", "v", {"cidrBlock": "10.0.0.0/16"})])
    runner.validate(args, report)
    assert [m for m, _ in reported] == [
        "[skyweave-redundancy-min-vendors] the estate spans 1 vendor(s) (aws); at least 2 are required so "
        "losing one vendor does not take everything down"
    ]
    assert "reported under the runner's name" in capsys.readouterr().err


def test_the_public_path_reports_an_unknown_as_an_advisory_note_naming_its_rule() -> None:
    """A value unknown in a preview never fails a mandatory rule: the public API has no
    per-violation level, so it goes to the advisory notes policy, run last in the call."""
    policies = {p.name: p for p in build_policies(tune_collector=False)}
    unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    args = StackValidationArgs([_resource("aws:ec2/vpc:Vpc", "v", {"cidrBlock": unknown})])
    reported: dict[str, list[tuple[str, str | None]]] = {}
    for name in ("skyweave-addresses-no-overlap", ADVISORY_NOTES):
        policy = policies[name]
        assert isinstance(policy, StackValidationPolicy)
        policy.validate(args, lambda m, u=None, n=name: reported.setdefault(n, []).append((m, u)))
    assert "skyweave-addresses-no-overlap" not in reported
    ((message, urn),) = reported[ADVISORY_NOTES]
    assert message.startswith("[skyweave-addresses-no-overlap] can't check ") and urn and urn.endswith("::v")


def _findings(result: Any) -> list[tuple[str, str, str, str]]:
    """(rule, level, message, urn) of every diagnostic; a public-path note as its rule's advisory."""
    found = []
    for d in result.diagnostics:
        message = d.message.removeprefix(d.description + "\n")
        rule, level = d.policy_name, d.enforcement_level
        if rule in (ADVISORY_NOTES, ADVISORY_RESOURCE_NOTES):
            rule, _, message = message[1:].partition("] ")
            assert level == "advisory"
        found.append((rule, level, message, d.urn))
    return sorted(found)


def test_both_paths_give_prod_the_same_findings(prod_monitored: MonitoredRun, tmp_path: Path) -> None:
    """Through the real Analyzer protocol, prod with its policy config (waivers, levels): the
    public path and the fast path report the same findings at the same levels."""
    from skyweave.engine.check import PACK_MAIN, PACK_MANIFEST, run_check
    from skyweave.engine.policy_config import load_policy_config
    from skyweave.engine.requests import resources_from_run

    for_analyze, for_stack = resources_from_run(*prod_monitored)
    config = load_policy_config(ROOT / "stacks" / "Pulumi.prod.policy.json")
    public = tmp_path / "public"
    public.mkdir()
    (public / "PulumiPolicy.yaml").write_text(PACK_MANIFEST)
    assert "build_policies(fast_path=True)" in PACK_MAIN
    (public / "__main__.py").write_text(
        PACK_MAIN.replace("build_policies(fast_path=True)", "build_policies()")
    )
    results = [
        run_check(
            for_analyze,
            for_stack,
            stack="prod",
            project="skyweave",
            source="t",
            policy_config=config,
            pack_dir=d,
        )
        for d in (None, public)
    ]
    fast_findings, public_findings = (_findings(r) for r in results)
    assert fast_findings == public_findings
    assert {f[1] for f in fast_findings} == {"advisory"} and len(fast_findings) == 3  # 2 of them waived
    assert any(f[2].startswith("[waived until") for f in public_findings)


def test_the_sdks_internals_are_reached_only_on_the_fast_path() -> None:
    """A private name of pulumi-policy (``_DictProxy``, ``_PolicyAnalyzerServicer``, a servicer's
    ``_get_policy_config``) appears in policy/fast.py only, so the default (public) path keeps
    working when the SDK reshuffles what it never promised."""
    import ast

    from test_layers import PACKAGE

    reached: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text())
        sdk_names = {"pulumi_policy"}
        private: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pulumi_policy"):
                private |= {a.name for a in node.names if a.name.startswith("_")}
                sdk_names |= {a.asname or a.name for a in node.names}
            elif _private_attribute(node, sdk_names):
                private.add(node.attr)
        if private:
            reached[path.relative_to(PACKAGE).as_posix()] = private
    assert set(reached) == {"policy/fast.py"}, reached
    assert {"_DictProxy", "_PolicyAnalyzerServicer"} <= reached["policy/fast.py"]


def _private_attribute(node: Any, sdk_names: set[str]) -> bool:
    """``name._x`` where ``name`` came from pulumi-policy."""
    import ast

    return (
        isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
        and isinstance(node.value, ast.Name)
        and node.value.id in sdk_names
    )
