"""The running stack's configuration: what a Pulumi program calls first (``load_stack_config()``).

Inside ``pulumi up`` (or ``skyweave preview``) the engine hands the program its stack's config;
this reads the ``skyweave:`` keys from it, names the stack file in every message, and validates and
plans them (:func:`~skyweave.estate.config.parse_stack_config`) before a resource is registered.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..core.errors import ConfigError, ConfigIssue, PlanningError
from ..drivers.bare_metal import secret_issues
from ..drivers.scope import UnitScope, moved_from_the_root, set_scope
from ..planning.units import Deployment, UnitGraph
from .config import NAMESPACE, StackConfig, parse_stack_config
from .project import find_stack_file_label
from .units import find_unit, plan_units, unit_scope

__all__ = ["load_stack_config", "plan_once"]


@dataclass(frozen=True)
class _Planned:
    """An estate planned once (:func:`plan_once`): the configuration it was planned from, as the
    engine hands it to a program (``namespace:key`` → text), and the plan and units made."""

    namespace: str
    texts: Mapping[str, Any]
    secret: frozenset[str]
    config: StackConfig
    estate: str
    graph: UnitGraph | None


_PLANNED: list[_Planned] = []


def plan_once(
    config: Mapping[str, Any],
    secret_keys: Iterable[str],
    *,
    estate: str,
    source: str,
    namespace: str = NAMESPACE,
) -> StackConfig:
    """Validate and plan the estate of ``config`` (the engine's configuration: ``namespace:key``
    → text, as ``run_program`` is given it) once, for every program run after it in this process
    or in a process forked from it (``skyweave preview --all``: each unit's program would plan
    the whole estate again, ~1 s per unit at 1,000 sites).

    A later :func:`load_stack_config` whose configuration is exactly this one (same keys, same
    texts, same secret keys) takes this plan, and the units made from it, instead of planning;
    any other configuration plans itself, as a real ``pulumi preview`` of one unit always does.
    Raises what :func:`~skyweave.estate.config.parse_stack_config` raises.
    """
    prefix = f"{namespace}:"
    texts = {key: value for key, value in config.items() if key.startswith(prefix)}
    secret = frozenset(key for key in secret_keys if key.startswith(prefix))
    raw = {key[len(prefix) :]: _decode(value) for key, value in sorted(texts.items())}
    parsed = parse_stack_config(
        raw,
        source=source,
        namespace=namespace,
        stack=estate,
        secret_keys={key[len(prefix) :] for key in secret},
    )
    graph = plan_units(parsed.plan, estate) if parsed.deployment is Deployment.UNITS else None
    # Worked out here rather than in each unit's process: what every unit reads of the estate.
    parsed.hybrid_vpc_args()
    parsed.plan.network.connectivity.index()
    parsed.plan.network.estate_ranges()
    if graph is not None and graph.units:
        with contextlib.suppress(PlanningError):  # each unit's run says what it cannot build
            unit_scope(parsed.plan, estate, graph.units[0])
    _PLANNED[:] = [_Planned(namespace, texts, secret, parsed, estate, graph)]
    return parsed


def _planned(namespace: str, texts: Mapping[str, Any], secret: set[str]) -> _Planned | None:
    """The estate :func:`plan_once` planned from exactly this configuration, if any."""
    for planned in _PLANNED:
        # Texts handed over from the same configuration are the same objects: the comparison
        # costs the number of keys, not the size of a 10,000-site list.
        if planned.namespace == namespace and planned.secret == secret and planned.texts == texts:
            return planned
    return None


def load_stack_config(namespace: str = NAMESPACE) -> StackConfig:
    """Read the running stack's ``skyweave:`` configuration and validate it (call before any resource)."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    prefix = f"{namespace}:"
    keys = {*runtime_config.CONFIG.get(), *runtime_config.get_config_env()}
    texts: dict[str, Any] = {}
    secret: set[str] = set()
    for key in sorted(keys):
        if key.startswith(prefix):
            texts[key] = runtime_config.get_config(key)
            if runtime_config.is_config_secret(key):  # decrypted here: never in a message
                secret.add(key)
    source = find_stack_file_label(pulumi.get_stack())
    planned = _planned(namespace, texts, secret)
    if planned is not None:
        config = planned.config
    else:
        config = parse_stack_config(
            {key[len(prefix) :]: _decode(value) for key, value in texts.items()},
            source=source,
            namespace=namespace,
            stack=pulumi.get_stack(),
            secret_keys={key[len(prefix) :] for key in secret},
        )
    for i, pool in enumerate(config.pools):
        issues = secret_issues(pool.sources)
        if issues:
            raise ConfigError(issues, source=source).with_source(source, f"{prefix}pools[{i}]")
    set_scope(None)
    if config.deployment is Deployment.UNITS:
        graph = planned.graph if planned is not None else None
        set_scope(_unit_scope(config, pulumi.get_stack(), source=source, prefix=prefix, graph=graph))
        pulumi.runtime.register_stack_transformation(moved_from_the_root)
    return config


def _unit_scope(
    config: StackConfig, stack: str, *, source: str, prefix: str, graph: UnitGraph | None = None
) -> UnitScope:
    """Under ``deployment: units`` a program builds one unit's resources (docs/units.md): the
    estate's own stack is refused (its units hold the resources), and so is a unit of an estate
    holding what a unit's program does not build yet, naming it. ``graph``: the estate's units,
    when already made (:func:`plan_once`)."""
    known = graph is not None and stack.partition(".")[0] == graph.estate and stack in graph
    found = (graph.estate, graph[stack]) if graph is not None and known else find_unit(config.plan, stack)
    if found is None:
        message = (
            f"the stack {stack!r} is deployed as units: run `pulumi up` on its units, not on the "
            f"estate's stack (`skyweave stacks --stack {stack}` lists them), or set "
            f"{prefix}deployment: single"
        )
        raise ConfigError([ConfigIssue(f"{prefix}deployment", message, "units")], source=source)
    estate, unit = found
    try:
        return unit_scope(config.plan, estate, unit, organization=config.organization)
    except PlanningError as exc:
        raise ConfigError(exc.as_issues(prefix), source=source) from None


def _decode(value: Any) -> Any:
    """Structured config reaches a program as JSON text; plain strings stay strings."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value
