"""No key material in any error message (issue 29, item 8): a private key inside a bootstrap files
mapping, a key pasted as a policy name, a ``secure:`` value under a ``skyweave:`` key (offline its
stand-in, under a real engine the decrypted value) are named by their path, never shown. (A
baseline row: tests/test_hostile_files.py.)"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import ROOT
from skyweave.cli import main
from skyweave.core.bootstrap import BootstrapArgs
from skyweave.core.errors import ConfigError, ConfigIssue, InvalidArgsError

KEY_BODY = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"
PEM = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{KEY_BODY}\n-----END OPENSSH PRIVATE KEY-----\n"


def _no_key(text: str) -> None:
    assert "BEGIN" not in text and KEY_BODY[:24] not in text, text


def test_a_files_mapping_holding_a_private_key_is_not_shown() -> None:
    with pytest.raises(InvalidArgsError) as caught:
        BootstrapArgs(script="true", files={"relative/key": PEM, "/etc/app.conf": "x"})
    assert "files" in str(caught.value) and "key material, not shown" in str(caught.value)
    _no_key(str(caught.value))
    issue = ConfigIssue("pools[0].bootstrap.files", "must be absolute", [{"k": PEM}])
    _no_key(issue.render())


def test_a_key_pasted_as_a_policy_name_is_not_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({PEM: "mandatory", KEY_BODY * 2: "advisory"}))
    plan = tmp_path / "plan.json"
    plan.write_text("{}")
    assert main(["check", "--from-json", str(plan), "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "(a policy name)" in err and "policy names" in err and "Traceback" not in err
    _no_key(err)


def test_a_secure_value_under_a_skyweave_key_is_never_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """In the program the value is decrypted (offline: a stand-in naming the key): every message
    about the key's values is told without them."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "stacks").mkdir()
    shutil.copy(ROOT / "stacks" / "__main__.py", tmp_path / "stacks" / "__main__.py")
    text = (ROOT / "stacks" / "Pulumi.dev.yaml").read_text()
    text = text.replace("    supernet: 10.0.0.0/8", "    supernet:\n      secure: v1:CIPHERTEXTxyzzy0123")
    text = text.replace(
        "      project: skyweave-dev-001", "      project:\n        secure: v1:CIPHERTEXTxyzzy4567"
    )
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text(text)
    for command in (["preview"], ["ipam", "show"]):
        assert main(["-C", str(tmp_path), *command, "--stack", "dev"]) == 1
        err = capsys.readouterr().err
        assert "skyweave:ipam.supernet" in err and "skyweave:sites[1].project" in err, err
        assert "not shown" in err and "CIPHERTEXT" not in err and "offline-stand-in" not in err, err


def test_conceal_keeps_the_issues_of_other_keys() -> None:
    from skyweave.core.errors import conceal

    error = ConfigError(
        [
            ConfigIssue("skyweave:ipam.supernet", "'hunter22' is no network", "hunter22"),
            ConfigIssue("skyweave:tags.a", "bad", "ok"),
        ]
    )
    shown = str(conceal(error, ["skyweave:ipam"]))
    assert "hunter22" not in shown and "(the value) is no network" in shown and "'ok'" in shown
