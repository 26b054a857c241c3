"""The example figures in the docs are the code's: each is computed here and compared with the
text, so a change to prod or to a planner that moves a figure fails until the doc says it.

docs/resilience.md: the capacity example and table (planned by the capacity planner), the SLA
table (the drivers' declared figures), the availability example (the availability model, and
the closed-form formula the doc prints, evaluated independently), the failover time and the
per-vendor rows of ``skyweave simulate --stack prod`` (the command itself, run as a user would).
docs/limits.md: the VPN limits table (the drivers' declarations) and prod's usage.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, stack_raw
from skyweave.drivers.registry import get_driver
from skyweave.estate.config import StackConfig, parse_stack_config
from skyweave.planning.capacity import SiteZones, plan_capacity
from skyweave.planning.failure import FailureKind

RESILIENCE = (ROOT / "docs" / "resilience.md").read_text()
LIMITS = (ROOT / "docs" / "limits.md").read_text()


@pytest.fixture(scope="module")
def prod() -> StackConfig:
    return parse_stack_config(stack_raw("prod"), source="stacks/Pulumi.prod.yaml", stack="prod")


def _table(text: str, header: str) -> list[list[str]]:
    """The rows of the Markdown table whose header line starts with ``header``."""
    rows = []
    for line in text[text.index(header) :].splitlines()[2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def test_the_capacity_example_is_prods_plan(prod: StackConfig) -> None:
    app = prod.plan.apps["shop"]
    plan = app.capacity
    vendors = len({p.vendor for p in plan.placements})
    sites = ", ".join(s.name for s in app.sites[:-1]) + f" and {app.sites[-1].name}"
    assert f"`shop` needs {plan.min_healthy} instances after losing any vendor, over {sites}" in " ".join(
        RESILIENCE.split()
    )
    k, m = plan.min_healthy, vendors
    assert f"`T = ceil({k} × {m} / {m - 1}) = {plan.total}`" in RESILIENCE
    assert plan.total == math.ceil(k * m / (m - 1))
    spread = ", ".join(
        f"{s.name}: {'/'.join(str(n) for n in plan.site_zones(s.name).values())}" for s in app.sites
    )
    assert f"({spread})" in " ".join(RESILIENCE.split())


def test_the_capacity_table_is_what_the_planner_gives(prod: StackConfig) -> None:
    app = prod.plan.apps["shop"]
    sites = [SiteZones(s.name, s.vendor, s.region, s.zones, 1) for s in app.sites]
    need = app.capacity.min_healthy
    rows = _table(RESILIENCE, f"| survive | domains | instances for min_healthy = {need} |")
    assert len(rows) == 5
    for row, (subset, kind) in zip(
        rows,
        [
            (sites, FailureKind.VENDOR),
            (sites[:4], FailureKind.VENDOR),
            (sites[:3], FailureKind.VENDOR),
            (sites[:2], FailureKind.VENDOR),
            (sites, FailureKind.ZONE),
        ],
        strict=True,
    ):
        plan = plan_capacity(subset, need, kind)
        assert row[0] == kind.value
        if kind is FailureKind.VENDOR:
            assert row[1] == f"{len(subset)} vendors"
            assert row[2] == f"{plan.total} ({' + '.join(str(n) for n in plan.per_site().values())})"
        else:
            zones = [len(s.zones) for s in subset]
            m = sum(zones)
            assert row[1] == f"{m} zones ({' + '.join(map(str, zones))})"
            assert row[2] == f"{plan.total} = ceil({need} × {m} / {m - 1})" and plan.total == math.ceil(
                need * m / (m - 1)
            )


@pytest.mark.parametrize(
    ("vendor", "label"),
    [("aws", "AWS EC2"), ("gcp", "GCP Compute Engine"), ("azure", "Azure Virtual Machines")],
)
def test_the_sla_table_is_the_drivers(vendor: str, label: str) -> None:
    sla = get_driver(vendor).compute_sla
    assert sla is not None
    rows = [r for r in _table(RESILIENCE, "| vendor | shape | figure | source |") if r[0] == label]
    assert [r[2] for r in rows] == [f"{sla.multi_zone:.2%}".replace(".00%", "%"), f"{sla.single:.1%}"]


def test_the_availability_example_is_the_models(prod: StackConfig) -> None:
    report = prod.plan.apps["shop"].availability
    by_vendor = {s.vendor: s.availability for s in report.sites}
    a, b, c, d, e = (by_vendor[v] for v in ("aws", "gcp", "openstack", "azure", "vsphere"))
    # The doc's formula, evaluated here: at least four of the five sites up.
    closed = (
        a * b * c * d * e
        + (1 - a) * b * c * d * e
        + a * (1 - b) * c * d * e
        + a * b * (1 - c) * d * e
        + a * b * c * (1 - d) * e
        + a * b * c * d * (1 - e)
    )
    assert closed == pytest.approx(report.availability, abs=1e-12)
    assert f"a = b = d = {a}, c = e = {c}" in RESILIENCE and a == b == d and c == e
    minutes = (1 - report.availability) * 365 * 24 * 60
    assert (
        f"= {report.availability:.8f}  (≈ {minutes:.2f} min/year of capacity below {report.need})"
        in RESILIENCE
    )
    worst = report.single_failures[0]
    assert worst.availability == pytest.approx(b * d * c * e)
    assert f"`{b} × {d} × {c} × {e} = {worst.availability:.4f}`" in RESILIENCE


def test_the_failover_time_is_prods(prod: StackConfig) -> None:
    dns = prod.plan.apps["shop"].args.dns
    assert dns is not None
    total = dns.check_interval_seconds * dns.failure_threshold + dns.ttl_seconds
    assert (
        f"(prod: {dns.check_interval_seconds} s × {dns.failure_threshold} + {dns.ttl_seconds} s = {total} s)"
        in RESILIENCE
    )


def test_the_simulate_rows_are_the_commands() -> None:
    skyweave = Path(sys.executable).with_name("skyweave")
    out = subprocess.run(
        [str(skyweave), "simulate", "--stack", "prod", "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout
    failures = [f for f in json.loads(out)["failures"] if f["kind"] == "vendor"]
    expected = [
        [
            f["domain"],
            *(
                f"{x['remaining']} / {x['min_healthy']}"
                for x in (*f["apps"], *f["pools"], *f.get("clusters", []), *f.get("services", []))
            ),
            f["network"],
        ]
        for f in failures
    ]
    assert (
        _table(
            RESILIENCE,
            "| vendor lost | shop left / need | metal pool left / need | apps fleet nodes left / need "
            "| apps/api pods left / need | network |",
        )
        == expected
    )


def test_the_limits_table_is_the_drivers(prod: StackConfig) -> None:
    rows = _table(LIMITS, "| vendor | limit (key) | figure | raised by | counted as | source |")
    declared = {}
    for site in prod.sites:
        for limit in get_driver(site.vendor).site_vpn_limits(site):
            declared[limit.key] = limit
    documented = {re.search(r"\(`(\w+)`\)", r[1]).group(1): r for r in rows if "(`" in r[1]}  # type: ignore[union-attr]
    assert set(documented) == set(declared)
    for key, limit in declared.items():
        row = documented[key]
        assert str(limit.figure) in row[2]
        assert limit.source in row[5] or (row[5] == "same" and limit.source in LIMITS)
        assert (row[3] == "quota") == limit.adjustable
    usage = prod.plan.network.connectivity.usage
    aws = ("aws-use1", "aws-usw2")
    at = {usage[s]["vpn_connections_per_gateway"] for s in aws}
    figure = {lim.figure for lim in declared.values() if lim.key == "vpn_connections_per_gateway"}
    assert f"prod is at {at.pop()} on both AWS gateways, over AWS's default {figure.pop()}" in " ".join(
        (ROOT / "docs" / "connectivity.md").read_text().split()
    )
    # Over the default only with the raised quota declared in the stack file.
    raised = stack_raw("prod")["network"]["quotas"]
    for s in aws:
        assert usage[s]["vpn_connections_per_gateway"] <= raised[s]["vpn_connections_per_gateway"]
    assert f"prod's gateway is at {usage['azure-weu1']['s2s_tunnels_per_gateway']} of 30" in " ".join(
        LIMITS.split()
    )


def test_the_quota_error_in_config_md_is_the_plans() -> None:
    from skyweave.core.errors import ConfigError

    raw = stack_raw("prod")
    raw["network"]["quotas"] = {"azure-weu1": {"s2s_tunnels_per_gateway": 40}}
    with pytest.raises(ConfigError) as info:
        parse_stack_config(raw, source="stacks/Pulumi.prod.yaml", stack="prod")
    assert f"error: {info.value}" in (ROOT / "docs" / "config.md").read_text()
