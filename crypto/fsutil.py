"""Crash-safe file writes, shared by every role (server, reviewer laptop, tools).

The one place that knows how to replace a file so that a reader sees either the old bytes or
the new ones, never half of them: write a temporary file beside the target, fsync it, rename it
over the target, fsync the directory. Files are created with mode 0600 because everything Bisik
writes is either secret or integrity-relevant. A failure at any step removes the temporary file
and leaves the target untouched.

Leaks: nothing beyond what the file system shows (a ``.tmp-*`` name exists for the moment of
the write; its mtime is the time of the write).
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_open", "fsync_dir", "write_atomic"]


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink inside ``path`` durable.

    A no-op where directories cannot be opened or the file system does not sync them
    (``EINVAL``); any other failure of the sync itself (an I/O error) is raised, because the
    caller's rename may then not survive a crash.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno != errno.EINVAL:
            raise
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_open(target: Path, *, mode: int = 0o600, sync: bool = True) -> Iterator[BinaryIO]:
    """Yield a binary file; on clean exit it replaces ``target``, on any error it disappears.

    The parent directory must exist. With ``sync`` (the default) the data and the rename are
    flushed to disk before the block's exit returns.
    """
    target = Path(target)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            if sync:
                out.flush()
                os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if sync:
        fsync_dir(target.parent)


def write_atomic(path: Path, data: bytes, *, sync: bool = True, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` atomically (parents made, mode 0700); on failure untouched."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with atomic_open(path, mode=mode, sync=sync) as out:
        out.write(data)
