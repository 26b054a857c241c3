"""`skyweave preview --diff BASE`: creates, updates, replacements and deletes against an earlier
preview, a `pulumi stack export` or a `pulumi preview --json`; protected resources called out;
`--detailed-exitcode`; every bad base named with its JSON path."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import stack_raw, write_stack
from skyweave.cli import main
from skyweave.engine.diff import DiffMonitor, diff_run, load_base, read_base
from skyweave.engine.preview import preview_stack, render_json
from skyweave.estate.project import Project

SIG = "4dabf18193072939515e22adb298388d"


def _run(project: Project, stack: str) -> tuple[Any, DiffMonitor]:
    monitor = DiffMonitor()
    return preview_stack(project, stack, monitor=monitor), monitor


@pytest.fixture(scope="module")
def dev_base(tmp_path_factory: pytest.TempPathFactory, project: Project) -> Path:
    run, _ = _run(project, "dev")
    path = tmp_path_factory.mktemp("base") / "dev.json"
    path.write_text(render_json(run))
    return path


def _real(urn: str, what: str = "id") -> str:
    return f"real-{what}-{hashlib.sha256(urn.encode()).hexdigest()[:10]}"


#: An Azure id is a path (a child's id extends its parent's): the real one is the same path in the
#: real subscription, so a value built from a parent's id stays the child's id after the swap.
REAL_SUBSCRIPTION = "/subscriptions/5f1b0c7e-3d2a-4c1b-9e8f-7a6b5c4d3e2f/"


def _real_value(urn: str, key: str, value: str) -> str:
    if value.startswith("/subscriptions/"):
        return re.sub(r"^/subscriptions/[^/]+/", REAL_SUBSCRIPTION, value)
    return _real(urn) if key == "id" else _real(urn, key)


def _state(
    project: Project, stack: str, ran: tuple[Any, DiffMonitor] | None = None
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Resources as a real deployment records them: real ids where the offline run has stand-ins,
    secrets encrypted, provider references with ids, inputs the provider filled in (from ``ran``,
    a run of ``stack`` already made, if given)."""
    run, monitor = ran or _run(project, stack)
    inputs_of = run.by_urn()
    real = {
        value: _real_value(urn, key, value)
        for urn, values in monitor.computed().items()
        for key, value in values.items()
        # an output that echoes the resource's own input (azure-native's `name` is its
        # `<thing>Name`) is what the provider records too, not a stand-in for something else
        if value not in inputs_of[urn].inputs.values()
    }

    pattern = re.compile("|".join(re.escape(k) for k in sorted(real, key=len, reverse=True)))

    def swap(value: Any) -> Any:
        if isinstance(value, str):
            if value == "[secret]":
                return {SIG: "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:abcd"}
            # in one pass, longest first: a stand-in may hold another (an Azure id holds its
            # group's name), and what replaced it is not searched again
            return pattern.sub(lambda m: real[m.group(0)], value)
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [swap(v) for v in value]
        return value

    computed = monitor.computed()
    rows = []
    for reg in run.resources:
        inputs = swap(reg.inputs)
        if reg.custom and not reg.type.startswith("pulumi:providers:"):
            inputs = {**inputs, "__defaults": [], "filledByTheProvider": "default-value"}
        outputs = {**inputs, **{k: real.get(v, v) for k, v in computed.get(reg.urn, {}).items()}}
        rows.append(
            {
                "urn": reg.urn,
                "custom": reg.custom,
                "type": reg.type,
                **(
                    {"id": real.get(computed.get(reg.urn, {}).get("id", ""), _real(reg.urn))}
                    if reg.custom
                    else {}
                ),
                "inputs": inputs,
                "outputs": outputs,
                **({"parent": reg.parent} if reg.parent else {}),
                **({"provider": f"{reg.provider}::{_real(reg.provider)}"} if reg.provider else {}),
                "protect": reg.protect,
                "dependencies": reg.dependencies,
            }
        )
    return rows, real


def _export(tmp_path: Path, project: Project, stack: str) -> Path:
    rows, _ = _state(project, stack)
    path = tmp_path / "export.json"
    path.write_text(
        json.dumps({"version": 3, "deployment": {"manifest": {"version": "v3.200.0"}, "resources": rows}})
    )
    return path


def _digest(tmp_path: Path, project: Project, stack: str) -> Path:
    rows, _ = _state(project, stack)
    steps = [{"op": "same", "urn": r["urn"], "oldState": r, "newState": r} for r in rows]
    steps.append(
        {"op": "create", "urn": "urn:pulumi:dev::skyweave::aws:s3/bucket:Bucket::new", "newState": {}}
    )
    path = tmp_path / "preview.json"
    path.write_text(json.dumps({"steps": steps, "changeSummary": {"same": len(rows)}}))
    return path


def _diff(project: Project, stack: str, base: Path, ran: tuple[Any, DiffMonitor] | None = None) -> Any:
    run, monitor = ran or _run(project, stack)
    return diff_run(run, monitor, load_base(base))


def _ops(diff: Any) -> dict[str, str]:
    return {c.name: c.op for c in diff.changes}


def _count(base: Path) -> int:
    """How many resources the dev preview (the base) holds: the independent figure to compare to."""
    return len(json.loads(base.read_text())["resources"])


# --- the three base formats ------------------------------------------------------------------


def test_an_unchanged_program_has_no_changes_against_each_base(
    tmp_path: Path, project: Project, dev_base: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for base in (dev_base, _export(tmp_path, project, "dev"), _digest(tmp_path, project, "dev")):
        diff = _diff(project, "dev", base)
        assert diff.changes == (), [c.as_dict() for c in diff.changes][:3]
        assert diff.unchanged == _count(dev_base)
        assert main(["preview", "--stack", "dev", "--diff", str(base), "--detailed-exitcode"]) == 0
        assert "No changes." in capsys.readouterr().out


def test_read_base_is_urn_to_type_inputs_and_protect(
    tmp_path: Path, project: Project, dev_base: Path
) -> None:
    for base in (dev_base, _export(tmp_path, project, "dev"), _digest(tmp_path, project, "dev")):
        resources = read_base(base)
        assert len(resources) == _count(dev_base)
        vpc = resources[
            "urn:pulumi:dev::skyweave::skyweave:network:HybridVpc$aws:ec2/vpc:Vpc::core-vpc-aws-use1"
        ]
        kind, inputs, protect = vpc
        assert kind == "aws:ec2/vpc:Vpc" and inputs["cidrBlock"] == "10.1.0.0/16" and protect is False
        assert "__defaults" not in inputs
    secrets = [v for r in read_base(_export(tmp_path, project, "dev")).values() for v in r.inputs.values()]
    assert "[secret]" in str(secrets) and "ciphertext" not in str(secrets)


# --- what changes ----------------------------------------------------------------------------


def test_adding_a_site_only_creates(
    tmp_path: Path, dev_base: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = copy.deepcopy(stack_raw("dev"))
    raw["sites"].append(
        {
            "name": "aws-euc1",
            "vendor": "aws",
            "region": "eu-central-1",
            "zones": ["eu-central-1a"],
            "cidr": "10.7.0.0/16",
        }
    )
    project = write_stack(tmp_path, "dev", raw)
    diff = _diff(project, "dev", dev_base)
    assert {c.op for c in diff.changes} == {"create"} and diff.count("create") > 10
    assert diff.unchanged == _count(dev_base)
    args = ["-C", str(tmp_path), "preview", "--stack", "dev", "--diff", str(dev_base), "--detailed-exitcode"]
    assert main(args) == 2
    assert (
        capsys.readouterr()
        .out.rstrip()
        .endswith(
            f"Changes: {diff.count('create')} to create, 0 to update, 0 to replace, 0 to delete, "
            f"{_count(dev_base)} unchanged"
        )
    )


def test_a_new_site_block_replaces_the_vpc_and_what_hangs_on_it(tmp_path: Path, dev_base: Path) -> None:
    raw = copy.deepcopy(stack_raw("dev"))
    raw["sites"][0]["cidr"] = "10.9.0.0/16"
    diff = _diff(write_stack(tmp_path, "dev", raw), "dev", dev_base)
    by_name = {c.name: c for c in diff.changes}
    vpc = by_name["core-vpc-aws-use1"]
    assert vpc.op == "replace" and [(k.key, k.old, k.new, k.replaces) for k in vpc.keys] == [
        ("cidrBlock", "10.1.0.0/16", "10.9.0.0/16", True)
    ]
    assert "terraform-provider-aws" in vpc.keys[0].why
    subnet = by_name["core-subnet-aws-use1-private-a"]
    assert subnet.op == "replace" and {k.key for k in subnet.keys} == {"cidrBlock", "vpcId"}
    assert next(k for k in subnet.keys if k.key == "vpcId").new == "[unknown]"  # the new VPC's id
    # a route table only refers to the VPC: replaced because the VPC is
    assert by_name["core-rt-aws-use1-private-a"].op == "replace"
    # the GCP side is untouched but for what routes to the AWS block
    assert "core-network-gcp-euw1" not in by_name
    assert all(c.op != "delete" and c.op != "create" for c in diff.changes)


def test_against_a_deployed_state_real_ids_stand_in_for_the_offline_ones(
    tmp_path: Path, project: Project
) -> None:
    export = _export(tmp_path, project, "dev")
    raw = copy.deepcopy(stack_raw("dev"))
    raw["sites"][0]["cidr"] = "10.9.0.0/16"
    (tmp_path / "p").mkdir()
    diff = _diff(write_stack(tmp_path / "p", "dev", raw), "dev", export)
    by_name = {c.name: c for c in diff.changes}
    vpc_id = next(k for k in by_name["core-subnet-aws-use1-private-a"].keys if k.key == "vpcId")
    assert vpc_id.old.startswith("real-id-") and vpc_id.new == "[unknown]"
    # the GCP subnetwork refers to its (unchanged) network by a real id: no change
    assert "core-subnet-gcp-euw1" not in by_name


def test_gcp_subnetworks_grow_in_place_and_are_replaced_otherwise(
    tmp_path: Path, dev_base: Path, project: Project
) -> None:
    doc = json.loads(dev_base.read_text())
    (subnetwork,) = [r for r in doc["resources"] if r["type"] == "gcp:compute/subnetwork:Subnetwork"]
    current = subnetwork["inputs"]["ipCidrRange"]
    network, prefix = current.split("/")
    for base_range, op in (
        (f"{network}/{int(prefix) + 1}", "update"),
        (f"{network}/{int(prefix) - 1}", "replace"),
    ):
        subnetwork["inputs"]["ipCidrRange"] = base_range  # the base had a smaller / larger range
        base = tmp_path / f"{op}.json"
        base.write_text(json.dumps(doc))
        changes = {c.name: c for c in _diff(project, "dev", base).changes}
        assert changes[subnetwork["name"]].op == op
        if op == "update":  # grown in place: nothing else moves
            assert list(changes) == [subnetwork["name"]]
        else:  # replaced: what sits in it follows (the instance template's network interface)
            assert changes["hello-template-gcp-euw1"].op == "replace"


def test_a_component_input_change_is_an_update_of_the_component(tmp_path: Path, dev_base: Path) -> None:
    raw = copy.deepcopy(stack_raw("dev"))
    raw["tags"]["cost-centre"] = "42"
    diff = _diff(write_stack(tmp_path, "dev", raw), "dev", dev_base)
    assert diff.count("update") > 10
    # only what cannot change in place is replaced: a GCP instance template is immutable
    assert [c.name for c in diff.changes if c.op == "replace"] == ["hello-template-gcp-euw1"]
    tags = next(k for c in diff.changes for k in c.keys if c.name == "core-vpc-aws-use1")
    assert tags.key == "tags" and tags.new["cost-centre"] == "42" and not tags.replaces


def test_removed_resources_are_deleted_and_protected_ones_refused(
    tmp_path: Path,
    dev_base: Path,
    project: Project,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    doc = json.loads(dev_base.read_text())
    gone = {
        "urn": "urn:pulumi:dev::skyweave::skyweave:storage:MultiCloudBucket$aws:s3/bucket:Bucket"
        "::old-bucket-aws-use1",
        "type": "aws:s3/bucket:Bucket",
        "name": "old-bucket-aws-use1",
        "inputs": {},
        "protect": True,
    }
    doc["resources"].append(gone)
    vpc = next(r for r in doc["resources"] if r["name"] == "core-vpc-aws-use1")
    vpc["protect"], vpc["inputs"]["cidrBlock"] = True, "10.8.0.0/16"
    base = tmp_path / "base.json"
    base.write_text(json.dumps(doc))
    diff = _diff(project, "dev", base)
    assert _ops(diff)["old-bucket-aws-use1"] == "delete"
    assert {c.urn for c in diff.refused} == {gone["urn"], vpc["urn"]}
    assert main(["preview", "--stack", "dev", "--diff", str(base)]) == 0
    out = capsys.readouterr().out
    assert "!! 2 PROTECTED resource(s) would be deleted or replaced; `pulumi up` will refuse" in out
    assert f"!!   delete: {gone['urn']}" in out
    assert main(["preview", "--stack", "dev", "--diff", str(base), "--format", "markdown"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("### skyweave preview --diff: stack `dev`\n\n❌ **")
    assert "**2 protected resource(s) would be deleted or replaced**" in md
    assert md.index("| replace (protected) | `core-vpc-aws-use1` |") < md.index("<details>")
    assert main(["preview", "--stack", "dev", "--diff", str(base), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert sorted(doc["refused"]) == sorted([gone["urn"], vpc["urn"]])
    assert doc["summary"]["delete"] == 1 and doc["base"]["kind"] == "skyweave preview"


def test_an_alias_keeps_a_renamed_resource(tmp_path: Path, project: Project) -> None:
    ran = _run(project, "prod")  # one preview: the base is made from it, then diffed against it
    rows, _ = _state(project, "prod", ran)
    bucket = next(r for r in rows if r["type"] == "aws:s3/bucket:Bucket")
    bucket["urn"] = bucket["urn"].replace("$aws:s3/bucket:Bucket::", "$aws:s3/bucketV2:BucketV2::")
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"version": 3, "deployment": {"resources": rows}}))
    diff = _diff(project, "prod", path, ran)
    assert diff.changes == ()  # the type alias says it is the same bucket: not a delete and a create


# --- the command line ------------------------------------------------------------------------


def test_detailed_exitcode_needs_diff_and_errors_exit_1(
    tmp_path: Path, dev_base: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["preview", "--stack", "dev", "--detailed-exitcode"]) == 1
    assert "--detailed-exitcode goes with --diff BASE" in capsys.readouterr().err
    assert main(["preview", "--stack", "dev", "--format", "markdown"]) == 2
    assert (
        main(["preview", "--stack", "dev", "--diff", str(tmp_path / "none.json"), "--detailed-exitcode"]) == 1
    )
    assert main(["preview", "--stak", "dev", "--detailed-exitcode"]) == 1  # a usage error is 1 too


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("{nope", "not valid JSON at line 1"),
        ("[1, 2]", "not a base this diff can read"),
        ('{"version": 2, "deployment": {"resources": []}}', "base.json: version: expected 3"),
        (
            '{"version": 3, "deployment": {"resources": [{"type": "x"}]}}',
            "base.json: deployment.resources[0].urn",
        ),
        (
            '{"version": 3, "deployment": {"resources": [{"urn": "u", "type": "t", "inputs": 3}]}}',
            "deployment.resources[0].inputs: must be an object",
        ),
        ('{"steps": [{"op": "same", "oldState": {"urn": "u"}}]}', "base.json: steps[0].oldState.type"),
        ('{"steps": [{"urn": "u"}]}', "base.json: steps[0].op"),
        ('{"resources": [{"urn": "u", "type": "t", "protect": "yes"}]}', "base.json: resources[0].protect"),
    ],
)
def test_a_bad_base_is_named_with_its_json_path(
    content: str, where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = tmp_path / "base.json"
    base.write_text(content)
    assert main(["preview", "--stack", "dev", "--diff", str(base)]) == 1
    err = capsys.readouterr().err
    assert where in err and "Traceback" not in err


def test_the_docs_hold_the_replacement_table() -> None:
    from conftest import ROOT
    from skyweave.engine.replacements import markdown_table

    text = (ROOT / "docs" / "cli.md").read_text()
    begin, end = "<!-- BEGIN REPLACEMENTS -->\n", "<!-- END REPLACEMENTS -->"
    assert text[text.index(begin) + len(begin) : text.index(end)] == markdown_table()


def _refresh_triggers() -> set[str]:
    """The Auto Scaling group inputs whose change always starts an instance refresh, as the
    installed pulumi_aws documents them (``triggers``), in the engine's camelCase."""
    import inspect

    import pulumi_aws as aws

    doc = inspect.getdoc(aws.autoscaling.GroupInstanceRefreshArgs.triggers) or ""
    sentence = re.search(r"always be triggered by a change in any of ([^.]*)\.", doc)
    assert sentence, doc
    names = re.findall(r"`(\w+)`", sentence[1])
    return {re.sub(r"_(\w)", lambda m: m[1].upper(), name) for name in names}


def test_a_size_change_rolls_the_aws_instances_and_the_text_shows_it_whole(
    tmp_path: Path, project: Project, dev_base: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    """Issue 23 item 8: a new instance size is a new launch template version, which the provider
    computes (terraform-provider-aws marks `latest_version` computed on any change), so the Auto
    Scaling group's `launchTemplate` changes too and its instance refresh replaces the running
    instances; the diff says both, and the text shows every value whole."""
    raw = copy.deepcopy(stack_raw("dev"))
    raw["apps"][0]["sizes"]["aws"] = "t3.small"
    changed = write_stack(tmp_path, "dev", raw)
    for base in (dev_base, _export(tmp_path, project, "dev")):
        diff = _diff(changed, "dev", base)
        by_name = {c.name: c for c in diff.changes}
        assert set(by_name) == {"hello-lt-aws-use1", "hello-asg-aws-use1"}, sorted(by_name)
        template = by_name["hello-lt-aws-use1"]
        assert template.op == "update"
        assert [(k.key, k.old, k.new) for k in template.keys] == [("instanceType", "t3.micro", "t3.small")]
        group = by_name["hello-asg-aws-use1"]
        assert group.op == "update" and [k.key for k in group.keys] == ["launchTemplate"]
        assert {k.key for k in group.keys} <= _refresh_triggers()
        (key,) = group.keys
        assert key.new == "[unknown]" and "hello-lt-aws-use1 is updated" in key.why
        if base == dev_base:
            against_preview = key
        assert "instance refresh" in group.note and "running instances are replaced" in group.note

    monkeypatch.setenv("COLUMNS", "100")
    assert main(["-C", str(tmp_path), "preview", "--stack", "dev", "--diff", str(dev_base)]) == 0
    out = capsys.readouterr().out
    assert '        instanceType: "t3.micro" => "t3.small"' in out
    old = json.dumps(against_preview.old, ensure_ascii=False)
    assert old in re.sub(r"\n +", " ", out), out  # wrapped at spaces, never cut
    assert "…" not in out


def test_the_text_diff_shows_nested_changes_by_their_path_uncut() -> None:
    """A change inside a nested value is shown at its path, old and new whole (docs/cli.md:
    nothing is cut), not as two copies of the whole value cut at a width."""
    from skyweave.cli.diff import render_text
    from skyweave.engine.diff import Base, Change, Diff, KeyChange

    long_old, long_new = "a" * 90, "b" * 90
    old = {"spec": {"image": long_old, "size": "m6i.large"}, "same": [1, 2]}
    new = {"spec": {"image": long_new, "size": "m6i.xlarge"}, "same": [1, 2]}
    change = Change("update", "urn:x", "t:m:T", "thing", keys=(KeyChange("template", old, new),))
    text = render_text(Diff(Base("base.json", "skyweave preview", {}), "dev", "p", (change,), 0), width=300)
    assert f'        template.spec.image: "{long_old}" => "{long_new}"' in text
    assert '        template.spec.size: "m6i.large" => "m6i.xlarge"' in text
    assert "same" not in text and "…" not in text
