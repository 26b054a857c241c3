"""The ``skyweave export`` subcommand: an estate's units for an engine that runs many stacks.

``--to operator`` writes a ConfigMap of the estate's plain configuration and one Pulumi Kubernetes
Operator ``Stack`` per unit; ``--to github-actions`` writes one workflow. To stdout (``--out -``,
the default) as one YAML stream, or into a directory, one file per object, each written
atomically (:func:`skyweave.files.write_output`). Every refusal names the option or the stack
file's key, the value and what would do (exit 1).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import ConfigError, ConfigIssue
from ..core.escape import terminal
from .exit_codes import EXIT_OK, EXIT_REQUIREMENT, epilog

if TYPE_CHECKING:
    from ..estate.project import Project, StackFile
    from .export import EstateConfig, SecretRef

__all__ = ["TARGETS", "add_parser", "run"]

#: ``--to`` → what it writes.
TARGETS = {
    "operator": "Pulumi Kubernetes Operator Stack objects (pulumi.com/v1), one per unit",
    "github-actions": "a GitHub Actions workflow: a matrix job per layer of units",
}
#: Options that only one target reads (given with the other, they are refused, not ignored).
_ONLY = {
    "operator": (
        "repo",
        "commit",
        "namespace",
        "service_account",
        "access_token_secret",
        "secrets_secret",
        "within",
    ),
    "github-actions": ("python", "environment"),
}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = sub.add_parser(
        "export",
        help="write the estate's units for an engine: Pulumi Kubernetes Operator Stacks or a GitHub workflow",
        description="Write what runs an estate deployed as units (skyweave:deployment: units) on an "
        "engine that exists: one Pulumi Kubernetes Operator Stack per unit, each waiting on its "
        "prerequisites, or a GitHub Actions workflow whose jobs follow the unit graph. "
        "Configuration and secrets travel by reference, never a secret's value (docs/export.md).",
        epilog=epilog("export"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument(
        "--stack",
        "-s",
        default=None,
        help="stack name: reads Pulumi.<stack>.yaml (default: $PULUMI_STACK, else the only stack file)",
    )
    export.add_argument("--to", required=True, metavar="ENGINE", help=f"one of: {', '.join(TARGETS)}")
    export.add_argument(
        "--out",
        default="-",
        metavar="DIR",
        help="a directory to write one file per object into (created if missing); - for stdout (default)",
    )
    export.add_argument(
        "--check",
        action="store_true",
        help=f"with --out DIR: write nothing; exit {EXIT_REQUIREMENT} if DIR does not hold exactly what "
        "export would write (for CI: the stack file changed and nobody exported)",
    )
    export.add_argument(
        "--org",
        metavar="ORG",
        help="the Pulumi organisation of the unit stacks (default: skyweave:organization; one is required)",
    )
    export.add_argument(
        "--branch",
        help="operator: the branch to deploy (or --commit); github-actions: pushes to it update the "
        "units, pull requests into it preview them (default main)",
    )
    export.add_argument(
        "--repo-dir",
        metavar="DIR",
        help="the project's directory inside its git repository (default: found from the nearest .git)",
    )
    export.add_argument(
        "--backend",
        metavar="URL",
        help="the state backend, as `pulumi login` takes it (default: Pulumi Cloud); one that is not "
        "https:// (s3://, gs://, azblob://, file://) takes no PULUMI_ACCESS_TOKEN",
    )
    export.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="VAR=SOURCE",
        help="an environment variable for the deployment, from a secret: operator SOURCE is a "
        "Kubernetes Secret NAME[/KEY] (KEY defaults to VAR); github-actions SOURCE is a GitHub "
        "secret's name (default VAR). Repeatable",
    )
    operator = export.add_argument_group("operator")
    operator.add_argument("--repo", metavar="URL", help="the git repository the operator clones (required)")
    operator.add_argument("--commit", metavar="SHA", help="deploy this commit instead of following --branch")
    operator.add_argument("--namespace", help="the namespace of every object (default: kubectl's)")
    operator.add_argument(
        "--service-account",
        metavar="NAME",
        help="the workspace pods' service account (default skyweave; docs/export.md shows its binding)",
    )
    operator.add_argument(
        "--access-token-secret",
        metavar="NAME[/KEY]",
        help="the Secret key holding PULUMI_ACCESS_TOKEN (default pulumi-api-secret/accessToken)",
    )
    operator.add_argument(
        "--secrets-secret",
        metavar="NAME",
        help="the Secret holding the stack file's secure: values, one key per config key with ':' as '.' "
        "(default <stack>-secrets)",
    )
    operator.add_argument(
        "--within",
        metavar="DURATION",
        help="a prerequisite must have succeeded within DURATION (a Go duration: 1h, 30m); default: "
        "its last run succeeded",
    )
    actions = export.add_argument_group("github-actions")
    actions.add_argument("--python", metavar="VERSION", help="the runners' Python (default 3.12)")
    actions.add_argument("--environment", metavar="NAME", help="the GitHub environment the jobs deploy to")


def run(args: argparse.Namespace, project: Project) -> int:
    """Render and write; errors are :class:`ConfigError` (exit 1) naming the option or key."""
    from . import export

    target = str(args.to)
    if target not in TARGETS:
        raise _refused("--to", target, f"not an engine skyweave exports to; valid: {', '.join(TARGETS)}")
    given = [
        name for other, names in _ONLY.items() if other != target for name in names if getattr(args, name)
    ]
    if given:
        flags = ", ".join(f"--{name.replace('_', '-')}" for name in given)
        raise _refused(
            flags.split(", ")[0], None, f"{flags} applies to --to {_owner(given[0])}, not --to {target}"
        )
    stack_file = project.read_stack(args.stack)
    from .units_command import deployed_units

    units_config, graph = deployed_units(project, args.stack, needs="there are no units to export")
    args.org = args.org or units_config.organization  # skyweave:organization, as the units use it
    if not args.org:
        raise _refused(
            "--org",
            None,
            "name the Pulumi organisation the unit stacks live in (their full names are "
            "<org>/<project>/<unit>, which stack references and the engine use), or set "
            f"skyweave:organization in {stack_file.label}",
        )
    config = estate_config(stack_file)
    repo_dir = args.repo_dir if args.repo_dir is not None else _repo_dir(project)
    if target == "operator":
        settings = export.OperatorSettings(
            organisation=args.org,
            project=project.name,
            repo=args.repo or "",
            branch=args.branch,
            commit=args.commit,
            repo_dir=repo_dir,
            namespace=args.namespace,
            service_account=args.service_account or "skyweave",
            access_token=_secret_ref(
                "--access-token-secret", args.access_token_secret, default_key="accessToken"
            )
            if args.access_token_secret
            else export.SecretRef("pulumi-api-secret", "accessToken")
            if export.takes_access_token(args.backend)
            else None,
            backend=args.backend,
            env=_operator_env(args.env),
            secrets_secret=args.secrets_secret,
            succeeded_within=args.within,
        )
        objects = export.operator_objects(graph, config, settings)
        outputs = {f"{obj['metadata']['name']}.yaml": export.dump_documents([obj]) for obj in objects}
        stream = "---\n".join(outputs.values())  # what dump_documents(objects) writes, dumped once
    else:
        workflow_settings = export.WorkflowSettings(
            organisation=args.org,
            project=project.name,
            branch=args.branch or "main",
            work_dir=repo_dir,
            python_version=args.python or "3.12",
            env=_actions_env(args.env),
            environment=args.environment,
            backend=args.backend,
            access_token=export.takes_access_token(args.backend),
        )
        doc = export.workflow(graph, config, workflow_settings)
        stream = export.dump_documents([doc])
        outputs = {f"skyweave-{graph.estate}.yml": stream}
    if args.check:
        if args.out == "-":
            raise _refused("--check", None, "compares a directory with what export writes: give --out DIR")
        return _check(Path(args.out), outputs, graph.estate)
    if args.out == "-":
        sys.stdout.write(stream)
        return EXIT_OK
    _write(Path(args.out), outputs)
    print(f"wrote {len(outputs)} file{'s' if len(outputs) != 1 else ''} to {args.out}", file=sys.stderr)
    for stale, unit in _stale(Path(args.out), outputs, graph.estate):
        print(  # the path and the unit come from files: shown, never obeyed by the terminal
            f"note: {terminal(str(stale))} holds {terminal(repr(unit))}, no longer a unit of "
            f"{graph.estate}: delete the file (and "
            "its Stack object; without destroyOnFinalize the operator leaves its resources alone)",
            file=sys.stderr,
        )
    return EXIT_OK


def estate_config(stack_file: StackFile) -> EstateConfig:
    """The stack file's configuration for the units: plain values as the engine hands them to a
    program, and the names (only) of the keys holding a ``secure:`` value."""
    from .export import EstateConfig

    engine = stack_file.engine_config()
    plain = {key: engine[key] for key in stack_file.values if key not in stack_file.secret_keys}
    structured = frozenset(key for key in plain if isinstance(stack_file.values[key], (dict, list)))
    return EstateConfig(stack_file.label, plain, structured, frozenset(stack_file.secret_keys))


def _refused(option: str, value: str | None, message: str) -> ConfigError:
    return ConfigError([ConfigIssue(option, message, value, has_value=value is not None)])


def _owner(option: str) -> str:
    return next(target for target, names in _ONLY.items() if option in names)


def _secret_ref(option: str, text: str, *, default_key: str) -> SecretRef:
    from .export import SecretRef

    name, _, key = text.partition("/")
    if not name or "/" in key:
        raise _refused(option, text, "a Kubernetes Secret as NAME or NAME/KEY")
    return SecretRef(name, key or default_key)


def _operator_env(entries: list[str]) -> dict[str, SecretRef]:
    out = {}
    for entry in entries:
        var, sep, source = entry.partition("=")
        if not sep or not source:
            raise _refused(
                "--env", entry, "the operator reads it from a Kubernetes Secret: VAR=SECRET or VAR=SECRET/KEY"
            )
        out[var] = _secret_ref("--env", source, default_key=var)
    return out


def _actions_env(entries: list[str]) -> dict[str, str]:
    out = {}
    for entry in entries:
        var, sep, secret = entry.partition("=")
        out[var] = secret if sep else var
        if sep and not secret:
            raise _refused("--env", entry, "VAR (from the GitHub secret VAR) or VAR=SECRET_NAME")
    return out


def _repo_dir(project: Project) -> str:
    """The project's directory relative to its git repository's top (the nearest ``.git``)."""
    root = project.root.resolve()
    for folder in (root, *root.parents):
        if (folder / ".git").exists():
            return Path(os.path.relpath(root, folder)).as_posix()
    raise _refused(
        "--repo-dir",
        None,
        f"{root} is not inside a git repository: name the project's directory inside the repository "
        "the engine checks out",
    )


def _stale(directory: Path, outputs: dict[str, str], estate: str) -> list[tuple[Path, str]]:
    """Files in ``directory`` an earlier export wrote for a unit of ``estate`` that this one did
    not: ``kubectl apply -f DIR`` would keep applying them. Files that are not such an object (or
    not readable YAML) are someone else's and left unmentioned."""
    from .. import files
    from .export import ANNOTATION_ESTATE, ANNOTATION_UNIT

    found = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name in outputs:
            continue
        try:
            data = files.read_yaml(path, str(path)).data
        except ConfigError:
            continue
        meta = data.get("metadata") if isinstance(data, dict) else None
        notes = meta.get("annotations") if isinstance(meta, dict) else None
        if isinstance(notes, dict) and notes.get(ANNOTATION_ESTATE) == estate and ANNOTATION_UNIT in notes:
            found.append((path, str(notes[ANNOTATION_UNIT])))
    return found


def _check(directory: Path, outputs: dict[str, str], estate: str) -> int:
    """Compare ``directory`` with ``outputs``: each file missing or different, and each file an
    earlier export left for a unit there no longer is, on stdout; exit 4 if any."""
    from .. import files

    problems = []
    for name, text in outputs.items():
        path, expected = directory / name, text.encode("utf-8")
        if not files.file_exists(path, str(path)):
            problems.append(f"{terminal(str(path))}: missing")
        elif (
            path.stat().st_size != len(expected)
            or files.read_bytes(path, str(path), limit=len(expected)) != expected
        ):
            problems.append(f"{terminal(str(path))}: differs from what the stack file makes")
    for stale, unit in _stale(directory, outputs, estate):
        problems.append(f"{terminal(str(stale))}: holds {terminal(repr(unit))}, no longer a unit of {estate}")
    for line in problems:
        print(line)
    if problems:
        count = f"{len(problems)} file{'s' if len(problems) != 1 else ''}"
        print(f"{count} out of date: run the same export without --check")
        return EXIT_REQUIREMENT
    print(f"{directory}: up to date ({len(outputs)} file{'s' if len(outputs) != 1 else ''})")
    return EXIT_OK


def _write(directory: Path, outputs: dict[str, str]) -> None:
    """Each file written atomically into ``directory`` (made if missing)."""
    from .. import files

    files.write_outputs(directory, {name: text.encode("utf-8") for name, text in outputs.items()})
