"""The docs describe today's estate (issue 23, item 12): what can be generated is the command's
output, compared here; the rest names what the code registers, checked against the drivers.

docs/index.md's HybridVpc diagram is `skyweave graph --stack prod --format mermaid`; its
MultiCloudApp diagram and docs/resilience.md's flowchart name every vendor whose driver serves
apps and every health-checked DNS product; docs/api/index.md's table names the vendors each
component builds on; docs/benchmarks.md's machine names every provider SDK prod runs.
"""

from __future__ import annotations

import re

import pytest
from conftest import ROOT
from skyweave.cli import main
from skyweave.drivers.registry import all_drivers, offering
from skyweave.drivers.services import AppService, BareMetalService, BucketService, DnsService
from skyweave.engine.offline import OfflineRun

INDEX = (ROOT / "docs" / "index.md").read_text()
RESILIENCE = (ROOT / "docs" / "resilience.md").read_text()
API = (ROOT / "docs" / "api" / "index.md").read_text()
BENCHMARKS = (ROOT / "docs" / "benchmarks.md").read_text()

GRAPH_BEGIN = "<!-- BEGIN GRAPH: skyweave graph --stack prod --format mermaid -->"
GRAPH_END = "<!-- END GRAPH -->"


def _mermaid_after(text: str, heading: str) -> str:
    """The first mermaid block after ``heading``."""
    start = text.index("```mermaid\n", text.index(heading)) + len("```mermaid\n")
    return text[start : text.index("```", start)]


def _node(block: str, node: str) -> str:
    """The label of ``node`` (``id["label"]``) in a mermaid block."""
    match = re.search(rf'\b{node}\["([^"]*)"\]', block)
    assert match, f"no node {node} in {block}"
    return match[1]


def _app_vendors() -> list[str]:
    return [driver.display_name for driver, _ in offering(AppService)]  # type: ignore[type-abstract]


def _dns_products() -> list[str]:
    return [dns.dns_terms().product for _, dns in offering(DnsService)]  # type: ignore[type-abstract]


def test_the_network_diagram_is_skyweave_graph_of_prod(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "--stack", "prod", "--format", "mermaid"]) == 0
    drawn = capsys.readouterr().out
    begin = INDEX.index(GRAPH_BEGIN)
    block = INDEX[begin : INDEX.index(GRAPH_END, begin)]
    assert f"```mermaid\n{drawn.rstrip()}\n```" in block


def test_the_app_diagrams_name_every_app_vendor_and_dns_product() -> None:
    index = _mermaid_after(INDEX, "### MultiCloudApp")
    resilience = _mermaid_after(RESILIENCE, "# Resilience")
    for product in _dns_products():
        assert product in _node(index, "dns") and product in _node(resilience, "dns"), product
    targets = re.findall(r'dns --> \w+\["([^"]*)"\]', index)
    for vendor in _app_vendors():
        assert any(label.startswith(f"{vendor}: ") for label in targets), (vendor, targets)
        assert vendor in _node(resilience, "drv"), vendor
    assert len(targets) == len(_app_vendors())


def _row(component: str) -> str:
    (row,) = [line for line in API.splitlines() if line.startswith(f"| `skyweave.{component}` |")]
    return row.split("|")[3]


def test_the_api_table_names_the_vendors_each_component_builds_on() -> None:
    for driver in all_drivers():
        assert driver.display_name in _row("HybridVpc"), driver.display_name
    for vendor in _app_vendors():
        assert vendor in _row("MultiCloudApp"), vendor
    for product in _dns_products():
        assert product in _row("MultiCloudApp"), product
    for driver, _ in offering(BareMetalService):  # type: ignore[type-abstract]
        assert driver.display_name in _row("BareMetalPool"), driver.display_name
    for driver, _ in offering(BucketService):  # type: ignore[type-abstract]
        assert driver.display_name in _row("MultiCloudBucket"), driver.display_name


def test_the_benchmarks_name_every_provider_sdk_prod_runs(
    prod_run: OfflineRun,
) -> None:
    """The machine row names the version of every provider SDK the measured stack runs (one per
    provider type prod registers). The figures themselves are re-measured by `python -m bench
    --only overhead,coldstart,profile` (minutes, not a test's job); the report says when."""
    packages = {
        r.type.removeprefix("pulumi:providers:")
        for r in prod_run.resources
        if r.type.startswith("pulumi:providers:")
    }
    (machine,) = [line for line in BENCHMARKS.splitlines() if line.startswith("| SDKs |")]
    for package in sorted(packages):
        assert re.search(rf"\bpulumi-{package} \d", machine), (package, machine)
