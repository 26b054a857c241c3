"""Write-side faults (issue 29, item 2): every file skyweave produces goes through one writing function
(``skyweave.files.write_output``, ``write_atomically``): atomic, and a failure is one line naming the
path, exit 1 — never a traceback — with the check's report still printed to stdout so it is not lost.

The faults are real ones: a missing directory, a directory where the file should be, ``/dev/full``
(every write fails with ENOSPC, what a full disk answers) and a file-size limit of zero
(``RLIMIT_FSIZE``: every write fails with EFBIG) for the writes that go through a temporary file.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from skyweave import files
from skyweave.cli import main
from skyweave.core.errors import ConfigError

SINGLE = ROOT / "examples" / "single-vendor"
CHECK = ["-C", str(SINGLE), "check", "--stack", "broken"]


def _one_line(err: str, *needles: str) -> None:
    assert "Traceback" not in err and "internal error" not in err, err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    for needle in needles:
        assert needle in err, err


def _targets(tmp_path: Path) -> list[tuple[Path, str]]:
    directory = tmp_path / "a-directory"
    directory.mkdir()
    return [
        (tmp_path / "missing" / "report.txt", f"its directory {tmp_path / 'missing'} does not exist"),
        (directory, "is a directory"),
        (Path("/dev/full"), "no space left on the device"),
    ]


def test_output_faults_are_one_line_and_the_report_still_reaches_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for target, reason in _targets(tmp_path):
        assert main([*CHECK, "--format", "json", "--output", str(target)]) == 1
        out, err = capsys.readouterr()
        _one_line(err, str(target), reason)
        assert json.loads(out)["summary"]["mandatory"] > 0  # the report is not lost


def test_create_baseline_faults_are_one_line_and_the_baseline_reaches_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for target, reason in _targets(tmp_path):
        assert main([*CHECK, "--create-baseline", str(target)]) == 1
        out, err = capsys.readouterr()
        _one_line(err, str(target), reason)
        assert json.loads(out)["skyweaveBaseline"] == 1 and json.loads(out)["findings"]


def test_write_output_is_atomic_and_keeps_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")
    target.chmod(0o640)
    files.write_output(target, "report.json", b"new\n")
    assert target.read_bytes() == b"new\n" and target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]  # no temporary file left
    fresh = tmp_path / "fresh.json"
    files.write_output(fresh, "fresh.json", b"x")
    umask = os.umask(0)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask


def _limited(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``skyweave argv`` where a write past a file's 8th byte fails (EFBIG), as on a full disk (8,
    not 0: Python's ``tempfile`` probes a directory with a 4-byte write while Pulumi is imported)."""

    def no_file_space() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (8, 8))

    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "skyweave.cli", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=no_file_space,
        env=env,
        check=False,
    )


def test_write_output_fault_leaves_the_old_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import resource, signal, sys; from pathlib import Path; from skyweave import files\n"
            "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
            "resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))\n"
            "try:\n    files.write_output(Path(sys.argv[1]), 'report.json', b'new')\n"
            "except Exception as exc:\n    print(type(exc).__name__, exc)",
            str(target),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    expected = "ConfigError report.json: cannot be written: larger than the file-size limit"
    assert proc.stdout.startswith(expected), proc
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_ipam_lock_on_a_full_disk_is_one_line_and_changes_nothing(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "examples" / "single-vendor", project)
    stack = next(project.rglob("Pulumi.*.yaml"))
    stack_name = stack.name.split(".")[1]
    before = {p: p.read_bytes() for p in stack.parent.iterdir()}
    proc = _limited(["ipam", "lock", "--stack", stack_name], project)
    assert proc.returncode == 1, proc.stderr
    _one_line(proc.stderr, "larger than the file-size limit")
    assert {p: p.read_bytes() for p in stack.parent.iterdir()} == before  # no lock or temporary file left


def test_write_output_refuses_nothing_it_can_write(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        files.write_output(tmp_path, "out", b"x")


@pytest.mark.parametrize("make", ["missing", "not executable", "a directory"])
def test_a_pack_interpreter_that_cannot_be_executed_is_one_message(tmp_path: Path, make: str) -> None:
    """Exit 1 with the interpreter named and why (it was an OSError traceback, exit 3)."""
    from skyweave.core.errors import SkyweaveError
    from skyweave.engine.analyzer import PolicyEngineError, PolicyPackProcess

    python = tmp_path / "python"
    if make == "not executable":
        python.write_text("#!/bin/sh\n")
        python.chmod(0o644)
    elif make == "a directory":
        python.mkdir()
    pack = PolicyPackProcess(ROOT / "policies", project="p", stack="s", python=str(python))
    with pytest.raises(PolicyEngineError) as caught:
        pack.start()
    message = str(caught.value)
    assert (
        isinstance(caught.value, SkyweaveError) and str(python) in message and "cannot be started" in message
    )
    assert "\n" not in message
