"""docs/policies.md embeds the reference generated from the rules; the CI examples stay real."""

from __future__ import annotations

from pathlib import Path

import yaml
from skyweave.policy import ALL_RULES
from skyweave.policy.reference import BEGIN, END, policy_reference

ROOT = Path(__file__).resolve().parent.parent


def test_policy_reference_is_in_sync() -> None:
    text = (ROOT / "docs" / "policies.md").read_text()
    embedded = text.split(BEGIN + "\n", 1)[1].split(END, 1)[0]
    assert embedded == policy_reference(), "regenerate with `python -m skyweave.policy.reference`"
    for rule in ALL_RULES:
        assert f"### `{rule.name}`" in embedded


def test_every_rule_has_a_description_remediation_and_valid_schema() -> None:
    for rule in ALL_RULES:
        assert rule.name.startswith(f"skyweave-{rule.area}-"), rule.name
        assert rule.description.endswith(".") and rule.remediation, rule.name
        for setting in rule.settings:
            assert setting.schema.get("type") in {"integer", "string", "array", "boolean"}, setting.name
            assert rule.config()[setting.name] == setting.default


def test_ci_workflows_are_valid_yaml_running_the_documented_commands() -> None:
    offline = yaml.safe_load((ROOT / "examples" / "ci" / "skyweave-check.yml").read_text())
    steps = [s.get("run", "") for job in offline["jobs"].values() for s in job["steps"]]
    assert any("skyweave check --stack" in s and "--format sarif" in s for s in steps)
    cli = yaml.safe_load((ROOT / "examples" / "ci" / "pulumi-preview-policy.yml").read_text())
    steps = [str(s.get("with", {})) + s.get("run", "") for job in cli["jobs"].values() for s in job["steps"]]
    assert any("policies" in s for s in steps)
