"""``skyweave check``: run a stack (or read a preview) and put every resource through the pack.

The stack runs offline under the SDK's mock runtime (as ``skyweave preview`` does); each
resource then goes to the pack through the real Analyzer protocol exactly as the engine would
send it during ``pulumi preview --policy-pack``: ``Analyze`` with its inputs, one
``AnalyzeStack`` with every resource's outputs — for a component, what it registered with
``register_outputs`` (the engine's ``state.Outputs``) — with parent, provider, dependencies and
``protect``. Offline, a secret shows as ``[secret]``; it is sent marked secret, never as
plain text, and unknown values (``[unknown]``) as the engine's unknown sentinel.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi.runtime.proto import analyzer_pb2

from ..core import inputs
from ..core.display import SECRET, UNKNOWN
from ..core.errors import ConfigError, ConfigIssue
from .analyzer import UNKNOWN as WIRE_UNKNOWN
from .analyzer import Diagnostic, PolicyPackProcess, ProviderRef, StackResource, secret
from .offline import OfflineMocks, OfflineRun, RecordingMonitor
from .plan_files import plan_from_document, urn_name, urn_type

__all__ = [
    "PACK_MAIN",
    "PACK_MANIFEST",
    "CheckResult",
    "PolicyInfo",
    "PropertyDependencyMonitor",
    "builtin_pack",
    "load_policy_config",
    "read_json",
    "resources_from_preview",
    "resources_from_rows",
    "resources_from_run",
    "run_check",
]

#: The pack's two files; ``policies/`` in the repository holds exactly these (a test checks),
#: and ``skyweave check`` writes them to a temporary directory when the project has no pack.
PACK_MANIFEST = """\
runtime: python
version: 0.1.0
description: skyweave — redundancy across vendors, estate-wide addressing and basic security for \
multi-cloud estates
"""
PACK_MAIN = '''\
"""skyweave's CrossGuard pack: `pulumi preview --policy-pack policies`. The rules live in the
library (skyweave.policy) so they can be tested and reused; this file only builds the pack.
Nothing may print to stdout before PolicyPack(): the engine reads the first line as the port.
"""

from pulumi_policy import EnforcementLevel, PolicyPack
from skyweave.policy import build_policies

PolicyPack(
    name="skyweave",
    policies=build_policies(fast_path=True),
    enforcement_level=EnforcementLevel.MANDATORY,
)
'''


class PropertyDependencyMonitor(RecordingMonitor):
    """The offline recorder, also keeping each registration's property dependencies.

    The engine sends them to ``AnalyzeStack`` (which property of a resource came from which
    other resource: a subnet's ``vpcId`` from its VPC), and rules use them to link resources.
    """

    def __init__(self) -> None:
        super().__init__(OfflineMocks())
        self.property_dependencies: dict[str, dict[str, tuple[str, ...]]] = {}

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        by_key = request.propertyDependencies.items()
        self.property_dependencies[urn] = {k: tuple(sorted(set(d.urns))) for k, d in by_key if d.urns}
        return super().RegisterResource(request)


def _wire(value: Any) -> Any:
    """An offline-preview value as the engine puts it on the wire."""
    if value == SECRET:
        return secret(SECRET)
    if value == UNKNOWN:
        return WIRE_UNKNOWN
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return value


def resources_from_rows(
    rows: Sequence[Mapping[str, Any]],
    component_outputs: Mapping[str, Mapping[str, Any]],
    property_dependencies: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
) -> tuple[list[StackResource], list[StackResource]]:
    """(for Analyze: inputs, for AnalyzeStack: outputs) of every registration.

    ``rows`` are skyweave's preview rows (``Registration.as_dict``); a row may also carry
    ``outputs`` (a Pulumi file records them; the offline run's are its inputs) and
    ``additionalSecretOutputs``. A provider the rows do not hold (a default provider, which
    ``pulumi preview --json`` never lists) is still named by its URN, as the engine names it.
    """
    by_urn = {str(row["urn"]): row for row in rows}
    for_analyze: list[StackResource] = []
    for_stack: list[StackResource] = []
    for row in rows:
        provider = None
        provider_urn = row.get("provider")
        if provider_urn and provider_urn in by_urn:
            p = by_urn[provider_urn]
            provider = ProviderRef(
                urn=p["urn"], type=p["type"], name=p["name"], properties=_wire(p.get("inputs") or {})
            )
        elif provider_urn:
            provider = ProviderRef(urn=provider_urn, type=urn_type(provider_urn), name=urn_name(provider_urn))
        inputs = _wire(row.get("inputs") or {})
        outputs = inputs
        if "outputs" in row:
            outputs = _wire(row["outputs"] or {})
        elif not row.get("custom", True) and row["urn"] in component_outputs:
            outputs = _wire(component_outputs[row["urn"]])
        common: dict[str, Any] = {
            "urn": row["urn"],
            "type": row["type"],
            "name": row["name"],
            "parent": row.get("parent"),
            "provider": provider,
            "dependencies": tuple(row.get("dependencies") or ()),
            "protect": bool(row.get("protect")),
            "property_dependencies": dict(
                (property_dependencies or {}).get(row["urn"]) or row.get("propertyDependencies") or {}
            ),
            "additional_secret_outputs": tuple(row.get("additionalSecretOutputs") or ()),
        }
        for_analyze.append(StackResource(properties=inputs, **common))
        for_stack.append(StackResource(properties=outputs, **common))
    return for_analyze, for_stack


def resources_from_run(
    run: OfflineRun, property_dependencies: Mapping[str, Mapping[str, Sequence[str]]] | None = None
) -> tuple[list[StackResource], list[StackResource]]:
    """(for Analyze, for AnalyzeStack) of an offline run; pass the property dependencies a
    :class:`PropertyDependencyMonitor` recorded to send them as the engine does."""
    return resources_from_rows(
        [r.as_dict() for r in run.resources], run.component_outputs, property_dependencies
    )


def resources_from_preview(doc: Any, label: str) -> tuple[list[StackResource], list[StackResource]]:
    """Resources of a parsed plan document: skyweave's preview JSON or any format
    :mod:`skyweave.cli.plan_files` reads (detected from the content).

    Raises:
        ConfigError: ``doc`` is not such a document, or is malformed (the message says where).
    """
    return plan_from_document(doc, label).resources()


def _issue(path: str, message: str) -> ConfigError:
    return ConfigError([ConfigIssue(path, message, has_value=False)])


def read_json(path: Path, *, limit: int = inputs.MAX_DOCUMENT_BYTES) -> Any:
    """Parse a JSON file through the input boundary (:func:`skyweave.core.inputs.read_json`: UTF-8,
    bounded size, depth and numbers); a missing or malformed file is a :class:`ConfigError`."""
    return inputs.read_json(path, str(path), limit=limit)


def load_policy_config(path: Path) -> dict[str, dict[str, Any]]:
    """A policy config file as ``pulumi preview --policy-pack-config`` takes it.

    Each key is a policy name (or ``all``); its value is an enforcement level or an object with
    ``enforcementLevel`` and the policy's settings.

    Raises:
        ConfigError: the file is missing, not JSON, or not shaped like that.
    """
    label = str(path)
    raw = read_json(path)
    if not isinstance(raw, dict):
        raise _issue(label, "must be a JSON object: policy name → level or settings")
    config: dict[str, dict[str, Any]] = {}
    for name, value in raw.items():
        if isinstance(value, str):
            config[name] = {"enforcementLevel": value}
        elif isinstance(value, dict):
            config[name] = dict(value)
        else:
            raise ConfigError(
                [ConfigIssue(f"{label}: {name}", "must be an enforcement level or an object", value)]
            )
    return config


@dataclass(frozen=True)
class PolicyInfo:
    """A policy the pack declared (for reports: SARIF rules, JUnit test cases)."""

    name: str
    description: str
    level: str
    remediation: str
    severity: str = ""
    url: str = ""


@dataclass
class CheckResult:
    pack: str
    version: str
    stack: str
    source: str
    policies: list[PolicyInfo]
    diagnostics: list[Diagnostic]
    resources: int
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    #: Notes for the report: the policy config used, baseline entries that no longer occur.
    notes: list[str] = field(default_factory=list)

    @property
    def mandatory(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.mandatory]

    @property
    def passed(self) -> bool:
        return not self.mandatory


_LEVEL_NAMES = {
    analyzer_pb2.ADVISORY: "advisory",
    analyzer_pb2.MANDATORY: "mandatory",
    analyzer_pb2.REMEDIATE: "remediate",
    analyzer_pb2.DISABLED: "disabled",
}


_SEVERITY_NAMES = {
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}


def builtin_pack(directory: Path) -> Path:
    """Write the pack's two files into ``directory`` and return it."""
    (directory / "PulumiPolicy.yaml").write_text(PACK_MANIFEST, encoding="utf-8")
    (directory / "__main__.py").write_text(PACK_MAIN, encoding="utf-8")
    return directory


def run_check(
    for_analyze: Sequence[StackResource],
    for_stack: Sequence[StackResource],
    *,
    stack: str,
    project: str,
    source: str,
    pack_dir: Path | None = None,
    policy_config: Mapping[str, Mapping[str, Any]] | None = None,
    config: Mapping[str, str] | None = None,
) -> CheckResult:
    """Start the pack, configure it, and analyze every resource and then the stack."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="skyweave-pack-") as scratch:
        directory = pack_dir if pack_dir is not None else builtin_pack(Path(scratch))
        with PolicyPackProcess(directory, project=project, stack=stack, config=config) as pack:
            boot = time.perf_counter()
            info = pack.analyzer_info()
            version = pack.manifest_version or info.version
            pack.configure(policy_config or {})
            diagnostics: list[Diagnostic] = []
            analyze_started = time.perf_counter()
            for resource in for_analyze:
                diagnostics.extend(pack.analyze(resource))
            stack_started = time.perf_counter()
            diagnostics.extend(pack.analyze_stack(for_stack))
            done = time.perf_counter()
    policies = [
        PolicyInfo(
            p.name,
            p.description,
            _LEVEL_NAMES.get(p.enforcementLevel, "advisory"),
            p.remediation_steps,
            _SEVERITY_NAMES.get(p.severity, ""),
            p.url,
        )
        for p in info.policies
        if not p.name.startswith("skyweave-run-")
    ]
    diagnostics.sort(key=lambda d: (not d.mandatory, d.policy_name, d.urn, d.message))
    return CheckResult(
        pack=info.name,
        version=version,
        stack=stack,
        source=source,
        policies=policies,
        diagnostics=diagnostics,
        resources=len(for_stack),
        seconds=done - started,
        timings={
            "start": boot - started,
            "analyze": stack_started - analyze_started,
            "analyze_stack": done - stack_started,
        },
    )
