"""Run a real Pulumi program in-process under the SDK's mock runtime, recording every registration.

No Pulumi CLI, no plugins, no cloud: the program and the components run unchanged, and a
recording subclass of the SDK's own ``MockMonitor`` captures what the engine would receive for
each resource — type, name, URN, parent, provider, dependencies, ``protect``, aliases and the
inputs (with secrets masked as ``[secret]`` from the wire format's secret marker, so a secret's
value never reaches the recording). Like the real engine, it honours
``additional_secret_outputs`` so a generated password or key stays secret downstream.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import os
import runpy
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime.config import set_all_config
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.settings import configure, set_root_resource
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from ..core.display import ENGINE_UNKNOWN, SECRET, UNKNOWN
from ..core.errors import SkyweaveError
from ..drivers import cluster_objects, secrets
from ..drivers.base import CloudDriver
from ..drivers.registry import get_driver, vendors
from ..drivers.scope import reference_source, set_scope
from ..drivers.sdk import fill_result, invoke_result_type
from ..drivers.stand_ins import digest as _digest
from .urn import PROVIDER_PREFIX, STACK_TYPE
from .wire import RESOURCE_REFERENCE_SIG, SECRET_SIG, SIG_KEY

__all__ = [
    "DISABLE_DEFAULT_PROVIDERS",
    "SECRET",
    "DefaultProviderError",
    "OfflineMocks",
    "OfflineRun",
    "ProgramError",
    "RecordingMonitor",
    "Registration",
    "StackOutputs",
    "StackReferenceError",
    "disabled_default_providers",
    "program_error",
    "run_program",
]

#: How a secret value is shown in every offline output.

#: Collector thresholds during a run (generation 0 allocations, then generations 1 and 2). The
#: mock runtime keeps every resource's outputs and tasks alive until the end, so most collections
#: only rescan live objects; 1,000,000 was ~20-25% faster than 100,000 on a 3,118-resource estate
#: for ~1% more peak memory (bench/, docs/benchmarks.md).
GC_THRESHOLDS = (1_000_000, 100, 100)


#: The type token of ``pulumi.StackReference`` (a read of another stack's outputs).
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"


@dataclass(frozen=True)
class StackOutputs:
    """What a stack reference reads from a stack: its outputs (values, secrets unwrapped) and the
    names of those that are secret (the engine's ``secretOutputNames``: the SDK marks an output
    read by that name secret, ``pulumi/stack_reference.py``)."""

    outputs: Mapping[str, Any]
    secret_names: frozenset[str] = frozenset()

    @classmethod
    def of(cls, wire: Mapping[str, Any]) -> StackOutputs:
        """From a stack's outputs as registered (wire format: a secret is its signature object):
        an output holding a secret anywhere is a secret output, as the engine lists it."""
        secret: set[str] = set()
        values = {}
        for key, value in wire.items():
            plain, was_secret = _unwrap_secrets(value)
            values[key] = plain
            if was_secret:
                secret.add(key)
        return cls(values, frozenset(secret))


class StackReferenceError(SkyweaveError):
    """The program reads a stack this offline run was not given the outputs of."""


def _unwrap_secrets(value: Any) -> tuple[Any, bool]:
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return _unwrap_secrets(value.get("value"))[0], True
        pairs = [(k, _unwrap_secrets(v)) for k, v in value.items()]
        return {k: v for k, (v, _) in pairs}, any(s for _, (_, s) in pairs)
    if isinstance(value, list):
        items = [_unwrap_secrets(v) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


@dataclass
class Registration:
    """One resource as the engine would receive it."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None
    provider: str | None
    dependencies: list[str]
    protect: bool
    inputs: dict[str, Any]
    aliases: list[Any] = field(default_factory=list)
    #: Which property came from which resources (the engine sends these to ``AnalyzeStack``;
    #: rules link resources by them: a customer gateway's ``ipAddress`` from a floating IP).
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)

    @property
    def package(self) -> str:
        """``aws``, ``gcp``, ``openstack``, ``random``, ``skyweave`` or ``pulumi``."""
        return self.type.split(":", 1)[0]

    def as_dict(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "custom": self.custom,
            "parent": self.parent,
            "provider": self.provider,
            "dependencies": self.dependencies,
            "protect": self.protect,
            "aliases": self.aliases,
            "inputs": self.inputs,
            "propertyDependencies": self.property_dependencies,
        }


@dataclass
class OfflineRun:
    """What one offline run of a program registered and exported."""

    project: str
    stack: str
    resources: list[Registration]
    outputs: dict[str, Any]
    component_outputs: dict[str, dict[str, Any]]
    warnings: list[str]
    #: What a stack reference to this stack reads (secrets unwrapped; never written or shown).
    reference_outputs: StackOutputs = field(default_factory=lambda: StackOutputs({}), repr=False)

    def by_urn(self) -> dict[str, Registration]:
        return {r.urn: r for r in self.resources}


def mask(value: Any) -> Any:
    """Plain JSON of a property value, with secrets as ``[secret]`` and unknowns as ``[unknown]``."""
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            return SECRET
        if sig == RESOURCE_REFERENCE_SIG:
            return value.get("urn")
        if sig is not None:
            return {k: mask(v) for k, v in value.items() if k != SIG_KEY}
        return {k: mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    if value == ENGINE_UNKNOWN:
        return UNKNOWN
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _provider_urn(reference: str) -> str | None:
    """A provider reference is ``<urn>::<id>``; the URN is what identifies it."""
    if not reference:
        return None
    urn, _, _ = reference.rpartition("::")
    return urn or reference


#: The stack config key that turns default providers off (``["*"]`` or package names), as in
#: ``pulumi config set --path 'pulumi:disable-default-providers[0]' '*'`` (pulumi/pulumi#8829).
DISABLE_DEFAULT_PROVIDERS = "pulumi:disable-default-providers"


class DefaultProviderError(SkyweaveError):
    """Registrations or invokes that would use a default provider the stack disabled."""


def disabled_default_providers(config: Mapping[str, str]) -> frozenset[str]:
    """The packages whose default provider the stack config disables (``*``: all)."""
    raw = config.get(DISABLE_DEFAULT_PROVIDERS)
    if not raw:
        return frozenset()
    try:
        value = json.loads(raw)
    except ValueError:
        value = [raw]
    return frozenset(str(v) for v in (value if isinstance(value, list) else [value]))


class ProgramError(SkyweaveError):
    """The program itself failed: an exception it raised (or an SDK raised at its call), a syntax
    error in it, a module it imports that is not installed. The message names the program's file
    and line, as the Pulumi language host would; skyweave's own faults are never this."""

    def __init__(self, message: str, *, file: str, line: int) -> None:
        super().__init__(message)
        self.file = file
        self.line = line


#: skyweave's own package: a frame here is skyweave's code, whatever directory the program is in.
_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def _within(filename: str, directory: Path) -> bool:
    try:
        return Path(filename).resolve().is_relative_to(directory)
    except (OSError, ValueError):
        return False


def _is_programs(filename: str, program_dir: Path) -> bool:
    """A file of the program: under its directory, not skyweave's and not an installed library
    (a virtual environment inside the project is the libraries', not the program's)."""
    if _within(filename, _PACKAGE_DIR) or not _within(filename, program_dir):
        return False
    parts = Path(filename).parts
    return "site-packages" not in parts and "dist-packages" not in parts


def _shown(filename: str, program_dir: Path) -> str:
    path = Path(filename).resolve()
    return str(path.relative_to(program_dir)) if path.is_relative_to(program_dir) else str(path)


def program_error(exc: BaseException, program_dir: Path) -> ProgramError | None:
    """``exc`` as the program's own error, or ``None`` when it is not the program's.

    It is the program's when the innermost frame that is either the program's or skyweave's is the
    program's (an SDK raising at the program's call counts as the program's; skyweave raising
    under it does not), or when it is a syntax error in one of the program's files. skyweave's
    own refusals (:class:`SkyweaveError`) already say what is wrong and pass through.
    """
    if isinstance(exc, SkyweaveError) or not isinstance(exc, Exception):
        return None
    program_dir = program_dir.resolve()
    where: tuple[str, int, str] | None = None  # file, line, function
    if isinstance(exc, SyntaxError) and exc.filename and _is_programs(exc.filename, program_dir):
        where = (exc.filename, exc.lineno or 0, "")
    else:
        for frame, line in traceback.walk_tb(exc.__traceback__):
            filename = frame.f_code.co_filename
            if _within(filename, _PACKAGE_DIR):
                where = None
            elif _is_programs(filename, program_dir):
                where = (filename, line, frame.f_code.co_name)
    if where is None:
        return None
    filename, line, function = where
    shown = _shown(filename, program_dir)
    if isinstance(exc, SyntaxError):
        source = (exc.text or "").rstrip("\n")
        column = f":{exc.offset}" if exc.offset else ""
        detail = f"SyntaxError: {exc.msg}"
        at = f"{shown}:{line}{column}"
    else:
        source = _source_line(filename, line)
        detail = traceback.format_exception_only(type(exc), exc)[-1].rstrip("\n")
        at = f"{shown}:{line}" + (f" (in {function})" if function and function != "<module>" else "")
    hint = ""
    if isinstance(exc, ModuleNotFoundError):
        hint = f"\n(the program imports a module not installed for {sys.executable})"
    quoted = f"\n    {source.strip()}" if source.strip() else ""
    return ProgramError(
        f"the program failed at {at}:{quoted}\n{detail}{hint}\n(an error in the program, not in skyweave)",
        file=shown,
        line=line,
    )


def _source_line(filename: str, line: int) -> str:
    import linecache

    return linecache.getline(filename, line)


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, recording each registration and honouring secret outputs.

    Like the engine, it refuses a custom resource (or an invoke) without an explicit provider when
    the stack disables that package's default provider (``pulumi:disable-default-providers``).
    Each refusal is collected in ``errors`` with the engine's message ("Default provider for
    '<pkg>' disabled. '<urn>' must use an explicit provider.") and the run goes on, so one run
    names every such resource; :func:`run_program` then raises :class:`DefaultProviderError`.
    """

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []
        self.outputs: dict[str, dict[str, Any]] = {}
        self.disabled_defaults: frozenset[str] = frozenset()
        self.errors: list[str] = []
        #: The stack's outputs as a stack reference reads them (secrets unwrapped, named): only
        #: ever handed to the run of a stack that reads them, never written or shown.
        self.stack_outputs = StackOutputs({})

        #: Called after each registration is recorded (progress reporting on long runs).
        self.on_register: Callable[[], None] | None = None

    def _refuse_default(self, package: str, what: str) -> None:
        if "*" in self.disabled_defaults or package in self.disabled_defaults:
            self.errors.append(
                f"Default provider for '{package}' disabled. '{what}' must use an explicit provider."
            )

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The URN the Pulumi engine gives, not the SDK mock's shortcut.

        The engine qualifies a type with its parent's *whole* type chain and leaves the root stack
        out (``…::skyweave:network:HybridVpc$skyweave:network:VpnLink$aws:ec2/…::name``); the SDK's
        mock monitor keeps only the last parent type and prefixes the stack. URN snapshots must
        hold the URNs a real ``pulumi up`` records, or they cannot tell a replacement from a rename.
        """
        qualified = type_
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != STACK_TYPE:
                qualified = f"{parent_type}${type_}"
        return "urn:pulumi:" + "::".join([pulumi.get_stack(), pulumi.get_project(), qualified, name])

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.custom and not request.provider and not request.type.startswith(PROVIDER_PREFIX):
            self._refuse_default(request.type.split(":", 1)[0], urn)
        self.registrations.append(
            Registration(
                urn=urn,
                type=request.type,
                name=request.name,
                custom=bool(request.custom),
                parent=request.parent or None,
                provider=_provider_urn(request.provider),
                dependencies=sorted(set(request.dependencies)),
                protect=bool(request.protect),
                inputs=mask(json_format.MessageToDict(request.object)),
                aliases=[json_format.MessageToDict(a) for a in request.aliases],
                property_dependencies={
                    key: sorted(set(deps.urns))
                    for key, deps in request.propertyDependencies.items()
                    if deps.urns
                },
            )
        )
        if self.on_register is not None:
            self.on_register()
        if request.type == STACK_TYPE:
            return resource_pb2.RegisterResourceResponse(urn=urn)
        _ensure_event_loop()  # type: ignore[no-untyped-call]
        inputs = rpc.deserialize_properties(request.object)
        resource_args = pulumi_mocks.MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=inputs,
            provider=request.provider,
            resource_id=request.importId,
            custom=request.custom or False,
        )
        id_, state = self.mocks.new_resource(resource_args)
        # The engine, not the SDK, marks additional secret outputs as secret: do the same.
        for key in request.additionalSecretOutputs:
            if key in state:
                state[key] = {SIG_KEY: SECRET_SIG, "value": state[key]}
        obj_proto = _sync_await(rpc.serialize_properties(state, {}))
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, id_ or "", state)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_ or "", object=obj_proto)

    def RegisterResourceOutputs(self, request: Any) -> Any:
        wire = json_format.MessageToDict(request.outputs)
        if request.urn.split("::")[2:3] == [STACK_TYPE]:
            self.stack_outputs = StackOutputs.of(wire)
        self.outputs[request.urn] = mask(wire)
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]

    def Invoke(self, request: Any) -> Any:
        if not request.provider:
            self._refuse_default(request.tok.split(":", 1)[0], request.tok)
        return super().Invoke(request)  # type: ignore[no-untyped-call]


class OfflineMocks(pulumi.runtime.Mocks):
    """Deterministic stand-ins for what providers compute on create and answer to invokes.

    Outputs are the inputs plus the computed values programs read back (ids shaped as the vendor
    shapes them, an AWS VPC's Amazon-provided IPv6 block, a random password's result), from each
    resource's driver. An invoke's answer is the driver's, completed to the result type the
    provider's SDK declares (every field it declares without ``Optional`` is there, of its type).
    Values derive from names and arguments, so every run of the same program is the same. Drivers
    are told the provider configuration that applies: the stack's ``<package>:`` keys
    (:attr:`stack_config`, set by :func:`run_program`) under an explicit provider's inputs.
    """

    def __init__(self, stack_references: Mapping[str, StackOutputs] | None = None) -> None:
        self.stack_config: dict[str, str] = {}
        self._providers: dict[str, dict[str, Any]] = {}  # an explicit provider's id → its inputs
        #: What each stack a program may reference exports, by stack name (the last part of
        #: ``org/project/stack``); ``None``: references are refused (a single stack reads none).
        self.stack_references = stack_references

    def provider_config(self, package: str, reference: str | None) -> dict[str, Any]:
        """The configuration of ``package``'s provider for a resource or invoke that names
        ``reference`` (``<urn>::<id>``; empty: the default provider, which reads the stack)."""
        prefix = f"{package}:"
        config: dict[str, Any] = {
            k[len(prefix) :]: v for k, v in self.stack_config.items() if k.startswith(prefix)
        }
        if reference:
            config.update(self._providers.get(reference.rpartition("::")[2], {}))
        return config

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if args.typ == STACK_REFERENCE_TYPE:
            return self._stack_reference(args.resource_id or args.name, args.name)
        state = dict(args.inputs)
        package = args.typ.split(":", 1)[0]
        computed = dict(
            _computed(args.typ, args.name, args.inputs, self.provider_config(package, args.provider))
        )
        shaped = computed.pop("id", None)
        state.update(computed)
        resource_id = args.resource_id or (shaped if isinstance(shaped, str) and shaped else None)
        resource_id = resource_id or f"{args.name}-{_digest(args.typ, args.name)[:8]}"
        state.setdefault("id", resource_id)
        if args.typ.startswith(PROVIDER_PREFIX):
            self._providers[resource_id] = dict(args.inputs)
        return resource_id, state

    def _stack_reference(self, name: str, resource: str = "") -> tuple[str, dict[str, Any]]:
        """A read of stack ``name``'s outputs: what this run was given for it (the engine's
        StackReference provider answers ``outputs`` and ``secretOutputNames``).

        A unit's reference to one key (named ``<unit>/<key>``: drivers/scope.py) is answered with
        that key's outputs only (the key and its ``<key>.`` fields): the SDK makes the whole
        ``outputs`` map unknown when any value in it is, and a deployed stack has no unknown
        output, so another output still unknown in the prerequisite's offline preview (a cloud
        instance's address) must not make this read unknown too; what the program reads is the
        same, as in the single stack's preview."""
        stack = name.rsplit("/", 1)[-1]
        known = self.stack_references
        if known is None or stack not in known:
            given = ", ".join(sorted(known)) if known else "none"
            raise StackReferenceError(
                f"the program reads stack {name!r} (pulumi.StackReference), and this offline run "
                f"has no outputs of it (stacks it may read: {given}); a unit reads only the units "
                "it needs, previewed before it (`skyweave preview --all`)"
            )
        outputs = known[stack]
        values, secret = dict(outputs.outputs), outputs.secret_names
        source = reference_source(resource)
        if source is not None and source[0] == stack:
            key = source[1]
            values = {k: v for k, v in values.items() if k == key or k.startswith(f"{key}.")}
            secret = secret & values.keys()
        return name, {"name": name, "outputs": values, "secretOutputNames": sorted(secret)}

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        driver = _driver_of(args.token)
        provider = self.provider_config(args.token.split(":", 1)[0], args.provider)
        answer = driver.preview_call(args.token, args.args, provider) if driver is not None else None
        result_type = invoke_result_type(args.token)
        if result_type is None:
            return dict(answer or {})
        seed = json.dumps([args.token, mask(args.args)], sort_keys=True, default=str)
        return fill_result(result_type, args.args, answer or {}, seed=seed)


def _driver_of(token: str) -> CloudDriver | None:
    """The driver whose provider package a type token names (``aws:ec2/vpc:Vpc`` → aws;
    ``command:remote:Command`` → on-prem, whose servers it runs on)."""
    package = token.split(":", 1)[0]
    for vendor in vendors():
        driver = get_driver(vendor)
        if package in driver.packages:
            return driver
    return None


def _computed(
    type_token: str, name: str, inputs: Mapping[str, Any], provider: Mapping[str, Any]
) -> Mapping[str, Any]:
    """What the resource's provider computes on create, as its driver stands it in offline."""
    if type_token.startswith("random:"):
        return secrets.preview_outputs(type_token, name, inputs)
    if type_token.startswith("kubernetes:"):  # objects inside a fleet's clusters
        return cluster_objects.preview_outputs(type_token, name, inputs)
    driver = _driver_of(type_token)
    return driver.preview_outputs(type_token, name, inputs, provider) if driver is not None else {}


@contextlib.contextmanager
def _program_environment(program_dir: Path) -> Iterator[None]:
    """Working directory and import path as the Python language host sets them."""
    old_cwd = Path.cwd()
    old_path = list(sys.path)
    os.chdir(program_dir)
    sys.path.insert(0, str(program_dir))
    try:
        yield
    finally:
        os.chdir(old_cwd)
        sys.path[:] = old_path


class _CollectingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            self.messages.append(record.getMessage())


def run_program(
    program: Path | Callable[[], None],
    *,
    project: str,
    stack: str,
    config: Mapping[str, str] | None = None,
    secret_keys: frozenset[str] = frozenset(),
    preview: bool = True,
    organization: str = "organization",
    mocks: pulumi.runtime.Mocks | None = None,
    monitor: RecordingMonitor | None = None,
    tune_gc: bool = True,
) -> OfflineRun:
    """Run ``program`` (a directory with ``__main__.py``, or a callable) and record it.

    Exceptions the program raises (a :class:`~skyweave.core.errors.ConfigError`, say) propagate
    after the runtime is reset, so the caller decides how to report them; pass ``monitor`` to
    inspect what was registered before the exception. ``tune_gc=False`` keeps the interpreter's
    garbage-collector thresholds (the benchmarks measure both).
    """
    monitor = monitor or RecordingMonitor(mocks or OfflineMocks())
    if isinstance(monitor.mocks, OfflineMocks):
        monitor.mocks.stack_config = dict(config or {})
    monitor.disabled_defaults = disabled_default_providers(config or {})
    handler = _CollectingHandler()
    logger = logging.getLogger(f"skyweave.engine.offline.{stack}")
    logger.propagate = False
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    set_root_resource(None)  # type: ignore[arg-type]
    configure(
        pulumi_mocks.MockSettings(  # type: ignore[no-untyped-call]
            monitor=monitor,
            monitor_features=set(monitor.GetDeploymentInfo(None).supportedFeatures),  # type: ignore[no-untyped-call]
            engine=pulumi_mocks.MockEngine(logger),
            project=project,
            stack=stack,
            dry_run=preview,
            organization=organization,
            callbacks=None,
        )
    )
    set_all_config(dict(config or {}), sorted(secret_keys))

    if callable(program):
        func = program
        env: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
    else:
        main = Path(program) / "__main__.py"

        def func() -> None:
            runpy.run_path(str(main), run_name="__main__")

        env = _program_environment(Path(program))

    # The mock runtime allocates heavily and Python's collector keeps rescanning every object the
    # run holds alive; collecting far less often saves that work (docs/benchmarks.md).
    thresholds = gc.get_threshold()
    if tune_gc:
        gc.set_threshold(*GC_THRESHOLDS)
    try:
        with env:
            loop.run_until_complete(run_in_stack(func))
    except Exception as exc:
        error = program_error(exc, Path(program)) if not callable(program) else None
        if error is None:
            raise
        raise error from exc
    finally:
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()
        asyncio.set_event_loop(None)
        set_root_resource(None)  # type: ignore[arg-type]
        set_all_config({}, [])
        set_scope(None)  # a unit's program set it (drivers/scope.py); the next run starts whole
        gc.set_threshold(*thresholds)
    if monitor.errors:
        # The engine fails the deployment at the first of these; name them all.
        raise DefaultProviderError("\n".join(sorted(set(monitor.errors))))

    root = next((r.urn for r in monitor.registrations if r.type == STACK_TYPE), "")
    return OfflineRun(
        project=project,
        stack=stack,
        resources=monitor.registrations,
        outputs=monitor.outputs.get(root, {}),
        reference_outputs=monitor.stack_outputs,
        component_outputs={urn: out for urn, out in monitor.outputs.items() if urn != root},
        warnings=handler.messages,
    )
