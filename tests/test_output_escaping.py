"""Safe text out (issue 29, items 3-5): every output format stays well-formed and inert whatever a
plan, a base or a pack puts in its strings — one escaping layer per output kind.

Each property renders a report twice: once with hostile strings (terminal escapes, newlines,
Markdown and HTML, characters XML forbids, lone surrogates, bidirectional overrides, quotes and
backslashes, Mermaid directives, Ansible templates) and once with a plain ``x`` in their place,
and judges the hostile rendering with an independent reader of the format:

* terminal text: no control character but the newline reaches the terminal;
* Markdown: GitHub's own renderer (cmark-gfm) makes the same elements of both — no injected
  heading, HTML block, image, link or fold;
* JUnit: ``xml.etree`` parses it, with the same test cases;
* JSON and SARIF: ``json`` parses them;
* DOT: Graphviz's quoted-string rule (only ``\\"`` is an escape) finds the same statements;
* Mermaid: every line is a node, an edge, a subgraph or ``end``, as many as for plain names;
* the Ansible inventory: no template reaches Ansible untagged (``!unsafe``, as Ansible documents:
  https://docs.ansible.com/ansible/latest/playbooks_advanced_syntax.html#unsafe-or-raw-strings).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any
from xml.etree import ElementTree

import cmarkgfm
import pytest
import yaml
from cmarkgfm.cmark import Options
from hypothesis import example, given, settings
from hypothesis import strategies as st
from skyweave.cli import diff as diff_report
from skyweave.cli import graph, report
from skyweave.core.errors import ConfigError, ConfigIssue
from skyweave.engine.analyzer import Diagnostic
from skyweave.engine.check import CheckResult, PolicyInfo
from skyweave.engine.diff import Base, Change, Diff, KeyChange
from skyweave.metal import inventory

#: Named classes of hostile strings, each once a finding of the adversarial re-test.
CLASSES = [
    "\x1b[2J\x1b]0;pwned\x07",  # clear the screen, retitle the terminal
    'a\nclick PWNED href "https://attacker.example"',  # a Mermaid directive
    "`` ` ``\n### ✅ no changes\n<details><summary>x",  # a fake heading, an unclosed fold
    "![i](https://attacker.example/i.png)",  # a remote image
    "<img src=x onerror=alert(1)>",
    "x | y \\| z",
    "\x00\x07\x0b\x0c\x1f\x7f\x85\x9b",  # what XML forbids and C1 controls
    "\ud800 lone",  # a lone surrogate: cannot be encoded at all
    "\u202egnp.exe",  # right-to-left override
    "{{ lookup('pipe','touch /tmp/pwned') }}",  # an Ansible template
    '"; node [label="pwn"]; "',
    'end\nsubgraph evil["',
    "trailing backslash \\",
    "&lt;script&gt; &#60;img&#62; :white_check_mark:",
    "\r\n# heading\r\n---\n| a | b |",
    "[link](javascript:alert(1)) <https://attacker.example> www.attacker.example",
    "a" * 300,
]
_ALPHABET = [*"`#<>![]()|\\\"'\n\r{}%&*_~:-= ", "\x1b", "\x07", "\x00", "\ud800", "\u202e", "\x85", "a"]
#: Drawn strings hold something besides blanks (a blank name renders as an empty element, which
#: is not an injection but would make the two renderings differ).
hostile = st.sampled_from(CLASSES) | st.text(
    alphabet=st.sampled_from(_ALPHABET), min_size=1, max_size=24
).filter(lambda s: s.strip(" \t\n\r"))

_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
SETTINGS = settings(max_examples=60, deadline=None)


def _inert_on_a_terminal(text: str) -> None:
    found = _CONTROL.search(text)
    assert found is None, (
        f"{found.group()!r} reaches the terminal in {text[max(found.start() - 40, 0) :][:80]!r}"
    )


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":  # a line break inside a cell is text layout, not structure
            return
        href = dict(attrs).get("href") or ""
        if tag == "a" and href.startswith(("mailto:", "xmpp:")):
            return  # GitHub links an e-mail address in text whatever is escaped: inert, no fetch
        self.tags.append(tag)


def _elements(markdown: str) -> list[str]:
    html = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    parser = _Elements()
    parser.feed(html)
    return parser.tags


def _same_markdown(hostile_md: str, plain_md: str) -> None:
    assert _elements(hostile_md) == _elements(plain_md), hostile_md


# --- check reports ----------------------------------------------------------------------------


def _check(h: str) -> CheckResult:
    rule = "skyweave-security-no-public-buckets"

    def diag(level: str, name: str = rule) -> Diagnostic:
        return Diagnostic(
            name, "skyweave", "1", f"bucket {h} is public:\n{h}", "d", f"urn:pulumi:s::p::t::{h}", level
        )

    return CheckResult(
        pack=h,
        version="1",
        stack=h,
        source=h,
        policies=[PolicyInfo(rule, h, "mandatory", h, "high")],
        diagnostics=[diag("mandatory"), diag("advisory"), diag("mandatory", f"skyweave-x-{h}")],
        resources=1,
        seconds=0.1,
        notes=[h],
    )


@SETTINGS
@given(hostile)
def test_check_reports_stay_well_formed_and_inert(h: str) -> None:
    hostile_result, plain = _check(h), _check("x")
    _inert_on_a_terminal(report.render(hostile_result, "text"))
    _same_markdown(report.render(hostile_result, "markdown"), report.render(plain, "markdown"))
    suites = ElementTree.fromstring(report.render(hostile_result, "junit"))
    assert len(suites.findall(".//testcase")) == len(
        ElementTree.fromstring(report.render(plain, "junit")).findall(".//testcase")
    )
    for fmt in ("json", "sarif"):
        json.loads(report.render(hostile_result, fmt))


# --- preview --diff -------------------------------------------------------------------------


def _diff(h: str) -> Diff:
    urn = f"urn:pulumi:s::p::aws:s3/bucket:Bucket::{h}"
    key = KeyChange(h, h, {"k": h}, replaces=True)
    return Diff(
        base=Base(label=h, kind="skyweave", resources={}),
        stack=h,
        project=h,
        changes=(
            Change("replace", urn, f"aws:s3/{h}", h, protect=True, keys=(key,), reasons=(h,), note=h),
            Change("delete", urn + "d", "aws:s3/bucket:Bucket", h, protect=True),
            Change("update", urn + "u", "aws:s3/bucket:Bucket", h, keys=(KeyChange("tags", None, h),)),
            Change("create", urn + "c", "aws:s3/bucket:Bucket", h),
        ),
        unchanged=1,
        notes=(h,),
    )


@SETTINGS
@given(hostile)
@example("    :")  # four leading spaces opened an indented code block in the notes' blockquote
def test_diff_reports_stay_well_formed_and_inert(h: str) -> None:
    _inert_on_a_terminal(diff_report.render_text(_diff(h), width=100))
    _same_markdown(diff_report.render_markdown(_diff(h)), diff_report.render_markdown(_diff("x")))
    json.loads(diff_report.render_json(_diff(h)))


# --- graph pictures -------------------------------------------------------------------------


def _view(h: str) -> graph.GraphView:
    sites = [f"{h}0", f"{h}1", "aws-use1"]
    vendors = {sites[0]: h, sites[1]: "aws", sites[2]: "aws"}
    links = (
        graph.LinkView(f"{sites[0]}/{sites[1]}", sites[0], sites[1], h, "bgp", 2, False, {}),
        graph.LinkView(f"{sites[1]}/{sites[2]}", sites[1], sites[2], "aws-vpc-peering", h, 0, True, {}),
    )
    return graph.GraphView(vendors=vendors, asns={s: 64512 for s in sites}, links=links)


def _dot_statements(dot: str) -> str:
    """``dot`` with every quoted string replaced by ``Q``, by Graphviz's own rule: inside quotes
    only ``\\"`` is an escape (https://graphviz.org/doc/info/lang.html), so ``\\\\"`` still ends
    nothing: the backslash pair is two characters, the second escaping the quote."""
    out, i = [], 0
    while i < len(dot):
        if dot[i] != '"':
            out.append(dot[i])
            i += 1
            continue
        i += 1
        while i < len(dot) and dot[i] != '"':
            i += 2 if dot[i] == "\\" and dot[i + 1 : i + 2] == '"' else 1
        assert i < len(dot), "a quoted string never ends"
        out.append("Q")
        i += 1
    return "".join(out)


_MERMAID_LINE = re.compile(
    r'^(flowchart LR|  subgraph [A-Za-z0-9_]+(\["[^"\n]*"\])?|  end|    [A-Za-z0-9_]+\["[^"\n]*"\]'
    r'|  [A-Za-z0-9_]+ (---|-\.-)\|"[^"\n]*"\| [A-Za-z0-9_]+)$'
)


@SETTINGS
@given(hostile)
def test_graph_pictures_gain_no_statement(h: str) -> None:
    dot = graph.render_dot(_view(h))
    plain = graph.render_dot(_view("x"))  # the same statements (their order follows the names)
    assert sorted(_dot_statements(dot).split("\n")) == sorted(_dot_statements(plain).split("\n"))
    mermaid = graph.render_mermaid(_view(h)).split("\n")
    assert len(mermaid) == len(graph.render_mermaid(_view("x")).split("\n"))
    for line in mermaid:
        assert _MERMAID_LINE.match(line), line
        assert "click" not in line.split('"')[0], line
    _inert_on_a_terminal(graph.render_text(_view(h)))


def test_mermaid_keeps_plain_names_as_they_are() -> None:
    """The pictures in the docs stay as they were: escaping touches only what needs it."""
    picture = graph.render_mermaid(_view("x"))
    assert '    aws_use1["aws-use1"]' in picture


# --- the Ansible inventory --------------------------------------------------------------------


class _Unsafe(str):
    pass


class _InventoryLoader(yaml.SafeLoader):
    pass


_InventoryLoader.add_constructor("!unsafe", lambda loader, node: _Unsafe(loader.construct_scalar(node)))  # type: ignore[arg-type]
_TEMPLATE = re.compile(r"\{\{|\{%|\{#")


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [*_strings(k), *_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def _nodes(h: str) -> dict[str, list[dict[str, Any]]]:
    node = {
        "name": "n-x",
        "pool": "metal",
        "role": h,
        "source": "byon",
        "site": h,
        "vendor": "onprem",
        "region": h,
        "zone": h,
        "address": h,
        "ssh_user": h,
        "failure_domain": {"rack": h},
    }
    return {"metal": [node]}


@SETTINGS
@given(hostile)
def test_the_inventory_carries_no_template_untagged(h: str) -> None:
    text = inventory.render(_nodes(h), "yaml")
    doc = yaml.load(text, Loader=_InventoryLoader)
    for value in _strings(doc):
        assert isinstance(value, _Unsafe) or not _TEMPLATE.search(value), (value, text)
    try:
        listed = json.loads(inventory.render(_nodes(h), "json"))
    except ConfigError as exc:  # the JSON form has no tag: a template is refused, naming the key
        assert "not plain data" in str(exc) and "lookup" not in str(exc)
    else:
        assert not any(_TEMPLATE.search(s) for s in _strings(listed))


@pytest.mark.parametrize("name", ["{{ lookup('pipe','id') }}", "a\nb", "", "a b"])
def test_a_host_name_that_is_not_plain_is_refused(name: str) -> None:
    nodes = _nodes("x")
    nodes["metal"][0]["name"] = name
    for fmt in ("yaml", "json"):
        with pytest.raises(ConfigError, match=r"metal\.nodes\[0\]\.name: not plain data") as caught:
            inventory.render(nodes, fmt)
        assert "lookup" not in str(caught.value)


def test_a_template_in_a_plain_inventory_is_tagged_unsafe() -> None:
    nodes = _nodes("x")
    nodes["metal"][0]["ssh_user"] = "{{ lookup('pipe','id') }}"
    text = inventory.render(nodes, "yaml")
    assert "ansible_user: !unsafe '{{ lookup(''pipe'',''id'') }}'" in text
    with pytest.raises(ConfigError, match=r"hostvars\.n-x\.ansible_user: not plain data"):
        inventory.render(nodes, "json")


# --- error messages --------------------------------------------------------------------------


@SETTINGS
@given(hostile)
def test_error_messages_send_no_control_characters(h: str) -> None:
    error = ConfigError(
        [ConfigIssue(f"sites.{h}", f"bad {h}", h), ConfigIssue(h, h, has_value=False)], source=h
    )
    _inert_on_a_terminal(str(error).replace("\n", " "))


@pytest.mark.parametrize("h", CLASSES)
def test_every_named_class_is_rendered(h: str) -> None:
    """The classes above, once each, outside hypothesis's choice (a failing one names itself)."""
    test_check_reports_stay_well_formed_and_inert.hypothesis.inner_test(h)  # type: ignore[attr-defined]
    test_diff_reports_stay_well_formed_and_inert.hypothesis.inner_test(h)  # type: ignore[attr-defined]
    test_graph_pictures_gain_no_statement.hypothesis.inner_test(h)  # type: ignore[attr-defined]
    test_the_inventory_carries_no_template_untagged.hypothesis.inner_test(h)  # type: ignore[attr-defined]
