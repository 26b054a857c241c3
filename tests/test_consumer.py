"""skyweave as another repository gets it: a built wheel, a fresh virtual environment, a program of its own.

The wheel is built from a copy of exactly what the build reads (pyproject.toml, README.md,
components/), installed with pip into a new venv without system site-packages (its dependencies
come from the configured package index), and ``examples/consumer`` — copied outside this repository
— runs under that venv's ``skyweave preview``, i.e. Pulumi's mock runtime with the installed
package. Nothing of this checkout is importable there.

Cost, measured on the 2-core development machine (load from other jobs ~2) with a warm pip cache:
about 45 s for this module (wheel build with build isolation, venv, an install with ``--no-compile``
of ~17 s, two program runs, one mypy run); build and install with byte-compiling took 78 s. With a
cold cache the install downloads every dependency (the venv holds 342 MB, mostly the provider SDKs).
``SKYWEAVE_SKIP_WHEEL_TESTS=1`` skips the tests that need the wheel locally (the program still runs
in-process against this checkout); CI always runs them.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import skyweave
import yaml
from skyweave.engine.preview import preview_stack, render_json
from skyweave.estate.project import Project

ROOT = Path(__file__).resolve().parent.parent
CONSUMER = ROOT / "examples" / "consumer"


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def skyweave(self) -> Path:
        return self.venv / "bin" / "skyweave"


def _run(cmd: list[str | Path], cwd: Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=900, **kwargs
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    if os.environ.get("SKYWEAVE_SKIP_WHEEL_TESTS") == "1":
        pytest.skip("SKYWEAVE_SKIP_WHEEL_TESTS=1")
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "components", source / "components", ignore=shutil.ignore_patterns("__pycache__"))
    dist = base / "dist"
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, source], cwd=base)
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("*.whl")
    venv = base / "venv"
    # Without pip of its own (ensurepip took 4 s of the fixture, measured loaded): this
    # pip installs into it (``--python``), from the configured index as the venv's own would.
    created = _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=base)
    assert created.returncode == 0, created.stderr
    # --no-compile: byte-compiling the provider SDKs' ~20,000 modules is most of an install's time,
    # and Python compiles what the program imports anyway.
    python = venv / "bin" / "python"
    pip = _run(
        [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-compile", wheel], cwd=base
    )
    assert pip.returncode == 0, pip.stderr
    return Installed(wheel=wheel, venv=venv)


def test_wheel_is_named_for_this_version_and_ships_the_typing_marker(installed: Installed) -> None:
    assert installed.wheel.name == f"skyweave-{skyweave.__version__}-py3-none-any.whl"
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
        meta = wheel.read(f"skyweave-{skyweave.__version__}.dist-info/METADATA").decode()
        entry_points = wheel.read(f"skyweave-{skyweave.__version__}.dist-info/entry_points.txt").decode()
    assert "skyweave/py.typed" in names
    # Every module of the source tree is in the wheel, and nothing else of the repository is.
    on_disk = {
        f"skyweave/{p.relative_to(ROOT / 'components').as_posix()}"
        for p in (ROOT / "components").rglob("*.py")
    }
    assert on_disk <= names, sorted(on_disk - names)
    assert not [n for n in names if n.startswith(("tests/", "stacks/", "examples/", "provider/"))]
    assert f"Version: {skyweave.__version__}" in meta.splitlines()
    assert "skyweave = skyweave.cli:main" in entry_points


def test_the_venv_is_fresh_and_imports_the_installed_wheel(installed: Installed) -> None:
    cfg = (installed.venv / "pyvenv.cfg").read_text()
    assert "include-system-site-packages = false" in cfg
    probe = _run(
        [
            installed.python,
            "-c",
            "import skyweave, sys; print(skyweave.__file__); print(skyweave.__version__)",
        ],
        cwd=installed.venv,
    )
    assert probe.returncode == 0, probe.stderr
    location, version = probe.stdout.split()
    assert Path(location).is_relative_to(installed.venv), location
    assert version == skyweave.__version__


@pytest.fixture(scope="module")
def consumer_preview(installed: Installed, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    project = tmp_path_factory.mktemp("elsewhere") / "consumer"
    shutil.copytree(CONSUMER, project)
    result = _run([installed.skyweave, "preview", "--stack", "dev", "--format", "json"], cwd=project)
    assert result.returncode == 0, result.stderr
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def test_consumer_project_is_a_pulumi_project_of_its_own() -> None:
    project = yaml.safe_load((CONSUMER / "Pulumi.yaml").read_text())
    assert project["name"] == "skyweave-consumer" and project["runtime"]["name"] == "python"
    stack = yaml.safe_load((CONSUMER / "Pulumi.dev.yaml").read_text())
    assert all(key.startswith("skyweave-consumer:") for key in stack["config"])
    assert (CONSUMER / "README.md").is_file() and (CONSUMER / "__main__.py").is_file()
    # The program uses the public API only.
    program = (CONSUMER / "__main__.py").read_text()
    assert "from skyweave." not in program and "import skyweave." not in program
    used = {
        node.attr
        for node in ast.walk(ast.parse(program))
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "skyweave"
    }
    assert {"HybridVpc", "MultiCloudApp"} <= used
    assert used <= set(skyweave.__all__), used - set(skyweave.__all__)


def test_consumer_builds_a_network_and_an_app_from_the_installed_package(
    consumer_preview: dict[str, Any],
) -> None:
    check_consumer(consumer_preview)


def test_consumer_runs_in_process_from_this_checkout() -> None:
    """The same program against this checkout's code, so a run without the wheel tests covers it too."""
    run = preview_stack(Project.load(CONSUMER / "Pulumi.yaml"), "dev")
    check_consumer(json.loads(render_json(run)))


def check_consumer(preview: dict[str, Any]) -> None:
    resources = preview["resources"]
    by_name = {(r["type"], r["name"]): r for r in resources}
    types = Counter(r["type"] for r in resources)

    network = by_name[("skyweave:network:HybridVpc", "shop")]
    app = by_name[("skyweave:app:MultiCloudApp", "web")]
    assert types["skyweave:network:HybridVpc"] == 1 and types["skyweave:app:MultiCloudApp"] == 1

    # The settings come from this project's own stack file.
    aws_provider = by_name[("pulumi:providers:aws", "aws-main")]
    gcp_provider = by_name[("pulumi:providers:gcp", "gcp-main")]
    assert aws_provider["inputs"]["region"] == "us-east-1"
    assert gcp_provider["inputs"]["project"] == "shop-prod-4711"
    assert gcp_provider["inputs"]["region"] == "europe-west1"

    # The network: one VPC per site, addressed from the configured supernet, on that site's provider.
    vpc = by_name[("aws:ec2/vpc:Vpc", "shop-vpc-aws-main")]
    assert vpc["parent"] == network["urn"] and vpc["provider"] == aws_provider["urn"]
    assert vpc["inputs"]["cidrBlock"].startswith("10.")
    gcp_net = next(r for r in resources if r["type"] == "gcp:compute/network:Network")
    assert gcp_net["parent"] == network["urn"] and gcp_net["provider"] == gcp_provider["urn"]
    # AWS-GCP is linked by HA VPN (docs/connectivity.md): the GCP HA gateway and the AWS tunnels exist.
    assert types["gcp:compute/haVpnGateway:HaVpnGateway"] >= 1
    assert types["aws:ec2/vpnConnection:VpnConnection"] >= 1

    # The app: an autoscaling group on AWS and a managed instance group on GCP, children of "web".
    asg = by_name[("aws:autoscaling/group:Group", "web-asg-aws-main")]
    assert asg["parent"] == app["urn"] and asg["provider"] == aws_provider["urn"]
    mig = next(
        r
        for r in resources
        if r["type"] == "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager"
    )
    assert mig["parent"] == app["urn"] and mig["provider"] == gcp_provider["urn"]
    # survive: vendor, min_healthy 4 over two vendors: each vendor alone holds 4.
    assert asg["inputs"]["desiredCapacity"] == 4 and mig["inputs"]["targetSize"] == 4

    outputs = preview["outputs"]
    assert outputs["skyweaveVersion"] == skyweave.__version__
    assert set(outputs["networks"]) == {"aws-main", "gcp-main"}
    assert set(outputs["webAddresses"]) == {"aws-main", "gcp-main"}


def test_consumer_stack_mistake_is_reported_without_registering(
    installed: Installed, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = tmp_path_factory.mktemp("broken") / "consumer"
    shutil.copytree(CONSUMER, project)
    stack_file = project / "Pulumi.dev.yaml"
    stack = yaml.safe_load(stack_file.read_text())
    stack["config"]["skyweave-consumer:minHealthy"] = "0"
    stack_file.write_text(yaml.safe_dump(stack))
    result = _run([installed.skyweave, "preview", "--stack", "dev", "--format", "json"], cwd=project)
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert "min_healthy" in result.stderr, result.stderr


def test_consumer_type_checks_against_the_installed_wheel(installed: Installed, tmp_path: Path) -> None:
    """py.typed works for a consumer: mypy --strict sees skyweave's types from the installed wheel."""
    mypy_api = pytest.importorskip("mypy.api")
    config = tmp_path / "mypy.ini"
    skip = ",".join(
        f"{p}.*"
        for p in (
            "pulumi_aws",
            "pulumi_gcp",
            "pulumi_openstack",
            "pulumi_random",
            "pulumi_tls",
            "pulumi_command",
            "pulumi_kubernetes",
            "pulumi_azure_native",
            "pulumi_vsphere",
        )
    )
    config.write_text(
        f"[mypy]\nstrict = True\npython_executable = {installed.python}\n\n"
        f"[mypy-{skip}]\nfollow_imports = skip\n"
    )
    wrong = tmp_path / "wrong.py"
    wrong.write_text("import skyweave\n\nskyweave.HybridVpc('core', 42)\nreveal_type(skyweave.__version__)\n")
    common = ["--config-file", str(config), "--cache-dir", str(tmp_path / "cache"), "--no-incremental"]

    out, err, status = mypy_api.run([*common, str(CONSUMER / "__main__.py")])
    assert status == 0, out + err

    out, err, status = mypy_api.run([*common, str(wrong)])
    assert status == 1, out + err
    # Were the package untyped, mypy would report a missing py.typed marker and treat it as Any.
    assert 'Argument 2 to "HybridVpc" has incompatible type "int"' in out, out
    assert "missing library stubs or py.typed marker" not in out
