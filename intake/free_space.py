"""Disk-space floor for uploads: refuse what would leave the server's disk (nearly) full.

Anyone can open uploads, and per-session budgets are cheap to dodge (a new session is one
page load away), so bytes alone could fill the disk that also holds the database and its
write-ahead log; a full disk then breaks every case, not just new uploads. Before accepting
bytes, :func:`ensure_room` checks that the file system under ``BISIK_HOME`` keeps at least
``min_free_bytes`` (and a few thousand inodes) free after them.

Leaks: nothing; it reads only the file system's free space.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import UploadError

MIN_FREE_INODES = 4096


def has_room(path: Path, incoming: int, min_free: int) -> bool:
    """Whether ``incoming`` more bytes fit under ``path`` and leave ``min_free`` bytes free."""
    st = os.statvfs(path)
    free = st.f_bavail * st.f_frsize
    inodes_ok = st.f_files == 0 or st.f_favail >= MIN_FREE_INODES  # 0: no inode accounting
    return inodes_ok and free - max(incoming, 0) >= min_free


def ensure_room(path: Path, incoming: int, min_free: int) -> None:
    """UploadError ``error.disk_full`` (507) unless :func:`has_room`."""
    if not has_room(path, incoming, min_free):
        raise UploadError("error.disk_full", 507)
