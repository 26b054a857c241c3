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
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from .. import __version__

__all__ = ["main"]

from .exit_codes import EXIT_CONFIG, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE  # noqa: F401 - re-exported


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

    from .rules_command import add_parser as add_rules_parser

    add_rules_parser(sub)  # `skyweave rules`

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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``skyweave`` console script; returns the exit code."""
    args = _parser().parse_args(argv)
    from ..core.errors import SkyweaveError

    try:
        return _dispatch(args)
    except SkyweaveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (`| head`) left: not an error of ours; keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception:
        print("internal error (a bug in skyweave; please report it):", file=sys.stderr)
        traceback.print_exc()
        return EXIT_INTERNAL


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
    if args.command == "rules":
        from .rules_command import run as run_rules

        return run_rules(args)

    from .project import Project

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
        from ..metal.inventory import inventory_command

        return inventory_command(project, args.stack, args.format)
    if args.command == "simulate":
        from ..estate import simulate

        return simulate.run(project, args.stack, args.format, strict_dns=args.strict_dns)
    raise AssertionError(f"unhandled command {args.command}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
