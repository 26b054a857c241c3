"""The CI examples can pass on prod and always leave a SARIF file (issue 23, item 9): the workflows
install every extra the stacks they check need, a configuration error still writes a SARIF report
(the error as a result) so `if: always()` uploads find a file, and each result's location is the
file relative to the repository root with a region, also when run with `-C`."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import ROOT
from skyweave.cli import main

SARIF_SCHEMA = json.loads((ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text())
SINGLE = ROOT / "examples" / "single-vendor"


def _vendors(stack: str) -> set[str]:
    config = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]
    return {site["vendor"] for site in config.get("skyweave:sites", [])}


@pytest.mark.parametrize("workflow", ["skyweave-check.yml", "pulumi-preview-policy.yml"])
def test_the_workflows_install_the_extras_their_stacks_need(workflow: str) -> None:
    """An extra named after a vendor (pyproject's optional dependencies: `azure`) must be installed
    wherever a checked stack has a site of that vendor."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    doc = yaml.safe_load((ROOT / "examples" / "ci" / workflow).read_text())
    steps = [s for job in doc["jobs"].values() for s in job["steps"]]
    install = next(s["run"] for s in steps if "pip install" in s.get("run", ""))
    text = json.dumps(doc)
    stacks = {stack for stack in ("dev", "prod") if f"--stack {stack}" in text}
    for job in doc["jobs"].values():
        stacks |= set(job.get("strategy", {}).get("matrix", {}).get("stack", []))
    assert stacks
    needed = {vendor for stack in stacks for vendor in _vendors(stack) if vendor in extras}
    assert needed, "prod has Azure and vSphere sites: the test must see an extra to install"
    installed = {e.strip() for group in re.findall(r"\.\[([^\]]+)\]", install) for e in group.split(",")}
    assert needed <= installed, (workflow, install, needed - installed)


def _sarif(path: Path) -> dict[str, object]:
    doc: dict[str, object] = json.loads(path.read_text())
    jsonschema.validate(doc, SARIF_SCHEMA)
    return doc


@pytest.mark.parametrize(
    "breakage",
    ["policy config", "stack file"],
)
def test_a_configuration_error_still_writes_a_sarif_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], breakage: str
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Pulumi.yaml", "Pulumi.broken.yaml", "__main__.py"):
        (project / name).write_bytes((SINGLE / name).read_bytes())
    extra: list[str] = []
    if breakage == "policy config":
        config = tmp_path / "policy.json"
        config.write_text(json.dumps({"skyweave-redundancy-min-vendors": {"minVendors": "three"}}))
        extra = ["--config", str(config)]
    else:
        stack = project / "Pulumi.broken.yaml"
        assert "region: us-east-1\n" in stack.read_text()
        stack.write_text(stack.read_text().replace("region: us-east-1\n", "region: us-east-99\n"))
    report = tmp_path / "out.sarif"
    argv = [
        "-C",
        str(project),
        "check",
        "--stack",
        "broken",
        "--format",
        "sarif",
        "--output",
        str(report),
        *extra,
    ]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    doc = _sarif(report)
    (run,) = doc["runs"]  # type: ignore[attr-defined]
    assert run["invocations"][0]["executionSuccessful"] is False
    (result,) = run["results"]
    assert result["level"] == "error" and result["ruleId"] == "skyweave-configuration"
    assert ("minVendors" if breakage == "policy config" else "us-east-99") in result["message"]["text"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "Pulumi.broken.yaml"
    )


def test_sarif_locations_are_relative_to_the_repository_root_with_a_region(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "broken.sarif"
    assert (
        main(["-C", str(SINGLE), "check", "--stack", "broken", "--format", "sarif", "-o", str(report)]) == 4
    )
    (run,) = _sarif(report)["runs"]  # type: ignore[attr-defined]
    assert run["results"]
    for result in run["results"]:
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == "examples/single-vendor/Pulumi.broken.yaml"
        assert (ROOT / physical["artifactLocation"]["uri"]).is_file()
        assert physical["region"]["startLine"] >= 1
