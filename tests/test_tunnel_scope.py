"""Tunnel blocks in site scope (``network.tunnel_block_scope: site``): a link's /27 differs from the
blocks of the links sharing one of its sites, as the vendors require, and no more."""

from __future__ import annotations

import copy
import ipaddress
import itertools
import json
import textwrap
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, stack_raw, write_stack
from hypothesis import given, settings
from hypothesis import strategies as st
from skyweave.cli import EXIT_CONFIG, main
from skyweave.core.errors import PlanningError
from skyweave.planning.topology import link_id
from skyweave.planning.tunnels import (
    INSIDE_RANGE,
    RESERVED_INSIDE_CIDRS,
    InsideRange,
    inside_cidr_problem,
    plan_tunnel_blocks,
    tunnel_cidrs,
)

Net = ipaddress.IPv4Network
#: A narrow range of 16 blocks (Azure's APIPA /24s): blocks collide often, so probing is exercised.
NARROW = InsideRange((Net("169.254.21.0/24"), Net("169.254.22.0/24")), "a narrow test range")
MAX_DEGREE = 7  # two sites of at most 7 links leave a free block of NARROW's 16 for every link


def _ends(links: list[str]) -> dict[str, tuple[str, str]]:
    return {link: (link.split("/")[0], link.split("/")[1]) for link in links}


def _degrees_ok(links: list[str]) -> bool:
    degree: dict[str, int] = {}
    for a, b in _ends(links).values():
        degree[a] = degree.get(a, 0) + 1
        degree[b] = degree.get(b, 0) + 1
    return all(d <= MAX_DEGREE for d in degree.values())


_pairs = st.tuples(st.integers(0, 9), st.integers(0, 9)).filter(lambda p: p[0] != p[1])
_link = _pairs.map(lambda p: link_id(f"s{p[0]}", f"s{p[1]}"))
estates = st.lists(_link, unique=True, max_size=30).filter(_degrees_ok)


def _plan(
    links: list[str], narrow: bool, pins: Mapping[str, Net] | None = None
) -> dict[str, ipaddress.IPv4Network]:
    ranges = dict.fromkeys(links, NARROW) if narrow else {}
    return plan_tunnel_blocks(links, pins or {}, ranges=ranges, sites=_ends(links))


def _assert_valid(blocks: Mapping[str, Net], narrow: bool) -> None:
    ends = _ends(list(blocks))
    for block in blocks.values():
        assert block.prefixlen == 27 and block.subnet_of(INSIDE_RANGE)
        assert not narrow or NARROW.holds(block)
        for cidr in tunnel_cidrs(block, 8):
            assert cidr not in RESERVED_INSIDE_CIDRS and inside_cidr_problem(str(cidr)) is None
    for one, other in ((x, y) for x in blocks for y in blocks if x < y):
        if set(ends[one]) & set(ends[other]):
            assert not blocks[one].overlaps(blocks[other]), (one, other)


@settings(max_examples=150, deadline=None)
@given(estates, st.booleans())
def test_links_sharing_a_site_never_share_a_block(links: list[str], narrow: bool) -> None:
    blocks = _plan(links, narrow)
    assert list(blocks) == links
    _assert_valid(blocks, narrow)
    assert _plan(links, narrow) == blocks, "deterministic"


@settings(max_examples=150, deadline=None)
@given(estates, _link, st.booleans())
def test_adding_or_removing_a_link_moves_only_blocks_reached_through_shared_sites(
    links: list[str], extra: str, narrow: bool
) -> None:
    """A block depends only on its link's id and the blocks of the links sharing its sites (no
    deterministic per-link rule can depend on less and still keep neighbours apart): adding or
    removing M leaves L's block as it was unless a link sharing a site with L moved or is M."""
    smaller = [link for link in links if link != extra]
    larger = [*smaller, extra]
    if not _degrees_ok(larger):
        return
    before, after = _plan(smaller, narrow), _plan(larger, narrow)
    _assert_valid(after, narrow)
    ends = _ends(larger)
    moved = {link for link in smaller if before[link] != after[link]}
    for link in moved:
        reached = {extra} | moved - {link}
        assert any(set(ends[link]) & set(ends[other]) for other in reached), link
    # In particular: a link sharing no site with M, whose neighbours all stayed, stays.
    for link in smaller:
        neighbours = {o for o in larger if o != link and set(ends[o]) & set(ends[link])}
        if extra not in neighbours and not neighbours & moved:
            assert before[link] == after[link]


@settings(max_examples=100, deadline=None)
@given(estates, estates, st.booleans())
def test_pinned_blocks_are_kept_as_the_estate_grows(first: list[str], more: list[str], narrow: bool) -> None:
    grown_links = list(dict.fromkeys(first + more))
    if not _degrees_ok(grown_links):
        return
    blocks = _plan(first, narrow)
    grown = _plan(grown_links, narrow, pins=blocks)  # pins: what `ipam lock` records
    assert {link: grown[link] for link in first} == blocks
    _assert_valid(grown, narrow)


def test_unrelated_links_may_share_a_block_and_pins_may_be_equal() -> None:
    same = Net("169.254.8.0/27")
    pins = {"a/b": same, "c/d": same}
    assert plan_tunnel_blocks(["a/b", "c/d"], pins, sites=_ends(["a/b", "c/d"])) == pins
    # Estate scope (the default) refuses the same pins.
    with pytest.raises(PlanningError, match="overlaps"):
        plan_tunnel_blocks(["a/b", "c/d"], pins)


def test_pins_of_links_sharing_a_site_are_checked() -> None:
    same = Net("169.254.8.0/27")
    with pytest.raises(PlanningError, match="links sharing site 'a' need their own blocks") as info:
        plan_tunnel_blocks(["a/b", "a/c"], {"a/b": same, "a/c": same}, sites=_ends(["a/b", "a/c"]))
    assert info.value.path == "network.tunnel_blocks.a/c" and "'a/b'" in info.value.message
    with pytest.raises(PlanningError, match=r"overlaps 169\.254\.169\.252/30 \(reserved by AWS"):
        plan_tunnel_blocks(["a/b"], {"a/b": Net("169.254.169.224/27")}, sites=_ends(["a/b"]))
    with pytest.raises(PlanningError, match=r"must be a /27 inside 169\.254\.0\.0/16"):
        plan_tunnel_blocks(["a/b"], {"a/b": Net("169.254.8.0/28")}, sites=_ends(["a/b"]))
    with pytest.raises(PlanningError, match=r"must lie inside 169\.254\.21\.0/24 or 169\.254\.22\.0/24"):
        plan_tunnel_blocks(
            ["a/b"], {"a/b": Net("169.254.30.0/27")}, ranges={"a/b": NARROW}, sites=_ends(["a/b"])
        )


def test_a_full_site_is_refused_naming_the_link_and_its_sites() -> None:
    links = [f"hub/s{i:02d}" for i in range(17)]
    with pytest.raises(PlanningError, match=r"no free /27 left for link 'hub/s16'.*'hub' \(16\)"):
        plan_tunnel_blocks(links, {}, ranges=dict.fromkeys(links, NARROW), sites=_ends(links))
    # The same number of links on 17 different sites fits in the range many times over.
    apart = [f"a{i:02d}/b{i:02d}" for i in range(17)]
    assert len(plan_tunnel_blocks(apart, {}, ranges=dict.fromkeys(apart, NARROW), sites=_ends(apart))) == 17


def big_estate(spokes: int = 10_000, group: int = 1_000) -> list[tuple[str, str]]:
    """``spokes`` sites, two hubs per group of at most ``group`` spokes (hubs among the sites),
    every spoke linked to its group's two hubs: ~2 links per site."""
    pairs: list[tuple[str, str]] = []
    for start in range(0, spokes, group):
        g = start // group
        hubs = (f"hub{g:02d}a", f"hub{g:02d}b")
        for i in range(start + 2, min(start + group, spokes)):
            pairs.extend((hub, f"spoke{i:05d}") for hub in hubs)
    return pairs


def test_ten_thousand_sites_plan_in_site_scope() -> None:
    """20,000 links on 10,000 sites: far past the ~2,041 links estate scope fits, in site scope
    every hub's ~1,000 links get distinct blocks (a figure, not a timed test: docs/benchmarks.md)."""
    pairs = big_estate()
    links = [link_id(a, b) for a, b in pairs]
    sites = {link_id(a, b): (a, b) for a, b in pairs}
    assert len(links) > 19_900 and len({s for p in pairs for s in p}) == 10_000
    with pytest.raises(PlanningError, match="no free /27 left"):
        plan_tunnel_blocks(links, {})
    started = time.perf_counter()
    blocks = plan_tunnel_blocks(links, {}, sites=sites)
    elapsed = time.perf_counter() - started
    per_site: dict[str, set[Net]] = {}
    for link, block in blocks.items():
        for site in sites[link]:
            assert block not in per_site.setdefault(site, set()), (link, site)
            per_site[site].add(block)
    print(f"site scope: {len(links)} links on {len(per_site)} sites planned in {elapsed:.3f} s")


# --- through the stack file: the knob, `ipam lock` and `ipam show` ------------------------------


def _site_scoped_unpinned(tmp_path: Path) -> Path:
    raw = copy.deepcopy(stack_raw("prod"))
    raw["network"].pop("tunnel_blocks", None)
    raw["network"]["tunnel_block_scope"] = "site"
    write_stack(tmp_path, "prod", raw)
    return tmp_path / "stacks" / "Pulumi.prod.yaml"


def _links(path: Path) -> dict[str, list[str]]:
    from skyweave.estate.config import parse_stack_config

    config = yaml.safe_load(path.read_text())["config"]
    raw = {k.split(":", 1)[1]: v for k, v in config.items() if k.startswith("skyweave:")}
    plan = parse_stack_config(raw, source=str(path)).plan.network.connectivity
    return {link.id: list(link.inside_cidrs) for link in plan.links}


def _pins(path: Path) -> dict[str, str]:
    pins: dict[str, str] = yaml.safe_load(path.read_text())["config"]["skyweave:network"]["tunnel_blocks"]
    return pins


def test_lock_records_site_scoped_blocks_and_the_locked_estate_replans_identically(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _site_scoped_unpinned(tmp_path)
    before = _links(path)
    assert main(["-C", str(tmp_path), "ipam", "lock", "--stack", "prod"]) == 0
    out = capsys.readouterr().out
    pins = _pins(path)
    blocks = {link: str(Net(cidrs[0]).supernet(new_prefix=27)) for link, cidrs in before.items() if cidrs}
    assert pins == blocks
    assert all(f"skyweave:network.tunnel_blocks.{link} = {block}" in out for link, block in pins.items())
    assert _links(path) == before
    assert main(["-C", str(tmp_path), "ipam", "lock", "--stack", "prod", "--check"]) == 0
    assert main(["-C", str(tmp_path), "ipam", "show", "--stack", "prod", "--format", "json"]) == 0
    capsys.readouterr()

    # Two links with no site in common may be pinned to one block; two sharing a site may not.
    one, other = "aws-use1/gcp-euw1", "onprem-fra/vs-dc1"
    ends = {link: set(link.split("/")) for link in pins}
    neighbours = [link for link in pins if link != other and ends[link] & ends[other]]
    assert not ends[one] & ends[other] and all(pins[n] != pins[one] for n in neighbours)
    text = path.read_text()
    path.write_text(text.replace(f"{other}: {pins[other]}", f"{other}: {pins[one]}"))
    assert _pins(path)[other] == pins[one]
    assert main(["-C", str(tmp_path), "ipam", "show", "--stack", "prod", "--format", "json"]) == 0
    assert _links(path)[other][0] == before[one][0]
    capsys.readouterr()
    clash = "aws-use1/onprem-fra"  # shares aws-use1 with `one`
    path.write_text(text.replace(f"{clash}: {pins[clash]}", f"{clash}: {pins[one]}"))
    assert main(["-C", str(tmp_path), "ipam", "show", "--stack", "prod"]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert f"skyweave:network.tunnel_blocks.{clash}" in err and "links sharing site 'aws-use1'" in err
    assert "Traceback" not in err


def test_a_bad_scope_names_the_key_and_the_valid_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = copy.deepcopy(stack_raw("prod"))
    raw["network"]["tunnel_block_scope"] = "region"
    write_stack(tmp_path, "prod", raw)
    assert main(["-C", str(tmp_path), "ipam", "show", "--stack", "prod"]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert "Pulumi.prod.yaml" in err and "skyweave:network.tunnel_block_scope: 'region'" in err
    assert "estate or site" in err and "Traceback" not in err


def test_estate_scope_is_the_default_and_plans_as_before() -> None:
    """Unpinned, the default (and an explicit ``estate``) plans prod's links where the shipped
    prod file's pins, recorded by `ipam lock` before the knob existed, put them."""
    from skyweave.estate.config import parse_stack_config

    shipped = stack_raw("prod")["network"]["tunnel_blocks"]
    raw = copy.deepcopy(stack_raw("prod"))
    del raw["network"]["tunnel_blocks"]
    for scope in (None, "estate"):
        if scope is not None:
            raw["network"]["tunnel_block_scope"] = scope
        links = parse_stack_config(raw, source="prod").plan.network.connectivity.links
        assert {link.id: str(link.block) for link in links if link.block} == shipped


def test_links_sharing_no_site_on_one_block_build_and_pass_the_pack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two AWS↔GCP links of prod with no site in common, pinned to one block in site scope: their
    VPN connections (on two virtual private gateways) and router interfaces (on two Cloud Routers)
    reuse each other's /30s, and the pack's inside-CIDR rule, judging the resources, passes."""
    raw = copy.deepcopy(stack_raw("prod"))
    raw["network"]["tunnel_block_scope"] = "site"
    pins = raw["network"]["tunnel_blocks"]
    one, other = "aws-use1/gcp-euw1", "aws-usw2/gcp-usc1"
    pins[other] = pins[one]
    write_stack(tmp_path, "prod", raw)
    policy = ROOT / "stacks" / "Pulumi.prod.policy.json"
    if policy.is_file():
        (tmp_path / "stacks" / policy.name).write_text(policy.read_text())
    links = _links(tmp_path / "stacks" / "Pulumi.prod.yaml")
    assert links[one] == links[other] and len(links[one]) == 4
    assert main(["-C", str(tmp_path), "check", "--stack", "prod", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert not [v for v in report["violations"] if "tunnel-inside" in v["policy"]], report


def test_the_docs_example_plans_prod_hub_spoke_in_site_scope() -> None:
    """docs/connectivity.md's `tunnel_block_scope: site` example, on prod's sites."""
    from skyweave.estate.config import parse_stack_config

    docs = (ROOT / "docs" / "connectivity.md").read_text()
    section = docs.split("**How unique a block is", 1)[1]
    snippet = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    network = yaml.safe_load(textwrap.dedent(snippet))["skyweave:network"]
    assert network["tunnel_block_scope"] == "site"
    raw = copy.deepcopy(stack_raw("prod"))
    raw["network"] = {"quotas": raw["network"]["quotas"], **network}
    links = parse_stack_config(raw, source="docs").plan.network.connectivity.links
    hubs = set(network["hubs"])
    assert links and all({link.a.site, link.b.site} & hubs for link in links)
    blocks = [(link, link.block) for link in links if link.block]
    for (one, a), (other, b) in itertools.combinations(blocks, 2):
        if {one.a.site, one.b.site} & {other.a.site, other.b.site}:
            assert a != b


@settings(max_examples=60, deadline=None)
@given(estates, st.booleans(), st.data())
def test_the_pack_and_the_planner_agree_on_what_may_share_a_block(
    links: list[str], narrow: bool, data: st.DataObject
) -> None:
    """VpnLink components carrying a site-scope plan's /30s pass the pack's inside-CIDR rule;
    moving one link onto the block of a link it shares a site with fails it."""
    from policy_helpers import check_stack, res
    from skyweave.policy import rule_by_name

    rule = rule_by_name("skyweave-addresses-tunnel-inside-cidrs")

    def components(blocks: Mapping[str, Net]) -> list[Any]:
        return [
            res(
                "skyweave:network:VpnLink",
                link,
                {"siteA": a, "siteB": b, "insideCidrs": [str(c) for c in tunnel_cidrs(blocks[link], 4)]},
            )
            for link, (a, b) in _ends(list(blocks)).items()
        ]

    blocks = _plan(links, narrow)
    assert check_stack(rule, components(blocks)) == []
    ends = _ends(links)
    pairs = [(x, y) for x in links for y in links if x != y and set(ends[x]) & set(ends[y])]
    if pairs:
        one, other = data.draw(st.sampled_from(pairs))
        findings = check_stack(rule, components({**blocks, one: blocks[other]}))
        shared = (set(ends[one]) & set(ends[other])).pop()
        assert findings and all("used twice" in f.message for f in findings)
        assert any(f"on site {shared}:" in f.message for f in findings)
