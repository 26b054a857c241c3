"""The public API is ``skyweave.__all__``: every name exists, is documented, and the version is one.

A semantic version means something only if the public surface is explicit and the two places the
version is written (the package metadata and ``skyweave.__version__``) agree; the changelog must
have an entry for the version being shipped.
"""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import pytest
import skyweave
from skyweave.cli import main

ROOT = Path(__file__).resolve().parent.parent

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")


def test_every_public_name_exists_and_has_its_own_docstring() -> None:
    undocumented = []
    for name in skyweave.__all__:
        assert hasattr(skyweave, name), f"skyweave.__all__ lists {name!r}, which skyweave does not define"
        if name == "__version__":
            continue
        obj = getattr(skyweave, name)
        # A class's own docstring, not one inherited from BaseModel or Exception.
        doc = obj.__dict__.get("__doc__") if isinstance(obj, type) else getattr(obj, "__doc__", None)
        if not doc or not doc.strip():
            undocumented.append(name)
    assert not undocumented, f"public names without a docstring: {undocumented}"


def test_all_is_sorted_and_has_no_duplicates() -> None:
    assert len(set(skyweave.__all__)) == len(skyweave.__all__)
    assert list(skyweave.__all__) == sorted(skyweave.__all__)


def test_star_import_gives_exactly_the_public_api() -> None:
    namespace: dict[str, object] = {}
    exec("from skyweave import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(skyweave.__all__)


def test_version_is_semver_and_agrees_everywhere() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert SEMVER.match(skyweave.__version__), skyweave.__version__
    assert skyweave.__version__ == pyproject
    # The installed distribution's metadata (what pip and a consumer see) says the same.
    assert importlib.metadata.version("skyweave") == pyproject


def test_changelog_has_an_entry_for_this_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text()
    assert "Keep a Changelog" in text and "Semantic Versioning" in text
    releases = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", text, re.MULTILINE)
    assert releases, "no release headings like '## [1.2.3] - YYYY-MM-DD'"
    assert releases[0][0] == skyweave.__version__, "the newest changelog entry is not this version"
    assert "## [Unreleased]" in text.split(f"## [{releases[0][0]}]")[0]
    versions = [tuple(int(p) for p in v.split(".")) for v, _ in releases]
    assert versions == sorted(versions, reverse=True), "changelog entries are not newest first"
    dates = [d for _, d in releases]
    assert dates == sorted(dates, reverse=True)


def test_cli_reports_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"skyweave {skyweave.__version__}"


def test_components_are_mypy_strict_clean(tmp_path: Path) -> None:
    """The package is typed for its users (py.typed): its own code passes mypy --strict."""
    mypy_api = pytest.importorskip("mypy.api")
    out, err, status = mypy_api.run(
        [
            "--strict",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path),
            str(ROOT / "components"),
        ]
    )
    assert status == 0, out + err
    assert out.startswith("Success: no issues found")


#: The public API each release line promised. A 0.x minor release may break it (semver item 4), a
#: patch release may not; from 1.0 on only a major release may. Adding names is always allowed.
#: Releasing a new line means recording its API here; removing a name means a new line and a
#: "Removed" entry in CHANGELOG.md.
RELEASED_API: dict[str, frozenset[str]] = {
    "0.2": frozenset(
        [
            "AddressSpaceExhaustedError",
            "AppDnsArgs",
            "AppPlan",
            "BareMetalPool",
            "BareMetalPoolArgs",
            "BootstrapArgs",
            "Capability",
            "CloudDriver",
            "CloudSiteArgs",
            "ConfigError",
            "ConfigIssue",
            "DriverError",
            "HybridVpc",
            "HybridVpcArgs",
            "HybridVpcPlan",
            "InvalidArgsError",
            "IpamArgs",
            "KubernetesFleet",
            "KubernetesFleetArgs",
            "MultiCloudApp",
            "MultiCloudAppArgs",
            "MultiCloudBucket",
            "MultiCloudBucketArgs",
            "OverlappingCidrError",
            "PlanningError",
            "PoolConfig",
            "ProjectError",
            "SiteArgs",
            "SiteContext",
            "SiteNetwork",
            "SiteProviders",
            "SkyweaveError",
            "StackConfig",
            "UnknownDriverError",
            "UnsupportedCapabilityError",
            "__version__",
            "ansible_inventory",
            "config_schema",
            "get_driver",
            "load_stack_config",
            "parse_stack_config",
            "plan_hybrid_vpc",
            "plan_kubernetes_fleet",
            "plan_multi_cloud_app",
            "plan_multi_cloud_bucket",
            "plan_pool",
            "register_driver",
            "vendors",
        ]
    ),
}


def compatibility_line(version: str) -> str:
    major, minor, _ = version.split("-")[0].split("+")[0].split(".")
    return f"0.{minor}" if major == "0" else major


def test_no_public_name_disappears_within_a_release_line() -> None:
    line = compatibility_line(skyweave.__version__)
    assert line in RELEASED_API, f"record the public API of the {line} line in RELEASED_API"
    missing = RELEASED_API[line] - set(skyweave.__all__)
    assert not missing, (
        f"removed from skyweave.__all__ within {line}: {sorted(missing)} (needs a new release line)"
    )


def test_compatibility_lines() -> None:
    assert compatibility_line("0.2.0") == compatibility_line("0.2.7") == "0.2"
    assert compatibility_line("0.3.0") != "0.2"
    assert compatibility_line("1.4.2") == compatibility_line("1.0.0") == "1"
    assert compatibility_line("2.0.0-rc.1") == "2"


def test_the_documented_analyzer_path_still_imports_with_a_warning() -> None:
    """docs/policies.md documented skyweave.cli.analyzer for testing a pack; it moved to the engine
    layer and keeps working for a release (CHANGELOG), saying where it went."""
    import importlib
    import sys

    from skyweave.engine import analyzer

    sys.modules.pop("skyweave.cli.analyzer", None)
    with pytest.warns(DeprecationWarning, match="skyweave.engine.analyzer"):
        old = importlib.import_module("skyweave.cli.analyzer")
    assert old.PolicyPackProcess is analyzer.PolicyPackProcess and old.StackResource is analyzer.StackResource
    assert set(old.__all__) == set(analyzer.__all__)
