"""The package ships what `pip install` users need: every subpackage, py.typed, the CLI."""

from __future__ import annotations

import tomllib
from pathlib import Path

import skyweave

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {
        "skyweave"
        + (
            "." + ".".join(p.parent.relative_to(ROOT / "components").parts)
            if p.parent != ROOT / "components"
            else ""
        )
        for p in (ROOT / "components").rglob("__init__.py")
    }
    assert on_disk == listed
    assert config["project"]["scripts"]["skyweave"] == "skyweave.cli:main"
    assert (ROOT / "components" / "py.typed").is_file()


def test_public_api_is_exported() -> None:
    for name in skyweave.__all__:
        assert hasattr(skyweave, name), name
    assert "HybridVpc" in skyweave.__all__ and "load_stack_config" in skyweave.__all__


def test_planning_never_imports_pulumi() -> None:
    for path in (ROOT / "components" / "planning").glob("*.py"):
        text = path.read_text()
        assert "import pulumi" not in text and "from pulumi" not in text, path.name
