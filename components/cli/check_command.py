"""The ``skyweave check`` subcommand (registered by :mod:`skyweave.cli`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .exit_codes import EXIT_REQUIREMENT, epilog
from .report import FORMATS, render

__all__ = ["EXIT_VIOLATIONS", "add_parser", "run"]

#: Exit code when a mandatory rule is violated (the check itself ran fine).
EXIT_VIOLATIONS = EXIT_REQUIREMENT


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = sub.add_parser(
        "check",
        help="check a stack against the policy pack, offline (no CLI, no credentials)",
        description="Run the stack under Pulumi's mock runtime (or read a preview JSON) and send every "
        "resource to the policy pack through the Analyzer protocol, as `pulumi preview --policy-pack` "
        f"would. Exit code {EXIT_VIOLATIONS} when a mandatory rule is violated.",
        epilog=epilog("check"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = check.add_mutually_exclusive_group()
    source.add_argument(
        "--stack",
        "-s",
        default=None,
        help="stack name: reads Pulumi.<stack>.yaml (default: $PULUMI_STACK, else the only stack file)",
    )
    source.add_argument(
        "--from-json",
        type=Path,
        metavar="PREVIEW_JSON",
        help="check a plan made elsewhere, detected from its content: `skyweave preview --format json`, "
        "`pulumi preview --json --show-sames`, `pulumi stack export` (or its .deployment) or a "
        "`pulumi preview --save-plan` file (docs/ci.md)",
    )
    check.add_argument("--format", choices=tuple(FORMATS), default="text")
    check.add_argument(
        "--config",
        type=Path,
        metavar="POLICY_CONFIG_JSON",
        help="per-policy levels and settings, as for `pulumi preview --policy-pack-config`",
    )
    check.add_argument(
        "--pack",
        type=Path,
        default=None,
        help="policy pack directory (default: the project's policies/ if it has one, else skyweave's)",
    )
    check.add_argument("--output", "-o", type=Path, default=None, help="write the report here, not stdout")


def run(args: argparse.Namespace, project_dir: Path | None) -> int:
    from .check import PropertyDependencyMonitor, load_policy_config, resources_from_run, run_check

    policy_config = load_policy_config(args.config) if args.config else None
    pack_dir: Path | None = args.pack
    if args.from_json is not None:
        from .plan_files import read_plan

        plan = read_plan(args.from_json)
        for_analyze, for_stack = plan.resources()
        stack, project_name, source = plan.stack, plan.project, plan.label
        engine_config: dict[str, str] = {}
    else:
        from ..estate.project import Project
        from .preview import preview_stack
        from .stacks import resolve_stack

        project = Project.find(project_dir)
        args.stack = resolve_stack(args.stack, project)
        stack_file = project.read_stack(args.stack)
        monitor = PropertyDependencyMonitor()
        run_result = preview_stack(project, args.stack, monitor=monitor)
        for_analyze, for_stack = resources_from_run(run_result, monitor.property_dependencies)
        stack, project_name, source = args.stack, project.name, stack_file.label
        engine_config = stack_file.engine_config()
        if pack_dir is None and (project.root / "policies" / "PulumiPolicy.yaml").is_file():
            pack_dir = project.root / "policies"
    result = run_check(
        for_analyze,
        for_stack,
        stack=stack,
        project=project_name,
        source=source,
        pack_dir=pack_dir,
        policy_config=policy_config,
        config=engine_config,
    )
    text = render(result, args.format)
    if args.output is not None:
        args.output.write_text(text + "\n", encoding="utf-8")
        print(
            f"{len(result.mandatory)} mandatory, {len(result.diagnostics) - len(result.mandatory)} advisory "
            f"violation(s); report written to {args.output}",
            file=sys.stderr,
        )
    else:
        print(text)
    return 0 if result.passed else EXIT_VIOLATIONS
