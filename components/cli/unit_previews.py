"""``skyweave preview --stack NAME --all [-j N] [--out DIR]``: every unit of an estate deployed as
units, previewed offline in its own process (docs/units.md).

With ``--out DIR`` each unit's plan lands in ``DIR/<unit>.json`` as it finishes (written by the
unit's own process: nothing here holds a unit's plan) and the graph in ``DIR/units.json`` once all
have: the directory ``skyweave check --from-json DIR`` judges as one estate (a directory without
``units.json`` is an interrupted run, and ``check`` refuses it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Any

from .. import files
from ..drivers.registry import get_driver
from ..engine.plans import MANIFEST
from ..engine.unit_previews import (
    CoordinatorUsage,
    UnitPreviewed,
    UnitPreviewError,
    default_jobs,
    preview_units,
    sdk_modules,
)
from ..estate.project import Project
from ..planning.units import UnitGraph
from .style import table, terminal_width
from .units_command import deployed_units

__all__ = ["run"]

_MB = 1024 * 1024


class _Bar:
    """One line on stderr redrawn as units finish (a terminal), or a line per unit (``--progress``
    elsewhere, e.g. a CI log); silent otherwise."""

    def __init__(self, total: int, stream: IO[str], *, live: bool, log: bool) -> None:
        self.total, self.stream, self.live, self.log = total, stream, live, log
        self.done = 0
        self.running: list[str] = []

    def start(self, unit: str) -> None:
        self.running.append(unit)
        self._draw()

    def finish(self, result: UnitPreviewed) -> None:
        self.done += 1
        self.running.remove(result.unit)
        if self.log and not self.live:
            print(
                f"[{self.done}/{self.total}] {result.unit}: {result.resources} resources, "
                f"{result.cpu_seconds:.1f} s CPU, {result.peak_rss_bytes / _MB:.0f} MB",
                file=self.stream,
                flush=True,
            )
        self._draw()

    def _draw(self) -> None:
        if not self.live:
            return
        width = max(20, terminal_width() - 1)
        filled = round(20 * self.done / self.total) if self.total else 20
        line = f"[{'#' * filled}{'.' * (20 - filled)}] {self.done}/{self.total} units"
        if self.running:
            line += " · " + ", ".join(self.running)
        self.stream.write("\r\x1b[K" + line[:width])
        self.stream.flush()

    def close(self) -> None:
        if self.live:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def run(project: Project, stack: str, *, jobs: int | None, out: Path | None, fmt: str, progress: bool) -> int:
    config, graph = deployed_units(project, stack, needs="there are no units to preview with --all")
    if out is not None:
        _prepare(out)
    packages = sorted({p for site in config.sites for p in get_driver(site.vendor).packages})
    stream = sys.stderr
    live = bool(getattr(stream, "isatty", lambda: False)())
    bar = _Bar(len(graph.units), stream, live=live, log=progress)
    results: list[UnitPreviewed] = []
    usage: list[CoordinatorUsage] = []
    try:
        for result in preview_units(
            project.root,
            graph,
            jobs=jobs or default_jobs(),
            preload=sdk_modules(packages),
            out=out,
            on_start=bar.start,
            on_end=usage.append,
        ):
            bar.finish(result)
            results.append(result)
    except UnitPreviewError as exc:
        if exc.bug:
            raise RuntimeError(str(exc)) from None
        raise
    finally:
        bar.close()
    if out is not None:
        _write(out / MANIFEST, json.dumps(graph.as_dict(), indent=2))
    _report(graph, results, usage[0] if usage else None, out, fmt)
    return 0


def _prepare(out: Path) -> None:
    """``out`` exists as a directory (made if missing), with no manifest from an earlier run."""
    files.make_directory(out, str(out))
    stale = out / MANIFEST
    if stale.is_file():
        stale.unlink()  # written again only once every unit's plan is


def _write(path: Path, text: str) -> None:
    files.write_output(path, str(path), (text + "\n").encode())


def _report(
    graph: UnitGraph,
    results: list[UnitPreviewed],
    coordinator: CoordinatorUsage | None,
    out: Path | None,
    fmt: str,
) -> None:
    order = {name: i for i, name in enumerate(graph.names())}
    results = sorted(results, key=lambda r: order[r.unit])
    rows: list[dict[str, Any]] = [
        {
            "unit": r.unit,
            "resources": r.resources,
            "cpuSeconds": round(r.cpu_seconds, 2),
            "peakRssMB": round(r.peak_rss_bytes / _MB, 1),
            **({"plan": str(out / f"{r.unit}.json")} if out is not None else {}),
        }
        for r in results
    ]
    planning = (
        {
            "cpuSeconds": round(coordinator.cpu_seconds, 2),
            "planCpuSeconds": round(coordinator.plan_seconds, 2),
            "peakRssMB": round(coordinator.peak_rss_bytes / _MB, 1),
            "mostOutputsHeld": coordinator.most_outputs_held,
        }
        if coordinator is not None
        else None
    )
    if fmt == "json":
        print(json.dumps({"stack": graph.estate, "units": rows, "coordinator": planning}, indent=2))
        return
    header = ("unit", "resources", "CPU s", "peak MB")
    body = [(r["unit"], str(r["resources"]), f"{r['cpuSeconds']:.1f}", f"{r['peakRssMB']:.0f}") for r in rows]
    for line in table(header, body, terminal_width()):
        print(line)
    total = sum(r.resources for r in results)
    cpu = sum(r.cpu_seconds for r in results)
    peak = max((r.peak_rss_bytes for r in results), default=0) / _MB
    where = f"; plans and {MANIFEST} in {out}" if out is not None else ""
    print(f"{len(results)} units, {total} resources, {cpu:.1f} s CPU, largest process {peak:.0f} MB{where}")
    if coordinator is not None:
        print(
            f"planned once: {coordinator.plan_seconds:.1f} s CPU; the process that planned and "
            f"started the units {coordinator.cpu_seconds:.1f} s CPU, "
            f"{coordinator.peak_rss_bytes / _MB:.0f} MB"
        )
