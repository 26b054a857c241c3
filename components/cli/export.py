"""An estate's units as what an engine that runs many stacks reads: Pulumi Kubernetes Operator
``Stack`` objects, or a GitHub Actions workflow (``skyweave export``).

Why: a :class:`~skyweave.planning.units.UnitGraph` says which Pulumi stacks an estate is deployed
as and in what order; running them is the job of an engine that exists. The operator's ``Stack``
(``pulumi.com/v1``, its CRD ``deploy/crds/pulumi.com_stacks.yaml`` in
pulumi/pulumi-kubernetes-operator) waits on ``spec.prerequisites``; a workflow's jobs wait on
``needs``. Both are rendered here from the graph, so each runs a unit only after the units whose
outputs it reads (by stack reference).

Configuration travels by reference, never a secret's value: each unit reads the estate's whole
configuration (the estate is planned once, from the whole stack file). Its plain values go to a
``ConfigMap`` the operator reads through ``configRef`` (or, in a workflow, to the action's
``config-map`` input); every ``secure:`` key is named in ``secretsRef`` as a key of a Kubernetes
``Secret`` the user creates (in a workflow: ``${{ secrets.NAME }}``), and credentials in ``envRefs``
likewise. A ``secure:`` ciphertext cannot be used anyway: it is encrypted for the estate's stack,
and each unit is a stack of its own.

Pure: documents in, documents out; no Pulumi, no file access (:mod:`.export_command` writes them).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from ..core.errors import ConfigError, ConfigIssue
from ..planning.units import DNS1123_SUBDOMAIN, PULUMI_NAME, Unit, UnitGraph

__all__ = [
    "ACTIONS_CHECKOUT",
    "ACTIONS_SETUP_PYTHON",
    "CONFIGMAP_MAX_BYTES",
    "MATRIX_MAX",
    "MAX_ARG_STRLEN",
    "OPERATOR_API_VERSION",
    "PULUMI_ACTION",
    "STACK_NAME_MAX",
    "EstateConfig",
    "OperatorSettings",
    "SecretRef",
    "WorkflowSettings",
    "dump_documents",
    "github_secret_name",
    "object_name",
    "operator_objects",
    "takes_access_token",
    "workflow",
]

#: The operator's Stack API (the CRD's served and stored version).
OPERATOR_API_VERSION = "pulumi.com/v1"
#: The CRD refuses a longer ``metadata.name``: its ``x-kubernetes-validations`` rule
#: ``size(self.metadata.name) <= 42`` ("Stack name must be no more than 42 characters in length").
STACK_NAME_MAX = 42
#: Kubernetes refuses a ConfigMap whose data exceeds 1 MiB.
CONFIGMAP_MAX_BYTES = 1024 * 1024
#: GitHub: "A matrix will generate a maximum of 256 jobs per workflow run".
MATRIX_MAX = 256
#: Linux refuses to start a process with one environment string longer than this (``execve``:
#: ``MAX_ARG_STRLEN``, 32 pages of 4 KiB), and a runner hands a JavaScript action each input as one
#: (``INPUT_<NAME>=value``: actions/runner ``Handler.cs``, ``AddInputsToEnvironment``).
MAX_ARG_STRLEN = 32 * 4096
#: The official Pulumi action (pulumi/actions; inputs command, stack-name, work-dir, upsert,
#: config-map, per its action.yml) and the steps before it.
PULUMI_ACTION = "pulumi/actions@v7"
ACTIONS_CHECKOUT = "actions/checkout@v4"
ACTIONS_SETUP_PYTHON = "actions/setup-python@v5"

#: Keys of a ConfigMap's or Secret's data (``IsConfigMapKey``: ``[-._a-zA-Z0-9]+``).
_DATA_KEY = re.compile(r"[-._a-zA-Z0-9]+")
#: A DNS-1123 label (``IsDNS1123Label``): a volume's name, at most 63 characters.
DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
#: The operator's names for the volumes of a ConfigMap and a Secret a Stack reads config from.
CONFIGMAP_VOLUME = "configmap-"
SECRET_VOLUME = "secret-"
#: A label's value: at most 63 characters, alphanumeric at both ends, '-', '_' and '.' between.
_LABEL_VALUE = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?")
_LABEL_MAX = 63
#: A Go duration (``metav1.Duration`` is parsed by ``time.ParseDuration``), e.g. ``1h30m``.
_GO_DURATION = re.compile(
    r"([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))*"
)
#: A GitHub secret's name: letters, digits and '_', not starting with a digit or ``GITHUB_``.
_GITHUB_SECRET = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: An environment variable's name as a workflow and a Pod take it.
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

#: The annotations that tie an operator object back to its estate and unit.
ANNOTATION_ESTATE = "skyweave/estate"
ANNOTATION_UNIT = "skyweave/unit"
ANNOTATION_HOLDS = "skyweave/holds"


@dataclass(frozen=True)
class EstateConfig:
    """The estate stack file's configuration as the units need it.

    Attributes:
        label: the stack file, for messages (``stacks/Pulumi.prod.yaml``).
        plain: each key that holds no secret → the string the engine hands a program
            (structured values as JSON; ``StackFile.engine_config``).
        structured: the plain keys whose value is a mapping or a list.
        secret_keys: the keys that hold a ``secure:`` value: only their names leave skyweave.
    """

    label: str
    plain: Mapping[str, str]
    structured: frozenset[str] = frozenset()
    secret_keys: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SecretRef:
    """A key of a Kubernetes Secret (the operator reads a value from it, skyweave never does)."""

    name: str
    key: str


@dataclass(frozen=True)
class OperatorSettings:
    """What the operator needs that the estate does not say.

    Attributes:
        organisation: the Pulumi organisation the unit stacks live in.
        project: the Pulumi project's name (``Pulumi.yaml``).
        repo: the git repository the workspace clones (``spec.projectRepo``).
        branch, commit: what to check out (exactly one; the operator refuses both or neither).
        repo_dir: the project's directory inside the repository (``spec.repoDir``).
        namespace: the namespace of every object (``None``: the one ``kubectl apply`` uses).
        service_account: the workspace pod's identity (required since operator v2).
        access_token: the Secret key holding ``PULUMI_ACCESS_TOKEN`` (``None``: none, for a
            backend that takes no token, e.g. ``s3://``).
        backend: the state backend's URL (``spec.backend``; ``None``: Pulumi Cloud).
        env: more environment variables for the workspace, each from a Secret key.
        secrets_secret: the Secret holding the estate's secret config, one key per config key.
        succeeded_within: ``requirement.succeededWithinDuration`` of every prerequisite (a Go
            duration, e.g. ``1h``), or ``None`` for the operator's base requirement (succeeded).
    """

    organisation: str
    project: str
    repo: str
    branch: str | None = None
    commit: str | None = None
    repo_dir: str = "."
    namespace: str | None = None
    service_account: str = "skyweave"
    access_token: SecretRef | None = SecretRef("pulumi-api-secret", "accessToken")
    backend: str | None = None
    env: Mapping[str, SecretRef] = field(default_factory=dict)
    secrets_secret: str | None = None
    succeeded_within: str | None = None


@dataclass(frozen=True)
class WorkflowSettings:
    """What a GitHub Actions workflow needs that the estate does not say.

    Attributes:
        organisation, project: as for the operator (the stacks' full names).
        branch: pushes to it run ``pulumi up``; pull requests into it run ``pulumi preview``.
        work_dir: the project's directory inside the repository (the action's ``work-dir``).
        python_version: the runner's Python (the program is a Python program).
        env: environment variables of the Pulumi step → the GitHub secret each comes from.
        environment: the GitHub environment the jobs deploy to (its secrets and protection rules).
        backend: the state backend's URL (the action's ``cloud-url``; ``None``: Pulumi Cloud).
        access_token: whether the step reads ``PULUMI_ACCESS_TOKEN`` (Pulumi Cloud, self-hosted too).
    """

    organisation: str
    project: str
    branch: str = "main"
    work_dir: str = "."
    python_version: str = "3.12"
    env: Mapping[str, str] = field(default_factory=dict)
    environment: str | None = None
    backend: str | None = None
    access_token: bool = True


def _problem(path: str, message: str) -> ConfigError:
    return ConfigError([ConfigIssue(path, message, has_value=False)])


def object_name(unit: str) -> str:
    """The operator ``Stack``'s ``metadata.name`` for ``unit``: the unit's own name when the CRD
    takes it (a DNS-1123 subdomain of at most 42 characters), else its first 33 characters and 8
    hex digits of its SHA-256, so names stay unique, stable and within the CRD's bound."""
    if len(unit) <= STACK_NAME_MAX and DNS1123_SUBDOMAIN.fullmatch(unit):
        return unit
    digest = hashlib.sha256(unit.encode()).hexdigest()[:8]
    head = re.sub(r"[^a-z0-9.-]", "-", unit.lower())[: STACK_NAME_MAX - 9].strip(".-") or "unit"
    return f"{head}-{digest}"


def mounted_name(estate: str, suffix: str, volume_prefix: str) -> str:
    """The name of the ConfigMap or Secret ``<estate>-<suffix>``, made fit to be mounted: the
    operator mounts each one a unit reads config from as the volume ``<volume_prefix><name>``
    (``stack_controller.go``: ``"configmap-" + ref.Name``, ``"secret-" + ref.Name``), and a volume's
    name is a DNS-1123 label (no '.', at most 63). The estate's '.' become '-'; a name too long
    keeps its start and 8 hex digits of the estate's SHA-256."""
    base = re.sub(r"[^a-z0-9-]+", "-", estate.lower()).strip("-") or "estate"
    room = _LABEL_MAX - len(volume_prefix)
    name = f"{base}-{suffix}"
    if len(name) <= room:
        return name
    digest = hashlib.sha256(estate.encode()).hexdigest()[:8]
    head = base[: room - len(suffix) - len(digest) - 2].strip("-")
    return f"{head}-{digest}-{suffix}"


def takes_access_token(backend: str | None) -> bool:
    """Whether a backend takes ``PULUMI_ACCESS_TOKEN``: Pulumi Cloud (the default) and a
    self-hosted Pulumi Cloud (``https://``) do; a DIY backend (``s3://``, ``file://`` …) does not."""
    return backend is None or backend.startswith(("https://", "http://"))


def _check_backend(backend: str | None) -> list[ConfigIssue]:
    if backend is None or re.fullmatch(r"[a-z][a-z0-9+.-]*://\S*", backend):
        return []
    return [
        ConfigIssue(
            "--backend",
            "a backend URL as `pulumi login` takes one: https://… (Pulumi Cloud, self-hosted), "
            "s3://, gs://, azblob://, file://…",
            backend,
        )
    ]


def _check_name(path: str, value: str, what: str) -> list[ConfigIssue]:
    if len(value) <= 253 and DNS1123_SUBDOMAIN.fullmatch(value):
        return []
    return [
        ConfigIssue(
            path,
            f"{what} must be a Kubernetes object name: at most 253 lowercase letters, digits, '-' "
            "and '.', starting and ending with a letter or digit",
            value,
        )
    ]


def _check_pulumi_names(organisation: str, project: str) -> list[ConfigIssue]:
    issues = []
    if not PULUMI_NAME.fullmatch(organisation):
        issues.append(
            ConfigIssue(
                "--org",
                "a Pulumi organisation name holds only letters, digits, '-', '_' and '.'",
                organisation,
            )
        )
    if not PULUMI_NAME.fullmatch(project):
        issues.append(
            ConfigIssue(
                "Pulumi.yaml: name",
                "a Pulumi project name holds only letters, digits, '-', '_' and '.'",
                project,
            )
        )
    return issues


def data_key(config_key: str) -> str:
    """The key a config key has in a ConfigMap or Secret: ``:`` (not allowed there) becomes ``.``
    (``byon:fra-ssh-key`` → ``byon.fra-ssh-key``)."""
    return config_key.replace(":", ".")


def _data_keys(keys: Iterable[str], label: str, where: str) -> dict[str, str]:
    """config key → its data key; a key that cannot be one, or two that would share one, is refused."""
    out: dict[str, str] = {}
    seen: dict[str, str] = {}
    issues = []
    for key in sorted(keys):
        mapped = data_key(key)
        if not _DATA_KEY.fullmatch(mapped) or len(mapped) > 253 or mapped.startswith(".."):
            issues.append(
                ConfigIssue(
                    key,
                    f"cannot be a key of the {where} (letters, digits, '-', '_', '.' and the "
                    "namespace's ':', at most 253): rename the key",
                    has_value=False,
                )
            )
        elif mapped in seen:
            issues.append(
                ConfigIssue(
                    key,
                    f"would share the {where} key {mapped!r} with {seen[mapped]!r}: rename one of them",
                    has_value=False,
                )
            )
        else:
            seen[mapped] = key
            out[key] = mapped
    if issues:
        raise ConfigError(issues, source=label)
    return out


def operator_objects(
    graph: UnitGraph, config: EstateConfig, settings: OperatorSettings
) -> list[dict[str, Any]]:
    """The ConfigMap of the estate's plain configuration, then one ``Stack`` per unit in the
    graph's order (every prerequisite before its dependants)."""
    issues = _check_pulumi_names(settings.organisation, settings.project)
    if not settings.repo:
        issues.append(
            ConfigIssue("--repo", "the operator clones the program: name its git repository", has_value=False)
        )
    if (settings.branch is None) == (settings.commit is None):
        issues.append(
            ConfigIssue(
                "--branch",
                "give exactly one of --branch and --commit: the operator deploys a branch (and "
                "follows it) or a fixed commit, and refuses both or neither",
                has_value=False,
            )
        )
    for path, value, what in (
        ("--service-account", settings.service_account, "a service account's name"),
        (
            "--access-token-secret",
            settings.access_token.name if settings.access_token else None,
            "a Secret's name",
        ),
        ("--namespace", settings.namespace, "a namespace's name"),
    ):
        if value is not None:
            issues += _check_name(path, value, what)
    for var, ref in settings.env.items():
        if not _ENV_NAME.fullmatch(var):
            issues.append(
                ConfigIssue("--env", "an environment variable's name is letters, digits and '_'", var)
            )
        issues += _check_name("--env", ref.name, "a Secret's name")
    issues += _check_backend(settings.backend)
    for path, ref in [
        *([("--access-token-secret", settings.access_token)] if settings.access_token else []),
        *(("--env", r) for r in settings.env.values()),
    ]:
        if not _DATA_KEY.fullmatch(ref.key) or ref.key.startswith(".."):
            issues.append(
                ConfigIssue(path, "a Secret's key holds only letters, digits, '-', '_' and '.'", ref.key)
            )
    if settings.succeeded_within is not None and not _GO_DURATION.fullmatch(settings.succeeded_within):
        issues.append(
            ConfigIssue(
                "--prerequisite-within",
                "a duration as Go writes one: a number and a unit (h, m, s, ms), e.g. 1h or 30m",
                settings.succeeded_within,
            )
        )
    configmap = mounted_name(graph.estate, "config", CONFIGMAP_VOLUME)
    secrets_secret = settings.secrets_secret or mounted_name(graph.estate, "secrets", SECRET_VOLUME)
    room = _LABEL_MAX - len(SECRET_VOLUME)
    if len(secrets_secret) > room or not DNS1123_LABEL.fullmatch(secrets_secret):
        issues.append(
            ConfigIssue(
                "--secrets-secret",
                f"the operator mounts this Secret as the volume `{SECRET_VOLUME}<name>`, a DNS-1123 "
                f"label: at most {room} lowercase letters, digits and '-' (no '.'), starting and "
                "ending with a letter or digit",
                secrets_secret,
            )
        )
    if issues:
        raise ConfigError(issues)

    plain_keys = _data_keys(config.plain, config.label, "ConfigMap")
    secret_keys = _data_keys(config.secret_keys, config.label, "Secret")
    data = {plain_keys[key]: config.plain[key] for key in sorted(config.plain)}
    size = sum(len(k.encode()) + len(v.encode()) for k, v in data.items())
    if size > CONFIGMAP_MAX_BYTES:
        raise _problem(
            config.label,
            f"the estate's configuration is {size:,} bytes, over the {CONFIGMAP_MAX_BYTES:,} bytes "
            "a Kubernetes ConfigMap holds; the operator cannot be given it by reference",
        )

    names = {unit.name: object_name(unit.name) for unit in graph.units}
    if len(set(names.values())) != len(names):  # pragma: no cover - a SHA-256 prefix collision
        raise AssertionError(f"two units map to one object name: {names}")

    metadata_common: dict[str, Any] = {}
    if settings.namespace is not None:
        metadata_common["namespace"] = settings.namespace
    labels = {"app.kubernetes.io/managed-by": "skyweave"}
    if len(graph.estate) <= _LABEL_MAX and _LABEL_VALUE.fullmatch(graph.estate):
        # selects one estate's objects (kubectl get stacks -l skyweave/estate=prod)
        labels[ANNOTATION_ESTATE] = graph.estate
    objects: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": configmap,
                **metadata_common,
                "labels": dict(labels),
                "annotations": {ANNOTATION_ESTATE: graph.estate},
            },
            "data": data,
        }
    ]
    env_refs: dict[str, Any] = {
        **({"PULUMI_ACCESS_TOKEN": _secret_ref(settings.access_token)} if settings.access_token else {}),
        **{var: _secret_ref(ref) for var, ref in sorted(settings.env.items())},
    }
    for unit in graph.units:
        spec: dict[str, Any] = {
            "stack": f"{settings.organisation}/{settings.project}/{unit.name}",
            "projectRepo": settings.repo,
            **({"branch": settings.branch} if settings.branch is not None else {"commit": settings.commit}),
            "repoDir": settings.repo_dir,
            **({"backend": settings.backend} if settings.backend is not None else {}),
            "serviceAccountName": settings.service_account,
            **({"envRefs": env_refs} if env_refs else {}),
            "configRef": {
                key: {
                    "name": configmap,
                    "key": plain_keys[key],
                    **({"json": True} if key in config.structured else {}),
                }
                for key in sorted(config.plain)
            },
        }
        if secret_keys:
            spec["secretsRef"] = {
                key: _secret_ref(SecretRef(secrets_secret, secret_keys[key])) for key in sorted(secret_keys)
            }
        if unit.prerequisites:
            spec["prerequisites"] = [
                _prerequisite(names[name], settings.succeeded_within) for name in unit.prerequisites
            ]
        objects.append(
            {
                "apiVersion": OPERATOR_API_VERSION,
                "kind": "Stack",
                "metadata": {
                    "name": names[unit.name],
                    **metadata_common,
                    "labels": dict(labels),
                    "annotations": {
                        ANNOTATION_ESTATE: graph.estate,
                        ANNOTATION_UNIT: unit.name,
                        ANNOTATION_HOLDS: ", ".join(unit.holds),
                    },
                },
                "spec": spec,
            }
        )
    return objects


def _secret_ref(ref: SecretRef) -> dict[str, Any]:
    """The CRD's ``ResourceRef`` of type Secret (``type`` and ``secret: {name, key}``)."""
    return {"type": "Secret", "secret": {"name": ref.name, "key": ref.key}}


def _prerequisite(name: str, within: str | None) -> dict[str, Any]:
    """The CRD's ``PrerequisiteRef``: the Stack's name, and how recently it must have succeeded."""
    if within is None:
        return {"name": name}
    return {"name": name, "requirement": {"succeededWithinDuration": within}}


def github_secret_name(config_key: str) -> str:
    """The GitHub secret a ``secure:`` config key is read from: ``byon:fra-ssh-key`` →
    ``BYON_FRA_SSH_KEY`` (GitHub secret names are letters, digits and '_')."""
    return re.sub(r"[^A-Za-z0-9]+", "_", config_key).strip("_").upper()


def _job_id(index: int, part: int, parts: int) -> str:
    return f"layer-{index + 1}" if parts == 1 else f"layer-{index + 1}-part-{part + 1}"


def workflow(graph: UnitGraph, config: EstateConfig, settings: WorkflowSettings) -> dict[str, Any]:
    """A workflow with one job per layer of the graph (``UnitGraph.layers``), each a matrix of its
    layer's units, ``needs`` the jobs of the layers holding its units' prerequisites. Pull requests
    into ``settings.branch`` preview every unit; pushes to it (and a manual run) update them.

    A layer of more than :data:`MATRIX_MAX` units is split into jobs of at most that many.
    """
    issues = _check_pulumi_names(settings.organisation, settings.project) + _check_backend(settings.backend)
    secret_names: dict[str, str] = {}
    for key in sorted(config.secret_keys):
        name = github_secret_name(key)
        if not name or not _GITHUB_SECRET.fullmatch(name) or name.startswith("GITHUB_"):
            issues.append(
                ConfigIssue(key, f"has no GitHub secret name ({name!r}): rename the key", has_value=False)
            )
        elif name in secret_names.values():
            other = next(k for k, v in secret_names.items() if v == name)
            issues.append(
                ConfigIssue(
                    key, f"would share the GitHub secret {name} with {other!r}: rename one", has_value=False
                )
            )
        else:
            secret_names[key] = name
    for key in sorted(config.plain):
        if "${{" in key or "${{" in config.plain[key]:
            issues.append(
                ConfigIssue(
                    key,
                    "holds `${{`, which GitHub would evaluate as an expression in the workflow (it "
                    "could read a secret into the configuration): the workflow cannot carry it; "
                    "use --to operator, or another spelling",
                    has_value=False,
                )
            )
    for var, secret in settings.env.items():
        if not _ENV_NAME.fullmatch(var):
            issues.append(
                ConfigIssue("--env", "an environment variable's name is letters, digits and '_'", var)
            )
        if not _GITHUB_SECRET.fullmatch(secret) or secret.upper().startswith("GITHUB_"):
            issues.append(
                ConfigIssue(
                    "--env", "a GitHub secret's name is letters, digits and '_', not GITHUB_…", secret
                )
            )
    if issues:
        raise ConfigError(issues, source=config.label)

    layers = graph.layers()
    job_of: dict[str, str] = {}
    jobs: dict[str, Any] = {}
    config_map = _config_map(config, secret_names)
    size = len(f"INPUT_CONFIG-MAP={config_map}".encode()) + 1
    if size > MAX_ARG_STRLEN:
        raise _problem(
            config.label,
            f"the estate's configuration makes the action's config-map input {size:,} bytes (secrets' "
            f"values not counted), and a runner passes an input as one environment variable, which "
            f"Linux refuses over {MAX_ARG_STRLEN:,} bytes: the job could not start; deploy it with "
            "--to operator (a ConfigMap holds 1 MiB)",
        )
    env = {"PULUMI_ACCESS_TOKEN": "${{ secrets.PULUMI_ACCESS_TOKEN }}"} if settings.access_token else {}
    env.update({var: f"${{{{ secrets.{secret} }}}}" for var, secret in sorted(settings.env.items())})
    for index, layer in enumerate(layers):
        parts = [layer[start : start + MATRIX_MAX] for start in range(0, len(layer), MATRIX_MAX)]
        needs = sorted({job_of[p] for unit in layer for p in unit.prerequisites}, key=_job_order)
        for part_index, part in enumerate(parts):
            job_id = _job_id(index, part_index, len(parts))
            for unit in part:
                job_of[unit.name] = job_id
            jobs[job_id] = _job(graph, index, len(layers), part, needs, settings, config_map, env)
    return {
        "name": f"skyweave {graph.estate}",
        "on": {
            "push": {"branches": [settings.branch]},
            "pull_request": {"branches": [settings.branch]},
            "workflow_dispatch": {},
        },
        "permissions": {"contents": "read"},
        # One run of the estate at a time; a queued run waits rather than cancelling an update.
        "concurrency": {"group": f"skyweave-{graph.estate}", "cancel-in-progress": False},
        "jobs": jobs,
    }


def _job_order(job_id: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"[0-9]+", job_id))


def _config_map(config: EstateConfig, secret_names: Mapping[str, str]) -> str:
    """The action's ``config-map`` input: ``{key: {value, secret}}`` as YAML, plain values as the
    engine hands them to a program, each secret as ``${{ toJSON(secrets.NAME) }}`` (a JSON string
    is a YAML double-quoted scalar, so any secret, a multi-line key too, stays one value)."""
    lines = []
    for key in sorted(set(config.plain) | set(secret_names)):
        if key in secret_names:
            value = f"${{{{ toJSON(secrets.{secret_names[key]}) }}}}"
            lines.append(f"{_yaml_scalar(key)}: {{value: {value}, secret: true}}")
        else:
            lines.append(f"{_yaml_scalar(key)}: {{value: {_yaml_scalar(config.plain[key])}, secret: false}}")
    return "\n".join(lines) + "\n"


def _yaml_scalar(text: str) -> str:
    """``text`` as one YAML flow scalar (double-quoted, JSON escapes; never a bare word YAML 1.1
    would read as a boolean or a number)."""
    import json

    return json.dumps(text, ensure_ascii=False)


def _job(
    graph: UnitGraph,
    index: int,
    count: int,
    units: Sequence[Unit],
    needs: Sequence[str],
    settings: WorkflowSettings,
    config_map: str,
    env: Mapping[str, str],
) -> dict[str, Any]:
    job: dict[str, Any] = {"name": f"{graph.estate} layer {index + 1} of {count}: ${{{{ matrix.unit }}}}"}
    if needs:
        job["needs"] = list(needs)
    job["runs-on"] = "ubuntu-latest"
    if settings.environment is not None:
        job["environment"] = settings.environment
    job["strategy"] = {"fail-fast": False, "matrix": {"unit": [unit.name for unit in units]}}
    job["steps"] = [
        {"uses": ACTIONS_CHECKOUT},
        {"uses": ACTIONS_SETUP_PYTHON, "with": {"python-version": settings.python_version}},
        {
            "name": "pulumi ${{ github.event_name == 'pull_request' && 'preview' || 'up' }}",
            "uses": PULUMI_ACTION,
            "with": {
                "command": "${{ github.event_name == 'pull_request' && 'preview' || 'up' }}",
                "stack-name": f"{settings.organisation}/{settings.project}/${{{{ matrix.unit }}}}",
                "work-dir": settings.work_dir,
                **({"cloud-url": settings.backend} if settings.backend is not None else {}),
                "upsert": True,
                "config-map": config_map,
            },
            **({"env": dict(env)} if env else {}),
        },
    ]
    return job


if TYPE_CHECKING:
    _SafeDumper = yaml.SafeDumper
else:  # libyaml's emitter where PyYAML has it (same documents, ten times faster)
    _SafeDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_SafeDumper):
    """Block style, keys in the given order, multi-line strings as ``|`` blocks, and every value
    written out where it is used (no ``&id001`` anchors: each object reads on its own)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


def dump_documents(documents: Sequence[Mapping[str, Any]]) -> str:
    """``documents`` as one YAML stream (``---`` between them)."""
    return yaml.dump_all(
        [dict(doc) for doc in documents],
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        width=1000,
        allow_unicode=True,
    )
