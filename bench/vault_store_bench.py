"""Vault storage bench: blob store throughput against a plain copy, and case rates per backend.

Usage: .venv/bin/python bench/vault_store_bench.py [--blob-mb 256] [--cases 2000] [--no-pg]
       [--rounds 5] [--tmpdir DIR] [--full]

Blob write = LocalBlobStore.writer() (hash + temp file + fsync + rename + dir fsync) against
``shutil.copyfileobj`` into a file plus one fsync, and against the same copy with SHA-256, same
data, same directory, in interleaved rounds (bench/harness.py: medians with [min–max]). The
folder is memory-backed by default (fsync is then nearly free: the figures measure the code;
``--tmpdir`` on a disk measures the disk too). Blob read = ``verify`` (read + SHA-256) against a
plain read, both through the page cache. With PostgreSQL, the same bytes also go through the
database blob store (``blob_store = "database"``: 1 MiB chunk rows; 127.0.0.1:5432, a throwaway
schema), write and read+verify, against the same baselines.
Case rates, one fresh database per round and backend, rounds interleaved (SQLite, PostgreSQL):
create_case (one transaction each, SQLite synchronous=FULL), case_by_lookup,
items_since export pages, N signed statuses applied in one batch by one add_status call each,
then replayed, then N new ones by one ``add_records`` call (what an outbox import uses), on
SQLite and on PostgreSQL (127.0.0.1:5432, a throwaway schema).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import secrets
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench import harness as h
from crypto import records
from vault.blobstore import BlobRef, BlobStore, LocalBlobStore
from vault.entries import Outbound
from vault.store import Vault

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CHUNK = 1 << 20


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def blob_bench(
    root: Path, size_mb: int, rounds: int, pg_url: str | None = None
) -> list[tuple[str, h.Samples, h.Samples]]:
    """Interleaved rounds of the five steps (the machine is shared; writeback throttles)."""
    data = secrets.token_bytes(size_mb << 20)
    store = LocalBlobStore(root / "blobs")
    refs: list[BlobRef] = []

    def store_write() -> None:
        for sha in list(store.iter_shas()):
            store.path(sha).unlink()
        with store.writer() as w:
            view = memoryview(data)
            for i in range(0, len(data), CHUNK):
                w.write(view[i : i + CHUNK])
            refs.append(w.commit())

    plain = root / "plain.bin"

    def plain_write(hashed: bool) -> None:
        digest = hashlib.sha256()
        src = io.BytesIO(data)
        with open(plain, "wb") as out:
            if hashed:
                while block := src.read(CHUNK):
                    digest.update(block)
                    out.write(block)
            else:
                shutil.copyfileobj(src, out, CHUNK)
            out.flush()
            os.fsync(out.fileno())

    def plain_read() -> None:
        with open(plain, "rb") as f:
            while f.read(CHUNK):
                pass

    def store_read() -> None:  # timed by the harness (a step returning None)
        if not store.verify(refs[-1].sha256):
            raise SystemExit("the stored blob does not verify")

    steps: dict[str, h.Step] = {
        "base": lambda: plain_write(False),
        "store": store_write,
        "hashed": lambda: plain_write(True),
        "base_r": plain_read,
        "store_r": store_read,
    }
    db_vault = None
    if pg_url is not None:  # the database store (scale-out): the same bytes as rows
        db_vault = Vault.open(pg_url, root / "dbhome", blob_store="database")
        steps |= _db_steps(db_vault.blobs, data)
    try:
        s = h.interleave(steps, rounds, label="blobs")
    finally:
        if db_vault is not None:
            db_vault.close()
    rows = [
        ("blob write (MB/s)", s["store"], s["base"]),
        ("  vs copy+sha256 (MB/s)", s["store"], s["hashed"]),
        ("blob read+verify (MB/s)", s["store_r"], s["base_r"]),
    ]
    if pg_url is not None:
        rows += [
            ("blob write, PostgreSQL store (MB/s)", s["db"], s["base"]),
            ("blob read+verify, PostgreSQL store (MB/s)", s["db_r"], s["base_r"]),
        ]
    return rows


def _db_steps(store: BlobStore, data: bytes) -> dict[str, h.Step]:
    """Write (1 MiB at a time, as the file store is fed) and read+verify in the database."""
    shas: list[str] = []

    def write() -> None:
        for sha in shas:
            store.delete(sha)
        with store.writer() as w:
            view = memoryview(data)
            for i in range(0, len(data), CHUNK):
                w.write(view[i : i + CHUNK])
            shas.append(w.commit().sha256)

    def read() -> None:
        if not store.verify(shas[-1]):
            raise SystemExit("the blob stored in the database does not verify")

    return {"db": write, "db_r": read}


def case_bench(url: str, home: Path, n: int) -> dict[str, float]:
    vault = Vault.open(url, home)
    try:
        report = vault.blobs.put_bytes(secrets.token_bytes(2048))
        evidence = [vault.blobs.put_bytes(secrets.token_bytes(4096)) for _ in range(2)]
        tags = [secrets.token_bytes(32) for _ in range(n)]

        def insert() -> None:
            for tag in tags:
                vault.create_case(
                    lookup_tag=tag,
                    reply_public=secrets.token_bytes(32),
                    recipients=["rev-a", "rev-b"],
                    report_blob=report,
                    evidence=evidence,
                )

        def lookup() -> None:
            for tag in tags:
                assert vault.case_by_lookup(tag) is not None

        def export() -> None:
            seq, seen = 0, 0
            while page := vault.items_since(seq, limit=500):
                seq, seen = page[-1].seq, seen + len(page)
            assert seen == n

        rates = {
            "insert": n / timed(insert),
            "lookup": n / timed(lookup),
            "export": n / timed(export),
        }
        ids = [vault.case_by_lookup(tag).id for tag in tags]  # type: ignore[union-attr]
        key = Ed25519PrivateKey.generate()
        recs = [(c, records.status(key, c, "in_review")) for c in ids]

        def import_batch() -> None:  # what one outbox import does: one transaction
            with vault.batch() as tx:
                tx.mark_bundle(secrets.token_bytes(16))
                for case_id, rec in recs:
                    tx.add_status(case_id, rec)

        rates["batch"] = n / timed(import_batch)
        rates["replay"] = n / timed(import_batch)  # every record already there
        recs2 = [Outbound("status", c, records.status(key, c, "need_info")) for c in ids]

        def import_records() -> None:  # what vault.transfer.import_outbox calls
            with vault.batch() as tx:
                tx.mark_bundle(secrets.token_bytes(16))
                assert all(tx.add_records(recs2))

        rates["records"] = n / timed(import_records)
        return rates
    finally:
        vault.close()


def pg_schema_url() -> tuple[str, Callable[[], None]]:
    import sqlalchemy as sa

    schema = "bench_" + secrets.token_hex(4)
    engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()

    return f"{PG_URL}?options=-csearch_path%3D{schema}", drop


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--blob-mb", type=int, default=None, help="default 64 (--full: 256)")
    ap.add_argument("--cases", type=int, default=None, help="default 500 (--full: 2000)")
    ap.add_argument("--no-pg", action="store_true")
    h.common_args(ap, rounds=5)
    args = ap.parse_args()
    blob_mb = args.blob_mb or (256 if args.full else 64)
    n = args.cases or (2000 if args.full else 500)
    rates: dict[str, dict[str, h.Samples]] = {"sqlite": {}}
    if not args.no_pg:
        rates["postgresql"] = {}

    with h.workspace(args, "bisik-vbench-") as root:
        conditions = h.describe(root)
        if args.no_pg:
            blobs = blob_bench(root, blob_mb, args.rounds)
        else:
            url, drop = pg_schema_url()
            try:
                blobs = blob_bench(root, blob_mb, args.rounds, url)
            finally:
                drop()
        counter = iter(range(1 << 30))

        def backend(name: str) -> None:
            k = next(counter)
            if name == "sqlite":
                got = case_bench(f"sqlite:///{root / f's{k}' / 'bisik.sqlite'}", root / f"s{k}", n)
            else:
                url, drop = pg_schema_url()
                try:
                    got = case_bench(url, root / f"p{k}", n)
                finally:
                    drop()
            for op, value in got.items():
                rates[name].setdefault(op, h.Samples()).add(value)

        h.interleave(
            {name: (lambda name=name: backend(name)) for name in rates}, args.rounds, label="cases"
        )
    print(f"Bisik vault storage benchmark: {conditions}")
    print(f"blob store, {blob_mb} MiB in 1 MiB writes; interleaved rounds, median [min–max]\n")
    mb = blob_mb * (1 << 20) / 1e6
    print(
        h.table(
            ["", "vault MB/s", "baseline MB/s", "vault ÷ baseline (medians)"],
            [
                [name, mine.rate(mb), base.rate(mb), f"{h.speedup(base, mine):.2f}"]
                for name, mine, base in blobs
            ],
        )
    )
    print(
        f"\ncases: {n}, 2 evidence blobs each (operations/s, median [min–max] over fresh "
        "databases)\n"
    )
    labels = {
        "insert": "create_case",
        "lookup": "case_by_lookup",
        "export": "items_since (500/page)",
        "batch": "add_status in 1 batch",
        "replay": "same batch replayed",
        "records": "add_records in 1 batch",
    }
    print(
        h.table(
            ["", *rates],
            [
                [label, *(r[op].show("{:.0f}") for r in rates.values())]
                for op, label in labels.items()
            ],
        )
    )
    print(h.load_now())


if __name__ == "__main__":
    main()
