"""The encrypted case store: sealing, transactions, locking, tamper detection."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

import pytest

from reviewer.errors import CaseNotFound, StoreError
from reviewer.store import CaseStore

KEY = secrets.token_bytes(32)


def _put(root: Path, case_id: str, text: str, key: bytes = KEY) -> None:
    with CaseStore.open(root, key) as store, store.transaction() as tx:
        tx.put_case(case_id, {"id": case_id, "text": text}, {"st": "received"})


def test_round_trip_and_versions_replace(tmp_path: Path) -> None:
    _put(tmp_path, "case-1", "pertama")
    _put(tmp_path, "case-1", "kedua")
    with CaseStore.open(tmp_path, KEY) as store:
        assert store.load_case("case") == {"id": "case-1", "text": "kedua"}
        assert len(list((tmp_path / "packs").iterdir())) == 1  # the old version is gone
        with pytest.raises(CaseNotFound):
            store.load_case("nope")


def test_wrong_key_or_swapped_files_are_detected(tmp_path: Path) -> None:
    _put(tmp_path, "case-1", "satu")
    _put(tmp_path, "case-2", "dua")
    with pytest.raises(StoreError):
        CaseStore.open(tmp_path, secrets.token_bytes(32)).__enter__()
    files = sorted((tmp_path / "packs").iterdir())
    a, b = files[0].read_bytes(), files[1].read_bytes()
    files[0].write_bytes(b)
    files[1].write_bytes(a)
    with CaseStore.open(tmp_path, KEY) as store, pytest.raises(StoreError):
        store.load_case("case-1")


def test_failed_transaction_leaves_no_trace(tmp_path: Path) -> None:
    _put(tmp_path, "case-1", "satu")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    index = (tmp_path / "index.bin").read_bytes()
    with CaseStore.open(tmp_path, KEY) as store:
        with pytest.raises(RuntimeError), store.transaction() as tx:
            tx.put_case("case-2", {"id": "case-2"}, {"st": "received"})
            raise RuntimeError("boom")
        assert list(store.cases) == ["case-1"]
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert (tmp_path / "index.bin").read_bytes() == index


def test_second_command_is_locked_out(tmp_path: Path) -> None:
    with CaseStore.open(tmp_path, KEY), pytest.raises(StoreError):
        CaseStore.open(tmp_path, KEY).__enter__()


def test_put_blob_refuses_wrong_hash(tmp_path: Path) -> None:
    import hashlib
    import io

    data = b"envelope bytes"
    with CaseStore.open(tmp_path, KEY) as store, store.transaction() as tx:
        assert not tx.put_blob("0" * 64, io.BytesIO(data))
        assert tx.put_blob(hashlib.sha256(data).hexdigest(), io.BytesIO(data))
    assert [p.name for p in (tmp_path / "blobs").iterdir()] == [hashlib.sha256(data).hexdigest()]


def test_put_blob_leaves_nothing_when_the_source_fails(tmp_path: Path) -> None:
    """A read error mid-copy (a USB stick pulled out) leaves no temporary file in blobs/."""

    class Failing(io.RawIOBase):
        def __init__(self) -> None:
            self.calls = 0

        def read(self, size: int = -1) -> bytes:
            self.calls += 1
            if self.calls > 1:
                raise OSError(5, "Input/output error")
            return b"x" * 1024

    with CaseStore.open(tmp_path, KEY) as store, store.transaction() as tx:
        with pytest.raises(OSError):
            tx.put_blob("0" * 64, Failing())  # type: ignore[arg-type]
        assert list((tmp_path / "blobs").iterdir()) == []


def test_mostly_dead_packs_are_compacted(tmp_path: Path) -> None:
    big = "x" * 40_000
    with CaseStore.open(tmp_path, KEY) as store, store.transaction() as tx:
        for i in range(4):
            tx.put_case(f"case-{i}", {"id": f"case-{i}", "t": big}, {"st": "received"})
    for i in range(3):  # three of the four records in the first pack are superseded
        _put(tmp_path, f"case-{i}", "baru")
    with CaseStore.open(tmp_path, KEY) as store:
        assert store.load_case("case-3")["t"] == big
        assert [store.load_case(f"case-{i}")["text"] for i in range(3)] == ["baru"] * 3
        total = sum(p.stat().st_size for p in (tmp_path / "packs").iterdir())
        assert total < 60_000  # the 160 kB first pack is gone, its live record moved


def test_link_blob_takes_a_staged_file_without_copying(tmp_path: Path) -> None:
    import hashlib

    staged = tmp_path / "staged"
    staged.write_bytes(b"sealed evidence")
    sha = hashlib.sha256(b"sealed evidence").hexdigest()
    root = tmp_path / "store"
    with CaseStore.open(root, KEY) as store:
        with pytest.raises(RuntimeError), store.transaction() as tx:
            assert tx.link_blob(sha, staged)
            raise RuntimeError("abort")
        assert store.blob_path(sha) is None  # rolled back with the transaction
        with store.transaction() as tx:
            assert tx.link_blob(sha, staged)
        blob = store.blob_path(sha)
        assert blob is not None and blob.stat().st_ino == staged.stat().st_ino
    staged.unlink()  # the reader removes its staging directory; the blob stays
    assert blob.read_bytes() == b"sealed evidence"
