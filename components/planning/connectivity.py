"""Is the estate's network still one piece after a failure? Pure graph reachability.

Kept small and separate on purpose: the VPN / peering planner (issue 4) will produce the links
between sites; until it is wired in, callers pass ``links=None`` and get ``None`` back —
"not modelled" — rather than a hopeful "connected". An empty link list is different: it means
"no links at all", and several surviving sites are then disconnected.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

__all__ = ["connected_after", "partitions"]


def partitions(sites: Iterable[str], links: Iterable[tuple[str, str]]) -> list[frozenset[str]]:
    """The groups of sites that can reach each other over ``links`` (undirected), in site order.

    Links that name a site outside ``sites`` (e.g. a failed one) are ignored.

    >>> [sorted(group) for group in partitions(["a", "b", "c"], [("a", "b")])]
    [['a', 'b'], ['c']]
    """
    nodes = list(dict.fromkeys(sites))
    present = set(nodes)
    neighbours: dict[str, set[str]] = {n: set() for n in nodes}
    for a, b in links:
        if a in present and b in present:
            neighbours[a].add(b)
            neighbours[b].add(a)
    seen: set[str] = set()
    groups: list[frozenset[str]] = []
    for start in nodes:
        if start in seen:
            continue
        group = {start}
        frontier = [start]
        while frontier:
            node = frontier.pop()
            for other in neighbours[node] - group:
                group.add(other)
                frontier.append(other)
        seen |= group
        groups.append(frozenset(group))
    return groups


def connected_after(
    sites: Iterable[str], links: Iterable[tuple[str, str]] | None, failed: Collection[str]
) -> bool | None:
    """Whether the sites left after ``failed`` are lost can all still reach each other.

    ``None`` when ``links`` is ``None`` (the links are not modelled yet). With at most one
    surviving site the answer is trivially ``True``.
    """
    if links is None:
        return None
    survivors = [s for s in sites if s not in failed]
    return len(partitions(survivors, links)) <= 1
