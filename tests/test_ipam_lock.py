"""`skyweave ipam lock` is safe to run on a real stack file (issues 16 and 17): it is the remedy for
`ipam.require_pins`, it changes only what it pins (every other byte stays), it can show or check
instead of writing, and its write is atomic, single-writer and interrupt-proof."""

from __future__ import annotations

import difflib
import errno
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from skyweave import files
from skyweave.cli import ipam as ipam_cli
from skyweave.cli import main
from skyweave.cli.exit_codes import EXIT_REQUIREMENT

SHIPPED_PROD = (ROOT / "stacks" / "Pulumi.prod.yaml").read_text(encoding="utf-8")


def _unlocked(text: str) -> str:
    """``text`` without what `ipam lock` adds to a file whose site blocks are pinned: each site's
    ``asn`` line and the network's ``tunnel_blocks`` (the shipped files are locked, issue 23)."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    skipping = False
    for line in lines:
        if line == "    tunnel_blocks:\n":
            skipping = True
            continue
        if skipping and line.startswith("      "):
            continue
        skipping = False
        if re.fullmatch(r"      asn: \d+\n", line):
            continue
        out.append(line)
    return "".join(out)


#: The prod file before it was locked: the cloud sites' blocks pinned, nothing else.
PROD = _unlocked(SHIPPED_PROD)
DEV = (ROOT / "stacks" / "Pulumi.dev.yaml").read_text(encoding="utf-8")
DEV_NETWORK = "  skyweave:network:\n    tunnel_blocks:\n      aws-use1/gcp-euw1: 169.254.19.96/27\n"
LABEL = "stacks/Pulumi.prod.yaml"

NEW_SITE = """\
    - name: aws-euc1
      vendor: aws
      region: eu-central-1
      zones: [eu-central-1a, eu-central-1b]
"""


def _planned_pins(text: str) -> set[str]:
    """What must be pinned in ``text`` for nothing to move, from the plan (not from lock's output):
    every site's ``asn`` and the tunnel block of every link whose tunnels have inside addresses."""
    import yaml
    from skyweave.estate.config import parse_stack_config

    data = yaml.safe_load(text)["config"]
    raw = {k.split(":", 1)[1]: v for k, v in data.items() if k.startswith("skyweave:")}
    raw["ipam"] = {**raw.get("ipam", {}), "require_pins": False}
    plan = parse_stack_config(raw, source="count").plan.network
    sites = {f"skyweave:sites[{i}].asn" for i, site in enumerate(raw["sites"]) if "asn" not in site}
    pins = (raw.get("network") or {}).get("tunnel_blocks") or {}
    links = {
        f"skyweave:network.tunnel_blocks.{link.id}"
        for link in plan.connectivity.links
        if link.inside_cidrs and link.id not in pins
    }
    return sites | links


def _project(tmp_path: Path, stack_text: str | bytes, stack: str = "prod") -> Path:
    (tmp_path / "stacks").mkdir(exist_ok=True)
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copy(ROOT / "stacks" / "__main__.py", tmp_path / "stacks" / "__main__.py")
    data = stack_text.encode("utf-8") if isinstance(stack_text, str) else stack_text
    (tmp_path / "stacks" / f"Pulumi.{stack}.yaml").write_bytes(data)
    return tmp_path


def _stack_file(project: Path, stack: str = "prod") -> Path:
    return project / "stacks" / f"Pulumi.{stack}.yaml"


def _diff(before: str, after: str) -> tuple[list[str], list[str]]:
    """(removed, added) lines of ``difflib``'s diff, line endings kept."""
    removed: list[str] = []
    added: list[str] = []
    for line in difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True), n=0):
        if line.startswith(("---", "+++", "@@")):
            continue
        (removed if line.startswith("-") else added).append(line[1:])
    return removed, added


def _lock(project: Path, *extra: str) -> int:
    return main(["-C", str(project), "ipam", "lock", "--stack", "prod", *extra])


def _pinned_lines(out: str, indent: str = "      ", nl: str = "\n") -> list[str]:
    """The lines `ipam lock` reported writing, as they must appear in the file."""
    lines = []
    for line in out.splitlines():
        site = re.match(r"\s*skyweave:sites\[\d+\]\.(\w+) = (\S+)", line)
        link = re.match(r"\s*skyweave:network\.tunnel_blocks\.(\S+) = (\S+)", line)
        for match in (site, link):
            if match:
                lines.append(f"{indent}{match[1]}: {match[2]}{nl}")
    return lines


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_the_shipped_stacks_stay_locked(stack: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 23 item 7: the gate docs/ci.md recommends passes on the shipped stacks, so a change
    to them that needs a pin (a new site, a new link) fails here until `ipam lock` records it, and
    the first lock on a user's change writes only what that change needs."""
    text = (ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8")
    assert _planned_pins(text) == set()
    assert main(["ipam", "lock", "--stack", stack, "--check"]) == 0
    assert "every site and link is already pinned" in capsys.readouterr().out


# --- the shipped prod file ------------------------------------------------------------------


def test_lock_on_the_shipped_prod_file_inserts_only_the_pins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path, PROD)
    assert main(["-C", str(project), "ipam", "show", "--stack", "prod", "--format", "json"]) == 0
    plan_before = json.loads(capsys.readouterr().out)

    assert _lock(project) == 0
    out = capsys.readouterr().out
    pinned = {line.split(" = ")[0].strip() for line in out.splitlines()[1:] if " = " in line}
    assert pinned == _planned_pins(PROD), sorted(pinned ^ _planned_pins(PROD))
    assert f"pinned {len(pinned)} value(s)" in out
    after = _stack_file(project).read_text(encoding="utf-8")
    removed, added = _diff(PROD, after)
    assert removed == []
    # the ASNs inside their site entries, then the network's new tunnel_blocks
    assert sorted(added) == sorted([*_pinned_lines(out), "    tunnel_blocks:\n"])
    assert [line for line in added if "asn" in line] == [line for line in _pinned_lines(out) if "asn" in line]

    assert main(["-C", str(project), "ipam", "show", "--stack", "prod", "--format", "json"]) == 0
    plan_after = json.loads(capsys.readouterr().out)
    assert plan_after == plan_before

    # Locking it again gives the shipped file, byte for byte.
    assert after == SHIPPED_PROD
    # Everything is pinned now: a second lock is an empty diff.
    assert _lock(project) == 0
    assert "nothing to write" in capsys.readouterr().out
    assert _stack_file(project).read_text(encoding="utf-8") == after


def test_adding_a_site_to_prod_preview_dry_run_lock_preview(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], prod_json: str
) -> None:
    """Issue 17's day-2 workflow: require_pins refuses the new site, lock is the remedy.

    On the shipped (locked) file: unpinned, a new site may move an existing link's planned tunnel
    block (with vs-dc1 in prod, adding aws-euc1 moves aws-usw2/vs-dc1's), which the pins prevent.
    """
    text = SHIPPED_PROD.replace(
        "  # A bare-metal pool over three sources", NEW_SITE + "  # A bare-metal pool over three sources"
    ).replace(  # its gateway, like prod's, needs 12 VPN connections: the raised quota too
        "      aws-usw2: {vpn_connections_per_gateway: 12}\n",
        "      aws-usw2: {vpn_connections_per_gateway: 12}\n"
        "      aws-euc1: {vpn_connections_per_gateway: 12}\n",
    )
    project = _project(tmp_path, text)
    argv = ["-C", str(project)]

    assert main([*argv, "preview", "--stack", "prod"]) == 1
    err = capsys.readouterr().err
    assert (
        "skyweave:sites[8].cidr" in err and "skyweave ipam lock --stack prod" in err and "<stack>" not in err
    )

    assert main([*argv, "ipam", "show", "--stack", "prod"]) == 0
    shown = capsys.readouterr().out
    assert "NOT PINNED: aws-euc1 (run `skyweave ipam lock --stack prod`)" in shown

    assert main([*argv, "ipam", "lock", "--stack", "prod", "--check"]) == EXIT_REQUIREMENT
    checked = capsys.readouterr().out
    assert "skyweave:sites[8].cidr" in checked
    assert main([*argv, "ipam", "lock", "--stack", "prod", "--dry-run"]) == 0
    dry = capsys.readouterr()
    assert _stack_file(project).read_text(encoding="utf-8") == text  # nothing written
    assert dry.out.startswith(f"--- a/{LABEL}\n+++ b/{LABEL}\n")

    assert main([*argv, "ipam", "lock", "--stack", "prod"]) == 0
    capsys.readouterr()
    after = _stack_file(project).read_text(encoding="utf-8")
    assert files.unified_diff(LABEL, text, after) == dry.out
    removed, added = _diff(text, after)
    assert removed == []
    assert "      cidr: 10.5.0.0/16\n" in added  # the first free /16 of the supernet

    assert main([*argv, "ipam", "lock", "--stack", "prod", "--check"]) == 0
    capsys.readouterr()

    # The stack previews, and against what was there before the site was added (the shipped prod,
    # the session's preview of it) the change is creates: the new site and its links; nothing that
    # exists is replaced or deleted, and the updates are the Azure VPN gateway's BGP list, which
    # names every link's custom addresses (docs/azure.md) and so gains the new link's.
    base = tmp_path / "before.json"
    base.write_text(prod_json)
    diff_args = [
        *argv,
        "preview",
        "--stack",
        "prod",
        "--diff",
        str(base),
        "--format",
        "json",
        "--detailed-exitcode",
    ]
    assert main(diff_args) == 2
    changes = json.loads(capsys.readouterr().out)["changes"]
    assert changes and {c["op"] for c in changes} == {"create", "update"}
    updates = [c for c in changes if c["op"] == "update"]
    # and the vSphere appliance VMs' annotation, which lists what the operator's edge must let
    # through and the router route for every link (docs/vsphere.md), so it gains the new link's
    assert sorted((c["type"], [k["key"] for k in c["keys"]]) for c in updates) == [
        ("azure-native:network:VirtualNetworkGateway", ["bgpSettings"]),
        ("vsphere:index/virtualMachine:VirtualMachine", ["annotation"]),
        ("vsphere:index/virtualMachine:VirtualMachine", ["annotation"]),
    ], updates
    assert any("aws-euc1" in c["urn"] for c in changes)
    vpc = "urn:pulumi:prod::skyweave::skyweave:network:HybridVpc$aws:ec2/vpc:Vpc::core-vpc-aws-euc1"
    assert [c["op"] for c in changes if c["urn"] == vpc] == ["create"]


def _without_site(text: str, name: str) -> str:
    """``text`` without the site entry ``name`` (its lines up to the next entry or comment)."""
    lines = text.splitlines(keepends=True)
    start = lines.index(f"    - name: {name}\n")
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("      "))
    return "".join(lines[:start] + lines[end:])


def test_removing_a_site_from_a_locked_stack_then_one_lock_previews(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 23 item 6: the links of a removed site leave stale tunnel pins. The preview reports
    all of them in one run; one `ipam lock` removes them (its diff and its report say so) and
    touches nothing else; the stack then previews and passes `--check`."""
    project = _project(tmp_path, PROD)
    assert _lock(project) == 0  # fully locked, whatever the shipped file pins
    capsys.readouterr()
    locked = _stack_file(project).read_text(encoding="utf-8")
    text = _without_site(locked, "gcp-usc1")
    _stack_file(project).write_text(text, encoding="utf-8")
    pins = yaml.safe_load(locked)["config"]["skyweave:network"]["tunnel_blocks"]
    stale = sorted(k for k in pins if "gcp-usc1" in k.split("/"))
    assert len(stale) >= 5  # every other site has a link to it

    argv = ["-C", str(project)]
    assert main([*argv, "preview", "--stack", "prod"]) == 1
    err = capsys.readouterr().err
    for key in stale:
        assert f"skyweave:network.tunnel_blocks.{key}: " in err, err
    assert f"({len(stale)} problems)" in err

    assert main([*argv, "ipam", "lock", "--stack", "prod", "--check"]) == EXIT_REQUIREMENT
    assert f"{len(stale)} stale pin(s) to remove" in capsys.readouterr().out
    assert main([*argv, "ipam", "lock", "--stack", "prod", "--dry-run"]) == 0
    dry = capsys.readouterr()
    removed, added = _diff(text, _stack_file(project).read_text(encoding="utf-8"))
    assert (removed, added) == ([], [])  # a dry run writes nothing
    minus = [line[1:] for line in dry.out.splitlines() if line.startswith("-") and not line.startswith("---")]
    assert minus == [f"      {key}: {pins[key]}" for key in stale]
    assert f"would remove {len(stale)} stale pin(s)" in dry.err

    assert main([*argv, "ipam", "lock", "--stack", "prod"]) == 0
    out = capsys.readouterr().out
    assert f"removed {len(stale)} stale pin(s)" in out
    for key in stale:
        assert f"removed: skyweave:network.tunnel_blocks.{key} = {pins[key]} (no such link)" in out
    after = _stack_file(project).read_text(encoding="utf-8")
    removed, added = _diff(text, after)
    assert added == [] and removed == [f"      {key}: {pins[key]}\n" for key in stale]

    assert main([*argv, "ipam", "lock", "--stack", "prod", "--check"]) == 0
    assert main([*argv, "preview", "--stack", "prod", "--format", "json"]) == 0
    capsys.readouterr()


def test_a_stale_pin_in_a_flow_mapping_and_a_reversed_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Stale pins are removed from a flow mapping with their commas; a pin under a link's id
    written the wrong way round is not stale (it names a link that exists): lock keeps it and the
    error that says which id was meant."""
    pins = "{aws-use1/gone: 169.254.100.0/27, aws-use1/gcp-euw1: 169.254.19.96/27, x/gone: 169.254.100.64/27}"
    text = DEV.replace(DEV_NETWORK, f"  skyweave:network: {{tunnel_blocks: {pins}}}\n")
    assert text != DEV
    project = _project(tmp_path, text, stack="dev")
    argv = ["-C", str(project), "ipam", "lock", "--stack", "dev"]
    assert main(argv) == 0
    after = _stack_file(project, "dev").read_text(encoding="utf-8")
    assert "  skyweave:network: {tunnel_blocks: {aws-use1/gcp-euw1: 169.254.19.96/27}}\n" in after
    assert "removed 2 stale pin(s)" in capsys.readouterr().out

    reversed_pin = DEV.replace(DEV_NETWORK, DEV_NETWORK.replace("aws-use1/gcp-euw1", "gcp-euw1/aws-use1"))
    assert reversed_pin != DEV
    (tmp_path / "reversed").mkdir()
    project = _project(tmp_path / "reversed", reversed_pin, stack="dev")
    assert main(["-C", str(project), "ipam", "lock", "--stack", "dev"]) == 1
    assert "did you mean 'aws-use1/gcp-euw1'" in capsys.readouterr().err


# --- every other byte stays -----------------------------------------------------------------

CRAFTED = """\
# Header comment: who owns this file.
# Another header line, before the document marker.
---
config:
  # the project is called skyweave, so keys without a namespace are skyweave's
  tags: &estate_tags
    env: 'dev'
    owner: "platform"
  other:unused: &never_used {x: 1}
  ipam:
    supernet: 10.0.0.0/8
  sites:
    # the primary
    - name: aws-use1
      vendor: aws
      region: "us-east-1"
      zones:
        - us-east-1a   # first zone
        - us-east-1b

    # comment about the GCP site, which belongs to it and must stay above it
    - {name: gcp-euw1, vendor: gcp, region: europe-west1, project: 'sw-dev-001', zones: [europe-west1-b]}
  byon:secret-thing:
    secure: v1:Zm9yLWV4YW1wbGUtb25seQ==:c2t5d2VhdmUtZXhhbXBsZS1jaXBoZXJ0ZXh0
  byon:other: {secure: v1:AAAA:BBBB}
# trailing comment
"""


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_lock_keeps_comments_quotes_anchors_secrets_and_line_endings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], newline: str
) -> None:
    before = CRAFTED.replace("\n", newline)
    project = _project(tmp_path, before)
    assert _lock(project) == 0
    out = capsys.readouterr().out
    after = _stack_file(project).read_bytes().decode("utf-8")
    removed, added = _diff(before, after)
    assert removed == [
        "    - {name: gcp-euw1, vendor: gcp, region: europe-west1, project: 'sw-dev-001', "
        f"zones: [europe-west1-b]}}{newline}"
    ]
    flow = [line for line in added if line.startswith("    - {")]
    assert len(flow) == 1 and flow[0].startswith(removed[0].rstrip("}\r\n") + ", cidr: 10.1.0.0/16, asn: ")
    block = [line for line in added if not line.startswith("    - {")]
    asn_line = next(line for line in block if "asn" in line)
    assert block[:2] == [f"      cidr: 10.0.0.0/16{newline}", asn_line]
    assert block[2:4] == [f"  network:{newline}", f"    tunnel_blocks:{newline}"]  # like `sites:`
    assert len(block) == 5 and block[4].startswith("      aws-use1/gcp-euw1: 169.254.")
    assert all(line.endswith(newline) for line in added)
    if newline == "\r\n":
        assert after.count("\r\n") == after.count("\n")
    # the new keys follow the zones of aws-use1, before the blank line and the GCP site's comment
    assert "        - us-east-1b\n      cidr: 10.0.0.0/16\n" in after.replace("\r\n", "\n")
    assert after.startswith("# Header comment: who owns this file.")
    assert "pinned 5 value(s)" in out

    data = yaml.safe_load(after)
    sites = data["config"]["sites"]
    assert [s["cidr"] for s in sites] == ["10.0.0.0/16", "10.1.0.0/16"]
    assert data["config"]["byon:other"] == {"secure": "v1:AAAA:BBBB"}
    assert _lock(project) == 0 and "nothing to write" in capsys.readouterr().out


def test_lock_fills_existing_tunnel_blocks_and_flow_networks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = PROD.replace(
        "  skyweave:network:\n    name: core\n",
        "  skyweave:network:\n    name: core\n    tunnel_blocks:\n"
        "      aws-use1/gcp-euw1: 169.254.19.96/27  # pinned by hand\n",
    )
    project = _project(tmp_path, text)
    assert _lock(project) == 0
    out = capsys.readouterr().out
    assert f"pinned {len(_planned_pins(text))} value(s)" in out and "aws-use1/gcp-euw1" not in out
    removed, added = _diff(text, _stack_file(project).read_text(encoding="utf-8"))
    assert removed == [] and sorted(added) == sorted(_pinned_lines(out))

    flow = (
        "config:\n"
        "  skyweave:network: {name: core}\n"
        "  skyweave:sites:\n"
        "    - {name: aws-use1, vendor: aws, region: us-east-1, cidr: 10.1.0.0/16, asn: 64512}\n"
        "    - {name: gcp-euw1, vendor: gcp, region: europe-west1, project: sw-dev-001, cidr: 10.2.0.0/16,\n"
        "       asn: 64513}\n"
    )
    project = _project(tmp_path, flow)
    assert _lock(project) == 0
    out = capsys.readouterr().out
    after = _stack_file(project).read_text(encoding="utf-8")
    removed, added = _diff(flow, after)
    assert removed == ["  skyweave:network: {name: core}\n"] and len(added) == 1
    pattern = (
        r"  skyweave:network: \{name: core, tunnel_blocks: \{aws-use1/gcp-euw1: 169\.254\.[0-9.]+/\d+\}\}\n"
    )
    assert re.fullmatch(pattern, added[0]), added
    assert "pinned 1 value(s)" in out
    assert yaml.safe_load(after)["config"]["skyweave:network"]["name"] == "core"


@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_a_one_line_flow_file_with_or_without_a_byte_order_mark(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bom: str
) -> None:
    text = (
        f"{bom}config: {{skyweave:sites: [{{name: aws-use1, vendor: aws, region: us-east-1}}, "
        "{name: gcp-euw1, vendor: gcp, region: europe-west1, project: sw-dev-001}]}"
    )
    project = _project(tmp_path, text)
    assert _lock(project) == 0, capsys.readouterr().err
    after = _stack_file(project).read_bytes().decode("utf-8")
    assert after.startswith(
        f"{bom}config: {{skyweave:sites: [{{name: aws-use1, vendor: aws, region: us-east-1, cidr: "
    )
    assert after.endswith(
        "}]" + ", skyweave:network: {tunnel_blocks: {aws-use1/gcp-euw1: 169.254.19.96/27}}}"
    )
    assert (
        yaml.safe_load(after.removeprefix("\ufeff"))["config"]["skyweave:sites"][1]["cidr"] == "10.1.0.0/16"
    )


def test_an_aliased_site_entry_is_not_edited(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Pinning into an alias would edit its anchor, elsewhere in the file: refused, nothing written."""
    text = (
        "config:\n"
        "  other:x: &b {name: gcp-euw1, vendor: gcp, region: europe-west1, project: skyweave-dev-001}\n"
        "  skyweave:sites:\n"
        "    - {name: aws-use1, vendor: aws, region: us-east-1, cidr: 10.1.0.0/16}\n"
        "    - *b\n"
    )
    project = _project(tmp_path, text)
    assert _lock(project) == 1
    out, err = capsys.readouterr()
    assert out == "" and "skyweave:sites[1]" in err and "alias" in err and "Traceback" not in err
    assert _stack_file(project).read_text(encoding="utf-8") == text


# --- show, check, dry run -------------------------------------------------------------------


def test_dry_run_prints_the_diff_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path, PROD)
    path = _stack_file(project)
    stat = path.stat()
    assert _lock(project, "--dry-run") == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"--- a/{LABEL}\n+++ b/{LABEL}\n@@ ")
    assert "+      asn: " in out and "\n-" not in out
    assert "dry run" in err
    assert path.read_text(encoding="utf-8") == PROD and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert sorted(os.listdir(path.parent)) == ["Pulumi.prod.yaml", "__main__.py"]


def test_check_exits_4_when_anything_is_unpinned(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, PROD)
    assert _lock(project, "--check") == EXIT_REQUIREMENT
    out = capsys.readouterr().out
    assert f"{len(_planned_pins(PROD))} value(s) not pinned" in out and "skyweave:sites[0].asn" in out
    assert _stack_file(project).read_text(encoding="utf-8") == PROD
    assert _lock(project) == 0
    capsys.readouterr()
    assert _lock(project, "--check") == 0
    assert "already pinned" in capsys.readouterr().out


# --- the write ------------------------------------------------------------------------------


def _leftovers(project: Path) -> list[str]:
    return sorted(n for n in os.listdir(project / "stacks") if n not in ("Pulumi.prod.yaml", "__main__.py"))


def test_ctrl_c_during_the_write_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    """A real SIGINT, delivered while the new file is being fsynced (the slow part of the write)."""
    project = _project(tmp_path, PROD)
    code = (
        "import os, signal, sys\n"
        f"import {files.__name__} as files\n"
        "real = os.fsync\n"
        "def fsync(fd):\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    real(fd)\n"
        "files.writing.os.fsync = fsync\n"
        "from skyweave.cli import main\n"
        f"sys.exit(main(['-C', {str(project)!r}, 'ipam', 'lock', '--stack', 'prod']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert _stack_file(project).read_text(encoding="utf-8") == PROD
    assert _leftovers(project) == []


def test_a_failed_write_leaves_the_file_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path, PROD)

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.writing.os, "fsync", disk_full)
    assert _lock(project) == 1
    out, err = capsys.readouterr()
    assert (
        out == ""
        and f"{LABEL}: cannot be written: no space left on the device; the file was not changed" in err
    )
    assert _stack_file(project).read_text(encoding="utf-8") == PROD
    assert _leftovers(project) == []


@pytest.mark.skipif(not hasattr(os, "setrlimit") and sys.platform == "win32", reason="POSIX file-size limit")
def test_a_file_size_limit_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    """`ulimit -f`: the kernel refuses the temporary file's bytes (EFBIG); the original stays."""
    project = _project(tmp_path, PROD)
    code = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "from skyweave.cli import main\n"
        f"sys.exit(main(['-C', {str(project)!r}, 'ipam', 'lock', '--stack', 'prod']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "cannot be written: larger than the file-size limit" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert _stack_file(project).read_text(encoding="utf-8") == PROD
    assert _leftovers(project) == []


def test_mode_is_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, PROD)
    _stack_file(project).chmod(0o640)
    assert _lock(project) == 0
    assert _stack_file(project).stat().st_mode & 0o777 == 0o640


def test_read_only_stack_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, PROD)
    _stack_file(project).chmod(0o444)
    assert _lock(project) == 1
    out, err = capsys.readouterr()
    assert out == "" and f"{LABEL}: is read-only" in err and "Traceback" not in err
    assert _stack_file(project).read_text(encoding="utf-8") == PROD
    assert _leftovers(project) == []


def test_permission_denied_on_rename_is_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path, PROD)

    def denied(src: str, dst: str) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(files.writing.os, "replace", denied)
    assert _lock(project) == 1
    assert "cannot be written: permission denied; the file was not changed" in capsys.readouterr().err
    assert _stack_file(project).read_text(encoding="utf-8") == PROD
    assert _leftovers(project) == []


def test_a_file_changed_since_it_was_read_is_not_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path, PROD)
    edited = PROD + "# edited by someone else meanwhile\n"
    plan = ipam_cli.load_plan

    def plan_then_edit(*args: object, **kwargs: object) -> object:
        result = plan(*args, **kwargs)  # type: ignore[arg-type]
        _stack_file(project).write_text(edited, encoding="utf-8")
        return result

    monkeypatch.setattr(ipam_cli, "load_plan", plan_then_edit)
    assert _lock(project) == 1
    assert "changed while skyweave was working on it" in capsys.readouterr().err
    assert _stack_file(project).read_text(encoding="utf-8") == edited
    assert _leftovers(project) == []


def test_a_second_lock_run_gets_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, PROD)
    path = _stack_file(project)
    with files.exclusive(path, LABEL):
        assert _lock(project) == 1
        out, err = capsys.readouterr()
        assert out == "" and "is being updated by another `skyweave ipam lock`" in err
        assert f"pid {os.getpid()}" in err and "Pulumi.prod.yaml.lock" in err
        assert path.read_text(encoding="utf-8") == PROD
    assert _leftovers(project) == []
    assert _lock(project) == 0


def test_a_lock_left_by_a_dead_run_is_taken_over_and_its_temporary_file_removed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What SIGKILL (a cancelled CI job) leaves: the lock file naming a pid that no longer runs and
    the temporary file of the write it interrupted. The next run takes over and says so (issue 29,
    item 6: every later lock used to refuse until a person deleted the file)."""
    project = _project(tmp_path, PROD)
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    dead = int(finished.stdout)
    lock = project / "stacks" / "Pulumi.prod.yaml.lock"
    lock.write_text(f"{socket.gethostname()} {dead}\n")
    partial = project / "stacks" / ".Pulumi.prod.yaml.k3j_9x2a.tmp"
    partial.write_text("config:\n  skyweave:sit")
    unrelated = project / "stacks" / ".Pulumi.dev.yaml.k3j_9x2a.tmp"  # another file's: left alone
    unrelated.write_text("x")
    assert _lock(project) == 0
    out, err = capsys.readouterr()
    assert f"took over the lock file stacks/Pulumi.prod.yaml.lock left by pid {dead}" in err, err
    assert "no longer running" in err and ".Pulumi.prod.yaml.k3j_9x2a.tmp" in err, err
    assert "pinned" in out
    assert _leftovers(project) == [unrelated.name]


def test_a_lock_held_by_a_run_killed_with_sigkill_does_not_block_the_next_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real holder: refused while it runs (naming its pid), taken over once SIGKILL ends it."""
    project = _project(tmp_path, PROD)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom pathlib import Path\nfrom skyweave import files\n"
            "with files.exclusive(Path(sys.argv[1]), 'stacks/Pulumi.prod.yaml'):\n"
            "    print('locked', flush=True)\n    time.sleep(600)\n",
            str(_stack_file(project)),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"  # readiness
        assert _lock(project) == 1
        err = capsys.readouterr().err
        assert f"is being updated by another `skyweave ipam lock` (pid {holder.pid}" in err, err
        holder.kill()
        holder.wait(timeout=30)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    assert _lock(project) == 0
    err = capsys.readouterr().err
    assert f"took over the lock file stacks/Pulumi.prod.yaml.lock left by pid {holder.pid}" in err, err
    assert _leftovers(project) == []


def test_two_concurrent_lock_runs_never_clobber(tmp_path: Path) -> None:
    project = _project(tmp_path, PROD)
    argv = [sys.executable, "-m", "skyweave.cli", "-C", str(project), "ipam", "lock", "--stack", "prod"]
    runs = [
        subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    results = [(p.wait(timeout=120), *p.communicate()) for p in runs]
    for code, _out, err in results:
        assert code in (0, 1) and "Traceback" not in err
        if code == 1:
            assert "being updated by another" in err or "changed while skyweave" in err
    assert any(code == 0 for code, _, _ in results)
    after = _stack_file(project).read_text(encoding="utf-8")
    removed, added = _diff(PROD, after)
    assert removed == [] and len(added) == len(_planned_pins(PROD)) + 1  # one run's pins (+ the key), once
    assert _leftovers(project) == []


def test_a_symlinked_stack_file_is_written_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path, PROD)
    real = tmp_path / "shared" / "prod.yaml"
    real.parent.mkdir()
    shutil.move(_stack_file(project), real)
    _stack_file(project).symlink_to(real)
    assert _lock(project) == 0
    assert _stack_file(project).is_symlink()
    removed, added = _diff(PROD, real.read_text(encoding="utf-8"))
    assert removed == [] and len(added) == len(_planned_pins(PROD)) + 1  # the pins and `tunnel_blocks:`


def test_lock_pins_a_fleets_cluster_ranges_as_written_by_hand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 27 item 2: a KubernetesFleet's pod and service ranges are pinned like site blocks
    (EKS, GKE and AKS fix both when a cluster is created). prod's fleet without its hand-written
    pins, locked, is the shipped file again byte for byte; EKS gets no pod range (its pods take
    the VPC's addresses)."""
    text = re.sub(r", (pod|service)_cidr: 172\.[0-9./]+", "", SHIPPED_PROD)
    assert text != SHIPPED_PROD and "_cidr: 172." not in text
    project = _project(tmp_path, text)
    assert _lock(project, "--check") == EXIT_REQUIREMENT
    assert (
        "skyweave:kubernetes[0].clusters[0].service_cidr = 172.16.0.0/20 (aws-use1)"
        in capsys.readouterr().out
    )
    assert _lock(project) == 0
    out = capsys.readouterr().out
    assert "pinned 5 value(s)" in out and "clusters[0].pod_cidr" not in out
    assert _stack_file(project).read_text(encoding="utf-8") == SHIPPED_PROD
    assert _lock(project) == 0
    assert "nothing to write" in capsys.readouterr().out
