"""`skyweave check`: the example stacks through the real pack, in every output format."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest
from conftest import MonitoredRun
from skyweave.cli import main
from skyweave.cli.check_command import EXIT_VIOLATIONS
from skyweave.engine.analyzer import StackResource
from skyweave.engine.check import PropertyDependencyMonitor, run_check
from skyweave.engine.policy_config import load_policy_config
from skyweave.engine.requests import resources_from_run

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "examples" / "single-vendor"
SARIF_SCHEMA = json.loads((ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text())
EXPECTED_BROKEN = {
    "skyweave-redundancy-bucket-copied-to-another-vendor",
    "skyweave-security-s3-public-access-blocked",
    "skyweave-security-volumes-encrypted",
    "skyweave-redundancy-min-vendors",
    "skyweave-redundancy-survives-vendor-loss",
    "skyweave-redundancy-zone-spread",
    "skyweave-security-no-open-admin-ports",
    "skyweave-security-storage-versioned",
    "skyweave-security-stateful-protected",
    "skyweave-security-imdsv2-required",
}
#: What the broken example is advised against besides: its security group describes nothing.
EXPECTED_BROKEN_ALL = EXPECTED_BROKEN | {"skyweave-security-aws-firewall-rules-described"}


@pytest.fixture(scope="module")
def broken_json(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("check") / "broken.json"
    code = main(["-C", str(BROKEN), "check", "--stack", "broken", "--format", "json", "-o", str(out)])
    assert code == EXIT_VIOLATIONS
    doc: dict[str, object] = json.loads(out.read_text())
    return doc


@pytest.fixture(scope="module")
def prod_with_dependencies(prod_monitored: MonitoredRun) -> tuple[list[StackResource], list[StackResource]]:
    """prod's offline run as `skyweave check --stack prod` sends it (with property dependencies)."""
    return resources_from_run(*prod_monitored)


def test_prod_example_passes_through_the_real_protocol(
    prod_with_dependencies: tuple[list[StackResource], list[StackResource]],
) -> None:
    for_analyze, for_stack = prod_with_dependencies
    config = load_policy_config(ROOT / "stacks" / "Pulumi.prod.policy.json")
    result = run_check(
        for_analyze,
        for_stack,
        stack="prod",
        project="skyweave",
        source="stacks/Pulumi.prod.yaml",
        policy_config=config,
    )
    assert result.resources == len(for_stack) > 50
    assert result.mandatory == [], [d.detail for d in result.mandatory]
    # Nothing is silently excepted: the two waivers are reported. The shop's name is served by
    # Route 53 and Cloud DNS with the same answers, so no DNS rule has anything to say.
    assert sorted((d.policy_name, d.status) for d in result.diagnostics) == [
        ("skyweave-redundancy-bucket-copied-to-another-vendor", "waived"),
        ("skyweave-redundancy-bucket-copied-to-another-vendor", "waived"),
        ("skyweave-security-aws-egress-restricted", ""),  # the app's instances reach anywhere
    ]


def test_prod_without_its_waivers_fails_on_the_app_written_copies(
    prod_with_dependencies: tuple[list[StackResource], list[StackResource]],
) -> None:
    """The Swift and Blob containers hold copies the shop writes itself: nothing in the plan copies
    into them, so only the waivers in Pulumi.prod.policy.json let prod pass."""
    _, for_stack = prod_with_dependencies
    result = run_check([], for_stack, stack="prod", project="skyweave", source="stacks/Pulumi.prod.yaml")
    assert sorted(d.urn.rsplit("::", 1)[-1] for d in result.mandatory) == [
        "assets-container-azure-weu1",
        "assets-container-os-dc1",
    ]
    assert {d.policy_name for d in result.mandatory} == {
        "skyweave-redundancy-bucket-copied-to-another-vendor"
    }


def test_the_aws_only_plan_fails_with_a_claim_mismatch(
    prod_with_dependencies: tuple[list[StackResource], list[StackResource]],
) -> None:
    """prod's plan with every GCP, OpenStack, Azure and vSphere resource dropped and the components
    kept: the components still claim five vendors, the resources say one (plus the on-prem servers)."""
    _, for_stack = prod_with_dependencies

    def foreign(r: StackResource) -> bool:
        package = r.type.removeprefix("pulumi:providers:").split(":", 1)[0]
        return package in ("gcp", "openstack", "azure-native", "vsphere")

    aws_only = [r for r in for_stack if not foreign(r)]
    assert any(r.type == "skyweave:app:MultiCloudApp" for r in aws_only)
    config = load_policy_config(ROOT / "stacks" / "Pulumi.prod.policy.json")
    result = run_check(
        [], aws_only, stack="prod", project="skyweave", source="aws-only", policy_config=config
    )
    mandatory = {(d.policy_name, d.detail) for d in result.mandatory}
    assert (
        "skyweave-redundancy-claims-backed",
        "MultiCloudApp 'shop' places 4 on gcp-euw1 but the plan has no GCP instances for it",
    ) in mandatory
    assert (
        "skyweave-redundancy-survives-vendor-loss",
        "MultiCloudApp 'shop': losing vendor 'aws' leaves 0 of 4 instance(s) the plan's resources provide, "
        "below minHealthy 16",
    ) in mandatory
    assert (
        "skyweave-redundancy-claims-backed",
        "MultiCloudApp 'shop' places 4 on azure-weu1 but the plan has no Azure instances for it",
    ) in mandatory
    assert (
        "skyweave-redundancy-claims-backed",
        "MultiCloudApp 'shop' places 4 on vs-dc1 but the plan has no VMware vSphere instances for it",
    ) in mandatory
    assert not result.passed


def test_prod_check_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-C", str(ROOT), "check", "--stack", "prod"]) == 0
    assert "0 mandatory" in capsys.readouterr().out


def test_broken_example_fails_with_every_expected_violation(broken_json: dict[str, object]) -> None:
    violations = broken_json["violations"]
    assert isinstance(violations, list)
    assert {v["policy"] for v in violations if v["level"] == "mandatory"} == EXPECTED_BROKEN
    assert broken_json["passed"] is False
    ssh = next(v for v in violations if v["policy"] == "skyweave-security-no-open-admin-ports")
    assert ssh["urn"].endswith("aws:ec2/securityGroup:SecurityGroup::ssh-from-anywhere")


def test_sarif_validates_against_the_sarif_2_1_0_schema(tmp_path: Path) -> None:
    out = tmp_path / "broken.sarif"
    code = main(["-C", str(BROKEN), "check", "--stack", "broken", "--format", "sarif", "-o", str(out)])
    assert code == EXIT_VIOLATIONS
    doc = json.loads(out.read_text())
    jsonschema.validate(doc, SARIF_SCHEMA)
    run = doc["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert {r["ruleId"] for r in run["results"]} == EXPECTED_BROKEN_ALL
    for result in run["results"]:
        level = "error" if result["ruleId"] in EXPECTED_BROKEN else "warning"
        assert result["level"] == level and rules[result["ruleIndex"]] == result["ruleId"]
        # relative to the repository (code scanning resolves it there), not to -C's project
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri == "examples/single-vendor/Pulumi.broken.yaml"


def test_sarif_schema_really_rejects_a_broken_log() -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"version": "2.1.0", "runs": [{"results": []}]}, SARIF_SCHEMA)


def test_junit_has_one_failed_case_per_violated_rule(tmp_path: Path) -> None:
    out = tmp_path / "broken.xml"
    main(["-C", str(BROKEN), "check", "--stack", "broken", "--format", "junit", "-o", str(out)])
    root = ElementTree.parse(out).getroot()
    assert root.tag == "testsuites"
    [suite] = root.findall("testsuite")
    cases = suite.findall("testcase")
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert failed == EXPECTED_BROKEN
    assert int(suite.get("failures", "-1")) == len(EXPECTED_BROKEN)
    assert int(suite.get("tests", "0")) == len(cases) >= 15


def test_text_format_and_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-C", str(BROKEN), "check", "--stack", "broken"]) == EXIT_VIOLATIONS
    out = capsys.readouterr().out
    assert "MANDATORY skyweave-security-imdsv2-required" in out
    assert "10 mandatory, 2 advisory violation(s)" in out and "FAILED" in out
    assert (
        "How to comply:" in out
        and "docs:" in out  # the link beside it, or on its own line when it does not fit
        and "https://github.com/skyweave/skyweave/blob/main/docs/policies.md#" in out
    )
    assert "MANDATORY skyweave-security-no-open-admin-ports [critical]" in out


def test_policy_config_can_downgrade_rules_to_advisory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"all": "advisory"}))
    assert main(["-C", str(BROKEN), "check", "--stack", "broken", "--config", str(config)]) == 0
    assert "0 mandatory, 12 advisory" in capsys.readouterr().out


def test_bad_policy_config_is_reported_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "policy-config.json"
    config.write_text("{not json")
    assert main(["-C", str(BROKEN), "check", "--stack", "broken", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "not valid JSON at line 1" in err and "Traceback" not in err


def test_from_json_checks_a_plan_made_elsewhere(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-C", str(BROKEN), "preview", "--stack", "broken", "--format", "json"]) == 0
    preview = tmp_path / "preview.json"
    preview.write_text(capsys.readouterr().out)
    assert main(["check", "--from-json", str(preview), "--format", "json"]) == EXIT_VIOLATIONS
    doc = json.loads(capsys.readouterr().out)
    assert {v["policy"] for v in doc["violations"] if v["level"] == "mandatory"} == EXPECTED_BROKEN


def test_from_json_rejects_something_that_is_not_a_preview(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bogus = tmp_path / "x.json"
    bogus.write_text(json.dumps({"hello": "world"}))
    assert main(["check", "--from-json", str(bogus)]) == 1
    assert "not a preview" in capsys.readouterr().err


def test_secrets_from_a_preview_are_sent_as_secrets_not_plain_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = {
        "project": "p",
        "stack": "s",
        "resources": [
            {"urn": "urn:pulumi:s::p::openstack:vpnaas/siteConnection:SiteConnection::c", "name": "c",
             "type": "openstack:vpnaas/siteConnection:SiteConnection", "custom": True,
             "inputs": {"psk": "[secret]"}, "dependencies": []},
            {"urn": "urn:pulumi:s::p::openstack:vpnaas/siteConnection:SiteConnection::d", "name": "d",
             "type": "openstack:vpnaas/siteConnection:SiteConnection", "custom": True,
             "inputs": {"psk": "plaintext-key-1"}, "dependencies": []},
        ],
    }  # fmt: skip
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc))
    main(["check", "--from-json", str(path), "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    secret_hits = [
        v["urn"] for v in out["violations"] if v["policy"] == "skyweave-security-no-plaintext-secrets"
    ]
    assert secret_hits == ["urn:pulumi:s::p::openstack:vpnaas/siteConnection:SiteConnection::d"]


def test_offline_run_records_property_dependencies_as_the_engine_sends_them(project: object) -> None:
    from skyweave.engine.preview import preview_stack
    from skyweave.estate.project import Project

    assert isinstance(project, Project)
    monitor = PropertyDependencyMonitor()
    run = preview_stack(project, "dev", monitor=monitor)
    _, for_stack = resources_from_run(run, monitor.property_dependencies)
    by_urn = {r.urn: r for r in for_stack}
    subnet = next(r for r in for_stack if r.type == "aws:ec2/subnet:Subnet")
    [vpc_urn] = subnet.property_dependencies["vpcId"]
    assert by_urn[vpc_urn].type == "aws:ec2/vpc:Vpc"
    assert vpc_urn in subnet.dependencies


def test_policy_config_naming_an_unknown_rule_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"skyweave-redundancy-min-vendor": {"minVendors": 1}}))
    assert main(["-C", str(ROOT), "check", "--stack", "dev", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "names skyweave-redundancy-min-vendor, which the pack" in err
    assert "did you mean 'skyweave-redundancy-min-vendors'?" in err
    missing = tmp_path / "absent.json"
    assert main(["-C", str(ROOT), "check", "--stack", "dev", "--config", str(missing)]) == 1
    assert capsys.readouterr().err.strip().endswith(f"{missing}: does not exist")


def test_pack_option_runs_another_pack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from policy_helpers import USER_PACK

    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 2.0.0\n")
    (pack / "__main__.py").write_text(USER_PACK)
    args = ["-C", str(BROKEN), "check", "--stack", "broken", "--pack", str(pack), "--format", "json"]
    assert main(args) == 0  # the user's pack is advisory by default
    doc = json.loads(capsys.readouterr().out)
    assert doc["pack"] == "mine" and doc["version"] == "2.0.0"
    assert [(v["policy"], v["level"]) for v in doc["violations"]] == [("my-policy", "advisory")]


def test_sarif_of_advisory_only_and_of_clean_runs_validates(tmp_path: Path) -> None:
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"all": "advisory"}))
    advisory, clean = tmp_path / "advisory.sarif", tmp_path / "clean.sarif"
    base = ["check", "--stack", "broken", "--format", "sarif", "--config", str(config)]
    assert main(["-C", str(BROKEN), *base, "-o", str(advisory)]) == 0
    # dev's one advisory finding (its app's instances may reach anywhere) disabled: a clean run
    quiet = tmp_path / "quiet.json"
    quiet.write_text(json.dumps({"skyweave-security-aws-egress-restricted": "disabled"}))
    dev = ["check", "--stack", "dev", "--format", "sarif", "--config", str(quiet), "-o", str(clean)]
    assert main(["-C", str(ROOT), *dev]) == 0
    for path in (advisory, clean):
        jsonschema.validate(json.loads(path.read_text()), SARIF_SCHEMA)
    levels = {r["level"] for r in json.loads(advisory.read_text())["runs"][0]["results"]}
    assert levels == {"warning"}
    assert json.loads(clean.read_text())["runs"][0]["results"] == []
