"""Vault storage bench: blob store throughput against a plain copy, and case rates per backend.

Usage: .venv/bin/python bench/vault_store_bench.py [--blob-mb 256] [--cases 2000] [--no-pg]

Blob write = LocalBlobStore.writer() (hash + temp file + fsync + rename + dir fsync) against
``shutil.copyfileobj`` into a file plus one fsync, and against the same copy with SHA-256, same
data, same directory, alternating, best of N. Blob read = ``verify`` (read + SHA-256) against a
plain read, both through the page cache (say so when quoting).
Case rates: create_case (one transaction each, SQLite synchronous=FULL), case_by_lookup,
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
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto import records
from vault.blobstore import BlobRef, LocalBlobStore
from vault.store import Outbound, Vault

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CHUNK = 1 << 20


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def blob_bench(root: Path, size_mb: int, repeat: int) -> list[tuple[str, float, float]]:
    """Best of ``repeat`` alternating runs (the machine is shared; writeback throttles)."""
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

    best: dict[str, float] = {}
    for _ in range(repeat):
        for name, fn in (("base", lambda: plain_write(False)), ("store", store_write),
                         ("hashed", lambda: plain_write(True)),
                         ("base_r", plain_read),
                         ("store_r", lambda: store.verify(refs[-1].sha256))):  # fmt: skip
            best[name] = min(best.get(name, float("inf")), timed(fn))
    return [
        ("blob write (MB/s)", size_mb / best["store"], size_mb / best["base"]),
        ("  vs copy+sha256 (MB/s)", size_mb / best["store"], size_mb / best["hashed"]),
        ("blob read+verify (MB/s)", size_mb / best["store_r"], size_mb / best["base_r"]),
    ]


def case_bench(url: str, home: Path, n: int) -> dict[str, float]:
    vault = Vault.open(url, home)
    try:
        report = vault.blobs.put_bytes(secrets.token_bytes(2048))
        evidence = [vault.blobs.put_bytes(secrets.token_bytes(4096)) for _ in range(2)]
        tags = [secrets.token_bytes(32) for _ in range(n)]

        def insert() -> None:
            for tag in tags:
                vault.create_case(lookup_tag=tag, reply_public=secrets.token_bytes(32),
                                  recipients=["rev-a", "rev-b"], report_blob=report,
                                  evidence=evidence)  # fmt: skip

        def lookup() -> None:
            for tag in tags:
                assert vault.case_by_lookup(tag) is not None

        def export() -> None:
            seq, seen = 0, 0
            while page := vault.items_since(seq, limit=500):
                seq, seen = page[-1].seq, seen + len(page)
            assert seen == n

        rates = {"insert": n / timed(insert), "lookup": n / timed(lookup),
                 "export": n / timed(export)}  # fmt: skip
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
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blob-mb", type=int, default=256)
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument("--dir", type=Path, default=None, help="work directory (default: a temp dir)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        root = Path(tmp)
        print(f"blob store, {args.blob_mb} MiB in 1 MiB writes, best of {args.repeat}, {root}")
        print(f"{'':28}{'vault':>12}{'baseline':>12}{'ratio':>8}")
        for name, mine, base in blob_bench(root, args.blob_mb, args.repeat):
            print(f"{name:28}{mine:12.0f}{base:12.0f}{mine / base:8.2f}")

        results = {"sqlite": case_bench(f"sqlite:///{root / 's' / 'bisik.sqlite'}",
                                        root / "s", args.cases)}  # fmt: skip
        if not args.no_pg:
            url, drop = pg_schema_url()
            try:
                results["postgresql"] = case_bench(url, root / "p", args.cases)
            finally:
                drop()
        print(f"\ncases: {args.cases}, 2 evidence blobs each (ops/s)")
        print(f"{'':28}" + "".join(f"{b:>12}" for b in results))
        labels = {"insert": "create_case", "lookup": "case_by_lookup",
                  "export": "items_since (500/page)", "batch": "add_status in 1 batch",
                  "replay": "same batch replayed", "records": "add_records in 1 batch"}  # fmt: skip
        for op, label in labels.items():
            print(f"{label:28}" + "".join(f"{r[op]:12.0f}" for r in results.values()))


if __name__ == "__main__":
    main()
