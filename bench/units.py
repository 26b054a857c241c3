"""Units at scale: an estate previewed as one stack and as units (``skyweave preview --all``), side
by side in one run (issue 31: "planned once and previewed as units with -j 2: no process over
400 MB peak, CPU per registration within 1.3x of the 100-site single stack, wall about CPU / 2").

Each sample is a fresh interpreter (``python -m bench.units --child ...``):

* ``single``: writes a ``bench/estate.py`` estate deployed as one stack, previews a small estate
  of the same mix untimed (every module loaded), then times ``preview_stack`` on it: process
  CPU (user + system), wall clock, registrations, cloud resources, peak resident memory.
* ``units``: writes the same estate deployed as units and runs ``skyweave preview --stack bench
  --all -j N --out DIR`` in the process, as a user would. CPU is every process of the run:
  this one, the server the units' coordinator is forked from, the coordinator (which plans the
  estate once) and every unit's process — this process's own CPU plus that of every child it
  reaped, the server stopped and reaped first (each process reaps its own children, so the CPU
  of the whole tree reaches here). The largest process is the largest peak the kernel reported
  for any of them (``ru_maxrss`` of the reaped children, and each unit's own).

Load average (1 min) is read before and after every sample: the machine is shared, so compare
CPU (which waiting for a core does not inflate) rather than wall clock.

``--mix dev`` is dev's vendors and link shapes (bench/estate.py: AWS hubs, GCP and on-prem
spokes; regional past 1,000 spokes); ``mixed`` is the benchmark estate of every other section.
``--write`` puts the table in docs/benchmarks.md (section "Units at scale") and the samples in
docs/benchmarks-units.json.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .measure import ROOT, child, machine

__all__ = ["measure", "render"]

SECTION = "Units at scale"
_MB = 1024 * 1024


def _status_mib(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _single(sites: int, mix: str) -> dict[str, Any]:
    from skyweave.engine.preview import preview_stack, summary
    from skyweave.estate.project import Project

    from .estate import write_project

    with tempfile.TemporaryDirectory(prefix="skyweave-warm-") as tmp:
        preview_stack(Project.find(write_project(Path(tmp), 8, mix=mix)), "bench")
    with tempfile.TemporaryDirectory(prefix="skyweave-single-") as tmp:
        project = Project.find(write_project(Path(tmp), sites, mix=mix))
        load = os.getloadavg()[0]
        cpu, wall = _cpu(resource.RUSAGE_SELF), time.perf_counter()
        run = preview_stack(project, "bench")
        cpu, wall = _cpu(resource.RUSAGE_SELF) - cpu, time.perf_counter() - wall
    info = summary(run)
    return {
        "sites": sites,
        "registrations": len(run.resources),
        "resources": info["resources"],
        "cpu_seconds": cpu,
        "wall_seconds": wall,
        "peak_rss_mib": max(_status_mib("VmHWM"), _status_mib("VmRSS")),
        "load": [load, os.getloadavg()[0]],
    }


def _stop_forkserver() -> None:
    """Stop the server the coordinator was forked from and reap it, so its CPU (and through it
    the coordinator's and every unit's, each reaped by its parent) is counted here."""
    from multiprocessing import forkserver

    server = forkserver._forkserver  # type: ignore[attr-defined]
    if getattr(server, "_forkserver_pid", None) is not None:
        server._stop()


def _units(sites: int, mix: str, jobs: int) -> dict[str, Any]:
    from skyweave.cli import main

    from .estate import write_project

    with tempfile.TemporaryDirectory(prefix="skyweave-units-") as tmp:
        project = write_project(Path(tmp) / "project", sites, mix=mix, units=True)
        out = Path(tmp) / "plans"
        argv = ["-C", str(project), "preview", "--stack", "bench", "--all", "-j", str(jobs)]
        argv += ["--out", str(out), "--format", "json"]
        load = os.getloadavg()[0]
        cpu, wall = _cpu(resource.RUSAGE_SELF), time.perf_counter()
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            code = main(argv)
        wall = time.perf_counter() - wall
        _stop_forkserver()
        cpu = _cpu(resource.RUSAGE_SELF) - cpu + _cpu(resource.RUSAGE_CHILDREN)
        if code != 0:
            raise RuntimeError(f"skyweave preview --all exited {code}")
        report = json.loads(printed.getvalue())
        resources = 0
        for unit in report["units"]:
            resources += json.loads(Path(unit["plan"]).read_text())["summary"]["resources"]
        files = len(list(out.iterdir()))
    units = report["units"]
    kinds: dict[str, dict[str, float]] = {}
    for unit in units:
        # bench/estate.py names sites <vendor[:3]>-<n>: a unit's kind and vendor from its name
        kind = "link" if ".link." in unit["unit"] else f"site {unit['unit'].split('.', 1)[1][:3]}"
        row = kinds.setdefault(kind, {"units": 0, "registrations": 0, "cpu_seconds": 0.0})
        row["units"] += 1
        row["registrations"] += unit["resources"]
        row["cpu_seconds"] += unit["cpuSeconds"]
    return {
        "sites": sites,
        "jobs": jobs,
        "units": len(units),
        "files": files,
        "registrations": sum(u["resources"] for u in units),
        "resources": resources,
        "cpu_seconds": cpu,
        "units_cpu_seconds": sum(u["cpuSeconds"] for u in units),
        "by_kind": kinds,
        "coordinator": report["coordinator"],
        "wall_seconds": wall,
        "largest_unit_mib": max(u["peakRssMB"] for u in units),
        "largest_process_mib": max(
            max(u["peakRssMB"] for u in units),
            report["coordinator"]["peakRssMB"],
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            _status_mib("VmHWM"),
        ),
        "command_peak_mib": _status_mib("VmHWM"),
        "load": [load, os.getloadavg()[0]],
    }


def measure(sizes: tuple[int, ...], *, mix: str, jobs: int, single_max: int) -> dict[str, Any]:
    rows = []
    for sites in sizes:
        print(f"[bench.units] {sites} sites ({mix}) ...", file=sys.stderr, flush=True)
        single = child("units", "single", str(sites), mix, timeout=7200) if sites <= single_max else None
        units = child("units", "units", str(sites), mix, str(jobs), timeout=14400)
        rows.append({"sites": sites, "single": single, "units": units})
        print(f"[bench.units] {json.dumps(rows[-1])}", file=sys.stderr, flush=True)
    return {"mix": mix, "jobs": jobs, "rows": rows, "machine": machine()}


def _per_reg(sample: dict[str, Any], key: str = "registrations") -> float:
    return 1000 * sample["cpu_seconds"] / sample[key]


def render(results: dict[str, Any], command: str) -> list[str]:
    rows = results["rows"]
    base = next((r["single"] for r in rows if r["sites"] == 100 and r["single"]), None)
    mix = results["mix"]
    lines = [
        f"## {SECTION}",
        "",
        f"`{command}` ({results['machine']['date']}): each size previewed as one stack and as units "
        f"with `skyweave preview --all -j {results['jobs']}`, one fresh process per sample, side by side "
        "in one run. CPU is user + system of every process of the run (the command, the server the "
        "coordinator is forked from, the coordinator, which plans the estate once, and every unit's "
        "process); the ratio is the units' CPU per registration over the 100-site single stack's. "
        "Load average (1 min) before and after each sample: the machine is shared, so read CPU.",
        "",
        (
            "Estate mix **dev** (`bench/estate.py --mix dev`): two AWS hubs, spokes alternating GCP and "
            "on-prem devices, links `aws-gcp-ha-vpn` and `aws-site-vpn`; not the mixed estate of the "
            "Scale section. Past 1,000 spokes the estate is regional: two AWS hubs per group of 1,000 "
            "spokes, the groups' hubs chained by VPC peering, `tunnel_block_scope: site`, /21 sites "
            "(bench/estate.py)."
            if mix == "dev"
            else "Estate mix **mixed**: the estate of the Scale section."
        ),
        "",
        "| sites | single: registrations | single: CPU s | single: ms CPU per registration | single: peak MB "
        "| units | units: registrations | units: CPU s | units: ms CPU per registration | ratio to 100-site "
        "single | units: ms CPU per cloud resource (single's) | wall s | CPU / wall | largest process MB "
        "| load |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        s, u = row["single"], row["units"]
        single = (
            f"{s['registrations']:,} | {s['cpu_seconds']:.1f} | {_per_reg(s):.2f} | {s['peak_rss_mib']:.0f}"
            if s
            else "– | – | – | –"
        )
        ratio = f"{_per_reg(u) / _per_reg(base):.2f}x" if base else "–"
        per_cloud = (
            f"{_per_reg(u, 'resources'):.2f} ({_per_reg(s, 'resources'):.2f})"
            if s
            else f"{_per_reg(u, 'resources'):.2f}"
        )
        loads = [*(s["load"] if s else []), *u["load"]]
        lines.append(
            f"| {row['sites']:,} | {single} | {u['units']:,} | {u['registrations']:,} "
            f"| {u['cpu_seconds']:.1f} "
            f"| {_per_reg(u):.2f} | {ratio} | {per_cloud} | {u['wall_seconds']:.1f} "
            f"| {u['cpu_seconds'] / u['wall_seconds']:.2f} | {u['largest_process_mib']:.0f} "
            f"| {min(loads):.1f}-{max(loads):.1f} |"
        )
    lines += [""]
    for row in rows:
        u = row["units"]
        c = u["coordinator"]
        kinds = "; ".join(
            f"{kind}: {k['units']:,} units, {1000 * k['cpu_seconds'] / k['units']:.0f} ms CPU each, "
            f"{k['registrations'] / k['units']:.1f} registrations each"
            for kind, k in sorted(u.get("by_kind", {}).items())
        )
        lines.append(
            f"- {row['sites']:,} sites: the estate planned once in {c['planCpuSeconds']:.2f} s CPU; the "
            f"coordinator {c['cpuSeconds']:.1f} s CPU and {c['peakRssMB']:.0f} MB; the units' processes "
            f"{u['units_cpu_seconds']:.1f} s CPU (largest {u['largest_unit_mib']:.0f} MB, counting the "
            f"pages it shares with the coordinator); the command itself {u['command_peak_mib']:.0f} MB; "
            f"the rest of the CPU, {u['cpu_seconds'] - u['units_cpu_seconds'] - c['cpuSeconds']:.1f} s, is "
            "the command's, the server's and the units' exits (a unit reports its CPU before exiting; "
            "the teardown of a process sharing the coordinator's pages grows with them)."
            + (f" Per kind — {kinds}." if kinds else "")
        )
    lines += ["", *_beyond(rows), ""]
    return lines


def _beyond(rows: list[dict[str, Any]]) -> list[str]:
    """What the largest row says of 10,000 sites, which no bench estate reaches yet."""
    big = rows[-1]
    if big["sites"] >= 10_000:
        return []
    u = big["units"]
    scale = 10_000 / big["sites"]
    return [
        f"**10,000 sites: not measured.** No `bench/estate.py` estate of that size can be planned today: "
        "its hub-spoke links each take a /27 of 169.254.0.0/16 for tunnel inside addresses, unique "
        "estate-wide (at most 2,041 such links, about 1,020 sites on two hubs), and /20 site blocks fill "
        "10.0.0.0/8 at 4,096 sites (see Limits); the planner refuses the estate before anything runs. "
        f"From the {big['sites']:,}-site row, scaled linearly by {scale:.0f}x (an estimate, not a "
        f"measurement): ~{u['units'] * scale:,.0f} units, ~{u['cpu_seconds'] * scale / 60:,.0f} min CPU, "
        f"~{u['cpu_seconds'] * scale / 2 / 60:,.0f} min wall on 2 idle cores; the coordinator (the plan, "
        "the SDKs) grows with the estate and every unit's process shares its pages, so the largest "
        f"process would be the coordinator's {u['coordinator']['peakRssMB']:.0f} MB plus the plan's growth.",
    ]


def _write(results: dict[str, Any], command: str) -> None:
    from .report import keep_foreign_sections

    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text()
    section = "\n".join(render(results, command))
    parts = text.split("\n## ")
    kept = [p for p in parts[1:] if p.split("\n", 1)[0] != SECTION]
    rebuilt = parts[0] + "".join("\n## " + p for p in kept)
    marker = "\n## Limits"
    at = rebuilt.find(marker)
    at = len(rebuilt) if at == -1 else at
    text = rebuilt[:at].rstrip("\n") + "\n\n" + section + rebuilt[at:]
    assert keep_foreign_sections  # the full report keeps this section (report.PROSE_SECTIONS)
    path.write_text(text)
    (ROOT / "docs" / "benchmarks-units.json").write_text(
        json.dumps({"command": command, "results": results}, indent=2) + "\n"
    )
    print(f"[bench.units] wrote {path}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--child", nargs="+", metavar="ARG")
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--mix", default="dev", choices=("dev", "mixed"))
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--single-max", type=int, default=1000, help="largest estate also run as one stack")
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md's section")
    parser.add_argument(
        "--rows",
        type=Path,
        metavar="LOG",
        help="measure nothing: the rows a run logged on stderr ('[bench.units] {...}' lines)",
    )
    args = parser.parse_args()
    if args.child:
        kind, sites, mix, *rest = args.child
        result = _single(int(sites), mix) if kind == "single" else _units(int(sites), mix, int(rest[0]))
        print(json.dumps(result))
        return
    sizes = tuple(int(s) for s in args.sizes.split(","))
    if args.rows is not None:
        logged = [line.split(" ", 1)[1] for line in args.rows.read_text().splitlines() if " {" in line]
        results = {"mix": args.mix, "jobs": args.jobs, "rows": [json.loads(r) for r in logged]}
        results["machine"] = machine()
    else:
        results = measure(sizes, mix=args.mix, jobs=args.jobs, single_max=args.single_max)
    command = f"python -m bench.units --sizes {args.sizes} --mix {args.mix} -j {args.jobs}"
    print("\n".join(render(results, command)))
    if args.write:
        _write(results, command)


if __name__ == "__main__":
    main()
