"""Per-resource waivers: a rule's ``waivers`` setting, applied by the pack to each finding.

Why in the pack (not only in ``skyweave check``): a waiver is a rule setting with a schema, so
the same policy config file works for ``pulumi preview --policy-pack-config`` and for
``skyweave check --config``, and the engine validates it. Why never silent: a waived finding is
still reported — as *advisory*, its message prefixed with the waiver's justification (and
expiry) — so the exception stays visible in every report; an expired waiver no longer applies
and the finding says so.

A waiver's ``resource`` is a shell-style pattern (``fnmatch``, case-sensitive) matched against
the finding's URN and against the resource's name (the URN's last ``::`` segment). ``"*"`` also
matches estate-wide findings, which have no URN.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

__all__ = ["WAIVED_PREFIX", "Waiver", "apply_waivers", "parse_waivers"]

#: Every waived finding's message starts with this (reports recognise waived findings by it).
WAIVED_PREFIX = "[waived"


@dataclass(frozen=True)
class Waiver:
    resource: str
    justification: str
    expires: datetime.date | None = None

    def matches(self, urn: str | None) -> bool:
        if not urn:
            return self.resource == "*"
        name = urn.rsplit("::", 1)[-1]
        return fnmatchcase(urn, self.resource) or fnmatchcase(name, self.resource)

    def expired(self, today: datetime.date) -> bool:
        return self.expires is not None and self.expires < today


def parse_waivers(raw: Any) -> list[Waiver]:
    """The waivers of a rule's effective config (already schema-checked; odd rows are skipped)."""
    waivers: list[Waiver] = []
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        return waivers
    for row in raw:
        if not isinstance(row, Mapping):
            continue
        resource, reason = row.get("resource"), row.get("justification")
        if not isinstance(resource, str) or not isinstance(reason, str):
            continue
        expires = None
        if isinstance(row.get("expires"), str):
            try:
                expires = datetime.date.fromisoformat(row["expires"])
            except ValueError:
                continue
        waivers.append(Waiver(resource, reason, expires))
    return waivers


def apply_waivers(
    message: str, urn: str | None, waivers: Sequence[Waiver], today: datetime.date | None = None
) -> tuple[bool, str]:
    """(waived?, the message to report) for one finding."""
    if not waivers:
        return False, message
    today = today or datetime.date.today()
    expired: Waiver | None = None
    for waiver in waivers:
        if not waiver.matches(urn):
            continue
        if waiver.expired(today):
            expired = expired or waiver
            continue
        until = f" until {waiver.expires.isoformat()}" if waiver.expires else ""
        return True, f"{WAIVED_PREFIX}{until}: {waiver.justification}] {message}"
    if expired is not None and expired.expires is not None:
        when = expired.expires.isoformat()
        return False, f"{message} (a waiver for this expired on {when}: {expired.justification})"
    return False, message
