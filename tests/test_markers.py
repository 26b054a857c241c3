"""The markers a preview writes for what it cannot show, each written once, and Pulumi's own.

``[secret]`` and ``[unknown]`` are skyweave's words in every report (core/display.py); the engine's
unknown sentinel and the wire format's signatures are Pulumi's, checked here against the Python
SDK's own values (``pulumi.runtime.rpc``), not against a copy.
"""

from __future__ import annotations

import ast
import re
from collections import Counter

from pulumi.runtime import rpc
from skyweave.core import display, naming
from skyweave.engine import wire
from test_layers import PACKAGE

MARKERS = {
    display.SECRET: "skyweave.core.display",
    display.UNKNOWN: "skyweave.core.display",
    display.ENGINE_UNKNOWN: "skyweave.core.display",
    wire.SIG_KEY: "skyweave.engine.wire",
    wire.SECRET_SIG: "skyweave.engine.wire",
    wire.RESOURCE_REFERENCE_SIG: "skyweave.engine.wire",
    wire.OUTPUT_VALUE_SIG: "skyweave.engine.wire",
    wire.ASSET_SIG: "skyweave.engine.wire",
    wire.ARCHIVE_SIG: "skyweave.engine.wire",
}


def test_the_wire_markers_are_the_sdks() -> None:
    assert display.ENGINE_UNKNOWN == rpc.UNKNOWN
    assert rpc._special_sig_key == wire.SIG_KEY
    assert rpc._special_secret_sig == wire.SECRET_SIG
    assert rpc._special_resource_sig == wire.RESOURCE_REFERENCE_SIG
    assert rpc._special_output_value_sig == wire.OUTPUT_VALUE_SIG
    assert rpc._special_asset_sig == wire.ASSET_SIG
    assert rpc._special_archive_sig == wire.ARCHIVE_SIG


def test_each_marker_is_written_once() -> None:
    """A string literal equal to a marker (not a mention in a docstring) appears in one module."""
    written: Counter[tuple[str, str]] = Counter()
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(["skyweave", *path.relative_to(PACKAGE).with_suffix("").parts]).removesuffix(
            ".__init__"
        )
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in MARKERS:
                written[(node.value, module)] += 1
    assert {marker: module for marker, module in written} == MARKERS
    assert all(count == 1 for count in written.values()), written


#: The components' type tokens, as the URN snapshots (tests/snapshots/*.urns) pin them.
TOKENS = {
    "skyweave:network:HybridVpc": "HYBRID_VPC",
    "skyweave:network:VpnLink": "VPN_LINK",
    "skyweave:app:MultiCloudApp": "MULTI_CLOUD_APP",
    "skyweave:storage:MultiCloudBucket": "MULTI_CLOUD_BUCKET",
    "skyweave:compute:BareMetalPool": "BARE_METAL_POOL",
}


def test_each_component_type_token_is_written_once() -> None:
    """A component's type token is made in core/naming.py only; everything that registers or
    recognises a component reads it from there (a copy that drifts is a component no rule sees)."""
    snapshots = "".join(p.read_text() for p in (PACKAGE.parent / "tests" / "snapshots").glob("*.urns"))
    for token, constant in TOKENS.items():
        assert getattr(naming, constant) == token
        assert re.search(rf"[:$]{re.escape(token)}::", snapshots), f"{token} is in no snapshot"
    made: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in TOKENS:
                raise AssertionError(f"{path}: the type token {node.value!r} written out; use core.naming")
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "type_token":
                made.append(path.relative_to(PACKAGE).as_posix())
    assert set(made) == {"core/naming.py"}, made
