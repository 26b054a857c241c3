"""An error raised inside the user's program is the program's (file, line, message, exit 1); a
fault inside skyweave is still an internal error (exit 3) — issue 24 item 3, issue 29 item 2.

The programs are written to a temporary project and run through the real command
(`skyweave -C DIR check` / `preview`), as a user runs someone else's program.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from skyweave.cli import main

PULUMI_YAML = "name: prog\nruntime: python\n"


def _project(tmp_path: Path, main_py: str, **modules: str) -> Path:
    (tmp_path / "Pulumi.yaml").write_text(PULUMI_YAML)
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-west-2\n")
    (tmp_path / "__main__.py").write_text(main_py)
    for name, text in modules.items():
        (tmp_path / f"{name}.py").write_text(text)
    return tmp_path


def _run(capsys: pytest.CaptureFixture[str], directory: Path, command: str = "check") -> tuple[int, str]:
    code = main(["-C", str(directory), command])
    return code, capsys.readouterr().err


def _is_the_programs(err: str) -> None:
    assert "internal error" not in err and "a bug in skyweave" not in err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", ["check", "preview"])
def test_an_exception_the_program_raises_is_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    project = _project(tmp_path, "import pulumi\n\nvalues = []\nfirst = values[0]\n")
    code, err = _run(capsys, project, command)
    assert code == 1, err
    _is_the_programs(err)
    assert "__main__.py:4" in err and "IndexError: list index out of range" in err
    assert "first = values[0]" in err  # the line itself, as a traceback would show it


def test_a_syntax_error_names_file_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path, "import pulumi\n\ndef broken(:\n    pass\n")
    code, err = _run(capsys, project)
    assert code == 1, err
    _is_the_programs(err)
    assert "__main__.py:3" in err and "SyntaxError" in err


def test_a_missing_module_is_named_at_the_import_in_the_programs_own_module(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path, "import helper\n", helper="import os\nimport pulumi_awsx_not_installed\n")
    code, err = _run(capsys, project)
    assert code == 1, err
    _is_the_programs(err)
    assert "helper.py:2" in err
    assert "ModuleNotFoundError: No module named 'pulumi_awsx_not_installed'" in err


def test_an_sdk_refusing_the_programs_call_blames_the_programs_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # pulumi_openstack raises inside its own code; the line at fault is the program's call.
    program = (
        "import pulumi_openstack as openstack\n\n"
        "openstack.networking.SecGroupRule('r', direction='ingress', ethertype='IPv4')\n"
    )
    code, err = _run(capsys, _project(tmp_path, program))
    assert code == 1, err
    _is_the_programs(err)
    assert "__main__.py:3" in err and "Missing required property 'security_group_id'" in err


def test_a_missing_config_value_is_the_programs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = "import pulumi\n\nkey = pulumi.Config().require_secret('privateKey')\n"
    code, err = _run(capsys, _project(tmp_path, program))
    assert code == 1, err
    _is_the_programs(err)
    assert "__main__.py:3" in err and "prog:privateKey" in err


def test_an_error_in_an_apply_callback_is_the_programs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = (
        "import pulumi\n\n"
        "def shout(value):\n"
        "    raise RuntimeError('no ' + value)\n\n"
        "pulumi.export('x', pulumi.Output.from_input('way').apply(shout))\n"
    )
    code, err = _run(capsys, _project(tmp_path, program))
    assert code == 1, err
    _is_the_programs(err)
    assert "__main__.py:4" in err and "RuntimeError: no way" in err


def test_a_fault_inside_skyweave_is_still_an_internal_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The program is fine; skyweave's own code (here: the offline runtime's stand-ins, called for
    # the program's bucket) fails. That is skyweave's bug: exit 3 with the traceback.
    import skyweave.engine.offline as offline

    def broken(*args: object) -> object:
        raise KeyError("stand-in")

    monkeypatch.setattr(offline, "_computed", broken)
    program = "import pulumi_aws as aws\n\naws.s3.Bucket('b')\n"
    code, err = _run(capsys, _project(tmp_path, program))
    assert code == 3, err
    assert "internal error (a bug in skyweave" in err and "Traceback" in err


def test_a_fault_in_skyweave_code_the_program_calls_is_still_an_internal_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The program's own frame is on the stack, but the innermost frame that is skyweave's or the
    # program's is skyweave's: its bug, not the program's.
    import skyweave.core.naming as naming

    def broken(value: str, max_length: int = 40) -> bool:
        raise KeyError("naming")

    monkeypatch.setattr(naming, "is_valid_name", broken)
    program = "from skyweave.core.naming import check_component_name\n\ncheck_component_name('web', 20)\n"
    code, err = _run(capsys, _project(tmp_path, program))
    assert code == 3, err
    assert "internal error (a bug in skyweave" in err and "Traceback" in err
