"""`skyweave check --from-json` reads every plan file the Pulumi CLI writes, and refuses bad ones
with one message.

The Pulumi-format fixtures are built from the offline prod run (and from broken estates) by
tests/plan_writers.py, which follows the CLI's Go types (pulumi/pulumi): ``display.PreviewDigest``
and ``PreviewStep`` (pkg/display/json.go, filled by ``ShowPreviewDigest`` in
pkg/backend/display/json.go), ``apitype.UntypedDeployment`` / ``DeploymentV3`` / ``ResourceV3`` /
``SecretV1`` (sdk/go/common/apitype/core.go) and ``apitype.DeploymentPlanV1`` /
``ResourcePlanV1`` / ``GoalV1`` (sdk/go/common/apitype/plan.go). Small hand-written files in
tests/fixtures/plan_files/ show each exact shape.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import plan_writers as writers
import pytest
from conftest import MonitoredRun
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pulumi.runtime import rpc
from skyweave.cli import main
from skyweave.cli.check_command import EXIT_VIOLATIONS
from skyweave.engine import plans as plan_files
from skyweave.engine.check import PropertyDependencyMonitor
from skyweave.engine.offline import OfflineRun
from skyweave.engine.plans import MAX_DEPTH, PlanFileError, parse_plan, read_plan
from skyweave.engine.preview import preview_stack, render_json
from skyweave.engine.requests import resources_from_plan
from skyweave.estate.project import Project

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "plan_files"
SINGLE_VENDOR = ROOT / "examples" / "single-vendor"
OVERLAP = "skyweave-addresses-no-overlap"

#: A user's own VPC appended to the prod program: it overlaps onprem-fra's 10.200.0.0/16, which
#: exists only in HybridVpc's outputs (on-prem sites have no cloud resources).
LAB_VPC = """
import pulumi_aws as _aws

_aws.ec2.Vpc("lab", cidr_block="10.200.16.0/20", opts=pulumi.ResourceOptions(provider=providers["aws-use1"]))
"""


Estate = tuple[Path, str, OfflineRun, dict[str, dict[str, tuple[str, ...]]]]


def _estate(project_dir: Path, stack: str) -> Estate:
    monitor = PropertyDependencyMonitor()
    run = preview_stack(Project.find(project_dir), stack, monitor=monitor)
    return project_dir, stack, run, monitor.property_dependencies


@pytest.fixture(scope="module")
def overlap_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """prod plus a VPC overlapping the on-prem range: `check --stack` reports the overlap."""
    root = tmp_path_factory.mktemp("overlap")
    (root / "stacks").mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", root / "Pulumi.yaml")
    shutil.copy(ROOT / "stacks" / "Pulumi.prod.yaml", root / "stacks" / "Pulumi.prod.yaml")
    shutil.copy(ROOT / "stacks" / "Pulumi.prod.policy.json", root / "stacks" / "Pulumi.prod.policy.json")
    program = (ROOT / "stacks" / "__main__.py").read_text()
    (root / "stacks" / "__main__.py").write_text(program + LAB_VPC)
    return root


@pytest.fixture(scope="module")
def estates(overlap_dir: Path, prod_monitored: MonitoredRun) -> dict[str, Estate]:
    return {
        "prod": (ROOT, "prod", *prod_monitored),
        "overlap": _estate(overlap_dir, "prod"),
        "single-vendor": _estate(SINGLE_VENDOR, "broken"),
    }


def _findings(report: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {(v["policy"], v["level"], v["urn"], v["message"]) for v in report["violations"]}


def _check(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main([*args, "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


@pytest.fixture(scope="module")
def by_stack(estates: dict[str, Estate]) -> dict[str, tuple[int, set[tuple[str, str, str, str]]]]:
    """`check --stack` of each estate: the verdict every format must reproduce."""
    result = {}
    for name, (directory, stack, _, _) in estates.items():
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(["-C", str(directory), "check", "--stack", stack, "--format", "json"])
        result[name] = (code, _findings(json.loads(out.getvalue())))
    return result


def test_the_broken_estates_are_broken(by_stack: dict[str, tuple[int, set[Any]]]) -> None:
    code, findings = by_stack["prod"]
    assert code == 0 and {f[1] for f in findings} <= {"advisory"}  # prod passes: advisories only
    code, findings = by_stack["overlap"]
    assert code == EXIT_VIOLATIONS
    [overlap] = [f for f in findings if f[0] == OVERLAP]
    assert "overlaps 10.200.0.0/16 of onprem site 'onprem-fra'" in overlap[3]
    assert by_stack["single-vendor"][0] == EXIT_VIOLATIONS and len(by_stack["single-vendor"][1]) >= 8


#: Each Pulumi format, written from an offline run (skyweave's own comes from its CLI).
WRITERS: dict[str, Callable[[OfflineRun, Any], Any]] = {
    "export-ciphertext": lambda run, deps: writers.stack_export(run, deps, secrets="ciphertext"),
    "export-plaintext": lambda run, deps: writers.stack_export(run, deps, secrets="plaintext"),
    "deployment": lambda run, deps: writers.stack_export(run, deps, whole=False),
    "save-plan": writers.save_plan,
    "preview-same-show-sames": lambda run, deps: writers.pulumi_preview(run, deps, update=True),
}


#: skyweave's own format on every estate; the Pulumi ones on prod and the overlap (enough to
#: cover them; each case starts the pack once).
ROUND_TRIPS = [("skyweave", "single-vendor")] + [
    (f, e) for f in ["skyweave", *WRITERS] for e in ("prod", "overlap")
]


@pytest.mark.parametrize(("fmt", "estate"), ROUND_TRIPS)
def test_every_format_finds_exactly_what_check_stack_finds(
    fmt: str,
    estate: str,
    estates: dict[str, Estate],
    by_stack: dict[str, tuple[int, set[Any]]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The round trip: `check --stack` findings == `check --from-json` of the same estate, in
    skyweave's own preview JSON (component outputs included) and in each Pulumi file."""
    directory, stack, run, deps = estates[estate]
    path = tmp_path / "plan.json"
    if fmt == "skyweave":
        assert main(["-C", str(directory), "preview", "--stack", stack, "--format", "json"]) == 0
        path.write_text(capsys.readouterr().out)
    else:
        path.write_text(json.dumps(WRITERS[fmt](run, deps)))
    # Read in the stack's project, as CI does: the stack's policy config applies to both.
    code, report = _check(["-C", str(directory), "check", "--from-json", str(path)], capsys)
    want_code, want = by_stack[estate]
    found = _findings(report)
    assert (code, sorted(found - want), sorted(want - found)) == (want_code, [], [])
    assert report["stack"] == "prod" if estate != "single-vendor" else report["stack"] == "broken"


def test_skyweave_preview_json_carries_component_outputs(estates: dict[str, Estate]) -> None:
    _, _, run, _ = estates["prod"]
    doc = json.loads(render_json(run))
    assert doc["component_outputs"] == run.component_outputs
    hybrid = next(r["urn"] for r in doc["resources"] if r["type"] == "skyweave:network:HybridVpc")
    assert doc["component_outputs"][hybrid]["networks"]["onprem-fra"]["cidrs"] == [
        "10.200.0.0/16",
        "192.168.50.0/24",
    ]
    assert "-----BEGIN" not in render_json(run)  # the BYON key stays masked in the new key too


def test_a_preview_that_creates_skyweave_components_is_refused(
    estates: dict[str, Estate], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`pulumi preview --json` of a new stack writes each step when it starts, before a component
    registers its outputs; judged anyway, every VpnLink would have "0 tunnels". Refused, naming
    the file that does record them (`--save-plan`); a preview of plain resources is judged
    (tests/fixtures/plan_files/pulumi-preview.json)."""
    _, _, run, deps = estates["prod"]
    path = tmp_path / "create.json"
    path.write_text(json.dumps(writers.pulumi_preview(run, deps)))
    err = _refused(path, capsys)
    components = sum(1 for r in run.resources if not r.custom and r.type.startswith("skyweave:"))
    assert f"{components} skyweave component(s)" in err and "--save-plan" in err
    assert ".newState.outputs:" in err


def test_an_update_preview_without_show_sames_is_refused(
    estates: dict[str, Estate], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Judging only what changes would count one vendor where there are five: refused, exit 1,
    with the command that writes a complete file."""
    _, _, run, deps = estates["prod"]
    path = tmp_path / "update.json"
    path.write_text(json.dumps(writers.pulumi_preview(run, deps, update=True, show_sames=False)))
    assert main(["check", "--from-json", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "without --show-sames" in captured.err and "pulumi preview --json --show-sames" in captured.err
    assert f"changeSummary counts {len(run.resources)} unchanged" in captured.err
    assert "Traceback" not in captured.err


def test_every_real_format_is_detected(estates: dict[str, Estate]) -> None:
    _, _, run, deps = estates["prod"]
    cases = {
        "skyweave": json.loads(render_json(run)),
        "export": writers.stack_export(run, deps),
        "deployment": writers.stack_export(run, deps, whole=False),
        "plan": writers.save_plan(run, deps),
        "preview": writers.pulumi_preview(run, deps, update=True),
    }
    for kind, doc in cases.items():
        plan = parse_plan(json.dumps(doc).encode(), kind)
        assert plan.format == kind
        assert (plan.stack, plan.project) == ("prod", "skyweave")
        assert len(plan.rows) == len(run.resources)
        names = {r["urn"]: r["name"] for r in plan.rows}
        assert all(urn.endswith("::" + name) for urn, name in names.items())


def test_stack_export_secrets_reach_the_pack_masked_and_never_in_output(
    estates: dict[str, Estate], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A ciphertext secret used to crash the pack (`Invalid secret encountered`); a plaintext one
    must not be read either: both arrive as the same masked secret."""
    _, _, run, deps = estates["prod"]
    for secrets in ("ciphertext", "plaintext"):
        doc = writers.stack_export(run, deps, secrets=secrets)
        text = json.dumps(doc)
        assert writers.SECRET_SIG in text
        plan = parse_plan(text.encode(), "export.json")
        for_analyze, for_stack = resources_from_plan(plan)
        wire = json.dumps([dict(r.properties) for r in [*for_analyze, *for_stack]])
        assert "not-the-real-value" not in wire and "ciphertext" not in wire
        assert '"value": "[secret]"' in wire
    path = tmp_path / "export.json"
    path.write_text(json.dumps(writers.stack_export(run, deps, secrets="plaintext")))
    assert main(["check", "--from-json", str(path)]) == 0
    assert "not-the-real-value" not in capsys.readouterr().out


def test_provider_references_keep_sites_even_for_providers_not_in_the_file() -> None:
    """`pulumi preview --json` never lists default providers; a resource still names its provider
    (and so its site) by the reference's URN, as the engine does."""
    plan = read_plan(FIXTURES / "pulumi-preview.json")
    for_analyze, _ = resources_from_plan(plan)
    bucket = next(r for r in for_analyze if r.type == "aws:s3/bucket:Bucket")
    assert bucket.provider is not None
    assert bucket.provider.type == "pulumi:providers:aws" and bucket.provider.name == "default_6_66_0"
    vpc = next(r for r in for_analyze if r.type == "aws:ec2/vpc:Vpc")
    assert vpc.provider is not None and vpc.provider.name == "aws-use1"
    assert vpc.provider.properties["region"] == "us-east-1"


EXPECTED = json.loads((FIXTURES / "expected.json").read_text())


def test_every_hand_written_fixture_has_its_expectation() -> None:
    assert {p.name for p in FIXTURES.glob("*.json")} == {*EXPECTED, "expected.json"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hand_written_fixtures_are_read_through_the_real_pack(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = EXPECTED
    code, report = _check(["check", "--from-json", str(FIXTURES / name)], capsys)
    want = expected[name]
    assert code == want["exit"]
    assert (
        sorted({v["policy"] for v in report["violations"] if v["level"] == "mandatory"}) == want["mandatory"]
    )
    assert report["resources"] == want["resources"]


def test_preview_deletes_and_reads_are_left_out_replacements_kept() -> None:
    plan = read_plan(FIXTURES / "pulumi-preview.json")
    names = {r["name"] for r in plan.rows}
    assert "old-bucket" not in names  # op delete
    assert "looked-up" not in names  # op read: the engine keeps reads out of AnalyzeStack
    assert {"core-vpc", "data", "web"} <= names  # create, replace (+ delete-replaced), update


# -- bad files: one message, exit 1, nothing on stdout ------------------------------------------


def _refused(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    code = main(["check", "--from-json", str(path)])
    captured = capsys.readouterr()
    assert code == 1, captured.err
    assert captured.out == ""
    assert "Traceback" not in captured.err
    # A plan that is not shaped like one lists its problems; a file that is not bounded JSON at all
    # is one line naming it, the same line any JSON file skyweave reads gets (skyweave.files).
    assert captured.err.startswith((f"error: invalid plan file {path} (", f"error: {path}: ")), captured.err
    return captured.err


def _mutated(tmp_path: Path, name: str, change: Callable[[Any], None]) -> Path:
    doc = json.loads((FIXTURES / name).read_text())
    change(doc)
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def _set(path: list[str | int], value: Any) -> Callable[[Any], None]:
    def change(doc: Any) -> None:
        target = doc
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return change


PREVIEW, EXPORT, PLAN, SKYWEAVE = (
    "pulumi-preview.json",
    "stack-export.json",
    "save-plan.json",
    "skyweave-preview.json",
)
VPC_PLAN = "urn:pulumi:prod::skyweave::aws:ec2/vpc:Vpc::core-vpc"
STEP = ["steps", 3]
NEW = ["steps", 3, "newState"]
RES = ["deployment", "resources", 2]
BAD_TYPES = [
    (PREVIEW, [*NEW, "type"], 7, "steps[3].newState.type: must be a type token"),
    (PREVIEW, [*NEW, "inputs"], "x", "steps[3].newState.inputs: must be an object"),
    (PREVIEW, [*NEW, "dependencies"], 3, "steps[3].newState.dependencies: must be a list of URNs"),
    (PREVIEW, [*STEP, "urn"], ["urn:pulumi:a::b::c::d"], "steps[3].urn: must be a URN"),
    (PREVIEW, [*STEP, "op"], "explode", "steps[3].op: must be a step op (create, "),
    (
        PREVIEW,
        [*NEW, "provider"],
        "urn:pulumi:a::b::aws:s3/bucket:Bucket::x::id",
        "must be a provider reference",
    ),
    (PREVIEW, ["changeSummary"], None, "changeSummary: missing"),
    (PREVIEW, ["changeSummary", "create"], "two", "changeSummary.create: must be a whole number"),
    (EXPORT, ["version"], 1, "version: must be 3 or 4"),
    (
        EXPORT,
        [*RES, "propertyDependencies"],
        {"vpcId": "u"},
        "[2].propertyDependencies.vpcId: must be a list of URNs",
    ),
    (EXPORT, [*RES, "protect"], "yes", "deployment.resources[2].protect: must be true or false"),
    (
        EXPORT,
        [*RES, "type"],
        "aws:ec2/vpc:Other",
        "resources[2].type: must be the type in its URN, 'aws:ec2/vpc:Vpc'",
    ),
    (
        PLAN,
        ["resourcePlans", VPC_PLAN, "goal", "inputDiff", "adds"],
        [],
        '::core-vpc"].goal.inputDiff.adds: must be',
    ),
    (PLAN, ["resourcePlans", VPC_PLAN, "steps"], "create", '::core-vpc"].steps: must be a list of strings'),
    (SKYWEAVE, ["resources", 1, "custom"], "no", "resources[1].custom: must be true or false"),
    (SKYWEAVE, ["component_outputs"], [], "component_outputs: must be an object"),
    (SKYWEAVE, ["stack"], "a b", "stack: stack and project names are 1-100 letters"),
]


@pytest.mark.parametrize(("fixture", "where", "value", "message"), BAD_TYPES)
def test_wrong_types_are_one_clear_message(
    fixture: str, where: list[str | int], value: Any, message: str, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    err = _refused(_mutated(tmp_path, fixture, _set(where, value)), capsys)
    assert message in err, err


def test_raw_bytes_and_bounds_are_one_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = (FIXTURES / "stack-export.json").read_text()
    cases: dict[str, tuple[bytes, str]] = {
        "latin1.json": (good.replace("core-vpc", "cor\u00e9-vpc", 1).encode("latin-1"), "not UTF-8: byte "),
        "utf16.json": (good.encode("utf-16"), "is UTF-16"),
        "nan.json": (
            good.replace('"cidrBlock": "10.1.0.0/16"', '"cidrBlock": NaN', 1).encode(),
            "NaN is not a JSON number",
        ),
        "digits.json": (
            good.replace('"10.1.0.0/16"', "1" * 5000, 1).encode(),
            "an integer of 5,000 digits is outside 64 bits",
        ),
        "float.json": (
            good.replace('"10.1.0.0/16"', "1e400", 1).encode(),
            "1e400 is beyond the range of a number",
        ),
        "bigint.json": (
            good.replace('"10.1.0.0/16"', str(2**1100), 1).encode(),
            "an integer of 332 digits is outside 64 bits",
        ),
        "broken.json": (good[:-20].encode(), "not valid JSON at line"),
        "deep-parse.json": (b"[" * 200_000 + b"]" * 200_000, f"nested deeper than {MAX_DEPTH} levels"),
        "array.json": (b"[1, 2]", "not a preview, stack export or plan"),
    }
    for name, (data, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert message in _refused(path, capsys), name
    absent = tmp_path / "absent.json"  # the environment's fault: one line naming the file
    assert main(["check", "--from-json", str(absent)]) == 1
    assert capsys.readouterr().err == f"error: {absent}: does not exist\n"


def test_plan_files_are_bounded_like_every_json_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Plan files had a reader of their own that let through what the one bounded JSON reader
    (skyweave.files) refuses; now they go through that reader. Each case here passed before."""
    good = (FIXTURES / "stack-export.json").read_text()
    assert '"cidrBlock": "10.1.0.0/16"' in good and '"manifest": {' in good
    cases = {
        # an integer a float64 holds but 64 bits do not, in a property the pack reads
        "int65.json": (
            good.replace('"10.1.0.0/16"', str(2**64), 1),
            f"line {good[: good.index('10.1.0.0/16')].count(chr(10)) + 1}: an integer of 20 digits",
        ),
        # too long an integer, a number out of range, nesting past the bound: in a field no check
        # reads (the manifest), where the old reader never looked
        "unused-digits.json": (
            good.replace('"manifest": {', '"manifest": {"n": ' + "9" * 500 + ",", 1),
            "an integer of 500 digits is outside 64 bits",
        ),
        "unused-float.json": (
            good.replace('"manifest": {', '"manifest": {"n": 1e400,', 1),
            "1e400 is beyond the range of a number",
        ),
        "unused-deep.json": (
            good.replace('"manifest": {', '"manifest": {"n": ' + "[" * 80 + "]" * 80 + ",", 1),
            f"deployment.manifest.n{'[0]' * (MAX_DEPTH - 3)}: nested deeper than {MAX_DEPTH} levels",
        ),
    }
    for name, (text, message) in cases.items():
        path = tmp_path / name
        path.write_text(text)
        assert message in _refused(path, capsys), name
    # One reader, one message: a policy config and a plan file with the same fault read alike.
    config = tmp_path / "policy.json"
    config.write_bytes('{"all": "mandatory"}'.encode("utf-16"))
    assert main(["check", "--from-json", str(FIXTURES / "stack-export.json"), "--config", str(config)]) == 1
    assert capsys.readouterr().err.startswith(f"error: {config}: is UTF-16 (PowerShell's `>` writes that)")


def test_deep_nesting_is_refused_at_its_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nested: Any = "x"
    for _ in range(500):
        nested = [nested]
    path = _mutated(
        tmp_path, "stack-export.json", _set(["deployment", "resources", 2, "inputs", "tags"], nested)
    )
    err = _refused(path, capsys)
    assert (
        "deployment.resources[2].inputs.tags[0][0]" in err and f"nested deeper than {MAX_DEPTH} levels" in err
    )
    assert len(err) < 600  # the path is shortened, not 500 levels long


def test_a_value_at_the_depth_bound_goes_through_the_real_pack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nested: Any = "x"
    for _ in range(MAX_DEPTH - 8):  # the property sits 6 levels down; stay just inside the bound
        nested = {"a": nested}
    path = _mutated(
        tmp_path, "stack-export.json", _set(["deployment", "resources", 2, "inputs", "tags"], nested)
    )
    assert main(["check", "--from-json", str(path)]) == EXIT_VIOLATIONS  # as without it: one vendor
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "skyweave-redundancy-min-vendors" in captured.out


def test_a_huge_file_is_refused_before_it_is_parsed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plan_files, "MAX_BYTES", 1024)
    path = tmp_path / "huge.json"
    path.write_text(json.dumps({"resources": [{"x": "y" * 2000}]}))
    assert "larger than" in _refused(path, capsys)


def test_messages_never_echo_a_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = "-----BEGIN OPENSSH PRIVATE KEY-----b3BlbnNzaC1rZXktdjEAAAAABG5vbmU="
    err = _refused(
        _mutated(tmp_path, "stack-export.json", _set(["deployment", "resources", 2, "urn"], key)), capsys
    )
    assert "BEGIN" not in err and f"a string of {len(key)} characters" in err


def test_problems_are_listed_together_up_to_a_bound(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def break_all(doc: Any) -> None:
        for res in doc["deployment"]["resources"]:
            res["protect"] = "yes"
            res["dependencies"] = 1

    err = _refused(_mutated(tmp_path, "stack-export.json", break_all), capsys)
    assert err.count("must be") >= 2


def test_a_bad_secret_object_cannot_crash_the_pack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`{sig: secret}` without a value is what crashed the pack (`Invalid secret encountered
    when unmarshaling resource property`): masked, like every secret, in every format."""
    bad = {writers.SIG_KEY: writers.SECRET_SIG}
    for fixture, where in (
        ("skyweave-preview.json", ["resources", 2, "inputs", "cidrBlock"]),
        ("stack-export.json", ["deployment", "resources", 2, "outputs", "cidrBlock"]),
        ("stack-export.json", ["deployment", "resources", 2, "inputs", "tags"]),
    ):
        path = _mutated(tmp_path, fixture, _set(where, bad))
        code = main(["check", "--from-json", str(path)])
        captured = capsys.readouterr()
        assert code in (0, EXIT_VIOLATIONS) and "Traceback" not in captured.err, captured.err


# -- the property test ----------------------------------------------------------------------------

_WRONG = st.sampled_from(
    [0, -1, 2**80, 10**400, 1.5, float("inf"), True, None, "", "x", "urn:pulumi:a::b::c::d", [], [1], {},
     {"a": 1}, {writers.SIG_KEY: writers.SECRET_SIG}, {writers.SIG_KEY: "other"}, "\ud800"]
)  # fmt: skip


def _paths(doc: Any) -> list[tuple[Any, ...]]:
    """Every path in ``doc`` down to 70 levels (so a second mutation never nests inside a 500-level
    one: the test's own json.dumps would hit the recursion limit)."""
    out: list[tuple[Any, ...]] = []
    todo: list[tuple[tuple[Any, ...], Any]] = [((), doc)]
    while todo:
        prefix, value = todo.pop()
        out.append(prefix)
        if len(prefix) >= 70:
            continue
        if isinstance(value, dict):
            todo += [((*prefix, k), v) for k, v in value.items()]
        elif isinstance(value, list):
            todo += [((*prefix, i), v) for i, v in enumerate(value)]
    return out


@st.composite
def _mutation(draw: st.DrawFn) -> tuple[str, Any]:
    name = draw(st.sampled_from(sorted(p.name for p in FIXTURES.glob("*.json") if p.name != "expected.json")))
    doc = json.loads((FIXTURES / name).read_text())
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        where = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "drop", "nest", "wrap"]))
        if not where:
            doc = copy.deepcopy(draw(_WRONG)) if action == "replace" else [doc]
            continue
        parent = doc
        for part in where[:-1]:
            parent = parent[part]
        key = where[-1]
        if action == "replace":
            parent[key] = copy.deepcopy(draw(_WRONG))  # the samples are shared: never mutate one
        elif action == "drop":
            del parent[key]
        elif action == "nest":
            nested = parent[key]
            shape = draw(st.sampled_from(["dict", "list", "both"]))
            for level in range(draw(st.sampled_from([1, 60, 500]))):
                as_dict = shape == "dict" or (shape == "both" and level % 2 == 0)
                nested = {"n": nested} if as_dict else [nested]
            parent[key] = nested
        else:
            parent[key] = [parent[key]]
    return name, doc


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(_mutation())
def test_mutated_plan_files_exit_cleanly(mutation: tuple[str, Any]) -> None:
    """Any mutation of any format: exit 0 or 1, no traceback, nothing on stdout on error, one
    message block. The pack is replaced by a stand-in that builds every Analyzer message (what
    the real run does first), so 60 files take seconds; the real pack is covered above."""
    _, doc = mutation
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "plan.json"
        path.write_text(json.dumps(doc, ensure_ascii=True))
        out, err = io.StringIO(), io.StringIO()
        with _stand_in_pack(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["check", "--from-json", str(path)])
    event(f"exit {code}")  # --hypothesis-show-statistics: how many stay valid
    assert code in (0, 1), err.getvalue()
    assert "Traceback" not in err.getvalue()
    if code == 1:
        assert out.getvalue() == ""
        assert err.getvalue().startswith("error: ") and err.getvalue().count("error: ") == 1


@contextlib.contextmanager
def _stand_in_pack() -> Any:
    from skyweave.engine import check

    def run_check(for_analyze: Any, for_stack: Any, **kwargs: Any) -> check.CheckResult:
        for resource in for_analyze:
            resource.analyze_request().SerializeToString()
        from pulumi.runtime.proto import analyzer_pb2

        analyzer_pb2.AnalyzeStackRequest(resources=[r.stack_message() for r in for_stack]).SerializeToString()
        return check.CheckResult(
            "skyweave", "0", kwargs["stack"], kwargs["source"], [], [], len(for_stack), 0.0
        )

    original = check.run_check
    check.run_check = run_check  # type: ignore[assignment]
    try:
        yield
    finally:
        check.run_check = original  # type: ignore[assignment]


def test_plan_file_error_is_a_config_error() -> None:
    from skyweave.core.errors import ConfigError

    with pytest.raises(ConfigError):
        parse_plan(b"{}", "x.json")
    with pytest.raises(PlanFileError, match=r"^invalid plan file x\.json \(1 problem\):"):
        parse_plan(b"{}", "x.json")


def test_skyweave_preview_shape_is_still_checked_strictly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = json.loads((FIXTURES / "skyweave-preview.json").read_text())
    twice = copy.deepcopy(doc)
    twice["resources"].append(copy.deepcopy(doc["resources"][1]))
    path = tmp_path / "twice.json"
    path.write_text(json.dumps(twice))
    assert "the same URN as resources[1]" in _refused(path, capsys)


def test_a_save_plan_judges_creates_on_their_inputs_and_updates_on_planned_state() -> None:
    """`GoalV1.inputDiff` is every input for a create and only the change for an update or a
    `same` (pkg/resource/deploy/step_generator.go diffs against the old inputs)."""
    plan = read_plan(FIXTURES / "save-plan.json")
    rows = {r["name"]: r for r in plan.rows}
    assert "old-bucket" not in rows  # steps ["delete"], no goal
    assert rows["core-vpc"]["inputs"] == {"cidrBlock": "10.1.0.0/16", "enableDnsHostnames": True, "tags": {
        "env": "prod", "owner": "platform"}}  # fmt: skip
    assert rows["core-vpc"]["outputs"]["arn"] == rpc.UNKNOWN
    subnet = rows["core-subnet-a"]
    assert subnet["inputs"]["cidrBlock"] == "10.1.16.0/20" and subnet["outputs"]["cidrBlock"] == "10.1.0.0/20"
    assert subnet["inputs"]["availabilityZone"] == "us-east-1a"  # from the planned state
    assert plan.property_dependencies[subnet["urn"]] == {"vpcId": (rows["core-vpc"]["urn"],)}
    assert rows["vpn-psk"]["outputs"]["result"] == "[secret]"
    assert rows["vpn-psk"]["additionalSecretOutputs"] == ["result"]


def test_a_stack_export_leaves_out_deleted_resources_and_reads_names_from_urns() -> None:
    plan = read_plan(FIXTURES / "stack-export.json")
    rows = {r["name"]: r for r in plan.rows}
    assert "old-bucket" not in rows  # "delete": true
    assert rows["core-vpc"]["provider"] == "urn:pulumi:prod::skyweave::pulumi:providers:aws::aws-use1"
    assert rows["core-vpc"]["outputs"]["arn"].startswith("arn:aws:ec2:")
    deployment = json.loads((FIXTURES / "stack-export.json").read_text())["deployment"]
    bare = parse_plan(json.dumps(deployment).encode(), "deployment.json")
    assert bare.format == "deployment" and bare.rows == plan.rows


def test_a_preview_that_reported_errors_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def fail(doc: Any) -> None:
        doc["diagnostics"].append({"message": "error: update failed\n", "severity": "error"})

    assert "reported 1 error(s)" in _refused(_mutated(tmp_path, PREVIEW, fail), capsys)
