"""Baselines for ``skyweave check``: adopt the gate on an existing estate, fail only on new findings.

``--create-baseline FILE`` records every mandatory finding of the run; ``--baseline FILE`` then
reports the findings it holds as advisory (status ``baseline`` in every report format) so only
new ones fail. A finding is identified by rule, resource URN and message: a changed message (a
new port, other numbers) is a new finding. Findings the baseline holds that no longer occur are
counted, so the baseline can be refreshed as debt is paid down.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .. import files
from ..core.errors import ConfigError, ConfigIssue
from ..engine.analyzer import Diagnostic

__all__ = ["BASELINE_VERSION", "apply_baseline", "baseline_document", "read_baseline"]

BASELINE_VERSION = 1


def _key(policy: str, urn: str, message: str) -> tuple[str, str, str]:
    return (policy, urn, message)


def _message(diag: Diagnostic) -> str:
    """The finding's own message (a waiver's prefix is not part of what it is)."""
    detail = diag.detail
    if diag.waived and "] " in detail:
        return detail.split("] ", 1)[1]
    return detail


def baseline_document(diagnostics: list[Diagnostic], *, stack: str, source: str) -> tuple[str, int]:
    """(the baseline file's text, how many findings it records): every mandatory finding."""
    rows = sorted(
        {_key(d.policy_name, d.urn, _message(d)) for d in diagnostics if d.mandatory},
    )
    doc = {
        "skyweaveBaseline": BASELINE_VERSION,
        "stack": stack,
        "source": source,
        "created": datetime.date.today().isoformat(),
        "findings": [{"policy": p, "urn": u, "message": m} for p, u, m in rows],
    }
    return json.dumps(doc, indent=2) + "\n", len(rows)


class _Row(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    policy: str = Field(description="the rule's name")
    urn: str = Field(description="the resource's URN")
    message: str = Field(description="the finding's message")


class _Baseline(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")

    skyweaveBaseline: Literal[1] = Field(description="the format's version, 1")
    findings: list[_Row] = Field(description="the findings recorded")


def read_baseline(path: Path) -> set[tuple[str, str, str]]:
    """The findings a baseline holds. Read through the input boundary (bounded, strict UTF-8,
    regular files only); a bad row is named by its path, never echoed (a URN or message may hold
    whatever a plan put there, key material included)."""
    label = str(path)
    doc = files.read_json(path, label)
    if not isinstance(doc, dict) or "skyweaveBaseline" not in doc:
        raise ConfigError(
            [ConfigIssue(label, f"not a skyweave baseline ({_WRITE_ONE})", has_value=False)], fault=True
        )
    baseline = files.validate(_Baseline, doc, label)
    return {_key(row.policy, row.urn, row.message) for row in baseline.findings}


_WRITE_ONE = "write one with `skyweave check --create-baseline FILE`"


def apply_baseline(
    diagnostics: list[Diagnostic], baseline: set[tuple[str, str, str]]
) -> tuple[list[Diagnostic], int]:
    """(the diagnostics with baselined ones downgraded, how many baseline entries no longer occur)."""
    seen: set[tuple[str, str, str]] = set()
    result = []
    for diag in diagnostics:
        key = _key(diag.policy_name, diag.urn, _message(diag))
        if diag.mandatory and key in baseline:
            seen.add(key)
            diag = dataclasses.replace(diag, enforcement_level="advisory", baselined=True)
        result.append(diag)
    return result, len(baseline - seen)
