"""The running stack's configuration: what a Pulumi program calls first (``load_stack_config()``).

Inside ``pulumi up`` (or ``skyweave preview``) the engine hands the program its stack's config;
this reads the ``skyweave:`` keys from it, names the stack file in every message, and validates and
plans them (:func:`~skyweave.estate.config.parse_stack_config`) before a resource is registered.
"""

from __future__ import annotations

import json
from typing import Any

from ..core.errors import ConfigError
from ..drivers.bare_metal import secret_issues
from .config import NAMESPACE, StackConfig, parse_stack_config
from .project import find_stack_file_label

__all__ = ["load_stack_config"]


def load_stack_config(namespace: str = NAMESPACE) -> StackConfig:
    """Read the running stack's ``skyweave:`` configuration and validate it (call before any resource)."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    prefix = f"{namespace}:"
    keys = {*runtime_config.CONFIG.get(), *runtime_config.get_config_env()}
    raw: dict[str, Any] = {}
    secret: set[str] = set()
    for key in sorted(keys):
        if key.startswith(prefix):
            value = runtime_config.get_config(key)
            raw[key[len(prefix) :]] = _decode(value)
            if runtime_config.is_config_secret(key):  # decrypted here: never in a message
                secret.add(key[len(prefix) :])
    source = find_stack_file_label(pulumi.get_stack())
    config = parse_stack_config(
        raw, source=source, namespace=namespace, stack=pulumi.get_stack(), secret_keys=secret
    )
    for i, pool in enumerate(config.pools):
        issues = secret_issues(pool.sources)
        if issues:
            raise ConfigError(issues, source=source).with_source(source, f"{prefix}pools[{i}]")
    return config


def _decode(value: Any) -> Any:
    """Structured config reaches a program as JSON text; plain strings stay strings."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value
