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
* ``files`` is the boundary user files cross (bounded YAML/JSON readers, YAML text edits,
  atomic writes, locks): ``core`` only, no Pulumi, so every layer that reads a file may use it;
* ``estate`` reads a stack: everything below it; ``policy`` judges resources: ``core`` and
  ``planning`` only — it finds each vendor's policy reader by module path or entry point, never
  by import; ``bridge`` serves the components to other languages;
* a vendor's policy reader (``drivers/<vendor>/reader.py``) lives with the vendor and imports
  the policy vocabulary it fills (:data:`READER_VOCABULARY`), nothing else of ``policy`` and no
  provider SDK;
* ``engine`` does what the Pulumi engine would (the offline runtime, the Analyzer client, plan
  files, diffs): everything below it but ``bridge``; only ``cli`` and ``testing`` import it;
* ``cli`` may use everything, and nothing outside ``cli`` imports it;
* ``testing`` (the driver contract and the fake vendor, for vendors' own tests) may use every
  layer it exercises, and nothing imports it: it is a test suite shipped in the package;
* a vendor's folder (``drivers/<vendor>/``) is imported only inside ``drivers``: everywhere else
  (the other layers, and the stack program, examples, provider plugin, policy pack and benchmarks
  outside the package) reaches a vendor through the registry and the contract, so a vendor
  shipped as its own distribution is used the same way. Tests may import a vendor's module to
  test it.
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
    "pulumi_tls",
    "pulumi_command",
    "pulumi_kubernetes",
)
PULUMI = ("pulumi", "pulumi_policy", "grpc", "google.protobuf")

COMPONENTS = ("network", "app", "metal", "storage", "database", "kubernetes")
#: layer → the skyweave layers it may import (itself always allowed).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "planning": {"core"},
    "drivers": {"core", "planning"},
    **{c: {"core", "planning", "drivers", *COMPONENTS} for c in COMPONENTS},
    "files": {"core"},
    "estate": {"core", "planning", "drivers", "files", *COMPONENTS},
    "policy": {"core", "planning"},
    "bridge": {"core", "planning", "drivers", "estate", *COMPONENTS},
    "engine": {"core", "planning", "drivers", "files", "estate", "policy", *COMPONENTS},
    "cli": {"core", "planning", "drivers", "files", "estate", "policy", "bridge", "engine", *COMPONENTS},
    "testing": {"core", "planning", "drivers", "policy", "engine", *COMPONENTS},
}
#: What a vendor's policy reader (``skyweave.drivers.<vendor>.reader``) may import of ``policy``.
READER_VOCABULARY = frozenset(
    {
        "skyweave.policy.model",
        "skyweave.policy.reading",
        "skyweave.policy.rule",
        "skyweave.policy.values",
    }
)


def _is_reader(module: str) -> bool:
    parts = module.split(".")
    return len(parts) == 4 and parts[1] == "drivers" and parts[3] == "reader"


#: layers that must not import Pulumi, gRPC or any provider SDK at all (policy may use
#: pulumi_policy: it is the pack adapter).
PULUMI_FREE = {"core", "planning", "files"}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. skyweave.network.hybrid_vpc
    target: str  # the absolute name imported, e.g. skyweave.core.errors or pulumi_aws.ec2
    line: int
    names: tuple[str, ...] = ()  # `from target import a, b`: a and b (each a submodule or a name)

    def targets(self) -> list[str]:
        """What the statement may load: ``target``, and ``target.a`` for each name (a submodule?)."""
        return [self.target, *(f"{self.target}.{name}" for name in self.names)]


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
            out.append(Import(name, target, node.lineno, tuple(alias.name for alias in node.names)))
    return out


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "skyweave" else None


def _all_imports() -> list[Import]:
    return [imp for path in sorted(PACKAGE.rglob("*.py")) for imp in _imports(path)]


#: Each vendor's folder under drivers/ (``skyweave.drivers.aws`` …), found on disk.
VENDOR_PACKAGES = sorted(
    f"skyweave.drivers.{p.parent.name}" for p in (PACKAGE / "drivers").glob("*/__init__.py")
)
#: Code outside the package that imports skyweave the way a user's does: vendor folders are the
#: drivers' own business there too.
OUTSIDE = ("stacks", "examples", "provider", "policies", "bench")


def _vendor_folder(target: str) -> str | None:
    return next((v for v in VENDOR_PACKAGES if target == v or target.startswith(v + ".")), None)


def _violations(imports: list[Import]) -> list[str]:
    found = []
    # `from . import x` may name a submodule: each name counts as target.x too.
    for imp in (Import(i.module, target, i.line) for i in imports for target in i.targets()):
        vendor = _vendor_folder(imp.target)
        if vendor is not None and _layer(imp.module) != "drivers":
            found.append(
                f"{imp.module}:{imp.line} imports {imp.target}: only drivers import a vendor's folder "
                f"({vendor.removeprefix('skyweave.').replace('.', '/')}/); use the registry and the contract"
            )
        layer = _layer(imp.module)
        if layer is None or layer not in ALLOWED:
            continue  # the package root (the public API table) may name anything, lazily
        where = f"{imp.module}:{imp.line} imports {imp.target}"
        target_layer = _layer(imp.target)
        if _is_reader(imp.module) and target_layer == "policy":
            # `from skyweave.policy.model import Unit` counts as the target ...model.Unit too
            if not any(imp.target == v or imp.target.startswith(v + ".") for v in READER_VOCABULARY):
                found.append(f"{where}: a policy reader imports only {', '.join(sorted(READER_VOCABULARY))}")
        elif (
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


def test_no_program_outside_the_package_imports_a_vendor_folder() -> None:
    imports = []
    for folder in OUTSIDE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(), str(path))
            where = str(path.relative_to(ROOT))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    imports += [Import(where, a.name, node.lineno) for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    imports.append(Import(where, node.module, node.lineno))
                    imports += [Import(where, f"{node.module}.{a.name}", node.lineno) for a in node.names]
    assert VENDOR_PACKAGES, "no vendor folder found under drivers/"
    assert _violations(imports) == []


def test_the_checker_sees_function_level_and_relative_imports(tmp_path: Path) -> None:
    """The rule is only as good as its parser: an import hidden in a function must count."""
    planner = PACKAGE / "planning" / "ipam.py"
    tree_imports = _imports(planner)
    assert any(i.target == "skyweave.core.errors" for i in tree_imports)
    hidden = [
        Import("skyweave.planning.x", "skyweave.engine.offline", 3),
        Import("skyweave.core.y", "pulumi", 9),
    ]
    assert len(_violations(hidden)) == 2
    assert _violations([Import("skyweave.network.z", "pulumi_aws.ec2", 1)]) == [
        "skyweave.network.z:1 imports pulumi_aws.ec2: only drivers import a provider SDK"
    ]
    # A vendor's folder, from another layer or from a program outside the package; the drivers'
    # own imports of it (the registry's table, one vendor's module using another) are allowed.
    assert len(_violations([Import("skyweave.estate.x", "skyweave.drivers.onprem.driver", 1)])) == 1
    assert len(_violations([Import("stacks/__main__.py", "skyweave.drivers.aws", 1)])) == 1
    assert _violations([Import("skyweave.drivers.registry", "skyweave.drivers.aws.driver", 1)]) == []
    assert _violations([Import("skyweave.metal.x", "skyweave.drivers.bare_metal", 1)]) == []


PLANNERS = sorted(_module_name(p) for layer in sorted(PULUMI_FREE) for p in (PACKAGE / layer).rglob("*.py"))
# a renderer of daemons' files is pure text too: cheap to import, testable without the SDK
PLANNERS.append("skyweave.database.config")


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


READERS = sorted(_module_name(p) for p in (PACKAGE / "drivers").glob("*/reader.py"))


def test_the_checker_holds_readers_to_the_policy_vocabulary() -> None:
    assert READERS, "no policy reader found"
    assert _violations([Import("skyweave.drivers.aws.reader", "skyweave.policy.model", 1)]) == []
    assert _violations([Import("skyweave.drivers.aws.reader", "skyweave.policy.pack", 2)]) == [
        "skyweave.drivers.aws.reader:2 imports skyweave.policy.pack: a policy reader imports only "
        + ", ".join(sorted(READER_VOCABULARY))
    ]
    assert _violations([Import("skyweave.drivers.aws.driver", "skyweave.policy.model", 3)]) != []


@pytest.mark.parametrize("module", READERS)
def test_policy_readers_load_no_provider_sdk(module: str) -> None:
    """The pack loads every reader: none may cost a provider SDK import."""
    loaded = _loaded_after(f"import {module}")
    sdks = sorted({m.split(".")[0] for m in loaded} & set(PROVIDER_SDKS))
    assert sdks == [], f"importing {module} loads {sdks}"


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
