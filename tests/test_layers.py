"""The package's layers, checked on the real imports of every module (not on file text).

Each module's imports are read from its syntax tree — module-level, function-level and
``TYPE_CHECKING`` ones alike — and resolved to absolute names, so ``from ..core import errors``
and ``import pulumi_aws as aws`` inside a function both count. The arrows allowed (docs/architecture.md
draws them):

* ``core`` and ``planning`` import nothing of skyweave above them and no Pulumi at all: a
  planner must be usable (and property-tested) without the SDK, and stays cheap to import;
* ``drivers`` may use ``core`` and ``planning``; they are the only layer that imports a provider
  SDK, and they never import a component;
* the components (``network``, ``app``, ``metal``, ``storage``, ``database``) use ``core``,
  ``planning``, ``drivers`` and each other (an app builds on a network), never a provider SDK;
* ``estate`` reads a stack: everything below it; ``policy`` judges resources: ``core`` and
  ``planning`` only; ``bridge`` serves the components to other languages;
* ``cli`` may use everything, and nothing outside ``cli`` imports it;
* ``testing`` (the driver contract and the fake vendor, for vendors' own tests) may use every
  layer it exercises, and nothing imports it: it is a test suite shipped in the package.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "components"

PROVIDER_SDKS = (
    "pulumi_aws",
    "pulumi_azure_native",
    "pulumi_gcp",
    "pulumi_openstack",
    "pulumi_random",
    "pulumi_command",
)
PULUMI = ("pulumi", "pulumi_policy", "grpc", "google.protobuf")

COMPONENTS = ("network", "app", "metal", "storage", "database")
#: layer → the skyweave layers it may import (itself always allowed).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "planning": {"core"},
    "drivers": {"core", "planning"},
    **{c: {"core", "planning", "drivers", *COMPONENTS} for c in COMPONENTS},
    "estate": {"core", "planning", "drivers", *COMPONENTS},
    "policy": {"core", "planning"},
    "bridge": {"core", "planning", "drivers", "estate", *COMPONENTS},
    "cli": {"core", "planning", "drivers", "estate", "policy", "bridge", *COMPONENTS},
    "testing": {"core", "planning", "drivers", "policy", "cli", *COMPONENTS},
}
#: layers that must not import Pulumi, gRPC or any provider SDK at all (policy may use
#: pulumi_policy: it is the pack adapter).
PULUMI_FREE = {"core", "planning"}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. skyweave.network.hybrid_vpc
    target: str  # the absolute name imported, e.g. skyweave.core.errors or pulumi_aws.ec2
    line: int


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["skyweave", *parts])


def _imports(path: Path) -> list[Import]:
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: list[Import] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [Import(name, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            # `from . import x` may name a submodule: count each name as target.x too.
            out.append(Import(name, target, node.lineno))
            if node.module is None:
                out += [Import(name, f"{target}.{alias.name}", node.lineno) for alias in node.names]
    return out


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "skyweave" else None


def _all_imports() -> list[Import]:
    return [imp for path in sorted(PACKAGE.rglob("*.py")) for imp in _imports(path)]


def _violations(imports: list[Import]) -> list[str]:
    found = []
    for imp in imports:
        layer = _layer(imp.module)
        if layer is None or layer not in ALLOWED:
            continue  # the package root (the public API table) may name anything, lazily
        where = f"{imp.module}:{imp.line} imports {imp.target}"
        target_layer = _layer(imp.target)
        if (
            target_layer is not None
            and not target_layer.startswith("__")  # `from .. import __version__`
            and target_layer != layer
            and target_layer not in ALLOWED[layer]
        ):
            found.append(f"{where}: {layer} may not import {target_layer}")
        top = imp.target.split(".")[0]
        if top in PROVIDER_SDKS and layer != "drivers":
            found.append(f"{where}: only drivers import a provider SDK")
        if layer in PULUMI_FREE and (
            top in PROVIDER_SDKS or any(imp.target == p or imp.target.startswith(p + ".") for p in PULUMI)
        ):
            found.append(f"{where}: {layer} must not import Pulumi or gRPC")
    return found


def test_every_module_belongs_to_a_layer() -> None:
    layers = {_layer(_module_name(p)) for p in PACKAGE.rglob("*.py")}
    assert layers - {None} <= set(ALLOWED), sorted(layers - {None} - set(ALLOWED))
    top_level = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top_level == ["__init__.py"], f"modules outside every layer: {top_level}"


def test_imports_follow_the_layers() -> None:
    assert _violations(_all_imports()) == []


def test_the_checker_sees_function_level_and_relative_imports(tmp_path: Path) -> None:
    """The rule is only as good as its parser: an import hidden in a function must count."""
    planner = PACKAGE / "planning" / "ipam.py"
    tree_imports = _imports(planner)
    assert any(i.target == "skyweave.core.errors" for i in tree_imports)
    hidden = [
        Import("skyweave.planning.x", "skyweave.cli.offline", 3),
        Import("skyweave.core.y", "pulumi", 9),
    ]
    assert len(_violations(hidden)) == 2
    assert _violations([Import("skyweave.network.z", "pulumi_aws.ec2", 1)]) == [
        "skyweave.network.z:1 imports pulumi_aws.ec2: only drivers import a provider SDK"
    ]


PLANNERS = (
    sorted(_module_name(p) for p in (PACKAGE / "planning").glob("*.py") if p.name != "__init__.py")
    + sorted(_module_name(p) for p in (PACKAGE / "core").glob("*.py") if p.name != "__init__.py")
    # a renderer of daemons' files is pure text too: cheap to import, testable without the SDK
    + ["skyweave.database.config"]
)


def _loaded_after(statement: str) -> list[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    loaded: list[str] = json.loads(out.stdout)
    return loaded


@pytest.mark.parametrize("module", PLANNERS)
def test_planners_and_core_load_no_pulumi(module: str) -> None:
    loaded = _loaded_after(f"import {module}")
    heavy = [m for m in loaded if m.split(".")[0] in {"pulumi", "grpc", *PROVIDER_SDKS}]
    assert heavy == [], f"importing {module} loads {heavy[:5]}"


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["schema"], ["ipam", "show", "--stack", "prod"], ["graph", "--stack", "prod"]],
    ids=lambda a: " ".join(a),
)
def test_commands_that_build_no_resources_import_no_provider_sdk(argv: list[str]) -> None:
    statement = (
        "import contextlib, io\n"
        "from skyweave.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    try:\n        main({argv!r})\n    except SystemExit:\n        pass"
    )
    loaded = _loaded_after(statement)
    sdks = sorted({m.split(".")[0] for m in loaded} & set(PROVIDER_SDKS))
    assert sdks == [], f"skyweave {' '.join(argv)} imports {sdks}"


def test_skyweave_errors_are_pulumi_run_errors_once_pulumi_is_loaded() -> None:
    """`pulumi up` prints a RunError's message without a traceback; the pure layers stay Pulumi-free."""
    statement = (
        "import skyweave.core.errors as e\n"
        "assert 'pulumi' not in sys.modules\n"
        "import skyweave.drivers.base, pulumi\n"
        "assert issubclass(e.InvalidArgsError, pulumi.RunError) and issubclass(e.ConfigError, ValueError)\n"
        "assert issubclass(e.PlanningError, pulumi.RunError)"
    )
    _loaded_after(statement)  # raises CalledProcessError if an assertion fails
