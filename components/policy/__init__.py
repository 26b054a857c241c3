"""skyweave's policy rules, usable in a CrossGuard pack (``policies/``), in ``skyweave check``
and in your own pack: ``PolicyPack("mine", policies=build_policies([...]))``.

Rules are named ``skyweave-<area>-<rule>`` (areas: security, addresses, redundancy); each has a
description, a default enforcement level and a config schema (see docs/policies.md).
"""

from .index import StackIndex
from .pack import ALL_RULES, DeclaredRule, build_policies, rule_by_name
from .rule import Finding, Kind, Level, Resource, Rule, SecretValue, Setting, UnknownValue

__all__ = [
    "ALL_RULES",
    "DeclaredRule",
    "Finding",
    "Kind",
    "Level",
    "Resource",
    "Rule",
    "SecretValue",
    "Setting",
    "StackIndex",
    "UnknownValue",
    "build_policies",
    "rule_by_name",
]
