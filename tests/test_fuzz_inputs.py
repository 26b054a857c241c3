"""Fuzz the input boundary: the example stack files, mutated as a careless or hostile user would
(flipped bytes, broken indentation, YAML tags, deep nesting, alias bombs, odd scalars, truncation,
CRLF, a BOM), through `skyweave preview`, `ipam show` and `graph` in-process. Whatever the input:
exit 0 or 1, never a traceback; on an error exactly one message block on stderr and nothing on
stdout. Bounded and derandomized, so it is deterministic and cheap enough for every CI run."""

from __future__ import annotations

import contextlib
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
