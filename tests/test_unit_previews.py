"""``skyweave preview --all``: every unit of an estate previewed in its own process, after the
units it needs, reading their outputs through ``pulumi.StackReference`` as a deployed stack's.

The program here is a hand-written unit program (dev's estate under ``deployment: units``: two
sites and the link between them), so what is tested is the orchestration and the offline
runtime's stack references — not skyweave's components.
"""

from __future__ import annotations

import gc
import json
import os
import re
import shlex
from pathlib import Path

import pytest
from conftest import ROOT, stack_raw, write_stack
from skyweave.cli import main
from skyweave.cli.check_command import EXIT_VIOLATIONS
from skyweave.engine.offline import OfflineMocks, StackOutputs, StackReferenceError, run_program
from skyweave.engine.plans import MANIFEST, read_plan, read_plan_directory

PROGRAM = """
import os
import pulumi
import pulumi_random as random

estate, _, unit = pulumi.get_stack().partition(".")
provider = random.Provider("random")
pulumi.export("pid", os.getpid())
if unit.startswith("link."):
    _, a, b = unit.split(".", 2)
    ends = [pulumi.StackReference(f"acme/{pulumi.get_project()}/{estate}.{site}") for site in (a, b)]
    key = random.RandomPassword(
        "psk",
        length=32,
        keepers={"a": ends[0].require_output("address"), "b": ends[1].require_output("address")},
        opts=pulumi.ResourceOptions(provider=provider),
    )
    pulumi.export("peers", [end.require_output("address") for end in ends])
    # a secret read from another stack stays a secret
    pulumi.export("tokens", [end.require_output("token") for end in ends])
    pulumi.export("psk", key.result)
else:
    pet = random.RandomPet(unit, opts=pulumi.ResourceOptions(provider=provider))
    pulumi.export("address", "203.0.113." + str(len(unit)))
    pulumi.export("token", pulumi.Output.secret("s3cret-" + unit))
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_stack(tmp_path, "dev", {**stack_raw("dev"), "deployment": "units"})
    (tmp_path / "stacks" / "__main__.py").write_text(PROGRAM)
    return tmp_path


def test_every_unit_runs_in_its_own_process_after_what_it_needs(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plans"
    code = main(["-C", str(project), "preview", "--stack", "dev", "--all", "-j", "2", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr()
    units = json.loads((out / MANIFEST).read_text())["units"]
    names = [u["name"] for u in units]
    assert names[-1] == "dev.link.aws-use1.gcp-euw1" and len(names) == 3
    plans = {n: json.loads((out / f"{n}.json").read_text()) for n in names}
    pids = {n: p["outputs"]["pid"] for n, p in plans.items()}
    assert len(set(pids.values())) == 3 and os.getpid() not in pids.values()
    link = plans["dev.link.aws-use1.gcp-euw1"]["outputs"]
    # the sites' outputs, as their own previews exported them
    assert link["peers"] == [
        plans["dev.aws-use1"]["outputs"]["address"],
        plans["dev.gcp-euw1"]["outputs"]["address"],
    ]
    # secrets read through a stack reference stay secrets, in the plan and on stdout
    assert link["tokens"] == ["[secret]", "[secret]"] and link["psk"] == "[secret]"
    assert "s3cret" not in json.dumps(plans) and "s3cret" not in printed.out + printed.err
    assert "3 units" in printed.out
    # the directory is what check judges as one estate
    merged = read_plan_directory(out, read_plan)
    assert merged.stack == "dev" and {r["name"] for r in merged.rows} >= {"aws-use1", "gcp-euw1", "psk"}


def test_json_summary_and_one_job(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["-C", str(project), "preview", "--stack", "dev", "--all", "-j", "1", "--format", "json"]) == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert [u["unit"] for u in doc["units"]][-1] == "dev.link.aws-use1.gcp-euw1"
    assert all(u["peakRssMB"] > 0 and u["resources"] > 0 and u["cpuSeconds"] > 0 for u in doc["units"])


def test_a_unit_whose_process_dies_is_named_with_how_it_ended(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A unit's process that ends without sending its result (killed: out of memory, say) is a
    failure naming the unit and the signal; the coordinator waits for it to say so, while a unit
    that sent its result is not waited for to finish exiting."""
    program = project / "stacks" / "__main__.py"
    program.write_text(
        program.read_text().replace("    key = random", "    os.kill(os.getpid(), 9)\n    key = random")
    )
    assert main(["-C", str(project), "preview", "--stack", "dev", "--all", "-j", "2"]) == 3
    err = capsys.readouterr().err
    assert "unit dev.link.aws-use1.gcp-euw1: its process was killed by signal 9" in err, err


def test_a_failing_unit_names_itself_and_stops_the_rest(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = project / "stacks" / "__main__.py"
    program.write_text(program.read_text().replace('"203.0.113."', 'undefined_name + "203.0.113."'))
    assert main(["-C", str(project), "preview", "--stack", "dev", "--all", "-j", "1"]) != 0
    err = capsys.readouterr().err
    assert "unit dev.aws-use1" in err or "unit dev.gcp-euw1" in err


def test_each_plan_is_written_as_its_unit_ends_and_the_manifest_only_when_all_have(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The plans reach DIR as each unit's process ends, not once the run is over (the command
    never holds them): with the link failing, the sites' plans are there, and no units.json."""
    program = project / "stacks" / "__main__.py"
    program.write_text(
        program.read_text().replace("    key = random", "    undefined_name\n    key = random")
    )
    out = tmp_path / "plans"
    assert main(["-C", str(project), "preview", "--stack", "dev", "--all", "-j", "1", "--out", str(out)]) == 1
    assert "unit dev.link.aws-use1.gcp-euw1" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["dev.aws-use1.json", "dev.gcp-euw1.json"]


def test_a_single_stack_estate_is_told_how_to_switch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_stack(tmp_path, "dev", stack_raw("dev"))
    assert main(["-C", str(tmp_path), "preview", "--stack", "dev", "--all"]) == 1
    err = capsys.readouterr().err
    assert "skyweave:deployment" in err and "'single'" in err and "set `skyweave:deployment: units`" in err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["-j", "2"], "-j goes with --all"),
        (["--out", "x"], "--out goes with --all"),
        (["--all", "-j", "0"], "fewer than 1"),
        (["--all", "-j", "two"], "not a whole number"),
    ],
)
def test_options_that_do_not_go_together(
    project: Path, argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) if said in ("fewer than 1", "not a whole number") else _no_raise():
        code = main(["-C", str(project), "preview", "--stack", "dev", *argv])
        assert code == 2
    assert said in capsys.readouterr().err


class _no_raise:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return False


# -- the offline runtime's stack references ------------------------------------------------------


def _reader() -> None:
    import pulumi

    ref = pulumi.StackReference("acme/p/e.a")
    pulumi.export("seen", ref.require_output("plain"))
    pulumi.export("hidden", ref.require_output("key"))


def test_a_reference_reads_the_given_outputs_and_keeps_secrets_secret() -> None:
    given = {"e.a": StackOutputs({"plain": "x", "key": "k"}, frozenset({"key"}))}
    run = run_program(_reader, project="p", stack="e.b", mocks=OfflineMocks(stack_references=given))
    assert run.outputs == {"seen": "x", "hidden": "[secret]"}


def test_a_reference_to_a_stack_not_given_is_refused_naming_it() -> None:
    with pytest.raises(StackReferenceError, match=r"reads stack 'acme/p/e\.a'.*stacks it may read: e\.z"):
        run_program(
            _reader, project="p", stack="e.b", mocks=OfflineMocks(stack_references={"e.z": StackOutputs({})})
        )


def test_a_reference_refused_leaves_no_stray_traceback_and_the_next_run_works(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """The refusal is the run's error, not an exception thrown on the SDK's reader thread: Python
    then printed "Future exception was never retrieved" tracebacks, and the next program run in
    the same process failed on the closed event loop (exit 3 from the CLI)."""
    with pytest.raises(StackReferenceError):
        run_program(_reader, project="p", stack="e.b", mocks=OfflineMocks(stack_references={}))
    gc.collect()  # unretrieved exceptions are reported when their futures are collected
    assert "Traceback" not in capfd.readouterr().err
    given = {"e.a": StackOutputs({"plain": "v", "key": "k"})}
    assert run_program(_reader, project="p", stack="e.b", mocks=OfflineMocks(stack_references=given))


def test_stack_outputs_list_every_output_holding_a_secret() -> None:
    sig = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "v"}
    outputs = StackOutputs.of({"a": 1, "b": {"deep": [sig]}, "c": sig})
    assert outputs.secret_names == {"b", "c"}
    assert outputs.outputs == {"a": 1, "b": {"deep": ["v"]}, "c": "v"}


def test_the_docs_commands_run(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """docs/units.md's `preview --all` then `check --from-json`, on the hand-written unit program:
    the estate judged whole (it registers no cloud resource, so it spans no vendor)."""
    doc = (ROOT / "docs" / "units.md").read_text()
    section = doc[doc.index("## Previewing every unit") :]
    found = re.search(r"```bash\n(.*?)```", section, re.S)
    assert found is not None
    preview, check = (shlex.split(line) for line in found.group(1).strip().splitlines())
    before = Path.cwd()
    os.chdir(project)
    try:
        assert main(preview[1:]) == 0
        capsys.readouterr()
        assert main(check[1:]) == EXIT_VIOLATIONS
    finally:
        os.chdir(before)
    assert "skyweave-redundancy-min-vendors" in capsys.readouterr().out


def test_dependants_start_first_so_few_outputs_are_held_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A finished unit's outputs are kept until its last dependant starts: starting ready
    dependants (deeper layers) before more sites keeps a hub-spoke estate's held outputs at the
    hubs' and a spoke's, not every site's (the coordinator of a 10,000-site estate, and every unit
    forked from it, grew by ~100 MB holding them)."""
    from bench.estate import estate_config

    raw = {**estate_config(10, "dev"), "deployment": "units"}  # 2 hubs, 8 spokes, 16 links
    write_stack(tmp_path, "bench", raw)
    (tmp_path / "stacks" / "__main__.py").write_text(PROGRAM.replace('"acme/', '"organization/'))
    argv = ["-C", str(tmp_path), "preview", "--stack", "bench", "--all", "-j", "1", "--format", "json"]
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["units"]) == 26
    assert doc["coordinator"]["mostOutputsHeld"] == 3  # the two hubs and the spoke just done
