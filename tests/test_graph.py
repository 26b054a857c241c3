"""`skyweave graph`: the DOT picture tells link kinds apart, and a preview JSON draws the same graph."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from skyweave.cli import main
from skyweave.cli.graph import GraphView, LinkView, render_dot

EDGE = re.compile(r'^  "([^"]+)" -- "([^"]+)" \[label="([^"]*)", (.*)\];$')


def _view(*links: tuple[str, str, str, bool]) -> GraphView:
    vendors = {"a": "aws", "b": "gcp", "c": "onprem", "d": "openstack"}
    return GraphView(
        vendors=vendors,
        asns={s: 64512 + i for i, s in enumerate(vendors)},
        links=tuple(
            LinkView(f"{a}/{b}", a, b, f"shape-{routing}", routing, 2, redundant, {})
            for a, b, routing, redundant in links
        ),
    )


def test_dot_draws_each_link_kind_differently_and_single_links_in_red() -> None:
    dot = render_dot(
        _view(
            ("a", "b", "peering", True),
            ("a", "c", "bgp", True),
            ("a", "d", "static", True),
            ("b", "c", "bgp", False),
        )
    )
    edges = {(m[1], m[2]): (m[3], m[4]) for m in map(EDGE.match, dot.splitlines()) if m}
    assert len(edges) == 4
    styles = {pair: style for pair, (_, style) in edges.items()}
    assert len({styles[("a", "b")], styles[("a", "c")], styles[("a", "d")]}) == 3  # three kinds, three looks
    assert "style=dashed" in styles[("a", "d")] and "style=dashed" not in styles[("a", "c")]
    assert "color=red" in styles[("b", "c")] and all("red" not in styles[p] for p in [("a", "b"), ("a", "c")])
    labels = {pair: label for pair, (label, _) in edges.items()}
    assert labels[("a", "b")].startswith("peering\\n") and labels[("a", "c")].startswith("BGP VPN\\n")
    assert labels[("a", "d")] == "static VPN\\nshape-static, 2 tunnels"
    assert labels[("b", "c")].endswith("\\nNOT REDUNDANT")
    # labels stay on their edge, and a legend says what the lines mean
    assert "decorate=true" in dot and 'label="links"' in dot and '[label="not redundant"]' in dot
    assert dot.count("{") == dot.count("}")


@pytest.mark.parametrize("fmt", ["text", "json", "dot", "mermaid"])
def test_a_preview_json_draws_the_same_graph(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], prod_json: str
) -> None:
    plan = tmp_path / "prod.json"
    plan.write_text(prod_json)
    assert main(["graph", "--stack", "prod", "--format", fmt]) == 0
    from_stack = capsys.readouterr().out
    assert main(["graph", "--from-json", str(plan), "--format", fmt]) == 0
    from_json = capsys.readouterr().out
    if fmt == "json":
        assert json.loads(from_json) == json.loads(from_stack)
    else:
        assert from_json == from_stack
