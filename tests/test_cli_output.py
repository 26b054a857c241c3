"""Output outside `preview` is for people too (issue 23 item 11): `simulate`'s table and `check`'s
findings fit the terminal (COLUMNS) and wrap at spaces, never inside a word; colour only on a
terminal (NO_COLOR, FORCE_COLOR); findings by severity; `ipam show` has a header."""

from __future__ import annotations

import copy
import io
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, stack_raw
from skyweave.cli import main
from skyweave.cli.style import Style, table
from skyweave.core.errors import ConfigError
from skyweave.estate.config import parse_stack_config

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _words(text: str) -> list[str]:
    return ANSI.sub("", text).split()


@pytest.fixture
def plain_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No colour forced or refused by the environment the tests run in."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return monkeypatch


# -- the table ---------------------------------------------------------------------------------


def test_a_table_that_fits_is_left_as_it_is() -> None:
    lines = table(("a", "bb"), [("x", "y"), ("long", "z")], 80)
    assert lines == ["a     bb", "----  --", "x     y", "long  z"]


@pytest.mark.parametrize("width", [40, 50, 60, 80])
def test_a_wide_table_wraps_its_widest_cells_at_spaces(width: int) -> None:
    rows = [
        ("vendor aws", "shop", "aws-use1, gcp-euw1, os-dc1, azure-weu1, vs-dc1", "survived (required)"),
        ("zone openstack/RegionOne/az1", "metal (pool)", "(no dns) os-dc1", "NOT SURVIVED (required)"),
    ]
    header = ("failure", "app", "dns targets", "result")
    lines = table(header, rows, width)
    assert max(len(line) for line in lines) <= width
    # every word of every cell is printed whole
    printed = _words("\n".join(lines))
    for row in rows:
        for cell in row:
            for word in cell.split():
                assert word in printed, (word, lines)


def test_colour_is_applied_after_padding() -> None:
    lines = table(
        ("a", "b"), [("x", "bad")], 80, style=Style(color=True), paint=lambda i, c: "red" * (i == 1)
    )
    assert lines[2] == "x  \x1b[31mbad\x1b[0m"


# -- simulate ----------------------------------------------------------------------------------


@pytest.mark.parametrize("columns", [60, 80, 100])
def test_simulate_fits_the_terminal(
    columns: int, plain_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plain_env.setenv("COLUMNS", str(columns))
    assert main(["simulate", "--stack", "prod"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= columns, out
    assert "\x1b[" not in out  # not a terminal: no colour
    # nothing is cut: every site the JSON names is in the table, whole
    for site in ("aws-use1", "gcp-euw1", "os-dc1", "azure-weu1", "vs-dc1", "onprem-fra"):
        assert site in _words(out) or f"{site}," in _words(out)
    assert "zone openstack/RegionOne/az1" in out or "openstack/RegionOne/az1" in _words(out)


def test_simulate_colours_only_when_asked_for(
    plain_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plain_env.setenv("FORCE_COLOR", "1")
    plain_env.setenv("COLUMNS", "200")
    assert main(["simulate", "--stack", "dev"]) == 0
    coloured = capsys.readouterr().out
    assert "\x1b[32msurvived (required)\x1b[0m" in coloured
    plain_env.setenv("NO_COLOR", "1")  # https://no-color.org: wins over FORCE_COLOR
    assert main(["simulate", "--stack", "dev"]) == 0
    assert "\x1b[" not in capsys.readouterr().out
    plain_env.delenv("NO_COLOR")
    assert main(["simulate", "--stack", "dev", "--color", "never"]) == 0
    assert "\x1b[" not in capsys.readouterr().out


# -- ipam show ---------------------------------------------------------------------------------


def _columns(header: str, line: str) -> dict[str, str]:
    """A table line's cells, cut at the header's column starts."""
    names = header.split()
    starts = [header.index(name) for name in names]
    ends = [*starts[1:], None]
    return {n: line[s:e].strip() for n, s, e in zip(names, starts, ends, strict=True)}


def test_ipam_show_has_a_header_and_ipv6_in_its_own_column(
    plain_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import ipaddress

    plain_env.setenv("COLUMNS", "120")
    assert main(["ipam", "show", "--stack", "prod", "--format", "json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert main(["ipam", "show", "--stack", "prod"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if line.startswith("site "))
    assert header.split() == ["site", "vendor", "subnet", "ipv4", "zone", "ipv6", "pinned"]
    rows = [_columns(header, line) for line in lines[lines.index(header) + 2 :] if line.strip()]
    site = ""
    seen = 0
    for row in rows:
        site = row["site"] or site
        data = plan["sites"][site]
        if row["site"]:
            assert row["vendor"] == data["vendor"] and row["ipv6"] == data.get("ipv6_cidr", "")
            continue
        sub = data["subnets"][row["subnet"]]
        assert row["ipv4"] == sub["cidr"] and row["zone"] == (sub["zone"] or "")
        assert row["ipv6"] == sub.get("ipv6_cidr", "")
        if row["ipv6"]:
            assert ipaddress.ip_network(row["ipv6"]).prefixlen == 64
            seen += 1
    assert seen == 3  # os-dc1's and azure-weu1's two dual-stack subnets


# -- check -------------------------------------------------------------------------------------

BROKEN = ["-C", str(ROOT / "examples" / "single-vendor"), "check", "--stack", "broken"]
SEVERITIES = ("critical", "high", "medium", "low", "")


@pytest.fixture(scope="module")
def broken_json() -> dict[str, Any]:
    import contextlib

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([*BROKEN, "--format", "json"]) == 4
    doc: dict[str, Any] = json.loads(out.getvalue())
    return doc


@pytest.mark.parametrize("columns", [60, 80])
def test_check_fits_the_terminal_and_never_breaks_a_word(
    columns: int,
    broken_json: dict[str, Any],
    plain_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    plain_env.setenv("COLUMNS", str(columns))
    assert main(BROKEN) == 4
    out = capsys.readouterr().out
    # every line fits but a link to the docs, which is never broken (it stays one click)
    long = [line for line in out.splitlines() if len(line) > columns]
    assert all(line.startswith("      https://") and " " not in line.strip() for line in long), long
    printed = _words(out)
    for violation in broken_json["violations"]:
        # a URN is one word: it may break after a '/' or ':' (as preview's type tokens do), never
        # elsewhere; every word of the message is printed whole
        for word in violation["message"].split():
            assert word in printed, word
        assert violation["urn"] in "".join(out.split()), violation["urn"]


def test_check_lists_findings_by_severity_then_rule_then_resource(
    broken_json: dict[str, Any], plain_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plain_env.setenv("COLUMNS", "400")
    assert main(BROKEN) == 4
    out = capsys.readouterr().out
    heads = [line.split() for line in out.splitlines() if line.startswith(("MANDATORY", "ADVISORY"))]
    shown = [(h[0].lower(), h[1], h[2].strip("[],")) for h in heads]
    violations = broken_json["violations"]
    expected = sorted(
        violations,
        key=lambda v: (
            v["level"] != "mandatory",
            SEVERITIES.index(v["severity"]),
            v["policy"],
            v["urn"],
        ),
    )
    assert shown == [(v["level"], v["policy"], v["severity"]) for v in expected]
    assert shown[0][2] == "critical"  # the open SSH port leads, not the bucket copy's rule
    # JSON keeps its documented order: mandatory first, then by rule, then by resource
    assert [v["policy"] for v in violations] == [
        v["policy"]
        for v in sorted(violations, key=lambda v: (v["level"] != "mandatory", v["policy"], v["urn"]))
    ]


def test_check_colours_by_severity_only_on_a_terminal(
    plain_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(BROKEN) == 4
    assert "\x1b[" not in capsys.readouterr().out
    plain_env.setenv("FORCE_COLOR", "1")
    assert main(BROKEN) == 4
    out = capsys.readouterr().out
    assert "\x1b[1;31mMANDATORY\x1b[0m" in out and "\x1b[1;31mcritical\x1b[0m" in out
    assert "\x1b[33mADVISORY\x1b[0m" in out
    assert main([*BROKEN, "--color", "never"]) == 4
    assert "\x1b[" not in capsys.readouterr().out


# -- something in the first seconds ----------------------------------------------------------


class _Terminal(io.StringIO):
    """stderr as a terminal would be: what is written, and isatty() true."""

    def isatty(self) -> bool:
        return True


def test_check_says_what_it_is_doing_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    assert main([*BROKEN, "--format", "json"]) == 4
    said = err.getvalue()
    doc = json.loads(capsys.readouterr().out)  # stdout is the report alone
    assert "running the program of stack 'broken' offline" in said
    assert f"checking {doc['resources']} resources against the policy pack" in said
    assert said.endswith("\r\x1b[K")  # the status line is erased before the result


def test_check_says_nothing_of_it_elsewhere(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*BROKEN, "--format", "json"]) == 4
    assert capsys.readouterr().err == ""


def test_preview_says_it_runs_the_program_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    err = _Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert main(["-C", str(ROOT / "examples" / "single-vendor"), "preview", "--stack", "broken"]) == 0
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    # erased before the result is printed: a terminal shows the two streams on one screen
    writes: list[str] = []
    monkeypatch.setattr(err, "write", lambda text: writes.append(f"err:{text}") or len(text))
    monkeypatch.setattr(out, "write", lambda text: writes.append(f"out:{text}") or len(text))
    assert main(["-C", str(ROOT / "examples" / "single-vendor"), "preview", "--stack", "broken"]) == 0
    said = [w for w in writes if w.startswith("err:")]
    assert said[0] == "err:\r\x1b[Krunning the program of stack 'broken' offline…"
    first_out = next(i for i, w in enumerate(writes) if w.startswith("out:"))
    assert writes[first_out - 1] == "err:\r\x1b[K"


# -- errors a user can act on ----------------------------------------------------------------


def test_a_policy_config_error_names_no_internal_runner(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The pack serves its rules through two runner policies (policy/fast.py): an implementation
    detail, never offered as a policy a config could name — nor accepted as one (disabling a
    runner would silently disable every rule)."""
    from skyweave.policy import ALL_RULES

    config = tmp_path / "typo.policy.json"
    config.write_text(json.dumps({"skyweave-security-imdsv2-requird": {"enforcementLevel": "advisory"}}))
    assert main([*BROKEN, "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "did you mean 'skyweave-security-imdsv2-required'?" in err
    listed = err.split("(it has: ", 1)[1].rstrip().rstrip(")").split(", ")
    assert listed == sorted(rule.name for rule in ALL_RULES)
    for runner in ("skyweave-run-resource-rules", "skyweave-run-stack-rules"):
        config.write_text(json.dumps({runner: {"enforcementLevel": "disabled"}}))
        assert main([*BROKEN, "--config", str(config)]) == 1
        assert (
            f"policy config names {runner}, which the pack 'skyweave' does not have"
            in capsys.readouterr().err
        )


def test_a_site_listed_twice_names_the_entry_not_a_python_list() -> None:
    from skyweave import MultiCloudAppArgs
    from skyweave.core.errors import InvalidArgsError

    with pytest.raises(InvalidArgsError) as raised:
        MultiCloudAppArgs(
            sites=["aws-use1", "gcp-euw1", "aws-use1"],
            images={"aws": "ami-0123456789abcdef0"},
            sizes={"aws": "t3.small"},
        )
    text = str(raised.value)
    assert "['aws-use1'" not in text
    assert "sites[2]: 'aws-use1': already listed as sites[0]; list each site once" in text


def test_a_zone_listed_twice_names_the_entry_not_a_python_list() -> None:
    raw = copy.deepcopy(stack_raw("dev"))
    raw["sites"][0]["zones"] = ["us-east-1a", "us-east-1b", "us-east-1a"]
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(raw, source="Pulumi.dev.yaml", stack="dev")
    text = str(raised.value)
    assert "['us-east-1a'" not in text
    assert "skyweave:sites[0].zones[2]: 'us-east-1a': already listed as zones[0]; list each zone once" in text


@pytest.mark.parametrize("columns", [60, 100])
def test_graph_text_fits_the_terminal(
    columns: int, plain_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["graph", "--stack", "prod", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    plain_env.setenv("COLUMNS", str(columns))
    assert main(["graph", "--stack", "prod"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= columns, out
    printed = _words(out)
    for failure in doc["failures"]:  # every surviving site of every failure, whole
        for group in failure["groups"]:
            for site in group:
                assert site in printed or f"{site}," in printed, site
    assert "Cut sites (their loss alone splits the rest): none" in " ".join(out.split())


def test_ctrl_c_on_a_terminal_erases_the_status_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    from skyweave.cli import dispatch

    err = _Terminal()
    monkeypatch.setattr(sys, "stderr", err)

    class _NoTimer:  # the grace timer would end this process: not started here
        daemon = False

        def __init__(self, *args: object) -> None:
            pass

        def start(self) -> None:
            pass

    monkeypatch.setattr(dispatch.threading, "Timer", _NoTimer)
    err.write("\r\x1b[Krunning the program of stack 'prod' offline…")
    with pytest.raises(KeyboardInterrupt):
        dispatch._on_interrupt(signal.SIGINT, None)
    dispatch._INTERRUPTED.clear()
    assert err.getvalue().endswith("offline…\r\x1b[Kinterrupted\n")
