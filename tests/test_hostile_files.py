"""Hostile files in (issue 29): every file the CLI accepts — a baseline, a plan, a diff base, a policy
config, a stack file, the component outputs a preview JSON carries — is read through the one
boundary (``skyweave.files``): regular files only (a FIFO or a device is refused, never read until
memory runs out or waited on), bounded, strict UTF-8, schema-checked with the path of the bad value,
and never echoed where it may hold key material. Every refusal is one message and exit 1."""

from __future__ import annotations

import contextlib
import copy
import json
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from skyweave import files
from skyweave.cli import main
from skyweave.core.errors import ConfigError

PEM = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"
    "-----END OPENSSH PRIVATE KEY-----"
)
SINGLE = ROOT / "examples" / "single-vendor"
CHECK = ["-C", str(SINGLE), "check", "--stack", "broken"]


def _fails_cleanly(capsys: pytest.CaptureFixture[str], argv: list[str], *needles: str) -> str:
    """Exit 1, one ``error:`` message on stderr (no traceback) containing ``needles``."""
    code = main(argv)
    _, err = capsys.readouterr()
    assert code == 1, err
    assert "Traceback" not in err and "internal error" not in err, err
    assert err.startswith("error: ") and err.count("error: ") == 1, err
    for needle in needles:
        assert needle in err, err
    return err


def _within(seconds: float, fn: Callable[[], object], release: Path | None = None) -> None:
    """Run ``fn`` in a thread; fail (after unblocking a FIFO reader) when it does not return."""
    done = threading.Event()
    failure: list[BaseException] = []

    def target() -> None:
        try:
            fn()
        except BaseException as exc:
            failure.append(exc)
        finally:
            done.set()

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    if not done.wait(seconds):
        if release is not None:  # a writer opening the FIFO lets the blocked open() return
            with contextlib.suppress(OSError):
                os.close(os.open(release, os.O_WRONLY | os.O_NONBLOCK))
        done.wait(5)
        pytest.fail(f"still reading {release} after {seconds} s: a FIFO must be refused, not waited on")
    if failure:
        raise failure[0]


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "pipe.json"
    os.mkfifo(path)
    yield path


# --- the reader itself --------------------------------------------------------------------


def test_a_fifo_is_refused_without_waiting_for_a_writer(fifo: Path) -> None:
    def read() -> None:
        with pytest.raises(ConfigError, match="not a regular file"):
            files.read_bytes(fifo, "pipe.json")

    _within(10, read, release=fifo)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_a_device_is_refused_unread(device: str) -> None:
    if not Path(device).exists():
        pytest.skip(f"no {device}")
    with pytest.raises(ConfigError, match=f"{device}: is not a regular file"):
        files.read_json(Path(device), device)


# --- check --baseline ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b'{"skyweaveBaseline": 1, "findings": ["\xff"]}', "is not UTF-8: byte 0xFF at offset 38"),
        (b'{"findings": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested deeper than 64"),
        (b'{"skyweaveBaseline": ' + b"9" * 5000 + b"}", "an integer of 5,000 digits"),
        (b'{"skyweaveBaseline": 1, "findings": [1,]}', "not valid JSON at line 1"),
    ],
)
def test_a_broken_baseline_is_one_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, needle: str
) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_bytes(data)
    _fails_cleanly(capsys, [*CHECK, "--baseline", str(baseline)], str(baseline), needle)


def test_a_device_or_fifo_as_baseline_is_refused(
    fifo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fails_cleanly(capsys, [*CHECK, "--baseline", "/dev/zero"], "/dev/zero: is not a regular file")
    _within(30, lambda: _fails_cleanly(capsys, [*CHECK, "--baseline", str(fifo)], "not a regular file"), fifo)


def test_a_malformed_baseline_row_is_named_by_its_path_not_echoed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = tmp_path / "baseline.json"
    rows = [{"policy": "p", "urn": "u", "message": "m"}, {"policy": "p", "urn": PEM, "message": 7}]
    baseline.write_text(json.dumps({"skyweaveBaseline": 1, "findings": rows}))
    err = _fails_cleanly(capsys, [*CHECK, "--baseline", str(baseline)], "findings[1].message", "valid string")
    assert "BEGIN" not in err and "b3BlbnNz" not in err, err


# --- other files the CLI accepts: plans, diff bases, policy configs, stack files ----------


def test_a_fifo_is_refused_wherever_a_file_is_read(
    fifo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text("{}")
    for argv in (
        ["check", "--from-json", str(fifo)],
        ["check", "--from-json", str(plan), "--config", str(fifo)],
        ["graph", "--from-json", str(fifo)],
        ["simulate", "--from-json", str(fifo)],
        ["inventory", "--from-json", str(fifo)],
        ["preview", "--stack", "dev", "--diff", str(fifo)],
        ["stacks", "--stack", "dev", "--migrate", "--state", str(fifo)],
    ):
        _within(30, lambda argv=argv: _fails_cleanly(capsys, argv, str(fifo), "not a regular file"), fifo)


def test_a_fifo_stack_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: p\nruntime: python\n")
    os.mkfifo(tmp_path / "Pulumi.s.yaml")
    _within(
        30,
        lambda: _fails_cleanly(
            capsys, ["-C", str(tmp_path), "ipam", "show", "--stack", "s"], "not a regular file"
        ),
        tmp_path / "Pulumi.s.yaml",
    )


# --- component outputs read from a plan --------------------------------------------------


@pytest.fixture(scope="module")
def prod_preview() -> dict[str, Any]:
    from skyweave.engine.preview import preview_stack, render_json
    from skyweave.estate.project import Project

    doc: dict[str, Any] = json.loads(render_json(preview_stack(Project.find(ROOT), "prod")))
    return doc


def _outputs(doc: dict[str, Any], suffix: str) -> dict[str, Any]:
    (urn,) = [u for u in doc["component_outputs"] if u.endswith(suffix)]
    found: dict[str, Any] = doc["component_outputs"][urn]
    return found


def _network(doc: dict[str, Any]) -> dict[str, Any]:
    return _outputs(doc, "HybridVpc::core")


def _pool(doc: dict[str, Any]) -> dict[str, Any]:
    return _outputs(doc, "BareMetalPool::metal")


def _app(doc: dict[str, Any]) -> dict[str, Any]:
    (urn,) = [u for u in doc["component_outputs"] if "MultiCloudApp::" in u][:1]
    found: dict[str, Any] = doc["component_outputs"][urn]
    return found


#: (what to break, the key path the message must name); each a plan that once ended in exit 3.
TAMPERS: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        "site not an object",
        lambda d: _network(d)["layout"]["sites"].__setitem__("aws-use1", 1.5),
        "layout.sites.aws-use1",
    ),
    (
        "vendor missing",
        lambda d: _network(d)["layout"]["sites"]["aws-use1"].pop("vendor"),
        "layout.sites.aws-use1.vendor",
    ),
    (
        "zones a float",
        lambda d: _network(d)["layout"]["sites"]["aws-use1"].__setitem__("zones", 2.0),
        "layout.sites.aws-use1.zones",
    ),
    ("sites a list", lambda d: _network(d)["layout"].__setitem__("sites", []), "layout.sites"),
    (
        "link sites three",
        lambda d: next(iter(_network(d)["links"]["links"].values())).__setitem__("sites", ["a", "b", "c"]),
        "links.links.",
    ),
    (
        "link shape missing",
        lambda d: next(iter(_network(d)["links"]["links"].values())).pop("shape"),
        ".shape",
    ),
    (
        "asn a string",
        lambda d: _network(d)["links"]["asns"].__setitem__("aws-use1", "x"),
        "links.asns.aws-use1",
    ),
    (
        "site name with newline",
        lambda d: _network(d)["layout"]["sites"].__setitem__(
            "a\nclick PWNED", {"vendor": "aws", "region": "r", "zones": []}
        ),
        "layout.sites",
    ),
    ("placements a number", lambda d: _pool(d).__setitem__("placements", 3), "placements"),
    (
        "placement count a string",
        lambda d: _pool(d)["placements"][0].__setitem__("count", "many"),
        "placements[0].count",
    ),
    ("minHealthy a list", lambda d: _pool(d).__setitem__("minHealthy", [1]), "minHealthy"),
    ("survive unknown", lambda d: _pool(d).__setitem__("survive", "galaxy"), "survive"),
    ("nodes an object", lambda d: _pool(d).__setitem__("nodes", {"a": 1}), "nodes"),
    ("node without name", lambda d: _pool(d)["nodes"][0].pop("name"), "nodes[0].name"),
    (
        "failure domain a list",
        lambda d: _pool(d)["nodes"][2].__setitem__("failure_domain", [1]),
        "nodes[2].failure_domain",
    ),
    (
        "template as address",
        lambda d: _pool(d)["nodes"][2].__setitem__("address", "{{ lookup('pipe','touch /tmp/pwned') }}"),
        "nodes[2].address",
    ),
    (
        "template as user",
        lambda d: _pool(d)["nodes"][2].__setitem__("ssh_user", "{{ x }}"),
        "nodes[2].ssh_user",
    ),
    ("app placements", lambda d: _app(d).__setitem__("placements", [{"site": 1}]), "placements[0]"),
]


@pytest.mark.parametrize(("what", "tamper", "path"), TAMPERS, ids=[t[0] for t in TAMPERS])
@pytest.mark.parametrize("command", ["graph", "simulate", "inventory"])
def test_a_wrong_component_output_is_one_message(
    prod_preview: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    what: str,
    tamper: Callable[[dict[str, Any]], None],
    path: str,
) -> None:
    doc = copy.deepcopy(prod_preview)
    tamper(doc)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(doc))
    err = _fails_cleanly(capsys, [command, "--from-json", str(plan)], str(plan), "component_outputs", path)
    assert "lookup" not in err and "\nclick" not in err, err


def test_an_untampered_preview_still_reads(
    prod_preview: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(prod_preview))
    for command in ("graph", "inventory"):
        assert main([command, "--from-json", str(plan)]) == 0, capsys.readouterr().err


# --- preview --diff bases --------------------------------------------------------------------


def test_a_stack_export_whose_resources_are_not_a_list_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``"resources": {}`` once read as an empty deployment (every resource "to create")."""
    base = tmp_path / "export.json"
    for resources in ({}, "", 0, False):
        base.write_text(json.dumps({"version": 3, "deployment": {"resources": resources}}))
        _fails_cleanly(
            capsys,
            ["preview", "--stack", "dev", "--diff", str(base)],
            "deployment.resources",
            "must be a list",
        )


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_a_hostile_base_urn_is_shown_not_obeyed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """A URN with a lone surrogate crashed the renderers (exit 3); one with ``ESC[2J`` cleared the
    screen; one with Markdown added a fake heading and an unclosed fold."""
    urn = "urn:pulumi:dev::skyweave::aws:s3/bucket:Bucket::x\ud800\x1b[2J\x1b]0;t\x07"
    urn += "\n### ✅ no changes\n<details>"
    base = tmp_path / "base.json"
    row = {"urn": urn, "type": "aws:s3/bucket:Bucket", "name": "x", "inputs": {}}
    base.write_text(json.dumps({"stack": "dev", "project": "skyweave", "resources": [row]}))
    assert main(["preview", "--stack", "dev", "--diff", str(base), "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\ud800" not in out
    if fmt == "markdown":
        assert "\n### ✅" not in out and "\n<details>\n" not in out.split("<details><summary>")[0]
