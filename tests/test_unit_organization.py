"""``skyweave:organization``: the Pulumi organisation the unit stacks live in (docs/units.md).

The stack references between units name it (``<organization>/<project>/<unit>``); ``skyweave
export`` and ``skyweave stacks --migrate`` default ``--org`` to it; without it a unit uses the
running stack's organisation (``pulumi.get_organization()``, ``organization`` offline, as on a
self-managed backend). A value that cannot be an organisation's name is a configuration error
naming the file, the key, the value and what is valid, before anything registers.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from conftest import stack_raw, write_stack
from skyweave.cli import main
from skyweave.engine.offline import STACK_REFERENCE_TYPE, OfflineMocks, StackOutputs
from skyweave.engine.preview import preview_stack
from skyweave.estate.project import Project


def _references_of_link_unit(root: Path, raw: dict[str, Any]) -> list[str]:
    """The full stack names the link unit of dev's two sites reads, its sites' units run first."""
    root.mkdir()
    write_stack(root, "dev", {**raw, "deployment": "units"})
    project = Project.find(root)

    def run(unit: str, references: dict[str, StackOutputs], mocks: type[OfflineMocks] = OfflineMocks) -> Any:
        # a unit's stack runs on its estate's stack file, as `pulumi stack init --copy-config-from`
        return preview_stack(project, unit, stack_file="dev", mocks=mocks(stack_references=references))

    sites = {unit: run(unit, {}).reference_outputs for unit in ("dev.aws-use1", "dev.gcp-euw1")}
    read: list[str] = []

    class Recording(OfflineMocks):
        def new_resource(self, args: Any) -> tuple[str, dict[str, Any]]:
            if args.typ == STACK_REFERENCE_TYPE:
                read.append(args.resource_id)
            return super().new_resource(args)

    run("dev.link.aws-use1.gcp-euw1", sites, Recording)
    return read


def test_the_units_stack_references_name_the_configured_organisation(tmp_path: Path) -> None:
    raw = {**copy.deepcopy(stack_raw("dev")), "organization": "acme-corp"}
    read = _references_of_link_unit(tmp_path / "org", raw)
    assert read and all(name.startswith("acme-corp/skyweave/dev.") for name in read), read
    # without the key: the running stack's organisation (offline, `organization`)
    default = _references_of_link_unit(tmp_path / "default", copy.deepcopy(stack_raw("dev")))
    assert default and all(name.startswith("organization/skyweave/dev.") for name in default), default


@pytest.mark.parametrize("value", ["acme corp", "acme/prod", ""])
def test_an_organisation_that_is_not_a_pulumi_name_is_refused_naming_file_key_and_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    write_stack(tmp_path, "dev", {**stack_raw("dev"), "deployment": "units", "organization": value})
    stacks = tmp_path / "stacks"
    (stacks / "Pulumi.dev.aws-use1.yaml").write_text((stacks / "Pulumi.dev.yaml").read_text())
    assert main(["-C", str(tmp_path), "preview", "--stack", "dev.aws-use1"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for words in ("Pulumi.dev.aws-use1.yaml", "skyweave:organization", repr(value), "letters, digits"):
        assert words in err, err


def test_export_and_migrate_default_org_to_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_stack(tmp_path, "dev", {**stack_raw("dev"), "deployment": "units", "organization": "acme-corp"})
    (tmp_path / ".git").mkdir()
    argv = ["-C", str(tmp_path), "export", "--stack", "dev", "--to", "operator"]
    assert main([*argv, "--repo", "https://example.com/infra.git", "--branch", "main"]) == 0
    out = capsys.readouterr().out
    assert "stack: acme-corp/skyweave/dev.aws-use1" in out
    # the migration runs while the estate is still one stack, about to become units
    write_stack(tmp_path, "dev", {**stack_raw("dev"), "organization": "acme-corp"})
    assert main(["-C", str(tmp_path), "stacks", "--stack", "dev", "--migrate"]) == 0
    out = capsys.readouterr().out
    assert "acme-corp/skyweave/dev.aws-use1" in out and "--source acme-corp/skyweave/dev" in out
    # --org still wins over the key
    assert main(["-C", str(tmp_path), "stacks", "--stack", "dev", "--migrate", "--org", "other"]) == 0
    assert "other/skyweave/dev.aws-use1" in capsys.readouterr().out
