"""``python -m bench``: every benchmark in one run, printed and written to docs/benchmarks.md.

``--quick`` runs everything on tiny sizes with one sample (a smoke test, seconds rather than
minutes) and writes nothing unless ``--output`` is given. Every sample is saved next to the
report (docs/benchmarks.json); ``--render`` rewrites the report from such a file.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from . import coldstart, overhead, planners, profile, report, scale
from .measure import ROOT, Samples, machine

DEFAULT_OUTPUT = ROOT / "docs" / "benchmarks.md"


def _app_growth(sizes: tuple[int, ...], estate: int, repeat: int) -> dict[str, Any]:
    import time

    out = {}
    for k in sizes:
        func = planners._app(estate, k)
        func()
        samples = []
        for _ in range(repeat):
            start = time.perf_counter()
            func()
            samples.append(time.perf_counter() - start)
        out[str(k)] = Samples(tuple(samples)).as_dict()
    return out


def _scale_note(rows: list[dict[str, Any]]) -> str:
    pairs = list(itertools.pairwise(rows))
    if not pairs:
        return ""
    steps = [
        f"{a['sites']:,} -> {b['sites']:,} sites: registrations "
        f"x{b['registrations'] / a['registrations']:.1f}, time per registration "
        f"x{b['ms_per_registration'] / a['ms_per_registration']:.2f}"
        for a, b in pairs
    ]
    growth = [b["ms_per_registration"] / a["ms_per_registration"] for a, b in pairs]
    fast = [f"{a['sites']:,} -> {b['sites']:,}" for (a, b), g in zip(pairs, growth, strict=True) if g >= 1.3]
    verdict = (
        "near-linear throughout."
        if not fast
        else f"near-linear except {', '.join(fast)} sites, where time per registration grows. That growth is "
        "in the Pulumi SDK's runtime, which a hand-written program pays too: its `wait_for_rpcs` re-waits "
        "on every pending output each time one completes (see *Where the time goes*, the bigger estate's "
        "profile)."
    )
    return "Growth: " + "; ".join(steps) + ". " + verdict


def _profile_estate(sites: int) -> dict[str, Any]:
    """The profile of a generated estate, where the runtime's growth shows."""
    import tempfile

    from .estate import write_project

    with tempfile.TemporaryDirectory(prefix="skyweave-profile-") as tmp:
        result = profile.measure("bench", project_dir=write_project(Path(tmp), sites))
    result["sites"] = sites
    return result


def _limits(results: dict[str, Any]) -> list[str]:
    rows = results.get("scale", {}).get("rows", [])
    lines = []
    if rows:
        big = rows[-1]
        seconds = big["seconds"]["median"]
        lines.append(
            f"Largest estate measured: {big['sites']:,} sites, {big['registrations']:,} registrations "
            f"({big['resources']:,} cloud resources), previewed offline in {seconds:.0f} s with a peak RSS "
            "of "
            f"{big['peak_rss_mib']['median']:,.0f} MiB — about {big['kib_per_registration']:.0f} KiB and "
            f"{big['ms_per_registration']:.1f} ms per registration. At that rate an estate is bounded by "
            "memory "
            "long before time: 10,000 sites of this shape "
            f"(~{big['registrations'] * 10_000 // big['sites']:,} "
            "registrations) would need "
            f"~{big['kib_per_registration'] * big['registrations'] * 10_000 / big['sites'] / 1024**2:.0f} "
            "GiB "
            f"and at least ~{seconds * 10_000 / big['sites'] / 60:.0f} min "
            "(extrapolated linearly, not measured; "
            "a lower bound while time per registration still grows)."
        )
    lines += [
        "Tunnel inside addresses: each VPN link takes a /27 of 169.254.0.0/16. With "
        "`network.tunnel_block_scope: estate` (the default) the estate keeps them unique, so at most 2,041 "
        "links that need inside addresses (BGP or AWS site-to-site) — about 1,000 spokes on two hubs. "
        "`tunnel_block_scope: site` keeps them unique only among the links sharing a site, as AWS (per "
        "virtual private gateway), GCP (per Cloud Router) and devices require (docs/connectivity.md): "
        "~2,041 such links per site, any number in the estate.",
        "Derived BGP ASNs come from the 1,023 private 2-byte numbers; bigger estates pin 4-byte private ASNs "
        "(`asn:` per site), as bench/estate.py does.",
        "Address plan: the default /16 per site gives 256 sites in 10.0.0.0/8; the benchmark estates use /20 "
        "sites (4,096), and /21 sites with /25 subnets past that (8,192) — `ipam.site_prefix` and "
        "`ipam.subnet_prefix` are the knobs.",
        "A MultiCloudApp's availability model grows with the square of the app's sites (see Planners): "
        "fine for "
        "the handful of sites an app spans, seconds for hundreds.",
        "Time: the mock runtime (Pulumi SDK serialisation, output resolution, asyncio) dominates; with the "
        "collector tuned, skyweave's own code is a small share (Where the time goes).",
    ]
    return lines


def _policy(quick: bool, repeat: int) -> dict[str, str]:
    """Run bench/policy.py (its own process: it starts pack processes) and keep its table."""
    argv = ["--sizes", "1000", "--repeat", "1", "--no-naive"] if quick else ["--repeat", str(max(repeat, 1))]
    command = "python bench/policy.py " + " ".join(argv)
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "policy.py"), *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    print(done.stdout, file=sys.stderr)
    return {"command": command, "table": done.stdout}


#: The sections ``--only`` re-measures: the ones that run a stack (the others generate estates).
_SECTIONS = ("overhead", "coldstart", "profile")


def _remeasure(
    sections: list[str], stack: str, output: Path, overhead_repeat: int, same_process: bool = False
) -> int:
    """Re-measure ``sections`` on ``stack`` and merge them into the results saved next to ``output``.

    Why: a change to the example stacks (a vendor added) moves the figures measured on them, while
    the scale and planner sections, which generate their own estates, stay what they were; the
    report says which sections are from which run.
    """
    unknown = sorted(set(sections) - set(_SECTIONS))
    if unknown:
        print(
            f"python -m bench: --only: unknown section(s) {', '.join(unknown)}; valid: {', '.join(_SECTIONS)}"
        )
        return 2
    saved_path = output.with_suffix(".json")
    saved = json.loads(saved_path.read_text())
    results = saved["results"]
    full_run = results.get("remeasured", {}).get("full_run") or results["machine"]["date"]
    results["machine"] = machine()
    if "overhead" in sections:
        print("[bench] overhead ...", file=sys.stderr, flush=True)
        results["overhead"] = overhead.measure(ROOT, stack, overhead_repeat, same_process=same_process)
    if "coldstart" in sections:
        print("[bench] cold start ...", file=sys.stderr, flush=True)
        results["coldstart"] = coldstart.measure(stack, 5)
    if "profile" in sections:
        print("[bench] profile ...", file=sys.stderr, flush=True)
        results["profile"] = profile.measure(stack)
    command = (
        f"python -m bench --only {','.join(sections)}"
        + (f" --stack {stack}" if stack != "prod" else "")
        + (" --overhead-same-process" if same_process else "")
    )
    before = results.get("remeasured", {})
    # sections an earlier re-measure wrote and this one does not keep that run's date
    earlier = (
        [
            {**e, "sections": [x for x in e["sections"] if x not in sections]}
            for e in [*before.get("earlier", []), {k: before[k] for k in ("sections", "date", "command")}]
            if e.get("sections")
        ]
        if before
        else []
    )
    results["remeasured"] = {
        "earlier": [e for e in earlier if e["sections"]],
        "sections": sections,
        "stack": stack,
        "date": results["machine"]["date"],
        "command": command,
        "full_run": full_run,
    }
    text = report.render(results, command=saved["command"])
    output.write_text(report.keep_foreign_sections(text, output.read_text()) if output.exists() else text)
    saved_path.write_text(json.dumps({"command": saved["command"], "results": results}, indent=2))
    print(f"[bench] wrote {output} and {saved_path}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one sample each (smoke test)")
    parser.add_argument("--sizes", default="10,100,1000", help="estate sizes in sites (default 10,100,1000)")
    parser.add_argument("--repeat", type=int, default=3, help="samples per figure (default 3)")
    parser.add_argument(
        "--overhead-repeat", type=int, default=5, help="rounds of the overhead runs (default 5)"
    )
    parser.add_argument(
        "--overhead-same-process",
        action="store_true",
        help="overhead: every variant in one process, interleaved run by run (a shared machine)",
    )
    parser.add_argument(
        "--stack", default="prod", help="stack for overhead, cold start, profile (default prod)"
    )
    parser.add_argument("--planner-sites", type=int, default=planners.SITES)
    parser.add_argument("--output", type=Path, default=None, help=f"report path (default {DEFAULT_OUTPUT})")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--render",
        type=Path,
        metavar="RESULTS_JSON",
        help="measure nothing: rewrite the report from a results file an earlier run saved",
    )
    parser.add_argument(
        "--only",
        metavar="SECTIONS",
        help=f"re-measure only these sections ({', '.join(_SECTIONS)}, comma-separated) on --stack and "
        "merge them into the saved results (docs/benchmarks.json), then rewrite the report",
    )
    args = parser.parse_args(argv)
    if args.only is not None:
        return _remeasure(
            args.only.split(","),
            args.stack,
            args.output or DEFAULT_OUTPUT,
            args.overhead_repeat,
            args.overhead_same_process,
        )
    if args.render is not None:
        saved = json.loads(args.render.read_text())
        output = args.output or DEFAULT_OUTPUT
        rendered = report.render(saved["results"], command=saved["command"])
        output.write_text(
            report.keep_foreign_sections(rendered, output.read_text()) if output.exists() else rendered
        )
        print(f"[bench] wrote {output} from {args.render}", file=sys.stderr)
        return 0

    if args.quick:
        sizes, repeat, orepeat, psites, app_sizes = (4,), 1, 1, 300, (3, 6)
        stack = "dev"
    else:
        sizes = tuple(int(s) for s in args.sizes.split(","))
        repeat, orepeat, psites, app_sizes = (
            args.repeat,
            args.overhead_repeat,
            args.planner_sites,
            (10, 30, 100),
        )
        stack = args.stack

    def step(name: str) -> None:
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)

    results: dict[str, Any] = {"machine": machine()}
    step("overhead")
    results["overhead"] = overhead.measure(ROOT, stack, orepeat, same_process=args.overhead_same_process)
    step("scale")
    results["scale"] = scale.measure(sizes, repeat)
    results["scale_note"] = _scale_note(results["scale"]["rows"])
    step("planners")
    results["planners"] = planners.measure(psites, repeat)
    results["app_growth"] = _app_growth(app_sizes, psites, repeat)
    step("cold start")
    results["coldstart"] = coldstart.measure(stack, max(repeat, 1) if args.quick else max(repeat, 5))
    step("profile")
    results["profile"] = profile.measure(stack)
    results["profile_scale"] = _profile_estate(4 if args.quick else 100)
    step("policy pack")
    results["policy"] = _policy(args.quick, repeat)
    results["limits"] = _limits(results)

    command = (
        "python -m bench"
        + (" --quick" if args.quick else "")
        + (" --overhead-same-process" if args.overhead_same_process else "")
    )
    text = report.render(results, command=command)
    print(json.dumps(results, indent=2, default=str))
    output = args.output or (None if args.quick else DEFAULT_OUTPUT)
    if output is not None and not args.no_write:
        if output.exists():
            text = report.keep_foreign_sections(text, output.read_text())
        output.write_text(text)
        # Every sample, next to the report: the lead can re-render or compare runs.
        output.with_suffix(".json").write_text(json.dumps({"command": command, "results": results}, indent=2))
        print(f"[bench] wrote {output} and {output.with_suffix('.json')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
