"""Writes that either complete or leave nothing: write a temporary file beside the target,
flush it to disk, then rename it over the target (atomic on one POSIX filesystem).

Files are created with mode 0600: what we write is decrypted case material.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def atomic_open(target: Path) -> Iterator[BinaryIO]:
    """Yield a binary file; on clean exit it replaces ``target``, on error it disappears."""
    target = Path(target)
    fd, tmp = tempfile.mkstemp(prefix=".bisik-", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_bytes(target: Path, data: bytes) -> None:
    """Atomically write ``data`` to ``target`` (mode 0600)."""
    with atomic_open(target) as fh:
        fh.write(data)


def write_text(target: Path, text: str) -> None:
    """Atomically write UTF-8 ``text`` to ``target`` (mode 0600)."""
    write_bytes(target, text.encode("utf-8"))
