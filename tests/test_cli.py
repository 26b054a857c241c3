"""The `skyweave` command line itself: which stack a command reads, help screens and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT
from skyweave.cli import main


def _one_stack_project(tmp_path: Path) -> Path:
    """The example project with only its dev stack file."""
    (tmp_path / "stacks").mkdir()
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "stacks" / "__main__.py").write_text((ROOT / "stacks" / "__main__.py").read_text())
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    return tmp_path


def test_stack_comes_from_pulumi_stack(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PULUMI_STACK", "dev")
    assert main(["simulate", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["stack"] == "dev"
    # The CLI's fully qualified form names the same stack file.
    monkeypatch.setenv("PULUMI_STACK", "acme/skyweave/dev")
    assert main(["simulate", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["stack"] == "dev"


def test_stack_is_the_only_stack_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PULUMI_STACK", raising=False)
    project = _one_stack_project(tmp_path)
    assert main(["-C", str(project), "ipam", "show", "--format", "json"]) == 0
    assert "aws-use1" in json.loads(capsys.readouterr().out)["sites"]


def test_stack_must_be_named_when_several_exist(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PULUMI_STACK", raising=False)
    assert main(["graph"]) == 2
    err = capsys.readouterr().err
    assert "--stack" in err and "dev, prod" in err and "PULUMI_STACK" in err
    assert "Traceback" not in err


def test_an_explicit_stack_wins_over_pulumi_stack(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PULUMI_STACK", "prod")
    assert main(["simulate", "--stack", "dev", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["stack"] == "dev"


def _commands() -> list[list[str]]:
    from skyweave.cli.exit_codes import COMMANDS

    return [name.split() for name in COMMANDS]


@pytest.mark.parametrize("command", _commands(), ids=" ".join)
def test_every_help_screen_has_a_description_and_the_exit_codes(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from skyweave.cli.exit_codes import COMMANDS

    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    usage, _, rest = out.partition("\n\n")
    assert usage.startswith(f"usage: skyweave {' '.join(command)}")
    description = rest.split("\n\n", 1)[0]
    assert len(description) > 40 and not description.startswith(("options:", "positional")), out
    assert "exit codes:" in out
    for code, _ in COMMANDS[" ".join(command)]:
        assert f"\n  {code}  " in out


def test_the_docs_hold_the_exit_code_table() -> None:
    from skyweave.cli.exit_codes import markdown_table

    text = (ROOT / "docs" / "cli.md").read_text()
    begin, end = "<!-- BEGIN EXIT CODES -->\n", "<!-- END EXIT CODES -->"
    assert text[text.index(begin) + len(begin) : text.index(end)] == markdown_table()


def test_the_entry_point_is_still_a_function_after_a_command_ran(capsys: pytest.CaptureFixture[str]) -> None:
    """Importing the command dispatcher must not rebind ``skyweave.cli.main`` to a submodule
    (a submodule named ``main`` did: every later ``from skyweave.cli import main`` got a module)."""
    import skyweave.cli as cli

    assert cli.main(["rules"]) == 0
    capsys.readouterr()
    assert callable(cli.main) and cli.main.__module__ == "skyweave.cli"
