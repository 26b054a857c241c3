"""Markdown for pull-request comments: `check`, `simulate` and `preview --diff` put the verdict
first, what needs attention as a table, the rest folded; cells never break the table."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from conftest import ROOT, stack_raw, write_stack
from skyweave.cli import main
from skyweave.cli.markdown import cell, details, escape, table
from skyweave.policy.pack import ALL_RULES

BROKEN = ROOT / "examples" / "single-vendor"


def _tables_are_well_formed(text: str) -> None:
    for block in re.findall(r"((?:^\|.*\|\n)+)", text, re.M):
        rows = block.splitlines()
        columns = {len(re.split(r"(?<!\\)\|", row)) for row in rows}
        assert len(columns) == 1, block


def test_helpers_keep_cells_and_prose_intact() -> None:
    assert cell("a|b\nc") == "a\\|b<br>c"
    assert escape("*x* `y` <z>") == "\\*x\\* \\`y\\` \\<z\\>"
    assert table(("a", "b"), [("1|2", "3")]) == "| a | b |\n|---|---|\n| 1\\|2 | 3 |"
    assert details("s", "body").startswith("<details><summary>s</summary>\n\nbody")


def test_check_markdown_leads_with_the_verdict_and_the_violations(
    capsys: pytest.CaptureFixture[str], prod_json: str, tmp_path: Path
) -> None:
    assert main(["-C", str(BROKEN), "check", "--stack", "broken", "--format", "markdown"]) == 4
    text = capsys.readouterr().out
    heading, blank, verdict = text.splitlines()[:3]
    assert heading == "### skyweave check: stack `broken`" and blank == ""
    assert verdict.startswith("❌ **") and "mandatory violation(s): FAILED" in verdict
    docs = "https://github.com/skyweave/skyweave/blob/main/docs/policies.md"
    assert (
        f"| mandatory | high | [`skyweave-redundancy-min-vendors`]({docs}#skyweave-redundancy-min-vendors) |"
        in text
    )
    assert "<details><summary>how to comply</summary>" in text
    assert f"<details><summary>the {len(ALL_RULES)} rules</summary>" in text
    _tables_are_well_formed(text)
    plan = tmp_path / "prod.json"  # the session's prod preview, judged as check --stack judges it
    plan.write_text(prod_json)
    assert main(["check", "--from-json", str(plan), "--format", "markdown"]) == 0
    assert "✅ **no mandatory violation: passed**" in capsys.readouterr().out


def test_simulate_markdown(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["simulate", "--stack", "prod", "--format", "markdown"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("### skyweave simulate: stack `prod`\n\n✅ **every required failure is survived**")
    assert "<details><summary>every failure (" in text and "| vendor aws | shop |" in text
    _tables_are_well_formed(text)
    # prod's name is on two DNS vendors; with Route 53 alone, losing AWS loses the name
    raw = copy.deepcopy(stack_raw("prod"))
    del raw["apps"][0]["dns"]["also_served_by"]
    write_stack(tmp_path, "prod", raw)
    assert main(["-C", str(tmp_path), "simulate", "--stack", "prod", "--format", "markdown"]) == 4
    text = capsys.readouterr().out
    assert "❌ **NOT SURVIVED: 1 required failure(s): shop under vendor aws (16/16)**" in text
    # the failing row is shown before the fold, not only inside it
    assert text.index("NOT SURVIVED (required)") < text.index("<details>")
