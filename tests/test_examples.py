"""The shipped examples can be used as they say: the policy pack names its virtualenv, the consumer
installs the wheel it tells you to build, and the prod stack's secret placeholder has a replacement."""

from __future__ import annotations

import base64
import re

import skyweave
import yaml
from conftest import ROOT


def test_the_policy_pack_names_the_projects_virtualenv() -> None:
    manifest = yaml.safe_load((ROOT / "policies" / "PulumiPolicy.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    venv = manifest["runtime"]["options"]["virtualenv"]
    # the README's first command creates .venv at the root; the path is relative to policies/
    assert "python3 -m venv .venv" in (ROOT / "README.md").read_text()
    assert (ROOT / "policies" / venv).resolve() == (ROOT / ".venv").resolve()


def test_the_consumer_installs_the_wheel_its_readme_builds() -> None:
    consumer = ROOT / "examples" / "consumer"
    lines = [
        line.strip()
        for line in (consumer / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert f"skyweave=={skyweave.__version__}" in lines
    (links,) = [line.split(None, 1)[1] for line in lines if line.startswith("--find-links")]
    assert (consumer / links).resolve() == (ROOT / "dist").resolve()
    readme = (consumer / "README.md").read_text()
    assert "python3 -m pip wheel --no-deps -w dist ." in readme
    assert "venv/bin/pip install -r requirements.txt" in readme
    # the venv the README creates is the one Pulumi.yaml names
    project = yaml.safe_load((consumer / "Pulumi.yaml").read_text())
    assert project["runtime"]["options"]["virtualenv"] == "venv"


def test_the_prod_secret_placeholder_has_a_documented_replacement() -> None:
    stack = yaml.safe_load((ROOT / "stacks" / "Pulumi.prod.yaml").read_text())
    placeholder = stack["config"]["byon:fra-ssh-key"]["secure"]
    # not a ciphertext of any secrets provider: v1:<base64 "for-example-only">:<...>
    assert base64.b64decode(placeholder.split(":")[1]) == b"for-example-only"
    running = (ROOT / "docs" / "running.md").read_text()
    section = running.split("### Replacing the example's secret placeholder", 1)[1]
    assert "pulumi config rm byon:fra-ssh-key --stack prod" in section
    assert re.search(r"pulumi config set --secret byon:fra-ssh-key --stack prod < \S+", section)
