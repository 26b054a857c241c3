"""Writing a user file back: the change as a diff, an atomic replacement (no reader ever sees a
partial file, Ctrl-C or a full disk leaves the old one whole) and a lock file that keeps a second
run out while it happens (``skyweave ipam lock``).
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import socket
import stat
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..core.errors import ConfigError, ProjectError
from .reading import ErrorType, issue, os_problem

__all__ = ["exclusive", "make_directory", "unified_diff", "write_atomically", "write_output", "write_outputs"]


def unified_diff(label: str, before: str, after: str) -> str:
    """The change as ``diff -u`` shows it (line endings kept: a CRLF file's diff shows CRLF)."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{label}", f"b/{label}"
    )
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in lines)


def write_atomically(path: Path, label: str, data: bytes, *, expected: bytes) -> None:
    """Replace ``path``'s contents with ``data`` so that no reader ever sees a partial file.

    The bytes go to a temporary file in the same directory (same file system, so the rename is
    atomic), are flushed and fsynced, get the original's mode, and ``os.replace`` the original;
    the directory is fsynced so the rename survives a crash. An interrupt (Ctrl-C) or a failed
    write (disk full, a file-size limit) before the rename leaves the original untouched and
    removes the temporary file. A symlink is written through (its target is replaced). Refused:
    a file without write permission (also for root: read-only is the owner's intent), and a file
    whose bytes are no longer ``expected`` (someone edited it since it was read).
    """
    target = Path(os.path.realpath(path))
    try:
        info = target.stat()
        current = target.read_bytes()
    except OSError as exc:
        raise issue(ProjectError, label, "", os_problem(exc)) from None
    if not info.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise issue(ProjectError, label, "", "is read-only; make it writable (chmod u+w) to record the pins")
    if current != expected:
        raise issue(
            ProjectError,
            label,
            "",
            "changed while skyweave was working on it; nothing was written, run again",
        )
    _replace(target, label, data, info, ProjectError, "; the file was not changed")


def write_output(path: Path, label: str, data: bytes, *, error: ErrorType = ConfigError) -> None:
    """Write a file skyweave produces (``check --output``, ``--create-baseline``): atomically, so a
    reader never sees half a report and a failed write leaves the old file whole.

    A failure is one ``error`` naming ``label`` and why — its directory does not exist, it is a
    directory, no space is left, the file system is read-only, permission denied — for the caller
    to report (the CLI still prints the report to stdout). A device or pipe that already exists
    (``/dev/stdout``, a process substitution) is written directly: it cannot be replaced.
    """
    _write_output(path, label, data, error, sync_directory=True)


def write_outputs(directory: Path, outputs: Mapping[str, bytes], *, error: ErrorType = ConfigError) -> None:
    """Write each of ``outputs`` (a file name → its bytes) into ``directory``, made if missing,
    as :func:`write_output` writes one (each file atomically, fsynced before its rename), the
    directory fsynced once at the end rather than after each rename: thousands of files
    (``skyweave export --out``) cost one directory sync, not thousands."""
    make_directory(directory, str(directory), error=error)
    for name, data in outputs.items():
        _write_output(directory / name, str(directory / name), data, error, sync_directory=False)
    _fsync_directory(Path(os.path.realpath(directory)))


def _write_output(path: Path, label: str, data: bytes, error: ErrorType, *, sync_directory: bool) -> None:
    target = Path(os.path.realpath(path))
    try:
        info: os.stat_result | None = target.stat()
    except FileNotFoundError:
        info = None
        if not target.parent.is_dir():
            raise issue(error, label, "", f"its directory {path.parent} does not exist") from None
    except OSError as exc:
        raise issue(error, label, "", os_problem(exc, "written")) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise issue(error, label, "", "is a directory, not a file; name a file to write")
    if info is not None and not stat.S_ISREG(info.st_mode):
        try:
            with target.open("wb") as handle:
                handle.write(data)
        except OSError as exc:
            raise issue(error, label, "", os_problem(exc, "written")) from None
        return
    _replace(target, label, data, info, error, "", sync_directory=sync_directory)


def make_directory(path: Path, label: str, *, error: ErrorType = ConfigError) -> None:
    """Make ``path`` (and its missing parents) for files skyweave writes into it (``export --out``);
    one that exists is kept. A failure is one ``error`` naming ``label`` and why: a part of the
    path is a file, permission denied, a read-only file system."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise issue(error, label, "", "is a file, not a directory; name a directory to write into") from None
    except OSError as exc:
        raise issue(error, label, "", f"the directory {os_problem(exc, 'created')}") from None


def _replace(
    target: Path,
    label: str,
    data: bytes,
    info: os.stat_result | None,
    error: ErrorType,
    unchanged: str,
    *,
    sync_directory: bool = True,
) -> None:
    """Write ``data`` to a temporary file beside ``target``, fsync it, give it ``info``'s mode and
    owner (a new file: the umask's), and rename it over ``target``; the temporary file is removed
    on any failure, Ctrl-C included."""
    directory = target.parent
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=TEMP_SUFFIX)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, info.st_mode & 0o7777 if info is not None else 0o666 & ~_umask())
        with contextlib.suppress(OSError, AttributeError):  # no chown on Windows
            if info is not None and (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
                os.chown(tmp, info.st_uid, info.st_gid)
        os.replace(tmp, target)
        tmp = None
        if sync_directory:
            _fsync_directory(directory)
    except OSError as exc:
        raise issue(error, label, "", f"{os_problem(exc, 'written')}{unchanged}") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


#: The suffix of a temporary file an atomic write renames over its target.
TEMP_SUFFIX = ".tmp"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def exclusive(path: Path, label: str, *, note: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold ``<file>.lock`` next to ``path`` while it is rewritten, so two runs cannot interleave.

    The lock is the kernel's (``flock`` on the lock file), so it ends with the process that holds
    it however that process ends — Ctrl-C, SIGTERM or SIGKILL, what CI sends to cancel a job. The
    file holds the owner's host and pid, for messages: a second run while the owner lives gets one
    naming it; a run that finds the file but no live lock on it takes over and says so through
    ``note`` (the owner ended without cleaning up), and removes the temporary files of a write
    such a run interrupted (``.<file>.<random>.tmp``: while the lock is held no other writer can be
    making one). The file is removed on the way out. Where ``flock`` does not exist (Windows) the
    file is created exclusively instead, and a file left behind must be removed by hand.
    """
    target = Path(os.path.realpath(path))
    lock = target.with_name(f"{target.name}.lock")
    lock_label = f"{label}.lock"
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        with _exclusive_file(lock, label, lock_label):
            yield
        return
    fd = _flock(fcntl, lock, label, lock_label)
    try:
        try:
            left = os.read(fd, 4096).decode("utf-8", errors="replace").split()
            os.lseek(fd, 0, os.SEEK_SET)
            os.ftruncate(fd, 0)
            os.write(fd, f"{socket.gethostname()} {os.getpid()}\n".encode())  # for messages only
        except OSError as exc:
            problem = f"the lock file {os_problem(exc, 'written')}; nothing was changed"
            raise issue(ProjectError, lock_label, "", problem) from None
        if note is not None and len(left) == 2:
            note(
                f"took over the lock file {lock_label} left by pid {left[1]} on {left[0]}, which is no "
                "longer running (an interrupted run)"
            )
        for leftover in _temporary_files(target):
            with contextlib.suppress(OSError):
                leftover.unlink()
                if note is not None:
                    note(f"removed {leftover.name}, the temporary file of an interrupted write")
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)
        os.close(fd)


def _flock(fcntl: Any, lock: Path, label: str, lock_label: str) -> int:
    """An open descriptor of ``lock`` holding its exclusive ``flock`` (the file at the path, not one
    another run removed in between: then it tries again)."""
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        except OSError as exc:
            raise issue(ProjectError, lock_label, "", f"the lock file {os_problem(exc, 'created')}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            owner = os.read(fd, 4096).decode("utf-8", errors="replace").split()
            os.close(fd)
            raise issue(ProjectError, label, "", _held_by(owner, lock_label)) from None
        try:
            held, current = os.fstat(fd), os.stat(lock)
        except FileNotFoundError:
            os.close(fd)
            continue
        if (held.st_dev, held.st_ino) == (current.st_dev, current.st_ino):
            return fd
        os.close(fd)


def _held_by(owner: list[str], lock_label: str) -> str:
    if len(owner) == 2:
        host, pid = owner
        return (
            f"is being updated by another `skyweave ipam lock` (pid {pid} on {host}, lock file "
            f"{lock_label}); try again when it is done"
        )
    return f"is being updated by another run (lock file {lock_label}); try again when it is done"


def _temporary_files(target: Path) -> list[Path]:
    """The temporary files :func:`write_atomically` makes for ``target`` (``tempfile.mkstemp``:
    eight characters of ``[a-z0-9_]`` between its prefix and suffix)."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.[a-z0-9_]{{8}}{re.escape(TEMP_SUFFIX)}")
    try:
        names = os.listdir(target.parent)
    except OSError:
        return []
    return [target.parent / name for name in sorted(names) if pattern.fullmatch(name)]


@contextlib.contextmanager
def _exclusive_file(lock: Path, label: str, lock_label: str) -> Iterator[None]:  # pragma: no cover
    """Without ``flock``: the lock file created exclusively (``O_EXCL``), removed on the way out."""
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        raise issue(ProjectError, label, "", _held_by([], lock_label)) from None
    except OSError as exc:
        raise issue(ProjectError, lock_label, "", f"the lock file {os_problem(exc, 'created')}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f"{socket.gethostname()} {os.getpid()}\n")
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)
