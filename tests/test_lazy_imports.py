"""The package namespace loads lazily: the CLI starts without the provider SDKs, and every public
name still resolves to the object its module defines."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest
import skyweave


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return {line.split(".")[0] for line in out.splitlines()}


def test_cli_module_and_package_import_without_provider_sdks() -> None:
    loaded = _loaded_after("import skyweave.cli")
    assert not loaded & {
        "pulumi_aws",
        "pulumi_gcp",
        "pulumi_openstack",
        "pulumi_random",
        "pulumi_tls",
        "pulumi_command",
    }
    # Loading the components loads no SDK either; the first resource type looked up does.
    assert "pulumi_aws" not in _loaded_after("import skyweave; skyweave.HybridVpc")
    assert "pulumi_aws" in _loaded_after("import skyweave.drivers.aws.driver as d; d.aws.ec2.Vpc")


def test_cli_version_runs_without_provider_sdks() -> None:
    code = (
        "import sys\n"
        "from skyweave.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "print(any(m.startswith('pulumi_aws') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip().splitlines()[-1] == "False"


def test_every_public_name_is_the_defining_modules_object() -> None:
    for name in skyweave.__all__:
        if name == "__version__":
            continue
        module = importlib.import_module(f"skyweave.{skyweave._EXPORTS[name]}")
        assert getattr(skyweave, name) is getattr(module, name)
    assert set(skyweave._EXPORTS) == set(skyweave.__all__) - {"__version__"}
    assert set(skyweave.__all__) <= set(dir(skyweave))


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'HybridVPC'"):
        _ = skyweave.HybridVPC  # type: ignore[attr-defined]


def test_submodule_named_like_a_public_function_does_not_shadow_it() -> None:
    vendors_module = importlib.import_module("skyweave.drivers.site_models")
    from skyweave.drivers.registry import vendors

    assert vendors_module.__name__ == "skyweave.drivers.site_models"
    assert sys.modules["skyweave.drivers.site_models"] is vendors_module
    assert skyweave.vendors is vendors
