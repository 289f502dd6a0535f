"""The database blob store (``blob_store = "database"``) keeps the file store's promises.

Each test runs on SQLite and PostgreSQL. Two :class:`Vault` objects on one database stand for
two intake nodes that share nothing else (their homes differ).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets
import tarfile
import threading
import tracemalloc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from tests.conftest import PG_URL, pg_schema_url
from vault import retention
from vault.backup import backup, restore
from vault.blobstore import Written
from vault.dbblobs import ROW_BYTES, DatabaseBlobStore
from vault.errors import (
    BlobIntegrityError,
    BlobNotFoundError,
    UploadIncompleteError,
    UploadNotFoundError,
    UploadQuotaError,
)
from vault.models import BlobChunk, BlobContent
from vault.store import Vault
from vault.uploads import upload_id_for

OWNER = b"owner-token-hash-0123456789abcdef"


@pytest.fixture
def nodes(vault_db_url: str, tmp_path: Path) -> Iterator[tuple[Vault, Vault]]:
    one = Vault.open(vault_db_url, tmp_path / "node1", blob_store="database")
    two = Vault.open(vault_db_url, tmp_path / "node2", blob_store="database")
    yield one, two
    one.close()
    two.close()


def _count(vault: Vault, model: type) -> int:
    with vault.reading() as ops:
        return int(ops.s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_blob_streams_in_chunks_and_reads_back_on_another_node(
    nodes: tuple[Vault, Vault],
) -> None:
    one, two = nodes
    data = secrets.token_bytes(3 * ROW_BYTES + 12345)
    with one.blobs.writer() as w:
        for i in range(0, len(data), 65536):  # as the Sealer writes: 64 KiB at a time
            w.write(data[i : i + 65536])
        ref = w.commit()
    assert ref.sha256 == hashlib.sha256(data).hexdigest() and w.created
    assert _count(one, BlobChunk) == 4  # chunked, not one row
    assert two.blobs.exists(ref.sha256) and two.blobs.size(ref.sha256) == len(data)
    with two.blobs.open(ref.sha256) as f:
        assert f.read(10) == data[:10]
        assert f.read() == data[10:]
    assert two.blobs.verify(ref.sha256)
    assert list(two.blobs.iter_shas()) == [ref.sha256]


def test_writing_and_reading_a_big_blob_hold_about_one_chunk(nodes: tuple[Vault, Vault]) -> None:
    one, _ = nodes
    piece = secrets.token_bytes(65536)
    tracemalloc.start()
    with one.blobs.writer() as w:
        for _ in range(24 * ROW_BYTES // len(piece)):  # 24 MiB, as the Sealer hands it over
            w.write(piece)
        ref = w.commit()
    written_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert written_peak < 6 * ROW_BYTES
    tracemalloc.start()
    digest = hashlib.sha256()
    with one.blobs.open(ref.sha256) as f:
        while block := f.read(65536):
            digest.update(block)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert digest.hexdigest() == ref.sha256
    assert peak < 6 * ROW_BYTES  # 24 MiB read; a whole-blob load would show here


def test_a_blob_is_invisible_until_complete_and_an_abort_leaves_nothing(
    nodes: tuple[Vault, Vault],
) -> None:
    one, two = nodes
    data = secrets.token_bytes(2 * ROW_BYTES + 1)
    sha = hashlib.sha256(data).hexdigest()
    with one.blobs.writer() as w:
        w.write(data)
        assert _count(two, BlobChunk) == 2  # rows are there, the blob is not
        assert not two.blobs.exists(sha)
        with pytest.raises(BlobNotFoundError):
            two.blobs.open(sha)
        w.abort()
    assert _count(one, BlobChunk) == 0 and _count(one, BlobContent) == 0


def test_the_same_bytes_twice_are_one_blob_and_the_second_writer_created_nothing(
    nodes: tuple[Vault, Vault],
) -> None:
    one, two = nodes
    first = one.blobs.add_bytes(b"sealed envelope")
    again = two.blobs.add_bytes(b"sealed envelope")
    assert first.created and not again.created and first.ref == again.ref
    assert _count(one, BlobContent) == 1


def test_a_replayed_body_never_deletes_the_stored_envelope(nodes: tuple[Vault, Vault]) -> None:
    """The issue 8 rule on the shared store: a request that did not create the bytes (a
    replay through another node) may discard only what it created itself."""
    one, two = nodes
    stored = one.blobs.add_bytes(b"an envelope a case refers to")
    with one.writing() as ops:
        ops._register_blob(stored.ref)
    replay = two.blobs.add_bytes(b"an envelope a case refers to")
    assert two.discard([replay]) == []
    assert one.discard([Written(stored.ref, True)]) == []  # a row names it: kept
    assert one.blobs.exists(stored.ref.sha256)


def test_delete_and_the_sweep_of_crashed_writes(nodes: tuple[Vault, Vault]) -> None:
    one, _ = nodes
    ref = one.blobs.put_bytes(b"x" * 100)
    one.blobs.delete(ref.sha256)
    assert not one.blobs.exists(ref.sha256) and _count(one, BlobChunk) == 0
    one.blobs.delete(ref.sha256)  # absent is fine
    w = one.blobs.writer()
    w.write(b"a writer whose process was killed")  # never committed, never aborted
    w._flush(len(w._buffer))
    store = one.blobs
    assert isinstance(store, DatabaseBlobStore)
    assert store.sweep() == 0  # begun today: it may still be running on another node
    assert store.sweep(dt.date.today() + dt.timedelta(days=1)) == 0  # or across midnight
    assert store.sweep(dt.date.today() + dt.timedelta(days=2)) == 1
    assert _count(one, BlobChunk) == 0 and _count(one, BlobContent) == 0


def test_an_upload_started_on_one_node_finishes_on_the_other(nodes: tuple[Vault, Vault]) -> None:
    one, two = nodes
    data = secrets.token_bytes(700_000)
    uid = one.start_upload(owner=OWNER, total_size=len(data))
    assert one.append_upload(uid, OWNER, 0, data[:300_000]) == 300_000
    assert two.append_upload(uid, OWNER, 500_000, data[500_000:]) == 300_000  # out of order
    assert two.upload_ranges(uid, OWNER) == [(0, 300_000), (500_000, 700_000)]
    with pytest.raises(UploadIncompleteError):
        two.finish_upload(uid, OWNER)
    assert one.append_upload(uid, OWNER, 250_000, data[250_000:550_000]) == 700_000  # overlap
    assert _count(one, BlobChunk) == 3  # each byte stored once
    assert not one.blobs.exists(hashlib.sha256(data).hexdigest())  # complete, not yet a blob
    ref = two.finish_upload(uid, OWNER)  # node two never saw the start of the upload
    assert ref.sha256 == hashlib.sha256(data).hexdigest()
    with one.blobs.open(ref.sha256) as f:  # the pieces are the blob's chunks: nothing copied
        assert f.read() == data
    assert _count(one, BlobChunk) == 3 and _count(one, BlobContent) == 1
    # finished, the session answers with its blob on any node (a lost answer is asked again)
    assert one.upload_ranges(uid, OWNER) == [(0, 700_000)]
    assert one.finish_upload(uid, OWNER) == ref
    assert one.store_upload_piece(uid, OWNER, 0, data[:10]).blob == ref  # a resend: acknowledged
    assert one.open_upload_bytes() == 0  # holds no quota
    # when it expires the session goes and the blob stays
    assert two.expire_uploads(dt.date.today() + dt.timedelta(days=400)) == 1
    with pytest.raises(UploadNotFoundError):
        one.upload_offset(uid, OWNER)
    with one.blobs.open(ref.sha256) as f:
        assert f.read() == data


def test_a_wrong_hash_discards_the_upload(nodes: tuple[Vault, Vault]) -> None:
    one, two = nodes
    uid = one.start_upload(owner=OWNER, total_size=10)
    one.append_upload(uid, OWNER, 0, b"0123456789")
    with pytest.raises(BlobIntegrityError):
        two.finish_upload(uid, OWNER, "0" * 64)
    assert _count(one, BlobChunk) == 0 and _count(one, BlobContent) == 0


def test_an_upload_of_bytes_already_stored_keeps_one_copy(nodes: tuple[Vault, Vault]) -> None:
    one, two = nodes
    stored = one.blobs.add_bytes(b"the same envelope, sent twice")
    uid = two.start_upload(owner=OWNER, total_size=stored.ref.size)
    two.append_upload(uid, OWNER, 0, b"the same envelope, sent twice")
    assert two.finish_upload(uid, OWNER) == stored.ref
    assert _count(one, BlobContent) == 1 and _count(one, BlobChunk) == 1


def test_the_sweep_keeps_open_uploads(nodes: tuple[Vault, Vault]) -> None:
    one, _ = nodes
    uid = one.start_upload(owner=OWNER, total_size=10)
    one.append_upload(uid, OWNER, 0, b"01234")
    store = one.blobs
    assert isinstance(store, DatabaseBlobStore)
    assert store.sweep(dt.date.today() + dt.timedelta(days=3)) == 0  # the session still lives
    assert one.upload_ranges(uid, OWNER) == [(0, 5)]


def test_the_upload_quota_holds_across_nodes(nodes: tuple[Vault, Vault]) -> None:
    one, two = nodes
    one.start_upload(owner=OWNER, total_size=600, quota=1000)
    with pytest.raises(UploadQuotaError):
        two.start_upload(owner=OWNER, total_size=600, quota=1000)


def test_expiry_removes_pieces(nodes: tuple[Vault, Vault]) -> None:
    one, two = nodes
    uid = one.start_upload(owner=OWNER, total_size=10)
    one.append_upload(uid, OWNER, 0, b"01234")
    assert two.expire_uploads(dt.date.today() + dt.timedelta(days=30)) == 1
    assert _count(one, BlobChunk) == 0 and _count(one, BlobContent) == 0


def test_retention_removes_an_orphan_after_its_grace_days(nodes: tuple[Vault, Vault]) -> None:
    one, _ = nodes
    orphan = one.blobs.put_bytes(b"written, then the process died before its row")
    policy = retention.RetentionPolicy(closed_case_days=30, orphan_blob_days=2)
    assert orphan.sha256 not in retention.plan(one, policy).blobs  # still in its grace days
    with one.writing() as ops:  # as if written three days ago
        ops.s.execute(update(BlobContent).values(day=dt.date.today() - dt.timedelta(days=3)))
    assert retention.apply(one, policy).blobs == (orphan.sha256,)
    assert not one.blobs.exists(orphan.sha256)


def test_backup_reads_through_the_store_and_restores_into_either_store(
    nodes: tuple[Vault, Vault],
    vault_db_url: str,
    tmp_path: Path,
    pg_or_sqlite_target: str,
) -> None:
    one, _ = nodes
    ref = one.blobs.put_bytes(secrets.token_bytes(ROW_BYTES + 5))
    with one.writing() as ops:
        ops._register_blob(ref)
    info = backup(one, tmp_path / "b.tar")
    assert info.blobs == 1
    restored = restore(
        tmp_path / "b.tar", pg_or_sqlite_target, tmp_path / "restored", blob_store="database"
    )
    assert restored.blobs == 1
    with Vault.open(pg_or_sqlite_target, tmp_path / "restored", blob_store="database") as again:
        assert again.blobs.verify(ref.sha256)
        assert _count(again, BlobChunk) == 2


def test_a_backup_holds_each_blob_once(nodes: tuple[Vault, Vault], tmp_path: Path) -> None:
    """The blobs are ``blobs/`` members; the database part carries none of their bytes again
    (a SQLite snapshot copied whole held every blob twice)."""
    one, _ = nodes
    size = 3 * ROW_BYTES + 7
    ref = one.blobs.put_bytes(secrets.token_bytes(size))
    with one.writing() as ops:
        ops._register_blob(ref)
    backup(one, tmp_path / "b.tar")
    with tarfile.open(tmp_path / "b.tar") as tar:
        sizes = {m.name: m.size for m in tar.getmembers()}
    assert sizes[f"blobs/{ref.sha256}"] == size
    database = sum(n for name, n in sizes.items() if name.startswith("db/"))
    assert database < ROW_BYTES, sizes  # the schema and a few rows, not the blob again


@pytest.fixture
def pg_or_sqlite_target(vault_db_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same backend as ``vault_db_url`` to restore into."""
    if vault_db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'bisik.sqlite'}"
        return
    import sqlalchemy as sa

    schema = "t_" + secrets.token_hex(6)
    engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield pg_schema_url(schema)
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def test_open_returns_a_binary_file(nodes: tuple[Vault, Vault]) -> None:
    one, _ = nodes
    ref = one.blobs.put_bytes(b"abc")
    with one.blobs.open(ref.sha256) as f:
        assert isinstance(f, io.BufferedIOBase)
        assert f.read() == b"abc"


@pytest.mark.parametrize("size", [ROW_BYTES + 10, 2 * ROW_BYTES])  # a last chunk to write, or none
def test_a_write_swept_under_its_writer_fails_instead_of_naming_nothing(
    nodes: tuple[Vault, Vault],
    size: int,
) -> None:
    one, _ = nodes
    store = one.blobs
    assert isinstance(store, DatabaseBlobStore)
    w = store.writer()
    w.write(secrets.token_bytes(size))
    assert store.sweep(dt.date.today() + dt.timedelta(days=2)) == 1  # a stalled write, swept
    with pytest.raises(BlobNotFoundError):
        w.commit()
    assert list(store.iter_shas()) == []


def test_two_nodes_racing_to_open_one_upload_both_find_it_open(
    nodes: tuple[Vault, Vault],
) -> None:
    """Two pieces of one upload reach two nodes at once and both open it: one session."""
    token = secrets.token_bytes(32)
    upload = upload_id_for(token)
    barrier = threading.Barrier(4)

    def open_it(i: int) -> str:
        barrier.wait()
        node = nodes[i % 2]
        return node.start_upload(owner=token, total_size=1000, quota=10_000, upload_id=upload)

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(open_it, range(4))) == [upload] * 4
    assert nodes[0].open_upload_bytes() == 1000
