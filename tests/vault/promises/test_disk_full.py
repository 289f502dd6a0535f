"""A full disk: blob and upload writes fail cleanly, leave no half file, and work once freed.

The real test mounts a tiny tmpfs (needs root, as on the CI machine); the simulated one makes
the file object raise ENOSPC and runs everywhere.

The promise: vault/README.md, "Blob store — ``vault.blobstore``" (ENOSPC at any point is a
``DiskFullError`` and nothing is left behind), for the blob store and the upload files alike.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crypto import envelope
from crypto.keys import KeyPair
from vault import blobstore
from vault.blobstore import LocalBlobStore
from vault.errors import DiskFullError
from vault.store import Vault


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs, unmounted afterwards; skipped where mounting is not allowed."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(mnt)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root); the simulated test still runs")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_real_full_disk_blob_write(tiny_fs: Path) -> None:
    store = LocalBlobStore(tiny_fs / "blobs")
    recipient = KeyPair.generate().encryption.public_key()
    with pytest.raises(DiskFullError), store.writer() as w:
        sealer = envelope.Sealer(w, [recipient])  # type: ignore[arg-type]
        for _ in range(40):
            sealer.write(secrets.token_bytes(64 << 10))  # 2.5 MiB into a 1 MiB disk
    assert _files(tiny_fs) == []
    # space is free again: the next write succeeds
    ref = store.put_bytes(secrets.token_bytes(300 << 10))
    assert store.verify(ref.sha256)
    assert _files(store.tmp_dir) == []


def test_real_full_disk_upload(tiny_fs: Path, tmp_path: Path) -> None:
    vault = Vault.open(f"sqlite:///{tmp_path / 'db' / 'bisik.sqlite'}", tiny_fs / "home")
    data = secrets.token_bytes(2 << 20)
    uid = vault.start_upload(owner=b"o", total_size=len(data))
    piece = 256 << 10
    offset = 0
    with pytest.raises(DiskFullError):
        while offset < len(data):
            offset = vault.append_upload(uid, b"o", offset, data[offset : offset + piece])
    stored = vault.upload_offset(uid, b"o")
    assert stored == offset < len(data)
    assert (vault.uploads_dir / uid).stat().st_size == stored  # no half piece kept
    # free the space (the session expires), and a smaller upload goes through
    later = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=vault.upload_days)
    assert vault.expire_uploads(later) == 1
    small = data[: 300 << 10]
    uid2 = vault.start_upload(owner=b"o", total_size=len(small))
    vault.append_upload(uid2, b"o", 0, small)
    ref = vault.finish_upload(uid2, b"o", hashlib.sha256(small).hexdigest())
    assert vault.blobs.verify(ref.sha256)
    vault.close()


class _FullAfter:
    """A file wrapper whose writes fail with ENOSPC after ``limit`` bytes."""

    def __init__(self, inner: Any, limit: int) -> None:
        self.inner, self.left = inner, limit

    def write(self, data: bytes | memoryview) -> int:
        if len(data) > self.left:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.left -= len(data)
        return int(self.inner.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_simulated_enospc_on_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    real_fdopen = os.fdopen
    monkeypatch.setattr(
        blobstore.os, "fdopen", lambda fd, mode: _FullAfter(real_fdopen(fd, mode), 1000)
    )
    with pytest.raises(DiskFullError), store.writer() as w:
        w.write(b"a" * 600)
        w.write(b"b" * 600)
    assert _files(store.root) == []


def test_simulated_enospc_on_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalBlobStore(tmp_path / "blobs")

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with store.writer() as w:
        w.write(b"x" * 5000)
        monkeypatch.setattr(blobstore.os, "fsync", no_space)
        with pytest.raises(DiskFullError):
            w.commit()
    assert _files(store.root) == []
