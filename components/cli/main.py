"""The ``skyweave`` command: offline preview, config schema, address pins and policy checks.

Run from the project root (like ``pulumi``). Exit codes: 0 success; 1 the configuration or
project is wrong (the message says where and how to fix it); 2 the command line is wrong;
3 an internal error (a bug: please report it with the traceback shown); 4 the estate is not
what it must be: ``simulate`` found a required failure it does not survive, or ``check`` found a
mandatory policy violation.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from .. import __version__

__all__ = ["main"]

from .exit_codes import EXIT_CONFIG, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE  # noqa: F401


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skyweave",
        description="Multi-vendor estates with Pulumi: preview offline, plan addresses, check policy.",
    )
    parser.add_argument("--version", action="version", version=f"skyweave {__version__}")
    parser.add_argument(
        "-C",
        "--project-dir",
        type=Path,
        default=None,
        help="directory of Pulumi.yaml (default: the current directory or its nearest parent with one)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    preview = sub.add_parser(
        "preview",
        help="show what `pulumi up` would create, offline (no CLI, no credentials)",
        description="Run the stack's program in-process under Pulumi's mock runtime and print "
        "every resource it would create.",
    )
    preview.add_argument("--stack", "-s", required=True, help="stack name (reads Pulumi.<stack>.yaml)")
    preview.add_argument("--format", choices=("text", "json"), default="text")

    schema = sub.add_parser("schema", help="print the JSON Schema of a stack file's skyweave config")
    schema.add_argument(
        "--format",
        choices=("json", "markdown"),
        default="json",
        help="markdown: the reference in docs/config.md",
    )

    from .check_command import add_parser as add_check_parser

    add_check_parser(sub)  # `skyweave check` (exit 4 on a mandatory policy violation)

    ipam = sub.add_parser("ipam", help="show or pin the address plan")
    ipam_sub = ipam.add_subparsers(dest="ipam_command", required=True, metavar="ACTION")
    show = ipam_sub.add_parser("show", help="print the stack's address plan")
    show.add_argument("--stack", "-s", required=True)
    show.add_argument("--format", choices=("text", "json"), default="text")
    lock = ipam_sub.add_parser(
        "lock",
        help="record every site's planned block in the stack file, so no later edit can renumber it",
    )
    lock.add_argument("--stack", "-s", required=True)

    graph = sub.add_parser(
        "graph",
        help="print the site graph (links, tunnels) and who can still reach whom after an outage",
    )
    graph.add_argument("--stack", "-s", required=True)
    graph.add_argument("--format", choices=("text", "dot", "mermaid", "json"), default="text")
    inventory = sub.add_parser(
        "inventory",
        help="print the bare-metal pools' nodes as an Ansible inventory",
        description="Every node of every BareMetalPool (source, failure domain, address, role), from "
        "an offline preview. Addresses the cloud assigns at deploy time show as [unknown].",
    )
    inventory.add_argument("--stack", "-s", required=True)
    inventory.add_argument(
        "--format", choices=("yaml", "json"), default="yaml", help="yaml: inventory file; json: --list form"
    )
    simulate = sub.add_parser(
        "simulate",
        help="fail every vendor, region and zone in turn and report what survives",
        description="For every vendor, region and zone of the stack: the capacity each app keeps, "
        "whether DNS has a healthy target and whether the network stays connected. Exits 4 if a "
        "required failure (an app's `survive` kind or narrower) is not survived.",
    )
    simulate.add_argument("--stack", "-s", required=True)
    simulate.add_argument("--format", choices=("text", "json"), default="text")
    simulate.add_argument(
        "--strict-dns",
        action="store_true",
        help="count the DNS provider as lost when its vendor fails (default: its 100%% SLA holds)",
    )
    return parser


#: Seconds a command may take to unwind after Ctrl-C before the process ends regardless.
INTERRUPT_GRACE = 1.0


def _on_interrupt(signum: int, frame: FrameType | None) -> None:
    """Ctrl-C stops any command within a second: unwind normally (temporary files, the policy
    pack's process), and if something is stuck in a call that does not return (a gRPC wait, the
    mock runtime's event loop), end the process anyway."""
    print("interrupted", file=sys.stderr, flush=True)
    stopper = threading.Timer(INTERRUPT_GRACE, _force_exit)
    stopper.daemon = True
    stopper.start()
    raise KeyboardInterrupt


def _force_exit() -> None:
    analyzer = sys.modules.get("skyweave.cli.analyzer")  # only if a check started packs
    if analyzer is not None:
        analyzer.stop_all_packs()
    os._exit(EXIT_INTERRUPTED)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``skyweave`` console script; returns the exit code."""
    args = _parser().parse_args(argv)
    from ..core.errors import SkyweaveError

    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, _on_interrupt) if in_main_thread else None
    try:
        return _dispatch(args)
    except SkyweaveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        if in_main_thread and previous is not None:
            # The command has unwound (temporary files gone, packs closed). Ending here rather than
            # through interpreter shutdown matters: gRPC's and the mock runtime's threads can crash
            # or hang a finalising interpreter, which would turn a clean Ctrl-C into a core dump.
            sys.stdout.flush()
            sys.stderr.flush()
            _force_exit()
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader (`| head`) left: not an error of ours; keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception:
        print("internal error (a bug in skyweave; please report it):", file=sys.stderr)
        traceback.print_exc()
        return EXIT_INTERNAL
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "schema":
        if args.format == "markdown":
            from ..estate.reference import config_reference

            print(config_reference(), end="")
        else:
            from ..estate.config import config_schema

            print(json.dumps(config_schema(), indent=2))
        return EXIT_OK

    if args.command == "check":
        from .check_command import run as run_check

        return run_check(args, args.project_dir)

    from ..estate.project import Project

    project = Project.find(args.project_dir)
    if args.command == "preview":
        from .preview import preview_stack, render_json, render_text

        run = preview_stack(project, args.stack)
        print(render_json(run) if args.format == "json" else render_text(run))
        return EXIT_OK
    if args.command == "ipam":
        from . import ipam as ipam_cli

        if args.ipam_command == "show":
            return ipam_cli.show(project, args.stack, args.format)
        return ipam_cli.lock(project, args.stack)
    if args.command == "graph":
        from . import graph
        from .ipam import load_plan

        _, plan, _ = load_plan(project, args.stack)
        render = {
            "text": graph.render_text,
            "dot": graph.render_dot,
            "mermaid": graph.render_mermaid,
            "json": graph.render_json,
        }[args.format]
        print(render(plan.connectivity))
        return EXIT_OK
    if args.command == "inventory":
        from .inventory import inventory_command

        return inventory_command(project, args.stack, args.format)
    if args.command == "simulate":
        from . import simulate

        return simulate.run(project, args.stack, args.format, strict_dns=args.strict_dns)
    raise AssertionError(f"unhandled command {args.command}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
