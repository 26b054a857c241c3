"""`skyweave check` as a CI gate at scale: baselines, waivers in the policy config, config validation
before the pack starts, `skyweave rules`, and severity / remediation / docs in every format."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest
from skyweave.cli import main
from skyweave.cli.check_command import EXIT_VIOLATIONS
from skyweave.policy import ALL_RULES

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "examples" / "single-vendor"
SARIF_SCHEMA = json.loads((ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text())
CHECK = ["-C", str(BROKEN), "check", "--stack", "broken"]
SSH_WAIVER = {
    "skyweave-security-no-open-admin-ports": {
        "waivers": [
            {
                "resource": "ssh-from-*",
                "justification": "break-glass bastion for the lab, SSH keys only",
                "expires": "2999-01-01",
            }
        ]
    }
}


def _json(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    doc: dict[str, object] = json.loads(capsys.readouterr().out)
    return doc


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("baseline") / "baseline.json"
    assert main([*CHECK, "--create-baseline", str(path)]) == 0
    return path


def test_create_baseline_records_every_mandatory_finding_and_exits_zero(baseline: Path) -> None:
    doc = json.loads(baseline.read_text())
    assert doc["skyweaveBaseline"] == 1 and doc["stack"] == "broken"
    # the broken example's 10 mandatory findings (advisory ones are not gated, so not recorded)
    assert len(doc["findings"]) == 10
    assert {"policy", "urn", "message"} == set(doc["findings"][0])


def test_with_the_baseline_only_new_findings_fail(
    baseline: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*CHECK, "--baseline", str(baseline), "--format", "json"]) == 0
    doc = _json(capsys)
    # 10 in the baseline (reported as advisory) and its 2 own advisory findings (rules without descriptions)
    assert doc["summary"] == {"mandatory": 0, "advisory": 12, "waived": 0, "baseline": 10}
    violations = doc["violations"]
    assert isinstance(violations, list)
    assert {v["status"] for v in violations if v["level"] == "mandatory" or v["status"] == "baseline"} == {
        "baseline"
    }
    # A finding the baseline does not hold is new: it fails, and the stale entry is counted.
    trimmed = json.loads(baseline.read_text())
    dropped = trimmed["findings"].pop(0)
    trimmed["findings"].append({"policy": "skyweave-x", "urn": "urn:gone", "message": "fixed since"})
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps(trimmed))
    assert main([*CHECK, "--baseline", str(partial)]) == EXIT_VIOLATIONS
    out = capsys.readouterr().out
    assert f"MANDATORY {dropped['policy']}" in out
    assert "1 recorded finding(s) no longer occur" in out
    assert "1 mandatory, 11 advisory violation(s) (0 waived, 9 in the baseline)" in out


def test_a_file_that_is_not_a_baseline_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bogus = tmp_path / "b.json"
    bogus.write_text("{}")
    assert main([*CHECK, "--baseline", str(bogus)]) == 1
    assert "not a skyweave baseline" in capsys.readouterr().err


def test_sarif_marks_baselined_findings_unchanged_and_suppressed(
    baseline: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b.sarif"
    assert main([*CHECK, "--baseline", str(baseline), "--format", "sarif", "-o", str(out)]) == 0
    doc = json.loads(out.read_text())
    jsonschema.validate(doc, SARIF_SCHEMA)
    results = doc["runs"][0]["results"]
    # the baseline records mandatory findings; the example's advisory ones are new and not suppressed
    recorded = [r for r in results if r["ruleId"] != "skyweave-security-aws-firewall-rules-described"]
    assert len(recorded) == 10 and {r["baselineState"] for r in recorded} == {"unchanged"}
    assert all(
        r["suppressions"] == [{"kind": "external", "justification": "in the baseline"}] for r in recorded
    )
    assert all(r["baselineState"] == "new" and "suppressions" not in r for r in results if r not in recorded)


def test_a_waiver_in_the_policy_config_is_reported_in_every_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "policy.json"
    config.write_text(json.dumps(SSH_WAIVER))
    assert main([*CHECK, "--config", str(config), "--format", "json"]) == EXIT_VIOLATIONS
    doc = _json(capsys)
    [ssh] = [v for v in doc["violations"] if v["policy"] == "skyweave-security-no-open-admin-ports"]  # type: ignore[union-attr, index]
    assert ssh["level"] == "advisory" and ssh["status"] == "waived"
    assert ssh["message"].startswith(
        "[waived until 2999-01-01: break-glass bastion for the lab, SSH keys only]"
    )
    sarif = tmp_path / "w.sarif"
    main([*CHECK, "--config", str(config), "--format", "sarif", "-o", str(sarif)])
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    [waived] = [r for r in results if r["ruleId"] == "skyweave-security-no-open-admin-ports"]
    assert waived["suppressions"][0]["justification"].startswith("waived until 2999-01-01: break-glass")
    assert main([*CHECK, "--config", str(config)]) == EXIT_VIOLATIONS
    assert "[critical, waived]" in capsys.readouterr().out


def test_every_format_carries_severity_remediation_and_a_docs_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*CHECK, "--format", "json"]) == EXIT_VIOLATIONS
    doc = _json(capsys)
    for violation in doc["violations"]:  # type: ignore[union-attr]
        assert violation["severity"] in {"low", "medium", "high", "critical"}
        assert violation["remediation"] and violation["docs"].endswith("#" + violation["policy"])
    for rule in doc["rules"]:  # type: ignore[union-attr]
        assert rule["severity"] and rule["remediation"] and rule["docs"]
    sarif = tmp_path / "r.sarif"
    main([*CHECK, "--format", "sarif", "-o", str(sarif)])
    run = json.loads(sarif.read_text())["runs"][0]
    for rule in run["tool"]["driver"]["rules"]:
        assert rule["helpUri"].endswith("#" + rule["id"]) and rule["help"]["text"]
        assert float(rule["properties"]["security-severity"]) > 0
    junit = tmp_path / "r.xml"
    main([*CHECK, "--format", "junit", "-o", str(junit)])
    failures = ElementTree.parse(junit).getroot().iter("failure")
    for failure in failures:
        assert "severity" in failure.get("message", "")
        assert "How to comply:" in (failure.text or "") and "Docs: https://" in (failure.text or "")


def test_policy_config_values_are_validated_before_the_pack_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"skyweave-redundancy-min-vendors": {"minVendors": "three"}}))
    assert main([*CHECK, "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert f"invalid configuration in {config}" in err
    assert "skyweave-redundancy-min-vendors.minVendors: 'three': must be an integer >= 1" in err
    assert "Traceback" not in err
    config.write_text(
        json.dumps(
            {
                "skyweave-security-no-open-admin-ports": {"ports": {"add": ["http"]}},
                "skyweave-security-stateful-protected": {
                    "waivers": [{"resource": "x", "justification": "no"}]
                },
                "skyweave-redundancy-zone-spread": {"minZone": 2},
                "all": {"minVendors": 3},
            }
        )
    )
    assert main([*CHECK, "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "(4 problems)" in err
    assert "ports: {'add': ['http']}: add: [0]: must be an integer >= 0 and <= 65535" in err
    assert "waivers" in err and "justification: must be at least 10 characters" in err
    assert (
        "minZone: 2: is not a setting of this rule (valid: enforcementLevel, minZones, waivers); did you "
        "mean 'minZones'?" in err
    )
    assert "all.minVendors: 3: 'all' takes only enforcementLevel" in err


def test_list_settings_extend_the_defaults_from_a_config_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"skyweave-security-no-open-admin-ports": {"ports": {"remove": [22]}}}))
    assert main([*CHECK, "--config", str(config), "--format", "json"]) == EXIT_VIOLATIONS
    policies = {v["policy"] for v in _json(capsys)["violations"]}  # type: ignore[union-attr]
    assert "skyweave-security-no-open-admin-ports" not in policies  # 22 removed, the rest kept


def test_a_stacks_own_policy_config_is_used_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-C", str(ROOT), "check", "--stack", "prod"]) == 0
    out = capsys.readouterr().out
    assert "policy config: stacks/Pulumi.prod.policy.json" in out
    assert "2 waived" in out


def test_rules_lists_every_rule_with_level_settings_and_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", "json"]) == 0
    rules = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rules] == [r.name for r in ALL_RULES]
    by_name = {r["name"]: r for r in rules}
    vendors = by_name["skyweave-redundancy-min-vendors"]
    assert vendors["level"] == "mandatory" and vendors["severity"] == "high"
    assert {s["name"]: s["default"] for s in vendors["settings"]} == {"minVendors": 2, "waivers": []}
    assert by_name["skyweave-redundancy-dns-survives-vendor-loss"]["level"] == "advisory"
    assert (
        "checkov CKV_AWS_3, CKV_AWS_8, CKV_AZURE_97"
        in by_name["skyweave-security-volumes-encrypted"]["equivalents"]
    )
    assert main(["rules"]) == 0
    text = capsys.readouterr().out
    assert "skyweave-security-no-open-admin-ports  [mandatory, critical, resource rule]" in text
    assert "setting ports (list of integers (or {add, remove}), default [21, 22, 3389" in text
