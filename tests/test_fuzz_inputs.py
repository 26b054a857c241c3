"""Fuzz the input boundary: the example stack files, mutated as a careless or hostile user would
(flipped bytes, broken indentation, YAML tags, deep nesting, alias bombs, odd scalars, truncation,
CRLF, a BOM), through `skyweave preview`, `ipam show` and `graph` in-process. Whatever the input:
exit 0 or 1, never a traceback; on an error exactly one message block on stderr and nothing on
stdout. Bounded and derandomized, so it is deterministic and cheap enough for every CI run."""

from __future__ import annotations

import contextlib
import functools
import io
import shutil
import tempfile
from pathlib import Path

from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from skyweave.cli import main

TEXTS = {stack: (ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_bytes() for stack in ("dev", "prod")}

TAGS = [
    "!!binary ",
    "!!set ",
    "!!omap ",
    "!!timestamp ",
    "!!python/object:os.system ",
    "!vault ",
    "!!str ",
    "!!int ",
]
SCALARS = [
    "2024-01-01",
    "2024-01-01T10:00:00Z",
    "9" * 5000,
    "-9223372036854775809",
    ".nan",
    "-.inf",
    "1e400",
    "~",
    "",
    "{}",
    "[]",
    "'é€😀'",
    '"\\x00"',
    "*undefined",
    "&anchor value",
    "<<",
    "=",
    "0x" + "f" * 40,
    "yes",
    "10.2.0.0",
    "x" * 10_000,
]


def _bomb(levels: int) -> bytes:
    lines = [
        "  skyweave:tags:",
        '    a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
    ]
    for i in range(1, levels):
        lines.append(f"    a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return ("\n".join(lines) + "\n").encode()


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    """(stack, a mutation of that stack's file)."""
    stack = draw(st.sampled_from(sorted(TEXTS)))
    data = TEXTS[stack]
    lines = data.split(b"\n")
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(
            st.sampled_from(
                [
                    "flip",
                    "delete",
                    "duplicate",
                    "indent",
                    "tag",
                    "scalar",
                    "deep",
                    "bomb",
                    "truncate",
                    "crlf",
                    "bom",
                    "control",
                    "swap",
                ]
            )
        )
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        line = lines[i] if lines else b""
        if kind == "flip" and line:
            j = draw(st.integers(0, len(line) - 1))
            line = line[:j] + bytes([draw(st.integers(0, 255))]) + line[j + 1 :]
            lines[i] = line
        elif kind == "delete" and lines:
            del lines[i]
        elif kind == "duplicate" and lines:
            lines.insert(i, line)
        elif kind == "swap" and len(lines) > 1:
            k = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[k] = lines[k], lines[i]
        elif kind == "indent":
            shift = draw(st.integers(-4, 4))
            lines[i] = (
                b" " * shift + line if shift >= 0 else line[-shift:] if line[:-shift].isspace() else line
            )
        elif kind in ("tag", "scalar", "deep") and b": " in line:
            key, _, _value = line.partition(b": ")
            if kind == "tag":
                value = draw(st.sampled_from(TAGS)).encode() + _value
            elif kind == "scalar":
                value = draw(st.sampled_from(SCALARS)).encode()
            else:
                depth = draw(st.sampled_from([10, 63, 64, 65, 200, 2000]))
                value = b"[" * depth + b"1" + b"]" * depth
            lines[i] = key + b": " + value
        elif kind == "bomb":
            index = next((n for n, x in enumerate(lines) if x.startswith(b"  skyweave:tags:")), 0)
            lines[index : index + 1] = _bomb(draw(st.integers(2, 9))).rstrip(b"\n").split(b"\n")
        elif kind == "truncate":
            cut = draw(st.integers(0, len(data)))
            lines = data[:cut].split(b"\n")
        elif kind == "crlf":
            lines = [x + b"\r" for x in lines]
        elif kind == "bom":
            lines[0] = b"\xef\xbb\xbf" + (lines[0] if lines else b"")
        elif kind == "control":
            lines[i] = line + draw(st.sampled_from([b"\x00", b"\x07", b"\x1b[31m", b"\xc2\x85", b"\t"]))
    return stack, b"\n".join(lines)


def _project(directory: Path, stack: str, data: bytes) -> Path:
    (directory / "stacks").mkdir(exist_ok=True)
    shutil.copy(ROOT / "Pulumi.yaml", directory / "Pulumi.yaml")
    shutil.copy(ROOT / "stacks" / "__main__.py", directory / "stacks" / "__main__.py")
    (directory / "stacks" / f"Pulumi.{stack}.yaml").write_bytes(data)
    return directory


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _check(stack: str, data: bytes, commands: list[list[str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = _project(Path(tmp), stack, data)
        for command in commands:
            code, out, err = _run(["-C", str(project), *command, "--stack", stack])
            context = f"{command} on {data[:2000]!r}\nstderr: {err[:3000]}"
            assert code in (0, 1), context
            assert "Traceback" not in err and "internal error" not in err, context
            if code == 1:
                assert out == "", context
                assert err.startswith("error: "), context
                assert sum(line.startswith("error: ") for line in err.splitlines()) == 1, context


FUZZ = dict(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@settings(max_examples=150, **FUZZ)
@given(mutated())
def test_mutated_stack_files_give_one_clean_message_in_ipam_show_and_graph(case: tuple[str, bytes]) -> None:
    stack, data = case
    _check(stack, data, [["ipam", "show"], ["graph"]])


@settings(max_examples=15, **FUZZ)
@given(mutated())
def test_mutated_stack_files_give_one_clean_message_in_preview(case: tuple[str, bytes]) -> None:
    stack, data = case
    _check(stack, data, [["preview"]])


# --- ipam lock on any layout of the same estate ---------------------------------------------


@functools.cache
def _shipped_prod_blocks() -> dict[str, str]:
    """The tunnel blocks `ipam lock` pins in the shipped prod file, as laid out there."""
    import yaml

    with tempfile.TemporaryDirectory() as tmp:
        project = _project(Path(tmp), "prod", TEXTS["prod"])
        code, _, err = _run(["-C", str(project), "ipam", "lock", "--stack", "prod"])
        assert code == 0, err
        text = (project / "stacks" / "Pulumi.prod.yaml").read_text()
    blocks: dict[str, str] = yaml.safe_load(text)["config"]["skyweave:network"]["tunnel_blocks"]
    return blocks


def _unpinned_prod() -> dict[str, object]:
    import yaml

    data = yaml.safe_load(TEXTS["prod"])
    for site in data["config"]["skyweave:sites"]:
        site.pop("cidr", None)
        site.pop("ipv6_cidr", None)
    return data  # type: ignore[no-any-return]


@st.composite
def layouts(draw: st.DrawFn) -> str:
    """The unpinned prod estate, dumped by ruamel with a random flow/block style per list and
    mapping, random indentation, end-of-line comments, CRLF or not."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    def build(value: object) -> object:
        if isinstance(value, dict):
            node = CommentedMap((k, build(v)) for k, v in value.items())
            node.fa.set_flow_style() if draw(st.integers(0, 4)) == 0 else node.fa.set_block_style()
            for key in list(node)[: draw(st.integers(0, 2))]:
                if not isinstance(node[key], (dict, list)):
                    node.yaml_add_eol_comment(f"note on {key}", key)
            return node
        if isinstance(value, list):
            seq = CommentedSeq(build(v) for v in value)
            seq.fa.set_flow_style() if draw(st.integers(0, 3)) == 0 else seq.fa.set_block_style()
            return seq
        return value

    dumper = YAML()
    mapping = draw(st.sampled_from([2, 4]))
    offset = draw(st.sampled_from([0, 2]))
    dumper.indent(mapping=mapping, sequence=offset + 2, offset=offset)
    dumper.width = 4096
    buffer = io.StringIO()
    dumper.dump(build(_unpinned_prod()), buffer)
    text = draw(st.sampled_from(["", "# header\n---\n"])) + buffer.getvalue()
    return text.replace("\n", "\r\n") if draw(st.booleans()) else text


@settings(max_examples=40, **FUZZ)
@given(layouts())
def test_lock_on_any_layout_inserts_exactly_the_pins(text: str) -> None:
    import difflib

    import yaml

    with tempfile.TemporaryDirectory() as tmp:
        project = _project(Path(tmp), "prod", text.encode("utf-8"))
        code, out, err = _run(["-C", str(project), "ipam", "lock", "--stack", "prod"])
        assert code == 0, err
        after = (project / "stacks" / "Pulumi.prod.yaml").read_bytes().decode("utf-8")
        before_lines, after_lines = text.splitlines(keepends=True), after.splitlines(keepends=True)
        inside_flow = _flow_lines(before_lines)
        for line in difflib.unified_diff(before_lines, after_lines, n=0):
            if line.startswith("-") and not line.startswith("---"):
                # only a flow collection's line changes (the pins go inside its braces)
                assert "{" in line or "[" in line or line[1:] in inside_flow, line
        pinned = yaml.safe_load(after)["config"]
        assert all("cidr" in s or s["vendor"] == "onprem" for s in pinned["skyweave:sites"])
        assert all("asn" in s for s in pinned["skyweave:sites"])
        # one block per link that needs inside addresses, and the same blocks whatever the layout
        vpn_links = [link for link in parse_prod_links() if link.inside_cidrs]
        assert set(pinned["skyweave:network"]["tunnel_blocks"]) == {link.id for link in vpn_links}
        assert pinned["skyweave:network"]["tunnel_blocks"] == _shipped_prod_blocks()
        code, out, err = _run(["-C", str(project), "ipam", "lock", "--stack", "prod", "--check"])
        assert code == 0, out + err


def parse_prod_links() -> tuple:  # type: ignore[type-arg]
    """The shipped prod file's planned links (the independent count of tunnel blocks to pin)."""
    from conftest import stack_raw
    from skyweave.estate.config import parse_stack_config

    raw = stack_raw("prod")
    raw["ipam"] = {**raw.get("ipam", {}), "require_pins": False}
    return parse_stack_config(raw, source="prod").plan.network.connectivity.links


def _flow_lines(lines: list[str]) -> set[str]:
    """The lines that lie inside a multi-line flow collection (``{…}`` or ``[…]`` spanning lines)."""
    depth, inside = 0, set()
    for line in lines:
        if depth > 0:
            inside.add(line)
        code = line.split(" #", 1)[0]
        depth += code.count("{") + code.count("[") - code.count("}") - code.count("]")
    return inside
