"""Drive a policy pack the way the Pulumi engine does, without the Pulumi CLI.

Why: a pack is a separate process speaking gRPC. Testing its rule functions in-process says
nothing about whether the pack starts, what the SDK hands to the rules (numbers as floats,
secrets unwrapped, unknowns as sentinels) or how violations come back. :class:`PolicyPackProcess`
starts the pack exactly as the engine's ``pulumi-analyzer-policy-python`` shim does —
``python -u -m pulumi.policy <engine-address> .`` with the pack as working directory and
``PULUMI_ORGANIZATION``/``PULUMI_PROJECT``/``PULUMI_STACK``/``PULUMI_DRY_RUN``/``PULUMI_CONFIG``
set — reads the port it prints, makes the engine's start-up calls (``Handshake``,
``ConfigureStack``; UNIMPLEMENTED is accepted, as the engine does) and calls the ``Analyzer``
service (``sdk/go/common/resource/plugin/analyzer_plugin.go``, ``NewPolicyAnalyzer``). The
engine address is a real gRPC server implementing the ``Engine`` service
(:class:`EngineRecorder`), recording whatever a pack logs through it. (pulumi 3.272's
``pulumi.policy`` entry point does not dial it: ``pulumi.log`` in a pack writes to stderr, which
is kept in :attr:`PolicyPackProcess.stderr`; a test pins that.) ``skyweave check`` uses the
same class.

Wire format, as the engine sends it (``sdk/go/common/resource/plugin/analyzer_plugin.go``):
properties are a ``Struct`` marshalled with ``KeepUnknowns`` and ``KeepSecrets``, so a secret is
the signature object ``{"4dabf1…": "1b4706…", "value": …}`` and an unknown is the string sentinel
of its type. ``Analyze`` gets a resource's inputs; ``AnalyzeStack`` gets every resource's outputs
(for a component: what it registered with ``register_outputs``) with its parent, dependencies and
property dependencies.
"""

from __future__ import annotations

import collections
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, engine_pb2, engine_pb2_grpc, plugin_pb2

from .. import files
from ..core.display import ENGINE_UNKNOWN as UNKNOWN
from ..core.errors import SkyweaveError, did_you_mean
from ..core.naming import POLICY_RUNNERS
from .wire import SECRET_SIG, SIG_KEY

__all__ = [
    "SECRET_SIG",
    "SIG_KEY",
    "UNKNOWN",
    "Diagnostic",
    "EngineRecorder",
    "PolicyEngineError",
    "PolicyPackProcess",
    "ProviderRef",
    "StackResource",
    "secret",
]


_MAX_MESSAGE = 1024 * 1024 * 400  # the pack raises its limit to 400 MiB; match it
_CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", _MAX_MESSAGE),
    ("grpc.max_send_message_length", _MAX_MESSAGE),
]
_LEVELS = {
    analyzer_pb2.ADVISORY: "advisory",
    analyzer_pb2.MANDATORY: "mandatory",
    analyzer_pb2.REMEDIATE: "remediate",
    analyzer_pb2.DISABLED: "disabled",
}
_LEVEL_VALUES = {name: value for value, name in _LEVELS.items()}
_SEVERITIES = {
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}
#: How the skyweave pack marks a finding a waiver covers (skyweave.policy.waivers.WAIVED_PREFIX).
_WAIVED = "[waived"


class PolicyEngineError(SkyweaveError):
    """The policy pack could not be started or answered with an error."""


def secret(value: Any) -> dict[str, Any]:
    """``value`` wrapped as the engine marks a secret on the wire."""
    return {SIG_KEY: SECRET_SIG, "value": value}


@dataclass(frozen=True)
class ProviderRef:
    """The provider a resource was registered with, as the engine describes it to a pack."""

    urn: str
    type: str
    name: str
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StackResource:
    """One resource as the engine sends it to ``Analyze`` / ``AnalyzeStack``.

    ``properties`` are wire values: plain JSON, secrets as :func:`secret`, unknowns as
    :data:`UNKNOWN`.
    """

    urn: str
    type: str
    name: str
    properties: Mapping[str, Any] = field(default_factory=dict)
    parent: str | None = None
    provider: ProviderRef | None = None
    dependencies: Sequence[str] = ()
    property_dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict)
    protect: bool = False
    additional_secret_outputs: Sequence[str] = ()

    def _options(self) -> analyzer_pb2.AnalyzerResourceOptions:
        return analyzer_pb2.AnalyzerResourceOptions(
            protect=self.protect,
            additionalSecretOutputs=list(self.additional_secret_outputs),
            parent=self.parent or "",
        )

    def _provider(self) -> analyzer_pb2.AnalyzerProviderResource | None:
        if self.provider is None:
            return None
        return analyzer_pb2.AnalyzerProviderResource(
            type=self.provider.type,
            urn=self.provider.urn,
            name=self.provider.name,
            properties=_struct(self.provider.properties),
        )

    def analyze_request(self) -> analyzer_pb2.AnalyzeRequest:
        return analyzer_pb2.AnalyzeRequest(
            type=self.type,
            urn=self.urn,
            name=self.name,
            properties=_struct(self.properties),
            options=self._options(),
            provider=self._provider(),
        )

    def stack_message(self) -> analyzer_pb2.AnalyzerResource:
        return analyzer_pb2.AnalyzerResource(
            type=self.type,
            urn=self.urn,
            name=self.name,
            properties=_struct(self.properties),
            options=self._options(),
            provider=self._provider(),
            parent=self.parent or "",
            dependencies=list(self.dependencies),
            propertyDependencies={
                key: analyzer_pb2.AnalyzerPropertyDependencies(urns=list(urns))
                for key, urns in self.property_dependencies.items()
                if urns
            },
        )


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    result = struct_pb2.Struct()
    if values:
        result.update(values)
    return result


@dataclass(frozen=True)
class Diagnostic:
    """A violation the pack reported."""

    policy_name: str
    policy_pack_name: str
    policy_pack_version: str
    message: str
    description: str
    urn: str
    enforcement_level: str
    severity: str = ""
    #: Set by ``skyweave check --baseline`` for a finding the baseline already holds.
    baselined: bool = False

    @property
    def mandatory(self) -> bool:
        return self.enforcement_level == "mandatory"

    @property
    def waived(self) -> bool:
        """A waiver in the policy config covers it (the pack reported it as advisory)."""
        return self.detail.startswith(_WAIVED)

    @property
    def status(self) -> str:
        """``waived``, ``baseline`` or ``""`` (a finding counted at its level)."""
        return "waived" if self.waived else "baseline" if self.baselined else ""

    @property
    def detail(self) -> str:
        """The rule's own message, without the description the SDK puts on its first line."""
        head, sep, rest = self.message.partition("\n")
        return rest if sep and head == self.description else self.message

    @classmethod
    def from_proto(cls, diag: analyzer_pb2.AnalyzeDiagnostic) -> Diagnostic:
        return cls(
            policy_name=diag.policyName,
            policy_pack_name=diag.policyPackName,
            policy_pack_version=diag.policyPackVersion,
            message=diag.message,
            description=diag.description,
            urn=diag.urn,
            enforcement_level=_LEVELS.get(diag.enforcementLevel, "advisory"),
            severity=_SEVERITIES.get(diag.severity, ""),
        )

    def as_dict(self) -> dict[str, str]:
        return {
            "policy": self.policy_name,
            "pack": self.policy_pack_name,
            "level": self.enforcement_level,
            "severity": self.severity,
            "status": self.status,
            "urn": self.urn,
            "description": self.description,
            "message": self.detail,
        }


class EngineRecorder(engine_pb2_grpc.EngineServicer):
    """The ``Engine`` service a plugin is given the address of: records every log message."""

    def __init__(self) -> None:
        self.logs: list[tuple[str, str, str]] = []
        self._root = ""
        self._lock = threading.Lock()

    def Log(self, request: engine_pb2.LogRequest, context: Any) -> empty_pb2.Empty:
        severity = engine_pb2.LogSeverity.Name(request.severity).lower()
        with self._lock:
            self.logs.append((severity, request.message, request.urn))
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> engine_pb2.GetRootResourceResponse:
        return engine_pb2.GetRootResourceResponse(urn=self._root)

    def SetRootResource(
        self, request: engine_pb2.SetRootResourceRequest, context: Any
    ) -> engine_pb2.SetRootResourceResponse:
        self._root = request.urn
        return engine_pb2.SetRootResourceResponse()

    def RequirePulumiVersion(self, request: Any, context: Any) -> engine_pb2.RequirePulumiVersionResponse:
        return engine_pb2.RequirePulumiVersionResponse()


#: Bytes of a pack's stdout (after its port) and stderr kept for messages.
OUTPUT_KEPT = 1 << 20
#: Largest ``PULUMI_CONFIG`` passed in the environment (Linux: 128 KiB per string, with margin).
ENV_CONFIG_LIMIT = 96 * 1024
#: ``Analyze`` calls in flight at once (:meth:`PolicyPackProcess.analyze_each`): enough to keep
#: the pack's four server threads busy while answers travel back; bench/policy.py measures it.
ANALYZE_WINDOW = 32
#: Every pack process running, so an interrupted command can stop them on its way out.
_LIVE: set[subprocess.Popen[bytes]] = set()


def stop_all_packs() -> None:
    """Kill every pack process this one started (Ctrl-C's last resort; see ``cli.dispatch``)."""
    for process in list(_LIVE):
        if process.poll() is None:
            process.kill()


class PolicyPackProcess:
    """A running policy pack and a client for its ``Analyzer`` service (a context manager).

    Args:
        pack_dir: the directory holding ``PulumiPolicy.yaml`` and ``__main__.py``.
        project, stack, organization: what the engine passes in ``PULUMI_PROJECT`` & co.
        dry_run: ``True`` for a preview (``PULUMI_DRY_RUN=true``).
        config: the stack's configuration (``PULUMI_CONFIG``, ``project:key`` → string).
        python: the interpreter the language host would use (default: this one).
        start_timeout: seconds to wait for the pack to print its port.
        stack_tags: the stack's tags, sent with ``ConfigureStack`` as the engine does.
        call_timeout: seconds any one Analyzer call may take (a rule that never returns ends the
            check with a message naming the call, not a hang).

    A pack's stdout after the port and its stderr are drained as it writes them, keeping the last
    :data:`OUTPUT_KEPT` bytes of each for messages: a pack that prints a lot cannot block on a
    full pipe, nor fill memory.
    """

    def __init__(
        self,
        pack_dir: Path,
        *,
        project: str = "project",
        stack: str = "stack",
        organization: str = "organization",
        dry_run: bool = True,
        config: Mapping[str, str] | None = None,
        python: str | None = None,
        start_timeout: float = 60.0,
        stack_tags: Mapping[str, str] | None = None,
        call_timeout: float = 300.0,
    ) -> None:
        self.pack_dir = Path(pack_dir).resolve()
        if not (self.pack_dir / "PulumiPolicy.yaml").is_file():
            raise PolicyEngineError(f"{self.pack_dir} is not a policy pack: it has no PulumiPolicy.yaml")
        self.engine = EngineRecorder()
        config_json = json.dumps(dict(config or {}))
        self._env = {
            **os.environ,
            "PULUMI_ORGANIZATION": organization,
            "PULUMI_PROJECT": project,
            "PULUMI_STACK": stack,
            "PULUMI_DRY_RUN": "true" if dry_run else "false",
            # Linux refuses one environment string over 128 KiB (MAX_ARG_STRLEN) at exec; a larger
            # configuration reaches the pack only through ConfigureStack, as the engine also sends it.
            "PULUMI_CONFIG": config_json if len(config_json) < ENV_CONFIG_LIMIT else "{}",
        }
        self._stack_request = analyzer_pb2.AnalyzerStackConfigureRequest(
            stack=stack,
            project=project,
            organization=organization,
            dry_run=dry_run,
            config=dict(config or {}),
            tags=dict(stack_tags or {}),
        )
        self._python = python or sys.executable
        manifest_path = self.pack_dir / "PulumiPolicy.yaml"
        manifest = files.read_yaml(manifest_path, str(manifest_path)).data or {}
        #: The engine reports the version in PulumiPolicy.yaml over the one the pack answers with.
        self.manifest_version = str(manifest.get("version", "")) if isinstance(manifest, dict) else ""
        self._timeout = start_timeout
        self._call_timeout = call_timeout
        self._server: grpc.Server | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._channel: grpc.Channel | None = None
        self._stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self._stderr: collections.deque[bytes] = collections.deque()
        self._stdout_tail: collections.deque[bytes] = collections.deque()

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> PolicyPackProcess:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def start(self) -> None:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), options=_CHANNEL_OPTIONS)
        engine_pb2_grpc.add_EngineServicer_to_server(self.engine, server)
        engine_port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        self._server = server
        # As the engine's pulumi-analyzer-policy-python shim: the engine address and "." (the pack
        # directory is the working directory).
        self._engine_address = f"127.0.0.1:{engine_port}"
        command = [self._python, "-u", "-m", "pulumi.policy", self._engine_address, "."]
        try:
            self._process = subprocess.Popen(
                command,
                cwd=self.pack_dir,
                env=self._env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:  # the interpreter is missing, not executable, a directory …
            self.close()
            raise PolicyEngineError(
                f"policy pack {self.pack_dir} cannot be started: the interpreter {self._python} "
                f"{files.os_problem(exc, 'executed')}"
            ) from None
        _LIVE.add(self._process)
        threading.Thread(target=self._drain, args=(self._process.stderr, self._stderr), daemon=True).start()
        port = self._read_port()
        threading.Thread(
            target=self._drain, args=(self._process.stdout, self._stdout_tail), daemon=True
        ).start()
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=_CHANNEL_OPTIONS)
        try:
            grpc.channel_ready_future(self._channel).result(timeout=self._timeout)
        except grpc.FutureTimeoutError as exc:
            self.close()
            raise PolicyEngineError(
                f"policy pack {self.pack_dir} did not accept connections on port {port}"
            ) from exc
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        directory = str(self.pack_dir)
        self._optional_call(
            "Handshake",
            analyzer_pb2.AnalyzerHandshakeRequest(
                engine_address=self._engine_address, root_directory=directory, program_directory=directory
            ),
        )
        self._optional_call("ConfigureStack", self._stack_request)

    def _optional_call(self, method: str, request: Any) -> None:
        """The engine's start-up calls (``Handshake``, then ``ConfigureStack``).

        A pack whose SDK predates one answers UNIMPLEMENTED, which the engine (and this harness)
        accepts; any other error fails the start.
        """
        assert self._stub is not None
        try:
            getattr(self._stub, method)(request)
        except grpc.RpcError as exc:
            if exc.code() != grpc.StatusCode.UNIMPLEMENTED:
                self.close()
                raise PolicyEngineError(
                    f"policy pack {self.pack_dir}: {method} failed: {exc.details()}"
                ) from exc

    @staticmethod
    def _drain(stream: IO[bytes] | None, kept: collections.deque[bytes]) -> None:
        """Read ``stream`` to its end as the pack writes it, keeping only its last bytes."""
        if stream is None:
            return
        size = 0
        try:
            descriptor = stream.fileno()
            for chunk in iter(lambda: os.read(descriptor, 65536), b""):
                kept.append(chunk)
                size += len(chunk)
                while size > OUTPUT_KEPT and len(kept) > 1:
                    size -= len(kept.popleft())
        except (OSError, ValueError):  # the stream was closed under us: the pack is gone
            return

    @property
    def stderr(self) -> str:
        return b"".join(self._stderr).decode(errors="replace")

    @property
    def pid(self) -> int | None:
        """The pack process's id while it runs (benchmarks read its CPU time)."""
        return self._process.pid if self._process is not None else None

    def _read_port(self) -> int:
        """The engine reads the first line the pack prints: its port, and nothing else."""
        assert self._process is not None and self._process.stdout is not None
        lines: queue.Queue[bytes] = queue.Queue()
        stdout = self._process.stdout
        threading.Thread(target=lambda: lines.put(stdout.readline(1024)), daemon=True).start()
        try:
            first = lines.get(timeout=self._timeout)
        except queue.Empty:
            self.close()
            raise PolicyEngineError(
                f"policy pack {self.pack_dir} printed no port within {self._timeout:.0f} s"
            ) from None
        text = first.decode(errors="replace").strip()
        if not text.isdigit():
            self._process.wait(timeout=5) if not text else None
            stderr = self.stderr.strip()
            self.close()
            raise PolicyEngineError(
                f"policy pack {self.pack_dir} failed to start: expected its port on the first line of "
                f"stdout, got {text!r}" + (f"\n{stderr}" if stderr else "")
            )
        return int(text)

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()
                try:
                    self._process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
            for stream in (self._process.stdout, self._process.stderr):
                if stream is not None:
                    stream.close()
            _LIVE.discard(self._process)
            self._process = None
        if self._server is not None:
            self._server.stop(None)
            self._server = None

    # -- the Analyzer service ----------------------------------------------------------------

    @property
    def stub(self) -> analyzer_pb2_grpc.AnalyzerStub:
        if self._stub is None:
            raise PolicyEngineError("the policy pack is not running (use it as a context manager)")
        return self._stub

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self.stub, method)(request, timeout=self._call_timeout)
        except grpc.RpcError as exc:
            raise self._failed(method, exc) from None

    def _failed(self, method: str, exc: grpc.RpcError) -> PolicyEngineError:
        if exc.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
            return PolicyEngineError(
                f"policy pack {self.pack_dir}: {method} did not answer within {self._call_timeout:.0f} s "
                "(a rule that never returns?); the check was stopped"
            )
        return PolicyEngineError(
            f"policy pack {self.pack_dir}: {method} failed: {exc.details()}"
            + (f"\n{self.stderr.strip()}" if self.stderr.strip() else "")
        )

    def analyzer_info(self) -> analyzer_pb2.AnalyzerInfo:
        info: analyzer_pb2.AnalyzerInfo = self._call("GetAnalyzerInfo", empty_pb2.Empty())
        return info

    def plugin_info(self) -> plugin_pb2.PluginInfo:
        info: plugin_pb2.PluginInfo = self._call("GetPluginInfo", empty_pb2.Empty())
        return info

    def configure(self, policy_config: Mapping[str, Mapping[str, Any]]) -> None:
        """Send per-policy config as the engine does: ``enforcementLevel`` plus properties.

        Like the engine, fill in each property's schema ``default`` and each policy's own
        level for what ``policy_config`` leaves out, so the pack sees exactly what
        ``pulumi preview --policy-pack-config`` would give it.
        """
        info = self.analyzer_info()
        known = {policy.name: policy for policy in info.policies}
        # skyweave's runners are how its pack serves the rules, not policies a config may name
        offered = sorted(set(known) - POLICY_RUNNERS)
        unknown = sorted(set(policy_config) - set(offered) - {"all"})
        if unknown:
            guesses = "".join(did_you_mean(name, offered) for name in unknown)
            raise PolicyEngineError(
                f"policy config names {', '.join(unknown)}, which the pack {info.name!r} does not have"
                f"{guesses} (it has: {', '.join(offered)})"
            )
        everyone = dict(policy_config.get("all", {}))
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, policy in known.items():
            given = {**everyone, **dict(policy_config.get(name, {}))}
            level = given.pop("enforcementLevel", None)
            if level is None:
                level_value = policy.enforcementLevel
            elif level in _LEVEL_VALUES:
                level_value = _LEVEL_VALUES[level]
            else:
                raise PolicyEngineError(
                    f"policy config {name}.enforcementLevel is {level!r}; valid: {', '.join(_LEVEL_VALUES)}"
                )
            schema = json.loads(_struct_json(policy.configSchema.properties))
            properties = {
                key: spec["default"]
                for key, spec in schema.items()
                if isinstance(spec, dict) and "default" in spec
            }
            properties.update({k: v for k, v in given.items() if k in schema})
            extra = sorted(set(given) - set(schema))
            if extra:
                raise PolicyEngineError(
                    f"policy config {name} has unknown keys {', '.join(extra)} "
                    f"(valid: {', '.join(sorted(schema)) or 'only enforcementLevel'})"
                )
            request.policyConfig[name].CopyFrom(
                analyzer_pb2.PolicyConfig(enforcementLevel=level_value, properties=_struct(properties))
            )
        self._call("Configure", request)

    def analyze(self, resource: StackResource) -> list[Diagnostic]:
        response = self._call("Analyze", resource.analyze_request())
        return [Diagnostic.from_proto(d) for d in response.diagnostics]

    def analyze_each(
        self, resources: Iterable[StackResource], window: int = ANALYZE_WINDOW
    ) -> list[Diagnostic]:
        """Every resource's ``Analyze``, up to ``window`` calls in flight, answers in order.

        Why: waiting for each answer before sending the next request made a 10,000-resource check
        cost ten times the pack's one ``AnalyzeStack`` (a round trip each); the engine does not wait
        either — it analyzes each resource as its registration arrives, many at once. The pack's
        server answers from a pool of threads, so the calls overlap its work with the transfer.
        """
        pending: collections.deque[Any] = collections.deque()
        found: list[Diagnostic] = []

        def settle() -> None:
            try:
                response = pending.popleft().result()
            except grpc.RpcError as exc:
                for future in pending:
                    future.cancel()
                raise self._failed("Analyze", exc) from None
            found.extend(Diagnostic.from_proto(d) for d in response.diagnostics)

        for resource in resources:
            pending.append(self.stub.Analyze.future(resource.analyze_request(), timeout=self._call_timeout))
            if len(pending) >= window:
                settle()
        while pending:
            settle()
        return found

    def analyze_stack(self, resources: Iterable[StackResource]) -> list[Diagnostic]:
        request = analyzer_pb2.AnalyzeStackRequest(resources=[r.stack_message() for r in resources])
        return self.analyze_stack_request(request)

    def analyze_stack_request(self, request: analyzer_pb2.AnalyzeStackRequest) -> list[Diagnostic]:
        response = self._call("AnalyzeStack", request)
        return [Diagnostic.from_proto(d) for d in response.diagnostics]


def _struct_json(value: struct_pb2.Struct) -> str:
    return json_format.MessageToJson(value)
