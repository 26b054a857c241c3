"""The ``skyweave check`` subcommand (registered by :mod:`skyweave.cli`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .exit_codes import EXIT_REQUIREMENT, epilog
from .report import FORMATS, render
from .style import Status, Style, add_color_option, use_color

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
        "`pulumi preview --save-plan` file (docs/ci.md); or a directory of one such plan per unit "
        "and the units.json naming them, judged as one estate (docs/units.md)",
    )
    check.add_argument("--format", choices=tuple(FORMATS), default="text")
    add_color_option(check)
    check.add_argument(
        "--config",
        type=Path,
        metavar="POLICY_CONFIG_JSON",
        help="per-policy levels, settings and waivers, as for `pulumi preview --policy-pack-config` "
        "(default with --stack and without --pack: Pulumi.<stack>.policy.json beside the stack file, "
        "if it exists)",
    )
    baseline = check.add_mutually_exclusive_group()
    baseline.add_argument(
        "--create-baseline",
        type=Path,
        metavar="FILE",
        help="record every mandatory finding in FILE and exit 0 (adopt the gate on an existing estate)",
    )
    baseline.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="findings recorded in FILE are reported as advisory (status baseline): only new ones fail",
    )
    check.add_argument(
        "--pack",
        type=Path,
        default=None,
        help="policy pack directory (default: the project's policies/ if it has one, else skyweave's)",
    )
    check.add_argument("--output", "-o", type=Path, default=None, help="write the report here, not stdout")


def _policy_config(path: Path | None) -> tuple[dict[str, dict[str, object]] | None, str | None]:
    """The policy config (read and validated before the pack starts) and where it came from."""
    from ..engine.policy_config import load_policy_config, validate_policy_config

    if path is None:
        return None, None
    config = load_policy_config(path)
    validate_policy_config(config, str(path))
    return config, str(path)


def _is_file(path: Path) -> bool:
    """Whether ``path`` is a file; a name the file system refuses is simply not one."""
    try:
        return path.is_file()
    except OSError:
        return False


def _write_or_print(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (:func:`skyweave.files.write_output`); when that fails, print it to
    stdout before the error propagates, so the run's result is not lost with the file."""
    from .. import files
    from ..core.errors import SkyweaveError

    try:
        files.write_output(path, str(path), text.encode("utf-8"))
    except SkyweaveError:
        print(text, end="" if text.endswith("\n") else "\n", flush=True)
        raise


def repository_uri(path: Path) -> str:
    """``path`` relative to the root of the git repository holding it, with ``/`` (what a SARIF
    artifact location means to code scanning, which resolves it against the checkout's root:
    ``-C DIR`` or a run from a subdirectory must not change it); ``""`` outside a repository."""
    try:
        absolute = path.resolve()
        for directory in absolute.parents:
            if (directory / ".git").exists():
                return absolute.relative_to(directory).as_posix()
    except (OSError, ValueError):
        pass
    return ""


def _checked_file(args: argparse.Namespace, project_dir: Path | None) -> Path | None:
    """The file a check reads its estate from (best effort: for a report of an error)."""
    if args.from_json is not None:
        return Path(args.from_json)
    try:
        from ..estate.project import Project
        from .stacks import resolve_stack

        project = Project.find(project_dir)
        return project.stack_path(resolve_stack(args.stack, project))
    except Exception:
        return None


def run(args: argparse.Namespace, project_dir: Path | None) -> int:
    """``skyweave check``. With ``--format sarif``, an error that stops the check (a wrong stack
    file, policy config, plan …) is still a SARIF report — the error as its one result — written
    where the report goes, so a CI step that uploads it on failure finds a file."""
    from ..core.errors import SkyweaveError

    try:
        return _run(args, project_dir)
    except SkyweaveError as exc:
        if args.format != "sarif" or args.create_baseline is not None:
            raise
        from .. import __version__
        from ..core.escape import terminal
        from .report import render_sarif_error

        checked = _checked_file(args, project_dir)
        uri = (repository_uri(checked) or str(checked)) if checked is not None else "."
        text = render_sarif_error(terminal(str(exc), newlines=True), uri=uri, version=__version__)
        if args.output is not None:
            _write_or_print(args.output, text + "\n")
        else:
            print(text)
        raise


def _run(args: argparse.Namespace, project_dir: Path | None) -> int:
    from ..core.errors import SkyweaveError
    from ..engine.check import PropertyDependencyMonitor, run_check
    from ..engine.policy_config import default_config_path
    from ..engine.requests import resources_from_plan, resources_from_run
    from ..estate.project import Project

    project: Project | None = None
    pack_dir: Path | None = args.pack
    if args.config is not None:  # a config given is refused before anything else is read
        _policy_config(args.config)
    if args.from_json is not None:
        from ..engine.plans import read_plan, read_plan_directory

        plan = (
            read_plan_directory(args.from_json, read_plan)
            if args.from_json.is_dir()
            else read_plan(args.from_json)
        )
        for_analyze, for_stack = resources_from_plan(plan)
        stack, project_name, source = plan.stack, plan.project, plan.label
        engine_config: dict[str, str] = {}
        try:  # a plan read inside its project is judged with that stack's policy config too
            project = Project.find(project_dir)
        except SkyweaveError:
            project = None
    else:
        from ..engine.preview import preview_stack
        from .stacks import resolve_stack

        project = Project.find(project_dir)
        args.stack = resolve_stack(args.stack, project)
        stack_file = project.read_stack(args.stack)  # checks the stack name before any file use
        stack, project_name, source = args.stack, project.name, stack_file.label
        engine_config = stack_file.engine_config()
        if pack_dir is None and (project.root / "policies" / "PulumiPolicy.yaml").is_file():
            pack_dir = project.root / "policies"
    config_path: Path | None = args.config
    # The stack's policy file configures the project's pack; a pack named with --pack is another
    # pack (its own policy names), so it gets only a config named with --config.
    if config_path is None and project is not None and args.pack is None:
        candidate = default_config_path(project.stack_config_dir, stack)
        if _is_file(candidate):
            config_path = candidate
    policy_config, config_label = _policy_config(config_path)
    if config_path is not None and args.config is None and project is not None:
        config_label = project.label(config_path)
    baseline = None
    if args.baseline is not None:
        from .baseline import read_baseline

        baseline = read_baseline(args.baseline)
    with Status() as status:
        if args.from_json is None:
            assert project is not None
            status.say(f"running the program of stack '{stack}' offline…")
            monitor = PropertyDependencyMonitor()
            run_result = preview_stack(project, args.stack, monitor=monitor)
            for_analyze, for_stack = resources_from_run(run_result, monitor.property_dependencies)
        status.say(f"checking {len(for_stack)} resources against the policy pack…")
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
    if config_label is not None:
        result.notes.append(f"policy config: {config_label}")
    checked = (
        Path(args.from_json)
        if args.from_json is not None
        else project.stack_path(args.stack)
        if project
        else None
    )
    result.source_uri = repository_uri(checked) if checked is not None else ""
    if args.create_baseline is not None:
        from .baseline import baseline_document

        text, count = baseline_document(result.diagnostics, stack=result.stack, source=result.source)
        _write_or_print(args.create_baseline, text)
        print(f"baseline of {count} mandatory finding(s) written to {args.create_baseline}", file=sys.stderr)
        return 0
    if baseline is not None:
        from .baseline import apply_baseline

        result.diagnostics, gone = apply_baseline(result.diagnostics, baseline)
        held = sum(d.baselined for d in result.diagnostics)
        result.notes.append(
            f"baseline {args.baseline}: {held} finding(s) held as advisory"
            + (
                f"; {gone} recorded finding(s) no longer occur (refresh it with --create-baseline)"
                if gone
                else ""
            )
        )
    # colour only for a terminal: a report written with -o is a file
    style = Style(color=args.output is None and use_color(sys.stdout, args.color))
    text = render(result, args.format, style=style)
    if args.output is not None:
        _write_or_print(args.output, text + "\n")
        print(
            f"{len(result.mandatory)} mandatory, {len(result.diagnostics) - len(result.mandatory)} advisory "
            f"violation(s); report written to {args.output}",
            file=sys.stderr,
        )
    else:
        print(text)
    return 0 if result.passed else EXIT_VIOLATIONS
