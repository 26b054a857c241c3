"""The input boundary (skyweave.files): every user file a hostile or careless user can hand the
CLI — stack files, Pulumi.yaml, policy configs, plan files — gives exit 1 and one message naming
the file and key, never a traceback, a hang or a blow-up (issue 16)."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
import skyweave.cli.graph
import skyweave.cli.ipam
import skyweave.engine.preview  # noqa: F401 - imported here so the timed tests time the reading, not imports
from conftest import ROOT
from skyweave import files
from skyweave.cli import main
from skyweave.core.errors import ConfigError

PROD = (ROOT / "stacks" / "Pulumi.prod.yaml").read_text(encoding="utf-8")
DEV = (ROOT / "stacks" / "Pulumi.dev.yaml").read_text(encoding="utf-8")
LABEL = "stacks/Pulumi.prod.yaml"


def _project(tmp_path: Path, stack_text: str | bytes, stack: str = "prod") -> Path:
    """A copy of the example project whose stack file ``stack`` is ``stack_text``."""
    (tmp_path / "stacks").mkdir(exist_ok=True)
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copy(ROOT / "stacks" / "__main__.py", tmp_path / "stacks" / "__main__.py")
    data = stack_text.encode("utf-8") if isinstance(stack_text, str) else stack_text
    (tmp_path / "stacks" / f"Pulumi.{stack}.yaml").write_bytes(data)
    return tmp_path


def _fails_cleanly(capsys: pytest.CaptureFixture[str], argv: list[str], *needles: str) -> str:
    """Exit 1, nothing on stdout, one message block on stderr (no traceback) containing ``needles``."""
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 1, err
    assert out == ""
    assert "Traceback" not in err and "internal error" not in err
    assert err.startswith("error: ") and err.count("error: ") == 1, err
    for needle in needles:
        assert needle in err, err
    return err


def _added_line(text: str) -> int:
    """The 1-based line :func:`_tags` puts its first added line on (after ``owner: platform``)."""
    return text.splitlines().index("    owner: platform") + 2


def _tags(text: str, extra: str) -> str:
    """``text`` with ``extra`` (lines indented for a tag entry) added to ``skyweave:tags``."""
    marker = "    owner: platform\n" if "owner: platform" in text else None
    assert marker is not None
    return text.replace(marker, marker + extra, 1)


# --- UTF-8 --------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["ipam", "show"], ["graph"], ["preview"], ["simulate"], ["inventory"]])
def test_latin1_stack_file_names_the_file_and_offset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    data = "# caf\u00e9\n".encode("latin-1") + PROD.encode("utf-8")
    project = _project(tmp_path, data)
    _fails_cleanly(
        capsys, ["-C", str(project), *command, "--stack", "prod"], LABEL, "not UTF-8", "offset 5", "line 1"
    )


def test_random_bytes_stack_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = PROD.encode("utf-8")
    data = data[:200] + bytes([0xFF, 0xFE, 0x80, 0x00, 0xC3]) + data[200:]
    project = _project(tmp_path, data)
    _fails_cleanly(capsys, ["-C", str(project), "ipam", "show", "--stack", "prod"], LABEL, "offset 200")


def test_policy_config_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "policy.json"
    config.write_bytes(b'{"all": "advisory", "x": "\xe9"}')
    plan = tmp_path / "plan.json"
    plan.write_text("{}")
    _fails_cleanly(
        capsys, ["check", "--from-json", str(plan), "--config", str(config)], str(config), "not UTF-8"
    )


def test_plan_file_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.json"
    plan.write_bytes(b'{"resources": [], "x": "\xff"}')
    _fails_cleanly(capsys, ["check", "--from-json", str(plan)], str(plan), "not UTF-8")


# --- YAML that is not plain data ------------------------------------------------------------


def test_timestamp_is_kept_as_the_string_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`created: 2024-01-01` means the text 2024-01-01, as the Pulumi CLI passes it."""
    project = _project(tmp_path, _tags(DEV, "    created: 2024-01-01\n"), "dev")
    assert main(["-C", str(project), "preview", "--stack", "dev", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    tagged = [r["inputs"]["tags"] for r in doc["resources"] if isinstance(r["inputs"].get("tags"), dict)]
    assert tagged and all(t["created"] == "2024-01-01" for t in tagged)


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ("!!binary aGVsbG8=", "!!binary"),
        ("!!set {a, b}", "!!set"),
        ("!!omap [a: 1]", "!!omap"),
        ("!!timestamp 2024-01-01", "!!timestamp"),
        ("!!python/object:os.system x", "!!python/object:os.system"),
        ("!!python/name:os.system ''", "!!python/name:os.system"),
        ("!vault secret", "!vault"),
    ],
)
def test_tags_that_are_not_plain_data_are_refused_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, tag: str
) -> None:
    project = _project(tmp_path, _tags(PROD, f"    weird: {value}\n"))
    for command in (["ipam", "show"], ["preview"]):
        err = _fails_cleanly(capsys, ["-C", str(project), *command, "--stack", "prod"], LABEL, tag)
        assert f"skyweave:tags.weird: line {_added_line(PROD)}, column 12" in err


def test_non_finite_float_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = PROD.replace("os-dc1: 0.995", "os-dc1: .nan")
    project = _project(tmp_path, text)
    _fails_cleanly(
        capsys,
        ["-C", str(project), "ipam", "show", "--stack", "prod"],
        "skyweave:apps[0].availability.os-dc1",
        "not a finite number",
    )


def test_duplicate_key_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, _tags(PROD, "    env: staging\n"))
    _fails_cleanly(
        capsys,
        ["-C", str(project), "ipam", "show", "--stack", "prod"],
        "skyweave:tags.env",
        "appears twice",
        f"first at line {PROD.splitlines().index('    env: prod') + 1}",
    )


def test_second_document_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, PROD + "---\nconfig: {}\n")
    _fails_cleanly(
        capsys, ["-C", str(project), "graph", "--stack", "prod"], LABEL, "more than one YAML document"
    )


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ("    a: *nowhere\n", "*nowhere is not defined"),
        ("    b: &loop [*loop]\n", "*loop refers to a value that contains it"),
        ("    ? [x]\n    : y\n", "a mapping key must be a string"),
        ("    c: \x00\n", f"not valid YAML at line {_added_line(PROD)}"),
        ("    d: [unclosed\n", "not valid YAML"),
    ],
)
def test_broken_yaml_shapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str, needle: str
) -> None:
    project = _project(tmp_path, _tags(PROD, extra))
    _fails_cleanly(capsys, ["-C", str(project), "ipam", "show", "--stack", "prod"], needle)


def test_merge_keys_and_anchors_still_work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = PROD.replace("  skyweave:tags:\n", "  skyweave:tags: &tags\n", 1).replace(
        "      zones: [us-west-2a, us-west-2b]\n      nat: single\n",
        "      <<: {nat: single, zones: [us-west-2a]}\n      zones: [us-west-2a, us-west-2b]\n",
    )
    project = _project(tmp_path, text)
    assert main(["-C", str(project), "ipam", "show", "--stack", "prod", "--format", "json"]) == 0
    subnets = json.loads(capsys.readouterr().out)["sites"]["aws-usw2"]["subnets"]
    assert {s["zone"] for s in subnets.values()} == {"us-west-2a", "us-west-2b"}


# --- bounds ---------------------------------------------------------------------------------


def test_deep_nesting_is_refused_naming_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, _tags(PROD, "    deep: " + "[" * 500 + "]" * 500 + "\n"))
    for command in (["ipam", "show"], ["preview"], ["graph"]):
        _fails_cleanly(
            capsys,
            ["-C", str(project), *command, "--stack", "prod"],
            f"skyweave:tags.deep[0][0][0][0][0][0]…(53 more levels)…[0][0]: line {_added_line(PROD)}",
            "nested deeper than 64 levels",
        )


def test_very_deep_nesting_fails_fast(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, _tags(PROD, "    deep: " + "[" * 200_000 + "\n"))
    start = time.thread_time()  # CPU, not wall time: see test_billion_laughs_fails_fast
    _fails_cleanly(capsys, ["-C", str(project), "ipam", "show", "--stack", "prod"], "nested deeper than 64")
    assert time.thread_time() - start < 1


def test_huge_integer_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, PROD.replace("count: 11", "count: " + "9" * 5000))
    for command in (["ipam", "show"], ["preview"]):
        _fails_cleanly(
            capsys,
            ["-C", str(project), *command, "--stack", "prod"],
            "skyweave:pools[0].count",
            "outside 64 bits",
        )


BILLION_LAUGHS = """\
config:
  skyweave:tags:
    a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
    d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
    e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
    f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
    g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
    h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
    i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
  skyweave:sites: [*i]
"""


def test_billion_laughs_fails_fast(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Under a second of this thread's CPU each (measured: a few milliseconds once the modules are
    imported; expanding the aliases would take minutes). CPU time, not wall time: a loaded machine
    (other pytest workers) stretches the wall clock, never the work done."""
    project = _project(tmp_path, BILLION_LAUGHS)
    for command in (["preview"], ["ipam", "show"], ["graph"]):
        start = time.thread_time()
        _fails_cleanly(
            capsys,
            ["-C", str(project), *command, "--stack", "prod"],
            LABEL,
            "skyweave:tags.g[0]",
            "more than 1,000,000 values once YAML aliases are expanded",
        )
        assert time.thread_time() - start < 1


def test_oversized_stack_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, PROD + "#" * (files.MAX_DOCUMENT_BYTES + 1))
    _fails_cleanly(
        capsys, ["-C", str(project), "ipam", "show", "--stack", "prod"], LABEL, "larger than 8 MiB"
    )


# --- plan files and policy configs ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '{"resources": ' + "[" * 500 + "]" * 500 + "}",
        '{"resources": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"n": ' + "9" * 5000 + "}",
        '{"n": 1e400}',
        '{"n": NaN}',
        '{"n": [1, 2,]}',
    ],
)
def test_plan_file_bounds(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str) -> None:
    """Plan files have their own reader (skyweave.engine.plans, tested in test_plan_files);
    here only: the shapes that broke the old reader give one clean message naming the file."""
    plan = tmp_path / "plan.json"
    plan.write_text(text)
    _fails_cleanly(capsys, ["check", "--from-json", str(plan)], str(plan))


def test_policy_config_bounds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "policy.json"
    config.write_text('{"all": ' + "[" * 300 + "]" * 300 + "}")
    plan = tmp_path / "plan.json"
    plan.write_text("{}")
    _fails_cleanly(
        capsys, ["check", "--from-json", str(plan), "--config", str(config)], "nested deeper than 64"
    )


def test_missing_policy_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text("{}")
    missing = tmp_path / "nope.json"
    _fails_cleanly(
        capsys, ["check", "--from-json", str(plan), "--config", str(missing)], str(missing), "does not exist"
    )


def test_directory_as_plan_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _fails_cleanly(capsys, ["check", "--from-json", str(tmp_path)], str(tmp_path), "directory")


# --- environment ----------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["a" * 300, "../stacks/Pulumi.prod", "", "dev/../prod", "a b"])
def test_stack_name_is_checked_before_it_becomes_a_file_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stack: str
) -> None:
    project = _project(tmp_path, PROD)
    for command in (["ipam", "show"], ["ipam", "lock"], ["preview"], ["check"]):
        _fails_cleanly(
            capsys, ["-C", str(project), *command, "--stack", stack], "--stack", "is not a stack name"
        )


def test_program_directory_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, PROD)
    (project / "Pulumi.yaml").write_text(
        (project / "Pulumi.yaml").read_text().replace("main: stacks/", "main: nowhere/")
    )
    for command in (["preview"], ["inventory"], ["check"]):
        _fails_cleanly(
            capsys,
            ["-C", str(project), *command, "--stack", "prod"],
            "Pulumi.yaml",
            "nowhere",
            "does not exist",
        )


def test_program_directory_without_main_py(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, PROD)
    (project / "stacks" / "__main__.py").unlink()
    _fails_cleanly(
        capsys, ["-C", str(project), "preview", "--stack", "prod"], "Pulumi.yaml", "no __main__.py"
    )


def test_project_file_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, PROD)
    (project / "Pulumi.yaml").write_bytes(b"name: caf\xe9\n")
    _fails_cleanly(
        capsys, ["-C", str(project), "ipam", "show", "--stack", "prod"], "Pulumi.yaml", "not UTF-8"
    )


# --- namespaces -----------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["SKYWEAVE:TAGS", "Skyweave:tags", "skyweav:tags", "skywaeve:tags"])
def test_misspelled_namespace_is_an_error_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str
) -> None:
    project = _project(tmp_path, PROD.replace("  skyweave:tags:", f"  {key}:", 1))
    for command in (["ipam", "show"], ["preview"]):
        _fails_cleanly(
            capsys,
            ["-C", str(project), *command, "--stack", "prod"],
            f"{key}: the namespace",
            "write skyweave:tags",
        )


def test_other_namespaces_are_left_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, PROD + "  aws:region: us-east-1\n  skyline:x: 1\n")
    assert main(["-C", str(project), "ipam", "show", "--stack", "prod"]) == 0
    assert capsys.readouterr().err == ""


def test_key_written_with_and_without_namespace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, PROD + "  tags:\n    env: other\n")
    _fails_cleanly(
        capsys,
        ["-C", str(project), "ipam", "show", "--stack", "prod"],
        "tags: is the same key as 'skyweave:tags'",
    )


def test_bare_key_in_another_project_is_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, PROD.replace("  skyweave:tags:", "  tags:", 1))
    (project / "Pulumi.yaml").write_text(
        (project / "Pulumi.yaml").read_text().replace("name: skyweave", "name: shop")
    )
    assert main(["-C", str(project), "ipam", "show", "--stack", "prod"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("warning: ") and "'tags'" in err and "shop:tags" in err and "skyweave:tags" in err


# --- the module itself ------------------------------------------------------------------------


def test_load_yaml_positions_and_shared_aliases() -> None:
    text = "a: &x [1, 2]\nb: *x\nc: {d: e}\n"
    data, root = files.load_yaml(text, "t.yaml", positions=True)
    assert data == {"a": [1, 2], "b": [1, 2], "c": {"d": "e"}}
    assert data["a"] is data["b"]
    assert root is not None
    b = root.get("b")
    assert b is not None and b.alias and (b.start.line, b.start.column) == (1, 3)
    c = root.get("c")
    assert c is not None and c.flow and c.end == files.Mark(2, 9)


def test_yaml_scalars_are_resolved_like_pyyaml_except_timestamps() -> None:
    text = (
        "i: 12\nh: 0x1f\nf: 1.5\nb: true\nn: ~\ne:\ns: '12'\n"
        "t: 2024-01-01\nu: 2024-01-01T10:00:00Z\nv: =\nm: <<\n"
    )
    data, _ = files.load_yaml(text, "t.yaml")
    assert data == {
        "i": 12,
        "h": 31,
        "f": 1.5,
        "b": True,
        "n": None,
        "e": None,
        "s": "12",
        "t": "2024-01-01",
        "u": "2024-01-01T10:00:00Z",
        "v": "=",
        "m": "<<",
    }


def test_errors_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="x: line 1, column 4: the YAML tag !!binary"):
        files.load_yaml("x: !!binary aGk=\n", "t.yaml")


@pytest.mark.parametrize(
    "text", ["x: !!int\n", "x: !!int ''\n", "x: !!float ''\n", "x: !!bool maybe\n", "x: !!int 1.5\n"]
)
def test_explicit_scalar_tags_with_bad_values(text: str) -> None:
    """Found by the fuzz test: `!!int` on an empty value was an IndexError inside PyYAML."""
    with pytest.raises(ConfigError, match=r"x: line 1, column 4: .* is not a valid !!"):
        files.load_yaml(text, "t.yaml")


def test_environment_faults_are_one_line_naming_the_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing program, a read-only stack file, an over-long name, a missing file: the
    environment is at fault, so the message is one line that names the path (issue 16)."""
    unlocked = PROD.replace("      asn: 64778\n", "", 1)  # something for `ipam lock` to write
    assert unlocked != PROD
    project = _project(tmp_path, unlocked)
    faults: list[tuple[list[str], str]] = [
        (["-C", str(project), "preview", "--stack", "x" * 300], "--stack: "),
        (["check", "--from-json", str(tmp_path / "nope.json")], f"{tmp_path / 'nope.json'}: does not exist"),
        # a directory is a plan directory (docs/ci.md): without its units.json, said in one line
        (["check", "--from-json", str(tmp_path)], f"{tmp_path}: a plan directory holds units.json"),
    ]
    for argv, start in faults:
        err = _fails_cleanly(capsys, argv, start)
        assert err == f"error: {err.removeprefix('error: ').splitlines()[0]}\n", err
        assert err.startswith(f"error: {start}"), err
    (project / "stacks" / "Pulumi.prod.yaml").chmod(0o444)
    err = _fails_cleanly(capsys, ["-C", str(project), "ipam", "lock", "--stack", "prod"], LABEL)
    assert err == f"error: {LABEL}: is read-only; make it writable (chmod u+w) to record the pins\n", err
    (project / "Pulumi.yaml").write_text(
        (project / "Pulumi.yaml").read_text().replace("main: stacks/", "main: gone/")
    )
    err = _fails_cleanly(capsys, ["-C", str(project), "preview", "--stack", "prod"], "Pulumi.yaml")
    assert err.count("\n") == 1 and err.startswith("error: Pulumi.yaml: its program directory"), err
