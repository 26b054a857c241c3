"""Every error skyweave raises on purpose, under one root so callers can catch by class.

The tree::

    SkyweaveError (a pulumi.RunError once Pulumi is loaded: `pulumi up` prints the message, no traceback)
    ├── ConfigError (also ValueError)          the stack configuration or component args are wrong
    │   ├── InvalidArgsError                   a component's args model failed validation
    │   ├── ProjectError                       no Pulumi project, stack file or readable YAML
    │   └── PlanFileError (engine.plans)       a file for `check --from-json` is not a readable plan
    ├── ProgramError (engine.offline)          the user's program itself failed (its file and line)
    ├── PlanningError                          a pure planner cannot satisfy the request
    │   ├── AddressSpaceExhaustedError         the supernet has no room for what is asked
    │   └── OverlappingCidrError               two ranges that must be disjoint overlap
    ├── DriverError                            a vendor driver cannot do what is asked
    │   ├── UnknownDriverError                 no driver is registered for a vendor name
    │   └── UnsupportedCapabilityError         the driver lacks a capability a component needs
    └── RegistrationError                      two modules register the same link shape rule,
                                               builder or inside range (core.registry)

Messages always say which input is wrong, the value given and what would be valid. Context
that a program may want to inspect lives in keyword-only attributes, never only in the text.
Only the CLI catches these, mapping them to exit codes.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .escape import terminal

__all__ = [
    "ABSENT",
    "AddressSpaceExhaustedError",
    "ConfigError",
    "ConfigIssue",
    "DriverError",
    "InvalidArgsError",
    "OverlappingCidrError",
    "PlanningError",
    "ProjectError",
    "RegistrationError",
    "SkyweaveError",
    "UnknownDriverError",
    "UnsupportedCapabilityError",
    "conceal",
    "did_you_mean",
]


def did_you_mean(value: object, valid: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``valid`` to ``value`` (``""`` when none is close)."""
    guess = difflib.get_close_matches(str(value), list(valid), n=1)
    return f"; did you mean {guess[0]!r}?" if guess else ""


class _WithoutPulumi(Exception):
    """SkyweaveError's base until Pulumi is loaded (see :func:`adopt_run_error`)."""


class SkyweaveError(_WithoutPulumi):
    """Root of every error skyweave raises deliberately."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in a configuration: where it is, what was given, and what is wrong.

    Attributes:
        path: the key path, e.g. ``skyweave:sites[2].zones[0]``.
        message: what is wrong and what would be valid.
        value: the offending value, or ``None`` when the key is missing.
        has_value: ``False`` when the key is absent (so ``None`` can still be reported as a value).
    """

    path: str
    message: str
    value: Any = None
    has_value: bool = True

    def render(self) -> str:
        """``path: value: message``; control characters (from a file's keys or values) shown as
        escapes, never sent to the terminal."""
        path, message = terminal(self.path), terminal(self.message, newlines=True)
        if not self.has_value:
            return f"{path}: {message}"
        hidden = secret_description(self.value, self.path)
        if hidden is not None:
            if len(str(self.value)) >= 8:
                message = terminal(self.message.replace(str(self.value), hidden), newlines=True)
            return f"{path}: {hidden}: {message}"
        return f"{path}: {terminal(_show(self.value))}: {message}"


#: Key names whose values are secrets whatever they look like.
_SECRET_KEY = re.compile(
    r"(^|[_.\-\[])(psk|pre_?shared_?key|password|passwd|secret|token|private_key)$", re.I
)
#: A long run of base64/hex/url-safe characters: what key material and ciphertext look like.
_ENCODED = re.compile(r"[A-Za-z0-9+/=_\-]{40,}")


def secret_description(value: Any, path: str = "") -> str | None:
    """How to show ``value`` when it may be key material: its kind and length, never its text.

    Why: a user who pastes a private key or a key's ciphertext where a key *name* belongs must not
    find it echoed in a terminal, a CI log or a pull-request comment. ``None``: the value is safe
    to show as it is.
    """
    if isinstance(value, Mapping) and "secure" in value:
        return "an encrypted value (secure:), not shown"
    if isinstance(value, Mapping | list | tuple):  # a mapping of files, a list of keys …
        inner = _strings_in(value)
        if any(secret_description(text) for text in inner):
            kind = "mapping" if isinstance(value, Mapping) else "list"
            return f"a {kind} holding what looks like key material, not shown"
    text = value if isinstance(value, str) else None
    key = path.rsplit(".", 1)[-1].rstrip("]").split("[")[-1] if path else ""
    if text is None:
        return "a value of a secret key, not shown" if key and _SECRET_KEY.search(key) and value else None
    if "-----BEGIN" in text:
        return f"a PEM block ({len(text)} characters), not shown"
    if key and _SECRET_KEY.search(key):
        return f"a secret ({len(text)} characters), not shown"
    if _ENCODED.search(text) and any(c.isdigit() for c in text) and any(c.isalpha() for c in text):
        return f"a long encoded string ({len(text)} characters), not shown"
    return None


def _strings_in(value: Any, limit: int = 10_000) -> list[str]:
    """The strings inside ``value`` (keys and values, at any depth; at most ``limit``)."""
    found: list[str] = []
    todo = [value]
    while todo and len(found) < limit:
        item = todo.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, Mapping):
            todo.extend(item.keys())
            todo.extend(item.values())
        elif isinstance(item, list | tuple):
            todo.extend(item)
    return found


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 120 else text[:117] + "..."


class ConfigError(SkyweaveError, ValueError):
    """The configuration is wrong; nothing has been registered.

    Attributes:
        source: the file (or other origin) the configuration came from.
        issues: every problem found, not only the first.
    """

    def __init__(
        self, issues: Sequence[ConfigIssue], *, source: str | None = None, fault: bool = False
    ) -> None:
        """``fault``: the environment, not the configuration, is at fault (a file missing,
        unreadable or read-only, a name the file system refuses): one issue is said in one line
        naming the path, with no "invalid configuration" header over it."""
        if not issues:
            raise ValueError("ConfigError needs at least one issue")
        self.source = source
        self.issues = tuple(issues)
        self.fault = fault
        if fault and len(self.issues) == 1 and source is None:
            super().__init__(self.issues[0].render())
            return
        where = f" in {terminal(source)}" if source else ""
        noun = "problem" if len(self.issues) == 1 else "problems"
        lines = [f"invalid configuration{where} ({len(self.issues)} {noun}):"]
        lines += [f"  {issue.render()}" for issue in self.issues]
        super().__init__("\n".join(lines))

    def with_source(self, source: str, prefix: str = "") -> ConfigError:
        """Return the same issues attributed to ``source``, their paths prefixed by ``prefix``."""
        issues = [
            ConfigIssue(_join_path(prefix, i.path), i.message, i.value, i.has_value) for i in self.issues
        ]
        return type(self)(issues, source=source, fault=self.fault)


def conceal(error: ConfigError, secret_keys: Iterable[str]) -> ConfigError:
    """``error`` with every issue under one of ``secret_keys`` (full key paths, e.g.
    ``skyweave:sites``) told without its value.

    Why: Pulumi marks a whole key secret when any part of it is ``secure:``, and a program reads it
    decrypted (offline: a stand-in), so an issue's value — or a message quoting it — may be the
    secret itself. The path and what is wrong are enough to fix it."""
    keys = tuple(secret_keys)

    def under(path: str) -> bool:
        return any(path == k or path.startswith((f"{k}.", f"{k}[")) for k in keys)

    if not keys or not any(under(i.path) for i in error.issues):
        return error
    issues = []
    for i in error.issues:
        if not under(i.path):
            issues.append(i)
            continue
        message = i.message
        for shown in (repr(i.value), str(i.value)) if i.has_value and i.value not in (None, "") else ():
            message = message.replace(shown, "(the value)")
        issues.append(
            ConfigIssue(i.path, f"a value of a secret key (secure:), not shown: {message}", has_value=False)
        )
    return type(error)(issues, source=error.source, fault=error.fault)


class InvalidArgsError(ConfigError):
    """A component's arguments failed validation before any child was registered."""


class ProjectError(ConfigError):
    """The Pulumi project or stack file cannot be found or read."""


def _join_path(prefix: str, path: str) -> str:
    if not prefix:
        return path
    if not path:
        return prefix
    if path.startswith("[") or prefix.endswith(":"):
        return f"{prefix}{path}"
    return f"{prefix}.{path}"


#: "No value given" (a key absent from a file, a refusal about a key as a whole), which ``None``
#: cannot say: ``None`` may be the value a file holds.
ABSENT: Any = object()


class PlanningError(SkyweaveError):
    """A planner cannot satisfy the request.

    Attributes:
        path: the configuration key the problem is attributed to (relative to the planner's
            input, e.g. ``ipam.supernet``), so the caller can name it in the stack file.
        value: the value at that path.
    """

    def __init__(self, message: str, *, path: str = "", value: Any = ABSENT) -> None:
        super().__init__(message)
        self.path = path
        #: whether the refusal is about a value at ``path`` (else about the key as a whole: a pool
        #: that is full, a list too short), so it is never shown as ``path: None: …``
        self.has_value = value is not ABSENT
        self.value = None if value is ABSENT else value
        #: further problems the same pass found (:meth:`together`), so all are reported at once
        self.others: tuple[PlanningError, ...] = ()

    def as_issue(self, prefix: str = "") -> ConfigIssue:
        return ConfigIssue(_join_path(prefix, self.path), self.message, self.value, self.has_value)

    def as_issues(self, prefix: str = "") -> list[ConfigIssue]:
        """This problem and every other one found with it."""
        return [self.as_issue(prefix), *(issue for other in self.others for issue in other.as_issues(prefix))]

    @staticmethod
    def together(errors: Sequence[PlanningError]) -> PlanningError | None:
        """The first of ``errors`` carrying the rest (raise it), or ``None`` when there are none."""
        if not errors:
            return None
        first = errors[0]
        first.others = (*first.others, *errors[1:])
        return first


class AddressSpaceExhaustedError(PlanningError):
    """The supernet cannot hold every allocation asked of it.

    Attributes:
        needed: addresses the unplaced allocations need.
        available: addresses still free in the supernet (not necessarily contiguous).
    """

    def __init__(self, message: str, *, needed: int, available: int, path: str = "", value: Any = None):
        super().__init__(message, path=path, value=value)
        self.needed = needed
        self.available = available


class OverlappingCidrError(PlanningError):
    """Two ranges that must be disjoint overlap."""


class DriverError(SkyweaveError):
    """A vendor driver cannot do what is asked."""


class UnknownDriverError(DriverError):
    """No driver is registered under a vendor name.

    Attributes:
        vendor: the name asked for.
        known: the names that are registered.
    """

    def __init__(self, vendor: str, known: Iterable[str]) -> None:
        self.vendor = vendor
        self.known = tuple(sorted(known))
        super().__init__(f"no driver for vendor {vendor!r}; registered vendors: {', '.join(self.known)}")


class UnsupportedCapabilityError(DriverError):
    """A driver lacks a capability a component needs.

    Attributes:
        vendor: the driver's vendor.
        capability: the missing capability's value.
    """

    def __init__(self, vendor: str, capability: str, *, needed_for: str) -> None:
        self.vendor = vendor
        self.capability = capability
        super().__init__(f"vendor {vendor!r} does not support {capability!r}, which {needed_for} needs")


class RegistrationError(SkyweaveError):
    """A module registers something skyweave refuses: an entry another module already holds
    (a link shape's rule or builder, an endpoint kind's inside range), or a badly named one.

    Attributes:
        key: the entry, as words.
        registrants: who registered it (``module.function`` or the module), in order.
    """

    def __init__(self, message: str, *, key: str, registrants: Sequence[str]) -> None:
        super().__init__(message)
        self.key = key
        self.registrants = tuple(registrants)


def adopt_run_error(run_error: type[Exception]) -> None:
    """Make every skyweave error a ``pulumi.RunError`` (which ``pulumi up`` prints without a traceback).

    Why not inherit from it directly: this module is the vocabulary of the pure layers (planners,
    config models), which must import without Pulumi (about 140 ms and gRPC). So the root starts
    on a stand-in base of the same layout, and the first module that imports Pulumi anyway
    (:mod:`skyweave.drivers.base`, under every component and driver) swaps the base in. A Pulumi
    program always loads it before it can raise, so ``except pulumi.RunError`` and the engine's
    own handling see every skyweave error; code that never loads Pulumi catches
    :class:`SkyweaveError` as before.
    """
    if SkyweaveError.__bases__ != (run_error,):
        SkyweaveError.__bases__ = (run_error,)
