"""A new vendor touches what docs/architecture.md says it touches, and nothing else.

The files a branch that adds a vendor changed (``git diff --name-only main...HEAD``) must each be
named by one of the doc's rows for *a new vendor*, *a new kind of VPN endpoint / a new vendor pair*
and *a new policy rule*, or by its list of what adding Azure touched once. A branch that adds no
vendor (a refactor) is not judged by those rows: main's newest vendor merge is checked instead.
Paths in the rows are read from their backticks: ``drivers/<vendor>/`` is a vendor's folder,
``network/links/<shape>.py`` any link module; package paths are relative to ``components/``.
Tests are the change's own and always allowed. On a checkout without ``main`` (or with nothing
changed) there is nothing to check.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
ROWS = ("**a new vendor**", "**a new kind of VPN endpoint / a new vendor pair**", "**a new policy rule**")
#: What ``<vendor>`` stands for: a vendor folder of the drivers.
VENDORS = sorted(p.parent.name for p in (ROOT / "components" / "drivers").glob("*/driver.py"))
LAYERS = (
    "core",
    "files",
    "engine",
    "planning",
    "drivers",
    "network",
    "app",
    "metal",
    "storage",
    "estate",
    "policy",
    "cli",
    "bridge",
)


def _sections() -> list[str]:
    text = DOC.read_text()
    rows = [
        line
        for line in text.splitlines()
        if line.startswith("| ") and line.split("|")[1].strip().startswith(ROWS)
    ]
    assert len(rows) == len(ROWS), "docs/architecture.md lost one of the rows this test reads"
    once = text[text.index("### What adding Azure touched") :]
    return [*rows, once]


def _pattern(token: str) -> re.Pattern[str] | None:
    """The files a backticked token of the doc names, or ``None`` when it names no file."""
    if "/" not in token and not re.search(r"\.(py|md|toml|yaml|urns)$", token):
        return None
    token = token.strip().rstrip(".,;")
    if token.split("/")[0] in LAYERS:
        token = f"components/{token}"
    regex = (
        re.escape(token)
        .replace(re.escape("<vendor>"), "(" + "|".join(VENDORS) + ")")
        .replace(re.escape("<shape>"), "[a-z0-9_]+")
        .replace(re.escape("<page>"), "[a-z0-9-]+")
    )
    if token.endswith("/"):
        regex += ".*"
    return re.compile(regex)


def allowed_patterns() -> list[re.Pattern[str]]:
    patterns = [re.compile(r"tests/.*")]
    for section in _sections():
        for token in re.findall(r"`([^`]+)`", section):
            found = _pattern(token)
            if found is not None:
                patterns.append(found)
    return patterns


#: The subject the merge of the Azure branch into main starts with: after it, main's history holds
#: what the branch changed (the merge's diff from its first parent), and this test keeps checking it.
AZURE_MERGE = "Merge azure (issue 18)"
#: A change that adds a vendor adds its driver module.
_NEW_DRIVER = re.compile(r"components/drivers/[a-z0-9_]+/driver\.py")


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout


def _adds_a_vendor(base: str, head: str) -> bool:
    added = _git("diff", "--name-only", "--diff-filter=A", f"{base}...{head}")
    return any(_NEW_DRIVER.fullmatch(line) for line in added.splitlines())


def _changed() -> list[str]:
    """What the newest vendor change touched: this branch's diff (``main...HEAD``) when the branch
    adds a vendor; otherwise (on main, or on a branch that adds none — a refactor is not judged by
    the vendor rows) the Azure merge's diff from its first parent."""
    try:
        base = _git("merge-base", "main", "HEAD").strip()
        if _adds_a_vendor(base, "HEAD"):
            out = _git("diff", "--name-only", f"{base}...HEAD")
        else:
            merge = _git(
                "log", "--merges", "--first-parent", "-1", "--format=%H", f"--grep=^{AZURE_MERGE}"
            ).strip()
            out = _git("diff", "--name-only", f"{merge}^1", merge) if merge else ""
    except (OSError, subprocess.CalledProcessError):
        return []
    return [line for line in out.splitlines() if line]


def test_the_doc_names_the_files_a_vendor_and_a_pair_touch() -> None:
    patterns = allowed_patterns()
    for expected in (
        "components/drivers/azure/driver.py",
        "components/drivers/registry.py",
        "components/drivers/vpn.py",
        "components/planning/vpn.py",
        "components/network/links/gateway_active.py",
        "components/network/links/__init__.py",
        "components/policy/pack.py",
        "docs/connectivity.md",
        "docs/azure.md",
        "pyproject.toml",
        "CHANGELOG.md",
    ):
        assert any(p.fullmatch(expected) for p in patterns), expected
    for unexpected in (
        "components/cli/preview.py",
        "components/estate/config.py",
        "components/core/sites.py",
    ):
        assert not any(p.fullmatch(unexpected) for p in patterns), unexpected


#: vSphere's own commits (issue 26): their subjects start so; the merges that brought main into its
#: branch are left out, so only what vSphere changed is judged.
VSPHERE_COMMITS = ("^vsphere", "^Issue 26")


def _vsphere_changed() -> list[str]:
    try:
        commits = _git(
            "log", "main", "--no-merges", "-i", "--format=%H", *(f"--grep={g}" for g in VSPHERE_COMMITS)
        ).split()
        files = {f for c in commits for f in _git("show", "--format=", "--name-only", c).splitlines() if f}
    except (OSError, subprocess.CalledProcessError):
        return []
    return sorted(files)


def test_vsphere_touched_only_what_the_doc_says() -> None:
    """Issue 26: CONTRIBUTING's and this page's "a vendor touches" list matches vSphere's diff."""
    changed = _vsphere_changed()
    if not changed:
        pytest.skip("no `main` with vSphere's commits to compare with")
    assert "components/drivers/vsphere/driver.py" in changed
    patterns = allowed_patterns()
    outside = [path for path in changed if not any(p.fullmatch(path) for p in patterns)]
    assert not outside, f"files docs/architecture.md does not name for vSphere: {outside}"


def test_the_branch_touched_only_what_the_doc_says() -> None:
    changed = _changed()
    if not changed:
        pytest.skip("no `main` to compare with, or nothing changed on this branch")
    patterns = allowed_patterns()
    outside = [path for path in changed if not any(p.fullmatch(path) for p in patterns)]
    assert not outside, f"files docs/architecture.md does not name for this change: {outside}"
