"""LocalBlobStore: atomic content-addressed writes, verification, overwrite-before-unlink."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

import pytest

from vault.blobstore import BlobRef, LocalBlobStore, day_start
from vault.errors import BlobIntegrityError, BlobNotFoundError


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


def test_streamed_write_lands_under_its_hash(store: LocalBlobStore) -> None:
    parts = [secrets.token_bytes(100_000), secrets.token_bytes(7), b""]
    with store.writer() as w:
        for p in parts:
            w.write(memoryview(p))
        ref = w.commit()
    data = b"".join(parts)
    assert ref == BlobRef(hashlib.sha256(data).hexdigest(), len(data))
    with store.open(ref.sha256) as f:
        assert f.read() == data
    assert store.exists(ref.sha256) and store.size(ref.sha256) == len(data)
    assert store.verify(ref.sha256)
    assert list(store.tmp_dir.iterdir()) == []
    assert list(store.iter_shas()) == [ref.sha256]


def test_same_bytes_twice_is_one_blob(store: LocalBlobStore) -> None:
    a = store.put_bytes(b"x" * 5000)
    b = store.put_bytes(b"x" * 5000)
    assert a == b
    assert list(store.iter_shas()) == [a.sha256]
    assert list(store.tmp_dir.iterdir()) == []


def test_exception_inside_writer_leaves_nothing(store: LocalBlobStore) -> None:
    with pytest.raises(RuntimeError), store.writer() as w:
        w.write(b"partial ciphertext")
        raise RuntimeError("client went away")
    assert list(store.tmp_dir.iterdir()) == []
    assert list(store.iter_shas()) == []


def test_leaving_without_commit_leaves_nothing(store: LocalBlobStore) -> None:
    with store.writer() as w:
        w.write(b"abandoned")
    assert list(store.tmp_dir.iterdir()) == []
    assert list(store.iter_shas()) == []


def test_verify_detects_damage(store: LocalBlobStore) -> None:
    ref = store.put_bytes(secrets.token_bytes(4096))
    path = store.path(ref.sha256)
    raw = bytearray(path.read_bytes())
    raw[100] ^= 1
    path.write_bytes(bytes(raw))
    assert not store.verify(ref.sha256)
    with pytest.raises(BlobIntegrityError):
        store.open_verified(ref.sha256)


def test_missing_blob(store: LocalBlobStore) -> None:
    sha = "0" * 64
    assert not store.exists(sha)
    with pytest.raises(BlobNotFoundError):
        store.open(sha)
    with pytest.raises(BlobNotFoundError):
        store.size(sha)
    store.delete(sha)  # absent blobs are fine to delete


@pytest.mark.parametrize("bad", ["../" + "a" * 61, "A" * 64, "a" * 63, "tmp", "/etc/passwd"])
def test_only_well_formed_addresses_become_paths(store: LocalBlobStore, bad: str) -> None:
    with pytest.raises(ValueError):
        store.path(bad)
    with pytest.raises(ValueError):
        store.exists(bad)


def test_delete_overwrites_before_unlinking(store: LocalBlobStore) -> None:
    data = secrets.token_bytes(3 << 20)
    ref = store.put_bytes(data)
    # keep the inode open: after delete we can still read what is left in its blocks
    with open(store.path(ref.sha256), "rb") as held:
        store.delete(ref.sha256)
        assert not store.exists(ref.sha256)
        held.seek(0)
        left = held.read()
    assert len(left) == len(data)
    assert left == bytes(len(data))


def test_file_times_are_coarsened_to_the_day(store: LocalBlobStore) -> None:
    ref = store.put_bytes(b"some ciphertext")
    midnight = day_start()
    for path in (store.path(ref.sha256), store.path(ref.sha256).parent, store.root):
        st = os.stat(path)
        assert st.st_mtime == midnight
        assert st.st_atime == midnight
