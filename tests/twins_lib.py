"""Both tools on the same twins (issue 24): checkov on each ``tests/twins/<case>/main.tf``, the
pack on the Pulumi program beside it (``__main__.py``: the same resources under the same names),
and the catalogue of checkov checks docs/policies.md compares the rules with.

checkov is not a dependency of skyweave: it pins ``packaging<24`` while Pulumi needs
``packaging>=26``, so one environment cannot hold both. It lives in its own virtualenv,
``.venv-checkov`` beside ``.venv`` (``.ci/run`` installs it; ``SKYWEAVE_CHECKOV`` names another
executable); the pinned version is :data:`CHECKOV_VERSION`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from skyweave.engine.analyzer import PolicyPackProcess
from skyweave.engine.check import PropertyDependencyMonitor
from skyweave.engine.offline import run_program
from skyweave.engine.requests import resources_from_run

ROOT = Path(__file__).resolve().parent.parent
TWINS = ROOT / "tests" / "twins"
POLICIES_DOC = ROOT / "docs" / "policies.md"
CHECKOV_VERSION = "3.3.30"
CATALOGUE_BEGIN = "<!-- BEGIN CHECKOV CATALOGUE -->"
CATALOGUE_END = "<!-- END CHECKOV CATALOGUE -->"
#: What each twin's program reads as its stack configuration (the providers' regions).
TWIN_CONFIG = {
    "aws:region": "us-east-1",
    "gcp:project": "proj-12345",
    "gcp:region": "europe-west1",
    "azure-native:location": "westeurope",
    "twins:adminPassword": "correct-horse-battery-staple",
}
TWIN_SECRETS = frozenset({"twins:adminPassword"})

#: (twin, resource name) → the failing checkov ids, or the rules that fire.
Verdicts = dict[tuple[str, str], set[str]]


def checkov_executable() -> str | None:
    given = os.environ.get("SKYWEAVE_CHECKOV")
    if given:
        return given
    local = ROOT / ".venv-checkov" / "bin" / "checkov"
    if local.is_file():
        return str(local)
    return shutil.which("checkov")


@dataclass(frozen=True)
class CatalogueRow:
    """One row of docs/policies.md's checkov catalogue: a check, what it asks, and the rule that
    covers it (``rule``) or why none does (``why_not``)."""

    check: str
    cloud: str
    asks: str
    rule: str | None
    why_not: str | None


def catalogue(doc: str | None = None) -> list[CatalogueRow]:
    text = doc if doc is not None else POLICIES_DOC.read_text(encoding="utf-8")
    body = text.split(CATALOGUE_BEGIN, 1)[1].split(CATALOGUE_END, 1)[0]
    rows = []
    for line in body.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("`CKV"):
            continue
        check, cloud, asks, verdict = cells
        rule = re.fullmatch(r"`(skyweave-[a-z0-9-]+)`", verdict)
        rows.append(
            CatalogueRow(
                check.strip("`"),
                cloud,
                asks,
                rule.group(1) if rule else None,
                None if rule else verdict,
            )
        )
    return rows


def checkov_environment() -> dict[str, str]:
    """Offline: no API key (built-in checks only, no platform), and no look-up of a newer checkov
    on PyPI (its banner does one at import unless told not to)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BC_", "PRISMA_", "CKV_"))}
    env["CKV_SKIP_PACKAGE_UPDATE_CHECK"] = "True"
    return env


def checkov_version(executable: str) -> str:
    done = subprocess.run(
        [executable, "--version"], capture_output=True, text=True, env=checkov_environment(), check=False
    )
    return done.stdout.strip()


def run_checkov(checks: Iterable[str]) -> tuple[Verdicts, Verdicts, float]:
    """One checkov run over every twin, limited to ``checks`` (``--skip-download``: nothing is
    fetched): (failed, passed, seconds)."""
    executable = checkov_executable()
    assert executable is not None, "checkov is not installed (see tests/twins_lib.py)"
    command = [
        executable,
        "--directory",
        str(TWINS),
        "--framework",
        "terraform",
        "--output",
        "json",
        "--skip-download",
        "--compact",
        "--check",
        ",".join(sorted(checks)),
    ]
    env = checkov_environment()
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=300)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):  # 1: some check failed
        raise AssertionError(f"checkov exited {done.returncode}: {done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    reports = report if isinstance(report, list) else [report]
    failed: Verdicts = defaultdict(set)
    passed: Verdicts = defaultdict(set)
    for one in reports:
        results = one["results"]
        assert not results.get("parsing_errors"), results["parsing_errors"]
        for verdicts, key in ((failed, "failed_checks"), (passed, "passed_checks")):
            for check in results[key]:
                twin = Path(check["file_path"]).parent.name
                name = check["resource"].split(".", 1)[1]
                verdicts[(twin, name)].add(check["check_id"])
    return dict(failed), dict(passed), seconds


def twin_names() -> list[str]:
    return sorted(p.name for p in TWINS.iterdir() if (p / "main.tf").is_file())


def terraform_resources(twin: str) -> set[str]:
    """The names of the resources main.tf declares (``resource "type" "name"``)."""
    text = (TWINS / twin / "main.tf").read_text(encoding="utf-8")
    return set(re.findall(r'^resource\s+"[a-z0-9_]+"\s+"([A-Za-z0-9_-]+)"', text, re.MULTILINE))


@dataclass
class PackRun:
    fired: Verdicts
    resources: dict[str, set[str]]  # twin → the names of the resources its program registered
    dependencies: dict[str, dict[str, set[str]]]  # twin → name → the names it depends on
    seconds: float
    root: Path = TWINS


def run_pack(twins: Iterable[str], policy_config: Mapping[str, object] | None = None) -> PackRun:
    """Each twin's program under the offline runtime, judged by one pack process (every resource
    through ``Analyze`` and the whole twin through ``AnalyzeStack``, as ``skyweave check`` does)."""
    fired: Verdicts = defaultdict(set)
    resources: dict[str, set[str]] = {}
    dependencies: dict[str, dict[str, set[str]]] = {}
    started = time.perf_counter()
    with PolicyPackProcess(ROOT / "policies", project="twins", stack="twin") as pack:
        pack.configure(dict(policy_config or {}))
        for twin in twins:
            monitor = PropertyDependencyMonitor()
            run = run_program(
                TWINS / twin,
                project="twins",
                stack="twin",
                config=TWIN_CONFIG,
                secret_keys=TWIN_SECRETS,
                monitor=monitor,
            )
            for_analyze, for_stack = resources_from_run(run, monitor.property_dependencies)
            mine = [r for r in for_stack if not r.type.startswith("pulumi:")]
            resources[twin] = {r.name for r in mine}
            names = {r.urn: r.name for r in mine}
            dependencies[twin] = {r.name: {names[u] for u in r.dependencies if u in names} for r in mine}
            diagnostics = [d for r in for_analyze for d in pack.analyze(r)]
            diagnostics += pack.analyze_stack(for_stack)
            for diag in diagnostics:
                if diag.urn:  # a finding about the whole estate names no resource: nothing to pair
                    fired[(twin, diag.urn.rsplit("::", 1)[-1])].add(diag.policy_name)
    return PackRun(dict(fired), resources, dependencies, time.perf_counter() - started)
