"""Text from files, made safe for where it is printed: one escaping function per output kind.

A value read from a plan, a base or a stack file is *data* wherever it goes: a URN holding
``ESC[2J`` must not clear a terminal, a site name holding a newline must not add a Mermaid
directive, a message holding ``\\x07`` must not make a JUnit report ill-formed XML. Each renderer
passes such text through the function for its kind (Markdown's is :mod:`skyweave.cli.markdown`):

* :func:`terminal`: control characters (C0, DEL, C1, and the bidirectional overrides that reorder
  what a reader sees) shown as escapes (``\\x1b``, ``\\u202e``), never sent; newlines and tabs kept
  only where the caller allows them.
* :func:`xml_text`: characters XML 1.0 forbids (every C0 control but tab, newline and carriage
  return; lone surrogates; U+FFFE/U+FFFF) replaced by their escape, so the report parses
  (https://www.w3.org/TR/xml/#charsets). ``&``, ``<`` and ``>`` are left to the XML writer.
* :func:`quoted_label`: a label for DOT or Mermaid inside double quotes: control characters shown,
  quotes and backslashes escaped, so the label cannot end early and start a statement.
"""

from __future__ import annotations

import re

__all__ = ["quoted_label", "terminal", "xml_text"]

#: C0 and C1 controls, DEL, the bidirectional controls (CVE-2021-42574 "Trojan Source") and lone
#: surrogates, which cannot be encoded at all.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_XML_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal(text: str, *, newlines: bool = False) -> str:
    """``text`` with every control character shown as an escape (``newlines``: keep ``\\n``)."""
    if newlines:
        return "\n".join(_CONTROL.sub(lambda m: _escaped(m.group()), line) for line in text.split("\n"))
    return _CONTROL.sub(lambda m: _escaped(m.group()), text)


def xml_text(text: str) -> str:
    """``text`` with the characters XML 1.0 cannot hold replaced by their escapes."""
    return _XML_FORBIDDEN.sub(lambda m: _escaped(m.group()), text)


def quoted_label(text: str) -> str:
    """The inside of a double-quoted DOT or Mermaid label: shown controls, escaped quotes."""
    return terminal(text).replace("\\", "\\\\").replace('"', '\\"')
