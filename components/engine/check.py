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

from ..core.naming import POLICY_RUNNERS
from .analyzer import Diagnostic, PolicyPackProcess, StackResource
from .offline import OfflineMocks, RecordingMonitor

__all__ = [
    "PACK_MAIN",
    "PACK_MANIFEST",
    "CheckResult",
    "PolicyInfo",
    "PropertyDependencyMonitor",
    "builtin_pack",
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
    #: The checked file relative to the repository root (SARIF's artifact location), when known.
    source_uri: str = ""

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
            diagnostics.extend(pack.analyze_each(for_analyze))
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
        if p.name not in POLICY_RUNNERS
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
