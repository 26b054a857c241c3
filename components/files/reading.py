"""Reading a user file's bytes: the size bound, strict UTF-8, and environment faults (a missing
file, a directory, a name the file system cannot hold) as one issue naming the path. The bounds
every reader of :mod:`skyweave.files` shares are here (docs/limits.md, "Input bounds").
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

from ..core.errors import ConfigError, ConfigIssue, ProjectError

__all__ = [
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "MAX_INT",
    "MAX_STACK_NAME",
    "MAX_VALUES",
    "MIN_INT",
    "ErrorType",
    "check_program",
    "check_stack_name",
    "decode_utf8",
    "file_exists",
    "issue",
    "os_problem",
    "read_bytes",
    "too_large",
]

#: Largest YAML or policy-config file read (a 10,000-site stack file is about 2.2 MiB).
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
#: Deepest nesting of lists and mappings (the example stacks nest 8 levels, a preview JSON 7).
MAX_DEPTH = 64
#: Most values (scalars, lists, mappings) a document may hold once every alias is expanded.
MAX_VALUES = 1_000_000
#: Integers must fit in 64 bits: what Pulumi's engine (Go) and every cloud API can hold.
MIN_INT = -(2**63)
MAX_INT = 2**63 - 1
#: Pulumi's own limit on stack names (``[A-Za-z0-9_.-]``, at most 100 characters).
MAX_STACK_NAME = 100

_STACK_NAME = re.compile(r"[A-Za-z0-9_.-]+")

ErrorType = type[ConfigError]


def issue(error: ErrorType, label: str, path: str, message: str) -> ConfigError:
    """One problem: at ``path`` inside ``label`` (a key), or about ``label`` itself (``path=""``)."""
    if path:
        return error([ConfigIssue(path, message, has_value=False)], source=label)
    return error([ConfigIssue(label, message, has_value=False)], fault=True)


def file_exists(path: Path, label: str, *, error: ErrorType = ProjectError) -> bool:
    """Whether there is something at ``path`` that is not a directory (a FIFO or a device counts,
    so reading it says why it is refused instead of "no such file"); "file name too long",
    "permission denied" … become an issue."""
    try:
        return path.exists() and not path.is_dir()
    except OSError as exc:
        raise issue(error, label, "", os_problem(exc)) from None


def os_problem(exc: OSError, doing: str = "read") -> str:
    """What went wrong, in words: "does not exist", "cannot be read: permission denied" …"""
    about_the_name = {
        errno.ENOENT: "does not exist",
        errno.EISDIR: "is a directory, not a file",
        errno.ENOTDIR: "is not under a directory (a part of the path is a file)",
        errno.ENAMETOOLONG: "the file name is longer than the file system allows",
    }
    reasons = {
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ENOSPC: "no space left on the device",
        errno.EDQUOT: "the disk quota is exhausted",
        errno.EFBIG: "larger than the file-size limit (ulimit -f)",
        errno.EROFS: "the file system is read-only",
    }
    code = exc.errno or 0
    if code in about_the_name:
        return about_the_name[code]
    return f"cannot be {doing}: {reasons.get(code) or exc.strerror or exc}"


def read_bytes(
    path: Path, label: str, *, limit: int = MAX_DOCUMENT_BYTES, error: ErrorType = ConfigError
) -> bytes:
    """The file's bytes, refusing anything larger than ``limit`` before reading it all.

    Only a regular file is read: the file is opened without blocking (opening a FIFO for reading
    would otherwise wait for a writer forever) and ``fstat`` decides before a byte is read, so a
    FIFO, ``/dev/zero`` or a terminal is one message, never a hang or a read until memory runs out.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise issue(error, label, "", os_problem(exc)) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise issue(error, label, "", os_problem(OSError(errno.EISDIR, "")))
        if not stat.S_ISREG(info.st_mode):
            raise issue(error, label, "", f"is not a regular file ({_kind(info.st_mode)}); {NOT_REGULAR}")
        if info.st_size > limit:  # refused unread
            raise issue(error, label, "", too_large(limit))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        with os.fdopen(fd, "rb") as handle:
            fd = -1
            data = handle.read(limit + 1)
    except OSError as exc:
        raise issue(error, label, "", os_problem(exc)) from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > limit:
        raise issue(error, label, "", too_large(limit))
    return data


#: What to do instead of handing skyweave a pipe or a device.
NOT_REGULAR = "skyweave reads only regular files: save the data to a file and pass its path"


def _kind(mode: int) -> str:
    kinds = (
        (stat.S_ISFIFO, "a FIFO or pipe"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "not a file")


def too_large(limit: int) -> str:
    """The refusal of a file larger than ``limit`` bytes."""
    size = f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit:,} bytes"
    return f"is larger than {size}, the most skyweave reads from such a file"


def decode_utf8(raw: bytes, label: str, *, error: ErrorType = ConfigError) -> str:
    """Strict UTF-8 (a byte-order mark is kept as U+FEFF, which YAML and :func:`read_json` skip)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise issue(
            error,
            label,
            "",
            f"is not UTF-8: byte 0x{raw[exc.start]:02X} at offset {exc.start} (line {line}, byte "
            f"{column} of the line) cannot be decoded; save the file as UTF-8",
        ) from None


def check_stack_name(stack: str) -> None:
    """Refuse a stack name Pulumi would refuse, before it becomes part of a file name.

    Pulumi allows ``[A-Za-z0-9_.-]``, at most 100 characters; anything else (``/``, ``..``-paths,
    300 characters that the file system cannot hold) is a usage mistake, named as one.
    """
    if not stack or len(stack) > MAX_STACK_NAME or not _STACK_NAME.fullmatch(stack):
        shown = stack if len(stack) <= 40 else f"{stack[:37]}... ({len(stack)} characters)"
        raise ProjectError(
            [
                ConfigIssue(
                    "--stack",
                    f"{shown!r} is not a stack name: Pulumi stack names are 1 to {MAX_STACK_NAME} "
                    "letters, digits, '-', '_' or '.'",
                    has_value=False,
                )
            ],
            fault=True,
        )


def check_program(main: Path, label: str) -> None:
    """The program directory ``Pulumi.yaml``'s ``main`` names exists and has a ``__main__.py``."""
    try:
        if not main.is_dir():
            what = "does not exist" if not main.exists() else "is not a directory"
            raise issue(ProjectError, label, "", f"its program directory {main} (`main:`) {what}")
        if not (main / "__main__.py").is_file():
            raise issue(ProjectError, label, "", f"its program directory {main} (`main:`) has no __main__.py")
    except OSError as exc:
        raise issue(ProjectError, label, "", f"its program directory {main}: {os_problem(exc)}") from None
