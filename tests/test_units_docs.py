"""docs/units.md's examples run: the stack-file key through the stack loader, the command and
its text output on the example project, the JSON object against the command's JSON."""

from __future__ import annotations

import json
import re
import shlex

import pytest
import yaml
from conftest import ROOT, stack_raw
from skyweave.cli import main
from skyweave.estate.config import parse_stack_config
from skyweave.planning.units import Deployment

DOC = (ROOT / "docs" / "units.md").read_text()


def blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", DOC, re.S)


def test_the_key_turns_units_on() -> None:
    config = yaml.safe_load(blocks("yaml")[0])["config"]
    raw = {**stack_raw("dev"), **{k.split(":", 1)[1]: v for k, v in config.items()}}
    assert parse_stack_config(raw, source="Pulumi.dev.yaml", stack="dev").deployment is Deployment.UNITS


def test_the_command_prints_what_the_page_shows(capsys: pytest.CaptureFixture[str]) -> None:
    command = blocks("bash")[0]
    argv = shlex.split(command)
    assert argv[0] == "skyweave"
    assert main(["-C", str(ROOT), *argv[1:]]) == 0
    assert capsys.readouterr().out == blocks("text")[0]


def test_the_json_unit_is_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    command = blocks("bash")[0]
    assert main(["-C", str(ROOT), *shlex.split(command)[1:], "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    shown = json.loads(blocks("json")[0])
    assert shown in document["units"]
    assert {"stack", "deployment", "layers", "units"} == set(document)


def test_the_organisation_key_is_read() -> None:
    shown = [b for b in blocks("yaml") if "skyweave:organization" in b]
    assert len(shown) == 1
    config = yaml.safe_load(shown[0])["config"]
    raw = {**stack_raw("dev"), **{k.split(":", 1)[1]: v for k, v in config.items()}}
    assert parse_stack_config(raw, source="Pulumi.dev.yaml", stack="dev").organization == "acme"
