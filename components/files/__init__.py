"""The one boundary user files cross: stack files, ``Pulumi.yaml``, policy configs, pack manifests,
and every JSON file (plan files, previews, stack exports) before :mod:`skyweave.engine.plans`
validates its structure.

Everything past this module may assume plain, bounded data — strings, numbers, booleans, null,
lists and string-keyed mappings, nested at most :data:`MAX_DEPTH` deep — so no later step can
die with ``UnicodeDecodeError``, ``RecursionError``, "Object of type date is not JSON
serializable" or spend minutes expanding a YAML alias bomb. Every refusal is a
:class:`~skyweave.core.errors.ConfigError` (a :class:`~skyweave.core.errors.ProjectError` for the project's
own files) naming the file, the key and the line, so the CLI prints one message and exits 1.

Why each rule (docs/limits.md, "Input bounds", states the numbers):

* **UTF-8, strictly.** Pulumi reads stack files as UTF-8; a Latin-1 ``é`` would otherwise surface
  as a traceback deep in a parser. The error names the byte offset, line and column.
* **Plain data only.** A stack file's values travel to the program as JSON (``engine_config``),
  so anything JSON cannot carry is refused *here*, naming the key: ``!!binary``, ``!!set``,
  ``!!omap``, ``!!python/...``, application tags (``!foo``), ``.inf``/``.nan``. Unquoted dates and
  times (``created: 2024-01-01``) are **kept as the string as written**: that is what the Pulumi
  CLI passes a program (it never converts them), so a tag value ``2024-01-01`` means the text
  ``2024-01-01`` in both. An explicit ``!!timestamp`` is a tag like any other and refused.
  YAML 1.1's ``=`` "value" scalar is likewise just the string ``=``.
* **Bounded shape.** Nesting deeper than :data:`MAX_DEPTH` (a stack file is about eight levels
  deep; Python's recursion limit is about a thousand), more than :data:`MAX_VALUES` values after
  alias expansion (a 1.3 KB "billion laughs" file once cost 36 s and 3 GiB; now it stops at the
  alias that crosses the bound, in milliseconds), integers outside 64 bits (a 5,000-digit
  integer once hit CPython's int-parsing limit) and files larger than :data:`MAX_DOCUMENT_BYTES`.
  Aliases stay shared objects in the result, so a legal
  alias costs nothing however often it is used; duplicate keys and multi-document files are
  refused (Pulumi refuses both; PyYAML silently keeps the last value / the first document).
* **Environment faults** — a missing or unreadable file, a directory where a file should be, a
  stack name the file system cannot hold, a program directory that is not there — become one
  issue naming the path instead of an ``OSError`` traceback.

The parser runs on the YAML *event* stream and builds values iteratively: no recursion, so the
depth bound is checked before anything deep exists. With ``positions=True`` the reader also
returns a :class:`Node` tree with each value's line and column, which :mod:`skyweave.cli.ipam`
uses to insert pins as text (never re-dumping the file), and :func:`write_atomically` /
:func:`exclusive` give it a crash-safe, single-writer update of the stack file.
"""

from .json_reader import parse_json, read_json
from .reading import (
    MAX_DEPTH,
    MAX_DOCUMENT_BYTES,
    MAX_INT,
    MAX_STACK_NAME,
    MAX_VALUES,
    MIN_INT,
    check_program,
    check_stack_name,
    decode_utf8,
    file_exists,
    os_problem,
    read_bytes,
)
from .schema import validate
from .writing import exclusive, make_directory, unified_diff, write_atomically, write_output, write_outputs
from .yaml_reader import Mark, Node, YamlDocument, load_yaml, read_yaml
from .yaml_text import TextEdit, YamlText

__all__ = [
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "MAX_INT",
    "MAX_STACK_NAME",
    "MAX_VALUES",
    "MIN_INT",
    "Mark",
    "Node",
    "TextEdit",
    "YamlDocument",
    "YamlText",
    "check_program",
    "check_stack_name",
    "decode_utf8",
    "exclusive",
    "file_exists",
    "load_yaml",
    "make_directory",
    "os_problem",
    "parse_json",
    "read_bytes",
    "read_json",
    "read_yaml",
    "unified_diff",
    "validate",
    "write_atomically",
    "write_output",
    "write_outputs",
]
