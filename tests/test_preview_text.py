"""The text preview is for people: it fits the terminal, ends with the summary, keeps outputs
behind a flag, prints plain numbers and real characters, colours only a terminal and reports
progress on stderr."""

from __future__ import annotations

import io
import json
import re

import pytest
from skyweave.cli import main
from skyweave.cli.preview import render_text
from skyweave.cli.style import Progress, Style, fit, plain_number, use_color
from skyweave.engine.offline import OfflineRun
from skyweave.engine.preview import render_json

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("width", [60, 80, 100, 132])
def test_every_line_fits_the_width_and_no_name_is_cut(prod_run: OfflineRun, width: int) -> None:
    text = render_text(prod_run, width=width)
    assert max(len(line) for line in text.splitlines()) <= width
    if width >= 80:  # a name is cut only when a single word is wider than the whole line
        assert "…" not in text
        for reg in prod_run.resources:
            assert reg.name in text


def test_the_summary_is_the_last_thing_printed(prod_run: OfflineRun) -> None:
    lines = render_text(prod_run, width=100).splitlines()
    assert lines[-1].startswith(f"Resources: {len(prod_run.resources)} to create: ")
    tree_end = max(i for i, line in enumerate(lines) if line.lstrip().startswith("+ "))
    assert tree_end < next(i for i, line in enumerate(lines) if line == "  per type:")


def test_outputs_only_behind_the_flag(prod_run: OfflineRun) -> None:
    text = render_text(prod_run, width=100)
    assert "Outputs: 14 (shown with --show-outputs: apps, buckets, databases, inventory," in text
    assert "onprem_devices:" not in text
    shown = render_text(prod_run, width=100, show_outputs=True)
    assert "\nOutputs:\n" in shown and "  onprem_devices:" in shown
    assert shown.splitlines()[-1].startswith(f"Resources: {len(prod_run.resources)} to create")


def test_outputs_show_plain_numbers_and_real_characters(prod_run: OfflineRun) -> None:
    raw = json.dumps(prod_run.outputs)
    assert "0.9999719855997203" in raw and "\\u00d7" in raw  # what the outputs hold
    shown = render_text(prod_run, width=120, show_outputs=True)
    assert "0.9999719855997203" not in shown and "0.9999719856" in shown
    assert "\\u00d7" not in shown and "×" in shown


def test_plain_numbers() -> None:
    assert plain_number(0.9999950000000001) == 0.999995
    assert plain_number(0.9999989901) == 0.9999989901
    assert plain_number({"a": [2.0, 1e-12, True, "x"]}) == {"a": [2, 1e-12, True, "x"]}


def test_fit_wraps_at_spaces_and_marks_the_only_cut() -> None:
    assert fit("    + short  name", 40) == ["    + short  name"]
    assert fit("    + " + "t" * 20 + "  " + "n" * 20, 30) == ["    + " + "t" * 20, "        " + "n" * 20]
    assert fit("  " + "x" * 50, 20) == ["  " + "x" * 17 + "…"]


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert use_color(_Tty()) and not use_color(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color(_Tty())
    assert use_color(io.StringIO(), "always") and not use_color(_Tty(), "never")
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert use_color(io.StringIO())


def test_coloured_text_is_the_plain_text_plus_escapes(prod_run: OfflineRun) -> None:
    plain = render_text(prod_run, width=100)
    coloured = render_text(prod_run, width=100, style=Style(color=True))
    assert coloured != plain and ANSI.sub("", coloured) == plain
    assert "\x1b[32m+\x1b[0m aws:ec2/vpc:Vpc" in coloured


def test_the_command_does_not_colour_a_pipe(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert main(["preview", "--stack", "dev"]) == 0
    assert "\x1b[" not in capsys.readouterr().out
    assert main(["preview", "--stack", "dev", "--color", "always"]) == 0
    assert "\x1b[32m+" in capsys.readouterr().out


def test_json_stays_as_it_was(prod_run: OfflineRun) -> None:
    # The JSON is for tools: unchanged by the text's rounding and unescaping.
    assert "0.9999719855997203" in render_json(prod_run)


def test_progress_is_live_on_a_terminal_and_logged_elsewhere() -> None:
    now = [0.0]

    def clock() -> float:
        return now[0]

    tty = _Tty()
    live = Progress(tty, clock=clock)
    for _ in range(3):
        now[0] += 0.6
        live.tick()
    live.done()
    assert "\r\x1b[K  registered 2 resources (1 s)" in tty.getvalue()
    assert tty.getvalue().endswith("\r\x1b[K")
    log = io.StringIO()
    logged = Progress(log, clock=clock, every=2)
    for _ in range(5):
        now[0] += 0.5
        logged.tick()
    logged.done()
    assert log.getvalue().splitlines() == [
        "skyweave: registered 2 resources (1 s)",
        "skyweave: registered 4 resources (2 s)",
        "skyweave: registered 5 resources in 2 s",
    ]
    quick = io.StringIO()
    fast = Progress(quick, clock=clock)
    fast.tick()
    fast.done()
    assert quick.getvalue() == ""  # under a second: nothing to say


def test_the_command_reports_progress_on_stderr_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preview", "--stack", "dev", "--progress", "--format", "json"]) == 0
    captured = capsys.readouterr()
    json.loads(captured.out)  # stdout is still only the JSON
    assert re.search(r"skyweave: registered [\d,]+ resources in \d+ s", captured.err)


def test_preview_and_check_count_the_same_resources(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 23 item 12: `preview` said 516 to create where `check` said 517 resources. The one
    between them is the root `pulumi:pulumi:Stack`, which `pulumi up` creates and counts with the
    rest (its summary of a new stack counts it: pulumi/examples, aws-go-s3-folder's README, "5
    changes performed" for a stack, a bucket, its policy and two objects). Both count it now."""

    assert main(["preview", "--stack", "dev"]) == 0
    preview = re.search(r"Resources: (\d+) to create: .* and the stack", capsys.readouterr().out)
    assert preview, "no summary line"
    main(["check", "--stack", "dev"])
    checked = re.search(r": (\d+) resources, \d+ rules", capsys.readouterr().out)
    assert checked, "no check header"
    assert preview[1] == checked[1]


def test_warnings_come_after_the_per_type_table_just_above_the_total(prod_run: OfflineRun) -> None:
    """A warning printed above a 100-line table scrolls away: it comes last but the total."""
    assert prod_run.warnings  # prod's Swift container: versioning needs the cluster's middleware
    lines = render_text(prod_run, width=100).splitlines()
    warnings = lines.index("Warnings:")
    assert lines.index("  cloud resources per vendor:") < warnings
    assert lines[-1].startswith("Resources: ")
    between = lines[warnings + 1 : -1]  # the warnings themselves, nothing else
    assert all(line == "" or line.startswith(("  - ", "      ")) for line in between), between
