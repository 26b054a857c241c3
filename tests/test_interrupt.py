"""Ctrl-C stops a command within a second: exit 130, one line on stderr, no traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import ROOT


@pytest.mark.parametrize("argv", [["preview", "--stack", "prod"], ["check", "--stack", "prod"]], ids=" ".join)
def test_ctrl_c_stops_the_command_within_a_second(argv: list[str]) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "skyweave.cli", *argv],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        time.sleep(1.5)  # inside the run: the program is registering resources / the pack is starting
        assert process.poll() is None, "the command finished before it could be interrupted"
        sent = time.monotonic()
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
        took = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = stderr.decode(errors="replace")
    assert process.returncode == 130, text[-2000:]
    assert took < 2.0, f"took {took:.2f} s to stop"
    assert "Traceback" not in text
    assert "interrupted" in text


#: Ctrl-C at the moment the command's modules load (parsing the arguments imports each command's
#: module, and with it Pulumi): the signal is sent from inside, so nothing depends on timing.
CTRL_C_WHILE_PARSING = r"""
import os, signal, sys
import skyweave.cli

cli = sys.modules["skyweave.cli.main"]

real = cli._parser

def parser():
    os.kill(os.getpid(), signal.SIGINT)
    return real()

cli._parser = parser
sys.exit(cli.main(["check", "--stack", "prod"]))
"""


def test_ctrl_c_while_the_command_loads_is_the_same_clean_stop() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CTRL_C_WHILE_PARSING], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 130, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "interrupted" in done.stderr
