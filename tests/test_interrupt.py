"""Ctrl-C stops a command within a second: exit 130, one line on stderr, no traceback — from the
first instant (issue 23 item 10, issue 29 item 6).

No sleeps: each test waits for a readiness signal the child gives at a known point of the run
(Python's audit hooks: the import of a module, the start of the pack's process), so the interrupt
lands where the test means it to under any load.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time

import pytest
from conftest import ROOT

#: Runs the CLI in-process after adding an audit hook: at the first audit event named
#: ``sys.argv[1]`` (``import:<module>`` for a module's import) it writes READY to stderr, or, when
#: ``sys.argv[2]`` is ``self``, sends itself SIGINT right there.
_WRAPPER = """
import os, signal, sys
event, action, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
kind, _, name = event.partition(":")
fired = []
def hook(what, args):
    if fired:
        return
    if (kind == "import" and what == "import" and args[0] == name) or (kind != "import" and what == event):
        fired.append(True)
        if action == "self":
            os.kill(os.getpid(), signal.SIGINT)
        else:
            os.write(2, b"READY\\n")
sys.addaudithook(hook)
from skyweave.cli import main  # the console script's entry point
sys.exit(main(argv))
"""


def _spawn(event: str, action: str, argv: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", _WRAPPER, event, action, *argv],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _wait_ready(process: subprocess.Popen[bytes], timeout: float = 300) -> bytes:
    """stderr up to the READY line (the child is where the test wants it)."""
    assert process.stderr is not None
    seen = b""
    deadline = time.monotonic() + timeout
    while b"READY\n" not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"no readiness signal: {seen[-2000:]!r}"
        ready, _, _ = select.select([process.stderr], [], [], left)
        if ready:
            chunk = os.read(process.stderr.fileno(), 65536)
            assert chunk, f"the command ended before it was ready: {seen[-2000:]!r}"
            seen += chunk
    return seen


@pytest.mark.parametrize(
    ("argv", "ready"),
    [
        (
            ["preview", "--stack", "prod"],
            "import:pulumi_aws._utilities",
        ),  # the program is registering resources
        (["check", "--stack", "prod"], "subprocess.Popen"),  # the policy pack is starting
    ],
    ids=["preview", "check"],
)
def test_ctrl_c_stops_the_command_within_a_second(argv: list[str], ready: str) -> None:
    process = _spawn(ready, "ready", argv)
    try:
        before = _wait_ready(process)
        sent = time.monotonic()
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = (before + stderr).decode(errors="replace")
    assert process.returncode == 130, text[-2000:]
    assert took < 2.0, f"took {took:.2f} s to stop"
    assert "Traceback" not in text
    assert "interrupted" in text


@pytest.mark.parametrize(
    "event",
    [
        "import:argparse",  # the command line is being parsed
        "import:skyweave.cli.check_command",  # building the parser: the subcommands' modules
        "import:pydantic",
        "import:pulumi",  # the heavy imports
        "import:grpc",
        "import:skyweave.estate.project",  # the command starts
    ],
)
def test_ctrl_c_during_the_imports_is_quiet(event: str) -> None:
    """The handler is in place before the heavy imports: an interrupt while Python is still importing
    (up to ~2 s under load) exits 130 with one line, not a traceback."""
    process = _spawn(event, "self", ["check", "--stack", "prod"])
    try:
        _, stderr = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = stderr.decode(errors="replace")
    assert process.returncode == 130, text[-2000:]
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text[-2000:]
    assert text.strip() == "interrupted", text[-2000:]
