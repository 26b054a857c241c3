"""A rule that is wholly its readers' part: named after its topic, nothing else to write.

Some rules judge what only the vendors' own resources say (IMDSv2 on AWS, a GCS bucket's access
control, an Azure gateway's SKU): the rule holds the words (description, level, remediation) and
each reader the check, under the rule's *topic* (its name without ``skyweave-``). A resource rule
asks the reader of each resource it is given, and is given exactly the types the readers list for
the topic (``topic:<topic>``); a stack rule asks every reader over the estate.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from . import readers
from .facts import facts
from .index import StackIndex
from .rule import Finding, Kind, Rule
from .values import Resource

__all__ = ["topic_rule"]


def topic_rule(topic: str, *, kind: Kind, **fields: Any) -> Rule:
    """The rule ``skyweave-<topic>`` of ``kind`` whose check is the readers' for ``topic``;
    ``fields`` are the rest of the :class:`Rule` (description, level, remediation, …)."""
    if kind is Kind.RESOURCE:

        def check_resource(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
            yield from readers.check_topic(topic, res, cfg)

        return Rule(
            name=f"skyweave-{topic}",
            kind=kind,
            check=check_resource,
            types=readers.ReaderTypes(f"topic:{topic}"),
            **fields,
        )

    def check_stack(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
        yield from facts(index).check_topic(topic, cfg)

    return Rule(name=f"skyweave-{topic}", kind=kind, check=check_stack, **fields)
