"""Resumable uploads on SQLite and PostgreSQL: offsets, retries, gaps, hashes, expiry."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from vault.blobstore import day_start
from vault.errors import (
    BlobIntegrityError,
    UploadGapError,
    UploadIncompleteError,
    UploadNotFoundError,
    UploadQuotaError,
    UploadSizeError,
)
from vault.store import Vault
from vault.uploads import upload_id_for

OWNER = b"owner-token-hash-0123456789abcdef"


def test_upload_in_pieces_with_retries(vault: Vault) -> None:
    data = secrets.token_bytes(300_000)
    uid = vault.start_upload(owner=OWNER, total_size=len(data))
    assert vault.upload_offset(uid, OWNER) == 0
    assert vault.append_upload(uid, OWNER, 0, data[:100_000]) == 100_000
    # the client did not see the answer and sends the same piece again: acknowledged as is
    assert vault.append_upload(uid, OWNER, 0, data[:100_000]) == 100_000
    # an overlapping piece appends only its new tail
    assert vault.append_upload(uid, OWNER, 50_000, data[50_000:200_000]) == 200_000
    assert vault.upload_offset(uid, OWNER) == 200_000
    with pytest.raises(UploadIncompleteError):
        vault.finish_upload(uid, OWNER, hashlib.sha256(data).hexdigest())
    assert vault.append_upload(uid, OWNER, 200_000, data[200_000:]) == len(data)
    ref = vault.finish_upload(uid, OWNER, hashlib.sha256(data).hexdigest())
    assert ref.size == len(data)
    with vault.blobs.open(ref.sha256) as f:
        assert f.read() == data
    assert list(vault.uploads_dir.iterdir()) == []
    # finished, the session answers with its blob until it expires, holding no quota
    assert vault.finish_upload(uid, OWNER) == ref
    assert vault.upload_ranges(uid, OWNER) == [(0, len(data))]
    assert vault.open_upload_bytes() == 0
    with pytest.raises(BlobIntegrityError):  # another hash: refused, the blob is kept
        vault.finish_upload(uid, OWNER, "0" * 64)
    assert vault.blobs.exists(ref.sha256)
    assert vault.expire_uploads(dt.date.today() + dt.timedelta(days=400)) == 1
    with pytest.raises(UploadNotFoundError):  # the session is over; the blob is not
        vault.upload_offset(uid, OWNER)
    assert vault.blobs.exists(ref.sha256)


def test_the_completing_piece_finishes_the_upload(vault: Vault) -> None:
    """The browser's one call per piece: whichever piece completes the upload (here not the
    last in order) makes it a blob; a resend afterwards is acknowledged with that blob."""
    data = secrets.token_bytes(250_000)
    uid = vault.start_upload(owner=OWNER, total_size=len(data))
    first = vault.store_upload_piece(uid, OWNER, 100_000, data[100_000:])
    assert first.offset == 0 and first.blob is None
    done = vault.store_upload_piece(uid, OWNER, 0, data[:100_000])
    assert done.offset == len(data) and done.blob is not None
    assert done.blob.sha256 == hashlib.sha256(data).hexdigest()
    with vault.blobs.open(done.blob.sha256) as f:
        assert f.read() == data
    again = vault.store_upload_piece(uid, OWNER, 100_000, data[100_000:])
    assert again == done
    with pytest.raises(UploadSizeError):  # the declared size still binds
        vault.store_upload_piece(uid, OWNER, 200_000, data)


def test_pieces_in_any_order_leave_no_hole(vault: Vault) -> None:
    """Several pieces in flight arrive in any order; the prefix grows once the hole is filled."""
    data = secrets.token_bytes(1000)
    uid = vault.start_upload(owner=OWNER, total_size=len(data))
    assert vault.append_upload(uid, OWNER, 400, data[400:700]) == 0  # a hole before it
    assert vault.upload_ranges(uid, OWNER) == [(400, 700)]
    with pytest.raises(UploadIncompleteError):
        vault.finish_upload(uid, OWNER)
    assert vault.append_upload(uid, OWNER, 700, data[700:]) == 0
    assert vault.append_upload(uid, OWNER, 0, data[:400]) == len(data)
    assert vault.upload_ranges(uid, OWNER) == [(0, len(data))]
    ref = vault.finish_upload(uid, OWNER)
    assert ref.sha256 == hashlib.sha256(data).hexdigest()
    assert vault.blobs.open(ref.sha256).read() == data


def test_resent_bytes_are_never_rewritten(vault: Vault) -> None:
    """A byte is written once: a resent range with other content cannot change what was
    hashed on the way, so the blob's address always matches its bytes."""
    data = secrets.token_bytes(600)
    uid = vault.start_upload(owner=OWNER, total_size=len(data))
    vault.append_upload(uid, OWNER, 0, data[:300])
    vault.append_upload(uid, OWNER, 200, b"X" * 100 + data[300:])  # forged overlap + tail
    ref = vault.finish_upload(uid, OWNER)
    assert vault.blobs.open(ref.sha256).read() == data
    assert vault.blobs.verify(ref.sha256)


def test_forged_resend_to_another_process_does_not_reach_the_hash(
    vault: Vault, vault_db_url: str, tmp_path: Path
) -> None:
    """Two worker processes (two vaults on one home): a range stored by one and resent with
    other bytes to the other is neither written nor hashed there; the address stays right."""
    other = Vault.open(vault_db_url, tmp_path / "home")
    try:
        data = secrets.token_bytes(600)
        uid = vault.start_upload(owner=OWNER, total_size=len(data))
        vault.append_upload(uid, OWNER, 0, data[:300])
        other.append_upload(uid, OWNER, 300, data[300:])
        vault.append_upload(uid, OWNER, 300, b"F" * 300)  # held already: not written, not hashed
        ref = vault.finish_upload(uid, OWNER)
        assert ref.sha256 == hashlib.sha256(data).hexdigest()
        assert vault.blobs.verify(ref.sha256)
    finally:
        other.close()


def test_ranges_of_an_earlier_boot_are_not_trusted(vault: Vault) -> None:
    """Unsynced bytes do not survive a machine crash: after a reboot the upload is incomplete,
    never complete with lost bytes."""
    data = secrets.token_bytes(500)
    uid = vault.start_upload(owner=OWNER, total_size=len(data))
    vault.append_upload(uid, OWNER, 0, data)
    pieces = vault.uploads.ranges_dir / uid
    for marker in pieces.iterdir():
        marker.rename(pieces / ("0" * 16 + marker.name[marker.name.index(".") :]))
    assert vault.upload_offset(uid, OWNER) == 0
    with pytest.raises(UploadIncompleteError):
        vault.finish_upload(uid, OWNER)


def test_negative_offset_and_oversize_are_refused(vault: Vault) -> None:
    uid = vault.start_upload(owner=OWNER, total_size=1000)
    vault.append_upload(uid, OWNER, 0, b"a" * 400)
    with pytest.raises(UploadGapError):
        vault.append_upload(uid, OWNER, -1, b"b")
    with pytest.raises(UploadSizeError):
        vault.append_upload(uid, OWNER, 400, b"c" * 601)
    assert vault.upload_offset(uid, OWNER) == 400
    with pytest.raises(UploadSizeError):
        vault.start_upload(owner=OWNER, total_size=0)


def test_wrong_owner_looks_like_no_session(vault: Vault) -> None:
    uid = vault.start_upload(owner=OWNER, total_size=10)
    for call in (
        lambda: vault.upload_offset(uid, b"someone else"),
        lambda: vault.append_upload(uid, b"someone else", 0, b"x"),
        lambda: vault.finish_upload(uid, b"someone else", "0" * 64),
        lambda: vault.upload_offset("nosuchupload", OWNER),
    ):
        with pytest.raises(UploadNotFoundError):
            call()
    assert vault.upload_offset(uid, OWNER) == 0


def test_hash_mismatch_discards_the_upload(vault: Vault) -> None:
    uid = vault.start_upload(owner=OWNER, total_size=10)
    vault.append_upload(uid, OWNER, 0, b"0123456789")
    with pytest.raises(BlobIntegrityError):
        vault.finish_upload(uid, OWNER, hashlib.sha256(b"something else").hexdigest())
    with pytest.raises(UploadNotFoundError):
        vault.upload_offset(uid, OWNER)
    assert list(vault.uploads_dir.iterdir()) == []
    assert list(vault.blobs.iter_shas()) == []


def test_bytes_past_the_recorded_ranges_are_overwritten(vault: Vault) -> None:
    """A crash after a file write but before its marker leaves bytes no range names."""
    uid = vault.start_upload(owner=OWNER, total_size=8)
    vault.append_upload(uid, OWNER, 0, b"abcd")
    with open(vault.uploads_dir / uid, "ab") as f:
        f.write(b"JUNKJUNK")
    vault.append_upload(uid, OWNER, 4, b"efgh")
    ref = vault.finish_upload(uid, OWNER, hashlib.sha256(b"abcdefgh").hexdigest())
    assert vault.blobs.open(ref.sha256).read() == b"abcdefgh"


def test_expiry(vault: Vault) -> None:
    today = dt.datetime.now(dt.UTC).date()
    uid = vault.start_upload(owner=OWNER, total_size=10)
    vault.append_upload(uid, OWNER, 0, b"01234")
    assert vault.expire_uploads(today + dt.timedelta(days=1)) == 0
    assert vault.upload_offset(uid, OWNER) == 5
    assert vault.expire_uploads(dt.datetime.now(dt.UTC) + dt.timedelta(days=2)) == 1
    with pytest.raises(UploadNotFoundError):
        vault.upload_offset(uid, OWNER)
    assert list(vault.uploads_dir.iterdir()) == []


def test_stray_upload_files_are_swept(vault: Vault) -> None:
    uid = vault.start_upload(owner=OWNER, total_size=10)
    debris = vault.uploads_dir / "leftover"
    debris.write_bytes(b"crash debris")
    assert vault.sweep_upload_files() == 0  # written today: may be a session starting now
    yesterday = day_start() - 86400
    os.utime(debris, (yesterday, yesterday))
    os.utime(vault.uploads_dir / uid, (yesterday, yesterday))
    assert vault.sweep_upload_files() == 1
    assert [p.name for p in vault.uploads_dir.iterdir()] == [uid]
    vault.append_upload(uid, OWNER, 0, b"x")  # its markers belong to a known session: kept
    os.utime(vault.uploads.ranges_dir / uid, (yesterday, yesterday))
    vault.sweep_upload_files()
    assert [p.name for p in vault.uploads.ranges_dir.iterdir()] == [uid]


def test_finish_without_a_hash_computes_it(vault: Vault) -> None:
    """The browser path sends no hash (it does not hash what it streams): the store computes
    the address of what it holds, and still refuses an incomplete upload."""
    data = secrets.token_bytes(200_000)
    uid = vault.start_upload(owner=OWNER, total_size=len(data))
    vault.append_upload(uid, OWNER, 0, data[:-1])
    with pytest.raises(UploadIncompleteError):
        vault.finish_upload(uid, OWNER)
    vault.append_upload(uid, OWNER, len(data) - 1, data[-1:])
    ref = vault.finish_upload(uid, OWNER)
    assert (ref.sha256, ref.size) == (hashlib.sha256(data).hexdigest(), len(data))
    with vault.blobs.open(ref.sha256) as f:
        assert f.read() == data


def test_concurrent_starts_cannot_overshoot_the_quota(vault: Vault) -> None:
    """Issue 8: the quota was read, then the upload opened in another transaction, so
    starts racing on several workers could all pass the check together. Twelve threads race
    for a quota that holds four uploads: exactly four open, the others are refused and leave
    no file behind."""
    quota, size = 4000, 1000
    barrier = threading.Barrier(12)

    def start(i: int) -> str | None:
        barrier.wait()
        try:
            return vault.start_upload(owner=OWNER + bytes([i]), total_size=size, quota=quota)
        except UploadQuotaError:
            return None

    with ThreadPoolExecutor(12) as pool:
        opened = [u for u in pool.map(start, range(12)) if u is not None]
    assert len(opened) == 4
    assert vault.open_upload_bytes() == quota
    assert sorted(p.name for p in vault.uploads.directory.iterdir()) == sorted(opened)


@pytest.mark.parametrize("quota", [None, 10_000])
def test_pieces_racing_to_open_one_upload_all_find_it_open(vault: Vault, quota: int | None) -> None:
    """The browser's first pieces arrive together, and each may find its upload not open yet
    and open it (intake.api.uploads): every racer gets the same session, none an error, and
    the session holds its size once."""
    token = secrets.token_bytes(32)
    upload = upload_id_for(token)
    racers = 6
    barrier = threading.Barrier(racers)

    def open_it(_: int) -> str:
        barrier.wait()
        return vault.start_upload(owner=token, total_size=1000, quota=quota, upload_id=upload)

    for _round in range(5):  # the window is narrow: race several times
        with ThreadPoolExecutor(racers) as pool:
            assert list(pool.map(open_it, range(racers))) == [upload] * racers
        assert vault.open_upload_bytes() == 1000
        assert vault.expire_uploads(dt.date.today() + dt.timedelta(days=30)) == 1
