"""The ``skyweave`` command: offline preview, config schema, address pins and policy checks.

Run from the project root (like ``pulumi``). Exit codes: 0 success; 1 the configuration or
project is wrong (the message says where and how to fix it); 2 the command line is wrong;
3 an internal error (a bug: please report it with the traceback shown); 4 the estate is not
what it must be: ``simulate`` found a required failure it does not survive, ``check`` found a
mandatory policy violation, or ``ipam lock --check`` found a site or link not pinned.
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
from typing import Any

from .. import __version__

__all__ = ["main"]

from ..core.errors import SkyweaveError
from ..core.escape import terminal
from .exit_codes import (
    EXIT_CHANGES,
    EXIT_CONFIG,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_REQUIREMENT,
    EXIT_USAGE,
    early_interrupt,
    epilog,
)
from .stacks import STACK_ENV, StackNotGiven
from .style import add_color_option


class UsageError(Exception):
    """The options given do not go together (exit 2, like an argparse error)."""


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def _positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (argparse names the option in its error)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is fewer than 1")
    return value


def _command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, *, help: str, description: str
) -> argparse.ArgumentParser:
    """A subcommand whose ``--help`` has a description and ends with its exit codes."""
    return sub.add_parser(
        name.rsplit(" ", 1)[-1],
        help=help,
        description=description,
        epilog=epilog(name),
        formatter_class=_formatter,
    )


def _stack_option(parser: argparse.ArgumentParser | argparse._MutuallyExclusiveGroup) -> None:
    parser.add_argument(
        "--stack",
        "-s",
        default=None,
        help=f"stack name: reads Pulumi.<stack>.yaml (default: ${STACK_ENV}, else the only stack file)",
    )


def _source_options(parser: argparse.ArgumentParser) -> None:
    """``--stack`` or ``--from-json``: a stack file's estate, or the one a preview recorded."""
    source = parser.add_mutually_exclusive_group()
    _stack_option(source)
    source.add_argument(
        "--from-json",
        type=Path,
        metavar="PREVIEW_JSON",
        help="read the estate from `skyweave preview --format json` output (its component outputs)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skyweave",
        description="Multi-vendor estates with Pulumi: preview offline, plan addresses, check policy.",
        epilog="Every command's exit codes: `skyweave COMMAND --help`, or docs/cli.md#exit-codes.",
        formatter_class=_formatter,
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

    preview = _command(
        sub,
        "preview",
        help="show what `pulumi up` would create, offline (no CLI, no credentials)",
        description="Run the stack's program in-process under Pulumi's mock runtime and print "
        "every resource it would create.",
    )
    _stack_option(preview)
    preview.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="text: for a terminal; json: one object per resource; markdown: with --diff, for a PR comment",
    )
    preview.add_argument(
        "--diff",
        type=Path,
        metavar="BASE",
        help="show what changes against BASE: an earlier `skyweave preview --format json`, a "
        "`pulumi stack export` or a `pulumi preview --json` (docs/cli.md#diffs)",
    )
    preview.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="with --diff: exit 0 when nothing changes, 2 when something does, 1 on any error "
        "(like terraform plan -detailed-exitcode)",
    )
    preview.add_argument(
        "--show-outputs", action="store_true", help="text: also print the stack outputs (as YAML)"
    )
    add_color_option(preview)
    preview.add_argument(
        "--progress",
        action="store_true",
        help="report registrations on stderr even when it is not a terminal (e.g. a CI log)",
    )
    preview.add_argument(
        "--all",
        action="store_true",
        help="an estate deployed as units: preview every unit, each in its own process (docs/units.md)",
    )
    preview.add_argument(
        "-j",
        "--jobs",
        type=_positive_int,
        default=None,
        metavar="N",
        help="with --all: units previewed at once (default: the machine's cores)",
    )
    preview.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="with --all: write each unit's plan to DIR/<unit>.json and the graph to DIR/units.json "
        "(what `skyweave check --from-json DIR` judges as one estate)",
    )

    schema = _command(
        sub,
        "schema",
        help="print the JSON Schema of a stack file (Pulumi.<stack>.yaml)",
        description="The JSON Schema of a whole stack file, for editors (docs/cli.md shows the "
        "yaml-language-server modeline), or the Markdown reference of its skyweave keys.",
    )
    schema.add_argument(
        "--format",
        choices=("json", "markdown"),
        default="json",
        help="markdown: the reference in docs/config.md",
    )
    schema.add_argument(
        "--config-block",
        action="store_true",
        help="the schema of the `config:` block alone (skyweave.config_schema()), not of the whole file",
    )

    from .check_command import add_parser as add_check_parser

    add_check_parser(sub)  # `skyweave check` (exit 4 on a mandatory policy violation)

    from .rules_command import add_parser as add_rules_parser

    add_rules_parser(sub)  # `skyweave rules`

    from .export_command import add_parser as add_export_parser

    add_export_parser(sub)  # `skyweave export`

    ipam = sub.add_parser(
        "ipam",
        help="show or pin the address plan",
        description="The estate's address plan: every site's block and subnets, and the pins that "
        "keep them where they are.",
        epilog="Actions: `skyweave ipam show --help`, `skyweave ipam lock --help`.",
        formatter_class=_formatter,
    )
    ipam_sub = ipam.add_subparsers(dest="ipam_command", required=True, metavar="ACTION")
    show = _command(
        ipam_sub,
        "ipam show",
        help="print the stack's address plan",
        description="Every site's planned block, subnets (zone, tier, IPv6) and whether it is pinned.",
    )
    _stack_option(show)
    show.add_argument("--format", choices=("text", "json"), default="text")
    lock = _command(
        ipam_sub,
        "ipam lock",
        help="record every site's planned block in the stack file, so no later edit can renumber it",
        description="Write each unpinned site's planned cidr (and ipv6_cidr), its BGP asn and each "
        "link's tunnel block into the stack file, so adding or removing other sites never renumbers them.",
    )
    _stack_option(lock)
    lock_mode = lock.add_mutually_exclusive_group()
    lock_mode.add_argument(
        "--dry-run", action="store_true", help="print the change as a unified diff; write nothing"
    )
    lock_mode.add_argument(
        "--check",
        action="store_true",
        help=f"write nothing; exit {EXIT_REQUIREMENT} if any site or link is not pinned (for CI)",
    )

    stacks = _command(
        sub,
        "stacks",
        help="list the Pulumi stacks (units) the estate is deployed as, what each holds, what it needs",
        description="The units of `skyweave:deployment: units` (docs/units.md): a stack per site, "
        "link, appliance edge, the estate's secrets and the global DNS and copies, named "
        "<stack>.<unit>, each with the units it reads by stack reference, in layers that can run "
        "side by side. Read from the stack file; nothing runs.",
    )
    _stack_option(stacks)
    stacks.add_argument(
        "--format", choices=("text", "json"), default="text", help="json: for tools (one object per unit)"
    )
    stacks.add_argument(
        "--migrate",
        action="store_true",
        help="print the `pulumi stack init` and `pulumi state move` commands that move the deployed "
        "single stack into its units without replacing anything (runs the program offline)",
    )
    stacks.add_argument(
        "--state",
        type=Path,
        metavar="EXPORT",
        help="with --migrate: move the resources of this `pulumi stack export` (what is deployed) "
        "instead of those of an offline preview",
    )
    stacks.add_argument(
        "--org",
        default=None,
        help="with --migrate: the Pulumi organisation of the stacks (default: the backend's default)",
    )

    graph = _command(
        sub,
        "graph",
        help="print the site graph (links, tunnels) and who can still reach whom after an outage",
        description="Sites and the links between them (shape, routing, tunnels), and the groups the "
        "surviving sites form when any one vendor or site is lost. DOT and Mermaid draw it.",
    )
    _source_options(graph)
    graph.add_argument("--format", choices=("text", "dot", "mermaid", "json"), default="text")
    inventory = _command(
        sub,
        "inventory",
        help="print the bare-metal pools' nodes as an Ansible inventory",
        description="Every node of every BareMetalPool (source, failure domain, address, role), from "
        "an offline preview. Addresses the cloud assigns at deploy time show as [unknown].",
    )
    _source_options(inventory)
    inventory.add_argument(
        "--format", choices=("yaml", "json"), default="yaml", help="yaml: inventory file; json: --list form"
    )
    simulate = _command(
        sub,
        "simulate",
        help="fail every vendor, region and zone in turn and report what survives",
        description="For every vendor, region and zone of the stack: the capacity each app and "
        "bare-metal pool keeps, whether DNS has a healthy target and whether the network stays "
        "connected. Exits 4 if a required failure (an app's or pool's `survive` kind or narrower) is "
        "not survived.",
    )
    _source_options(simulate)
    simulate.add_argument(
        "--format", choices=("text", "json", "markdown"), default="text", help="markdown: for a PR comment"
    )
    add_color_option(simulate)
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
    _INTERRUPTED.set()
    # on a terminal, over a status line a command may have drawn ("running the program …")
    erase = "\r\033[K" if getattr(sys.stderr, "isatty", lambda: False)() else ""
    print(f"{erase}interrupted", file=sys.stderr, flush=True)
    stopper = threading.Timer(INTERRUPT_GRACE, _force_exit)
    stopper.daemon = True
    stopper.start()
    raise KeyboardInterrupt


#: Set by Ctrl-C: the KeyboardInterrupt it raises can land where Python swallows it (a weakref
#: or finaliser callback), so the command also checks this when it returns.
_INTERRUPTED = threading.Event()


def _quiet_interrupts(unraisable: Any) -> None:
    """Ctrl-C's KeyboardInterrupt raised inside a callback Python cannot raise from (a weakref or
    finaliser) is honoured through ``_INTERRUPTED``; do not print it as an ignored exception."""
    if not isinstance(unraisable.exc_value, KeyboardInterrupt):
        sys.__unraisablehook__(unraisable)


def _late_interrupt(signum: int, frame: FrameType | None) -> None:
    """Ctrl-C after the command finished: end quietly with the interrupt's exit code."""
    os._exit(EXIT_INTERRUPTED)


def _force_exit() -> None:
    analyzer = sys.modules.get("skyweave.engine.analyzer")  # only if a check started packs
    if analyzer is not None:
        analyzer.stop_all_packs()
    os._exit(EXIT_INTERRUPTED)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code (the console script is :func:`skyweave.cli.main`).

    The interrupt handler goes in first, before the parser imports the commands' modules: Ctrl-C
    while Python is still importing is exit 130 and one line, like Ctrl-C at any later instant.
    """
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, _on_interrupt) if in_main_thread else None
    previous_hook = sys.unraisablehook
    sys.unraisablehook = _quiet_interrupts
    argv = list(sys.argv[1:] if argv is None else argv)
    # With --detailed-exitcode, 2 means "changes" (terraform's convention): every error exits 1.
    usage = EXIT_CONFIG if "--detailed-exitcode" in argv else EXIT_USAGE
    command = "?"
    try:
        try:
            args = _parser().parse_args(argv)
        except SystemExit as exc:
            if exc.code == EXIT_USAGE and usage != EXIT_USAGE:
                return usage
            raise
        command = args.command
        code = _dispatch(args)
        if _INTERRUPTED.is_set() and previous is not None:
            raise KeyboardInterrupt  # the interrupt was swallowed on its way; honour it now
        return code
    except KeyboardInterrupt:
        if in_main_thread and previous is not None:
            # The command has unwound (temporary files gone, packs closed). Ending here rather than
            # through interpreter shutdown matters: gRPC's and the mock runtime's threads can crash
            # or hang a finalising interpreter, which would turn a clean Ctrl-C into a core dump.
            sys.stdout.flush()
            sys.stderr.flush()
            _force_exit()
        return EXIT_INTERRUPTED
    except SkyweaveError as exc:
        print(f"error: {terminal(str(exc), newlines=True)}", file=sys.stderr)
        return EXIT_CONFIG
    except (StackNotGiven, UsageError) as exc:
        print(f"skyweave {command}: error: {exc}", file=sys.stderr)
        return usage
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
            # Python's own handler would print a traceback for a Ctrl-C between here and the exit.
            quiet = previous is signal.default_int_handler or previous is early_interrupt
            signal.signal(signal.SIGINT, _late_interrupt if quiet else previous)
            sys.unraisablehook = previous_hook


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "schema":
        if args.format == "markdown":
            from ..estate.reference import config_reference

            print(config_reference(), end="")
        elif args.config_block:
            from ..estate.config import config_schema

            print(json.dumps(config_schema(), indent=2))
        else:
            from ..estate.stack_schema import stack_file_schema

            print(json.dumps(stack_file_schema(), indent=2))
        return EXIT_OK

    if args.command == "check":
        from .check_command import run as run_check

        return run_check(args, args.project_dir)
    if args.command == "rules":
        from .rules_command import run as run_rules

        return run_rules(args)

    from_json: Path | None = getattr(args, "from_json", None)
    if from_json is not None:
        return _from_json(args, from_json)

    from ..estate.project import Project
    from .stacks import resolve_stack

    project = Project.find(args.project_dir)
    if hasattr(args, "stack"):
        args.stack = resolve_stack(args.stack, project)
    if args.command == "preview":
        return _preview(args, project)
    if args.command == "ipam":
        from . import ipam as ipam_cli

        if args.ipam_command == "show":
            return ipam_cli.show(project, args.stack, args.format)
        return ipam_cli.lock(project, args.stack, dry_run=args.dry_run, check=args.check)
    if args.command == "stacks":
        from . import units_command

        for given, option in ((args.org, "--org"), (args.state, "--state")):
            if given is not None and not args.migrate:
                raise UsageError(f"{option} goes with --migrate")
        return units_command.run(
            project, args.stack, args.format, migrate=args.migrate, org=args.org, state=args.state
        )
    if args.command == "graph":
        return _print_graph(args.format, _stack_graph(project, args.stack))
    if args.command == "inventory":
        from .inventory import inventory_command

        return inventory_command(project, args.stack, args.format)
    if args.command == "export":
        from .export_command import run as run_export

        return run_export(args, project)
    if args.command == "simulate":
        from . import simulate

        return simulate.run(project, args.stack, args.format, strict_dns=args.strict_dns, style=_style(args))
    raise AssertionError(f"unhandled command {args.command}")


def _style(args: argparse.Namespace) -> Any:
    """The colour of stdout's text, as ``--color`` and the environment say."""
    from .style import Style, use_color

    return Style(color=use_color(sys.stdout, getattr(args, "color", "auto")))


def _preview(args: argparse.Namespace, project: Any) -> int:
    from .style import Progress, Status

    if args.all:
        if args.diff is not None or args.format == "markdown" or args.detailed_exitcode:
            raise UsageError("--all goes without --diff, --detailed-exitcode and --format markdown")
        from . import unit_previews

        return unit_previews.run(
            project, args.stack, jobs=args.jobs, out=args.out, fmt=args.format, progress=args.progress
        )
    if args.jobs is not None or args.out is not None:
        raise UsageError(f"{'-j' if args.jobs is not None else '--out'} goes with --all")

    if args.diff is None and (args.format == "markdown" or args.detailed_exitcode):
        option = "--format markdown" if args.format == "markdown" else "--detailed-exitcode"
        raise UsageError(f"{option} goes with --diff BASE")
    # Progress on stderr: redrawn on a terminal; with --progress elsewhere, a line now and then.
    # Asked for with --progress: report even a short run; on a terminal only runs that take a while.
    progress = Progress(delay=0.0) if args.progress else Progress() if sys.stderr.isatty() else None
    with Status() as status:  # on a terminal: said at once, replaced by the count after a second
        status.say(f"running the program of stack '{args.stack}' offline…")
        return _run_preview(args, project, progress, status)


def _run_preview(args: argparse.Namespace, project: Any, progress: Any, status: Any) -> int:
    """The preview (and its diff); ``status`` is erased before anything is printed."""
    from ..engine.preview import preview_stack, render_json
    from .preview import render_text
    from .style import Style, use_color

    if args.diff is not None:
        from ..engine import diff as diff_mod
        from . import diff as diff_report

        base = diff_mod.load_base(args.diff)  # a bad base fails before the program runs
        monitor = diff_mod.DiffMonitor()
        run = preview_stack(project, args.stack, monitor=monitor, progress=progress)
        result = diff_mod.diff_run(run, monitor, base)
        status.clear()
        if args.format == "json":
            print(diff_report.render_json(result))
        elif args.format == "markdown":
            print(diff_report.render_markdown(result), end="")
        else:
            print(diff_report.render_text(result, style=Style(color=use_color(sys.stdout, args.color))))
        if args.detailed_exitcode:
            return EXIT_CHANGES if result.has_changes else EXIT_OK
        return EXIT_OK
    run = preview_stack(project, args.stack, progress=progress)
    status.clear()
    if args.format == "json":
        print(render_json(run))
    else:
        style = Style(color=use_color(sys.stdout, args.color))
        print(render_text(run, show_outputs=args.show_outputs, style=style))
    return EXIT_OK


def _from_json(args: argparse.Namespace, path: Path) -> int:
    """``graph``, ``simulate`` and ``inventory`` from a ``skyweave preview --format json`` file."""
    from ..engine.preview_json import read_preview

    if args.command == "simulate":
        from . import simulate

        return simulate.run(
            None, None, args.format, strict_dns=args.strict_dns, from_json=path, style=_style(args)
        )
    doc = read_preview(path, need_component_outputs=True)
    if args.command == "graph":
        from .graph import graph_of_preview

        return _print_graph(args.format, graph_of_preview(doc))
    if args.command == "inventory":
        from .inventory import print_inventory

        return print_inventory(doc.pool_nodes(), args.format)
    raise AssertionError(f"--from-json on {args.command}")


def _stack_graph(project: Any, stack: str) -> Any:
    """The stack's site graph: planned from its ``skyweave:`` keys, or, for an estate built in
    code (no ``skyweave:sites``), from the HybridVpc outputs of an offline run of its program."""
    from ..estate.config import NAMESPACE
    from .graph import GraphView

    stack_file = project.read_stack(stack)
    if f"{NAMESPACE}:sites" not in stack_file.values:
        from ..engine.preview import preview_stack
        from .graph import graph_of_run
        from .style import Status

        with Status() as status:
            status.say(f"running the program of stack '{stack}' offline…")
            return graph_of_run(preview_stack(project, stack), stack_file.label)
    from .ipam import load_plan

    _, plan, _ = load_plan(project, stack)
    return GraphView.from_plan(plan.connectivity)


def _print_graph(fmt: str, view: Any) -> int:
    from . import graph

    render = {
        "text": graph.render_text,
        "dot": graph.render_dot,
        "mermaid": graph.render_mermaid,
        "json": graph.render_json,
    }[fmt]
    print(render(view))
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
