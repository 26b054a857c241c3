"""Shared fixtures: the example project, and running programs offline under Pulumi's mocks."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from skyweave.engine.check import PropertyDependencyMonitor
from skyweave.engine.offline import OfflineMocks, OfflineRun, run_program
from skyweave.engine.preview import preview_stack, render_json
from skyweave.estate.project import Project

ROOT = Path(__file__).resolve().parent.parent

# Text reports fit the terminal (``COLUMNS``, else the terminal's width, else 100). The suite's
# expectations must not depend on where it runs: pytest-xdist's workers see COLUMNS=80, a
# developer's terminal anything. Tests of the width itself set COLUMNS with monkeypatch.
os.environ["COLUMNS"] = "100"


@pytest.fixture(scope="session")
def project() -> Project:
    return Project.find(ROOT)


def stack_raw(stack: str) -> dict[str, Any]:
    """The skyweave keys of an example stack file (without the namespace), as parsed YAML."""
    data = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())
    return {k.split(":", 1)[1]: v for k, v in data["config"].items() if k.startswith("skyweave:")}


@pytest.fixture
def raw_prod() -> dict[str, Any]:
    return copy.deepcopy(stack_raw("prod"))


#: An offline run and its registrations' property dependencies (URN → property → URNs).
MonitoredRun = tuple[OfflineRun, dict[str, dict[str, tuple[str, ...]]]]


@pytest.fixture(scope="session")
def prod_monitored(project: Project) -> MonitoredRun:
    """prod's offline run as ``skyweave check --stack prod`` makes it: with the property
    dependencies the engine would send the pack. The session's one run of prod."""
    monitor = PropertyDependencyMonitor()
    return preview_stack(project, "prod", monitor=monitor), monitor.property_dependencies


@pytest.fixture(scope="session")
def prod_run(prod_monitored: MonitoredRun) -> OfflineRun:
    return prod_monitored[0]


@pytest.fixture(scope="session")
def prod_json(prod_run: OfflineRun) -> str:
    """What ``skyweave preview --stack prod --format json`` prints: the JSON of the session's prod
    run (the command prints ``render_json`` of the same offline run), without running prod again."""
    return render_json(prod_run)


@pytest.fixture(scope="session")
def dev_run(project: Project) -> OfflineRun:
    return preview_stack(project, "dev")


#: ``cli_once(*argv)``: the exit code and output of ``skyweave <argv>``, run once per session.
CliOnce = Callable[..., tuple[int, str]]


@pytest.fixture(scope="session")
def cli_once() -> CliOnce:
    """``skyweave <argv>`` in this process, once per session for each command line: its exit code
    and what it printed. For tests that only read what a command says about an example stack,
    which nothing changes during the session: each distinct command runs the stack's program
    once, not once per test (a prod preview is the suite's most repeated cost)."""
    from skyweave.cli import main

    done: dict[tuple[str, ...], tuple[int, str]] = {}

    def once(*argv: str) -> tuple[int, str]:
        if argv not in done:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                code = main(list(argv))
            done[argv] = (code, out.getvalue())
        return done[argv]

    return once


def run(fn: Callable[[], None], stack: str = "test") -> OfflineRun:
    """Run ``fn`` as a Pulumi program under the recording mock runtime."""
    return run_program(fn, project="skyweave-test", stack=stack)


def write_stack(tmp_path: Path, stack: str, raw: dict[str, Any]) -> Project:
    """A copy of the example project whose stack ``stack`` has the skyweave config ``raw``.

    Keys of other namespaces in the example stack file (secrets such as ``byon:fra-ssh-key``)
    are kept, so the copy runs the same program with the same secrets.
    """
    (tmp_path / "stacks").mkdir(exist_ok=True)
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "stacks" / "__main__.py").write_text((ROOT / "stacks" / "__main__.py").read_text())
    example = ROOT / "stacks" / f"Pulumi.{stack}.yaml"
    others = yaml.safe_load(example.read_text())["config"] if example.is_file() else {}
    config = {k: v for k, v in others.items() if ":" in k and not k.startswith("skyweave:")}
    config.update({f"skyweave:{k}": v for k, v in raw.items()})
    (tmp_path / "stacks" / f"Pulumi.{stack}.yaml").write_text(
        yaml.safe_dump({"config": config}, sort_keys=False)
    )
    return Project.find(tmp_path)


def run_with_distribution(distribution: Path, program: str) -> dict[str, Any]:
    """Run ``program`` (Python source printing one JSON document last) in a fresh interpreter
    whose path holds ``distribution``, so the driver registry finds a vendor in it exactly as it
    finds an installed package: through its ``skyweave.drivers`` entry point."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(distribution), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=env, cwd=ROOT, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def generated_passwords(run_: OfflineRun, *, under: str = "") -> list[str]:
    """What the offline mock provider generates for every ``RandomPassword`` of ``run_`` whose URN
    names ``under`` (a component type and ``$``, e.g. HybridVpc's pre-shared keys): the plaintext
    that must never show in any output."""
    import pulumi

    mocks = OfflineMocks()
    values = []
    for r in run_.resources:
        if r.type == "random:index/randomPassword:RandomPassword" and under in r.urn:
            args = pulumi.runtime.MockResourceArgs(r.type, r.name, dict(r.inputs), None, None)
            values.append(mocks.new_resource(args)[1]["result"])
    return values
