"""The Pulumi project on disk: ``Pulumi.yaml``, its program directory and its stack files.

Read the way the Pulumi CLI reads them (``main``, ``stackConfigDir``, namespaced config keys,
structured values, ``secure:`` secrets), so the offline preview runs the program with the same
configuration a real ``pulumi preview`` would hand it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import files
from ..core.errors import ConfigIssue, ProjectError
from .namespaces import check_namespaces

__all__ = ["Project", "StackFile", "find_stack_file_label"]

PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml")


def _issue(path: str, message: str, value: Any = None) -> ProjectError:
    return ProjectError([ConfigIssue(path, message, value, has_value=value is not None)])


@dataclass(frozen=True)
class StackFile:
    """One stack's configuration, as the engine would pass it to the program.

    Attributes:
        path: the stack file.
        label: the path as shown to users (relative to the project root).
        values: full key (``namespace:key``) → the value as written (structured values kept).
        secret_keys: keys whose value (or any part of it) is ``secure:``.
    """

    path: Path
    label: str
    values: Mapping[str, Any]
    secret_keys: frozenset[str] = field(default_factory=frozenset)

    def engine_config(self) -> dict[str, str]:
        """The string map the engine hands a program: structured values as JSON.

        ``secure:`` values cannot be decrypted offline (no passphrase, no backend); each is
        replaced by a stand-in and its key marked secret, so the program treats it as a secret
        exactly as it would under ``pulumi preview``, and it is shown as ``[secret]``.
        """
        out: dict[str, str] = {}
        for key, value in self.values.items():
            value = _strip_secure(value, key)
            if isinstance(value, (dict, list)):
                out[key] = json.dumps(value)
            elif isinstance(value, bool):
                out[key] = "true" if value else "false"
            else:
                out[key] = "" if value is None else str(value)
        return out


def _strip_secure(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return f"offline-stand-in-for-{key}"
        return {k: _strip_secure(v, key) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_secure(v, key) for v in value]
    return value


def _has_secure(value: Any) -> bool:
    if isinstance(value, dict):
        return set(value) == {"secure"} or any(_has_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secure(v) for v in value)
    return False


@dataclass(frozen=True)
class Project:
    """A Pulumi project: where its program and stack files are."""

    root: Path
    name: str
    main: Path
    stack_config_dir: Path

    @classmethod
    def find(cls, start: Path | None = None) -> Project:
        """The project whose ``Pulumi.yaml`` is in ``start`` or its nearest parent (like the CLI)."""
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            for filename in PROJECT_FILES:
                candidate = folder / filename
                if candidate.is_file():
                    return cls.load(candidate)
        raise _issue(str(here), "no Pulumi.yaml here or in any parent directory; run from the project root")

    @classmethod
    def load(cls, project_file: Path) -> Project:
        data = files.read_yaml(project_file, project_file.name, error=ProjectError).data
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            raise _issue(f"{project_file.name}: name", "a Pulumi project file needs a `name`")
        root = project_file.parent
        main = root / str(data.get("main") or ".")
        config_dir = root / str(data.get("stackConfigDir") or ".")
        return cls(root=root, name=data["name"], main=main, stack_config_dir=config_dir)

    def stacks(self) -> list[str]:
        """Stacks that have a stack file."""
        names = []
        for path in sorted(self.stack_config_dir.glob("Pulumi.*.y*ml")):
            stem = path.name[len("Pulumi.") :].rsplit(".", 1)[0]
            names.append(stem)
        return names

    def stack_path(self, stack: str) -> Path:
        files.check_stack_name(stack)
        for ext in ("yaml", "yml"):
            path = self.stack_config_dir / f"Pulumi.{stack}.{ext}"
            if files.file_exists(path, self.label(path)):
                return path
        return self.stack_config_dir / f"Pulumi.{stack}.yaml"

    def label(self, path: Path) -> str:
        try:
            return os.path.relpath(path, self.root)
        except ValueError:
            return str(path)

    def read_stack(self, stack: str, document: files.YamlDocument | None = None) -> StackFile:
        """Read ``Pulumi.<stack>.yaml``; keys without a namespace belong to the project.

        ``document``: the file already read through :func:`skyweave.core.files.read_yaml` (``ipam
        lock`` reads it once, with positions, and edits exactly what it planned from).
        """
        path = self.stack_path(stack)
        label = self.label(path)
        if document is None:
            if not files.file_exists(path, label):
                known = ", ".join(self.stacks()) or "none"
                raise _issue("--stack", f"no stack file {label}; stacks with a file here: {known}", stack)
            document = self.read_stack_document(stack)
        data = document.data or {}
        if not isinstance(data, dict):
            raise _issue(label, "a stack file must be a mapping with a `config:` key")
        config = data.get("config") or {}
        if not isinstance(config, dict):
            raise _issue(f"{label}: config", "`config:` must be a mapping of keys to values")
        check_namespaces(config, project=self.name, label=label, known_keys=_skyweave_keys())
        values: dict[str, Any] = {}
        secret: set[str] = set()
        for key, value in config.items():
            full = str(key) if ":" in str(key) else f"{self.name}:{key}"
            values[full] = value
            if _has_secure(value):
                secret.add(full)
        return StackFile(path=path, label=label, values=values, secret_keys=frozenset(secret))

    def read_stack_document(self, stack: str, *, positions: bool = False) -> files.YamlDocument:
        """The stack file through the input boundary (UTF-8, plain data, bounded)."""
        path = self.stack_path(stack)
        return files.read_yaml(
            path, self.label(path), error=ProjectError, positions=positions, strip=("config",)
        )


def _skyweave_keys() -> frozenset[str]:
    """skyweave's top-level keys (for the namespace checks' suggestions and warnings)."""
    from .config import StackConfig

    return frozenset(StackConfig.model_fields)


def find_stack_file_label(stack: str) -> str:
    """How to name the stack file in messages when running inside a Pulumi program."""
    try:
        project = Project.find()
    except ProjectError:
        return f"Pulumi.{stack}.yaml"
    return project.label(project.stack_path(stack))
