"""The README's two fresh-machine commands stay the first thing in it, and CI runs the second."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block and text.index(block.group(0)) < text.index("\n\n", len("# skyweave\n\n")) + 2
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_readme_starts_with_exactly_two_commands() -> None:
    commands = readme_commands()
    assert len(commands) == 2
    assert commands[0].endswith("skyweave preview --stack prod")
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert readme_commands()[1] in ci


def readme_python() -> str:
    """The README's Python example: the first ```python block under its library heading."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Using the components in your own Pulumi project") :]
    block = re.search(r"```python\n(.*?)```", section, re.S)
    assert block is not None
    return block.group(1)


def test_the_readme_python_example_runs_under_the_mocks() -> None:
    from conftest import run

    result = run(lambda: exec(compile(readme_python(), "README.md", "exec"), {"__name__": "__main__"}))
    types = {r.type for r in result.resources}
    assert {
        "skyweave:network:HybridVpc",
        "skyweave:app:MultiCloudApp",
        "skyweave:compute:BareMetalPool",
        "aws:ec2/instance:Instance",
    } <= types
    # one provider per site, shared by all three components (and the network's for its VPN keys)
    providers = sorted(r.name for r in result.resources if r.type.startswith("pulumi:providers:"))
    assert providers == ["core-provider-aws-use1", "core-provider-gcp-euw1", "core-provider-random"]
    assert set(result.outputs) == {"networks", "web", "metal"}
    assert [n["name"] for n in result.outputs["metal"]] == ["metal-node-0", "metal-node-1"]


def test_the_commands_work_on_the_readme_program(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An estate built in code (no skyweave: keys in its stack file) gets graph, simulate and
    inventory too, from its components' outputs."""
    from skyweave.cli import main

    (tmp_path / "Pulumi.yaml").write_text("name: shop\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(readme_python())
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    assert main(["-C", str(tmp_path), "simulate", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    aws = next(f for f in report["failures"] if (f["kind"], f["domain"]) == ("vendor", "aws"))
    assert aws["apps"][0]["app"] == "web" and aws["apps"][0]["remaining"] == 2
    assert aws["pools"][0]["pool"] == "metal" and aws["pools"][0]["remaining"] == 0
    assert main(["-C", str(tmp_path), "graph"]) == 0
    assert "aws-use1" in (out := capsys.readouterr().out) and "aws-gcp-ha-vpn, 4 tunnels" in out
    assert main(["-C", str(tmp_path), "inventory", "--format", "json"]) == 0
    assert set(json.loads(capsys.readouterr().out)["_meta"]["hostvars"]) == {"metal-node-0", "metal-node-1"}
