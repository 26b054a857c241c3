"""`skyweave schema` describes a whole stack file, so an editor pointed at it accepts the shipped
stack files and flags a wrong key; the schema docs/ ships for the editor modeline stays current."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from skyweave.cli import main

jsonschema = pytest.importorskip("jsonschema")


def _schema(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["schema", *args]) == 0
    schema: dict[str, object] = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_shipped_stack_files_are_valid_whole_documents(
    stack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = _schema(capsys)
    document = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())
    jsonschema.validate(document, schema)


def test_a_wrong_key_inside_config_is_flagged(capsys: pytest.CaptureFixture[str]) -> None:
    schema = _schema(capsys)
    document = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    document["config"]["skyweave:sites"][0]["vendr"] = "aws"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)
    # the config block is a mapping under `config:`, not the document itself
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"skyweave:sites": []}, schema)


def test_stack_file_settings_pass_through(capsys: pytest.CaptureFixture[str]) -> None:
    schema = _schema(capsys)
    document = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    document.update(
        secretsprovider="awskms://alias/skyweave",
        encryptedkey="AQICAHh...",
        environment=["shared-aws"],
    )
    document["config"]["aws:region"] = "us-east-1"
    jsonschema.validate(document, schema)


def test_the_config_block_schema_is_still_there(capsys: pytest.CaptureFixture[str]) -> None:
    from skyweave.estate.config import config_schema

    assert _schema(capsys, "--config-block") == config_schema()


def test_docs_ship_the_current_schema_for_the_editor_modeline(capsys: pytest.CaptureFixture[str]) -> None:
    shipped = json.loads((ROOT / "docs" / "stack-file.schema.json").read_text())
    assert shipped == _schema(capsys), "regenerate: skyweave schema > docs/stack-file.schema.json"
    modeline = "# yaml-language-server: $schema=../docs/stack-file.schema.json"
    assert modeline in (ROOT / "docs" / "cli.md").read_text()
    # the modeline's relative path is right for a stack file in stacks/
    assert (ROOT / "stacks" / Path(modeline.split("=", 1)[1])).resolve() == (
        ROOT / "docs" / "stack-file.schema.json"
    )
