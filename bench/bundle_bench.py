"""Transfer-bundle bench: export throughput and memory, laptop-side verification, outbox import.

    .venv/bin/python bench/bundle_bench.py                          # small: 200 cases x 256 KiB
    .venv/bin/python bench/bundle_bench.py --cases 10000 --evidence-kib 512    # ~5 GiB
    .venv/bin/python bench/bundle_bench.py --backends sqlite        # skip PostgreSQL

For each backend (SQLite file; PostgreSQL on 127.0.0.1:5432 in a throw-away schema) it fills a
vault with N cases (a small report envelope and one evidence blob of M KiB of random bytes,
which are indistinguishable from ciphertext for this purpose), then in the same run:

* ``tar`` baseline: ``tar -cf`` of the same blob directory to the same output folder, then
  an fsync of the archive (the export fsyncs before renaming, so both are measured durable);
* export: ``vault.transfer.export_bundle`` in a child process, whose own peak RSS is reported
  (flat memory means it does not grow with N or M);
* verify: ``vault.bundle.read_export`` (the laptop's check and staging copy), in a child too;
* import: a fresh 1,000-item outbox (statuses, replies and reply envelopes over 100 cases)
  through ``vault.transfer.import_outbox``.

The four steps run in interleaved rounds (bench/harness.py; ``--rounds``, at least 5) and
the tables give medians with [min–max]; the work folder is memory-backed by default
(``--tmpdir`` to put it on a disk).

The blobs are written once (with ``LocalBlobStore.put_files``) and hard-linked into the other
backend's home, since both hold the same content-addressed files; cases are created 500 per
transaction. Page cache is warm for every step (the bench cannot drop caches on a shared
machine). Everything the bench
creates (its work directory, the PostgreSQL schema) is removed at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.vault.helpers import Org
    from vault.blobstore import BlobRef
    from vault.store import Vault

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import harness as h  # noqa: E402

PG_URL = os.environ.get("BISIK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MiB = 1 << 20


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- children (run in their own process so their peak RSS is their own) --------------------------


def child_export(db_url: str, home: str, out: str) -> None:
    from vault.store import Vault
    from vault.transfer import export_bundle, load_server_key

    with Vault.open(db_url, Path(home)) as vault:
        t = time.perf_counter()
        s = export_bundle(vault, load_server_key(home), Path(out), since=0)
        dt_ = time.perf_counter() - t
    print(json.dumps({"seconds": dt_, "bytes": s.bytes, "items": s.items, "rss": _rss_mib()}))


def child_verify(home: str, path: str, stage: str) -> None:
    from vault.bundle import read_export
    from vault.transfer import load_directory

    directory = load_directory(home)
    t = time.perf_counter()
    with read_export(path, directory, staging_dir=stage) as b:
        n = sum(1 for _ in b.items())
    dt_ = time.perf_counter() - t
    print(json.dumps({"seconds": dt_, "items": n, "rss": _rss_mib()}))


def _child(*args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


# -- setup ---------------------------------------------------------------------------------------


def _pg_schema() -> tuple[str, str]:
    import sqlalchemy as sa

    schema = "bench_" + secrets.token_hex(5)
    engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return schema, f"{PG_URL}?options=-csearch_path%3D{schema}"


def _drop_pg_schema(schema: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def fill_blobs(vault: Vault, cases: int, evidence_bytes: int) -> list[tuple[BlobRef, BlobRef]]:
    """(report, evidence) blobs for every case, 256 files per ``put_files`` call."""
    refs: list[tuple[BlobRef, BlobRef]] = []
    block = os.urandom(evidence_bytes)
    for start in range(0, cases, 256):
        paths = []
        for i in range(start, min(cases, start + 256)):
            # distinct blobs (content addressing would otherwise store one copy)
            for name, data in (("r", os.urandom(1024)), ("e", i.to_bytes(8, "big") + block[8:])):
                path = vault.tmp_dir / f"fill-{name}{i}"
                path.write_bytes(data)
                paths.append(path)
        got = vault.blobs.put_files(paths)
        refs.extend(zip(got[0::2], got[1::2], strict=True))
    return refs


def populate(vault: Vault, blobs: list[tuple[BlobRef, BlobRef]], reply: bytes) -> list[str]:
    """One case per (report, evidence) pair, 500 cases per transaction."""
    ids: list[str] = []
    for start in range(0, len(blobs), 500):
        with vault.batch() as tx:
            for report, ev in blobs[start : start + 500]:
                ids.append(
                    tx.create_case(
                        lookup_tag=secrets.token_bytes(32),
                        reply_public=reply,
                        recipients=["rev_a"],
                        report_blob=report,
                        evidence=[ev],
                    )
                )
    return ids


def make_outbox(path: Path, org: Org, cases: list[str], reply_pub: bytes, items: int) -> None:
    from crypto import envelope, records
    from crypto.keys import load_x25519_public
    from vault.bundle import OutboxWriter

    key = org.signer("rev_a")
    pub = load_x25519_public(reply_pub)
    with OutboxWriter(path, key, org.directory, ack=0) as out:
        n = 0
        i = 0
        while n < items:
            case = cases[i % len(cases)]
            at = f"2026-11-29T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}+00:00"
            if n + 3 <= items and i % 2:
                env = envelope.seal(b"balasan %d" % i, [pub])
                sha = hashlib.sha256(env).hexdigest()
                out.add_reply(records.reply(key, case, sha, at=at), env)
                n += 2
            else:
                out.add_status(records.status(key, case, "in_review", at=at))
                n += 1
            i += 1


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def run_backend(
    name: str, args: argparse.Namespace, work: Path, shared: dict[str, object]
) -> dict[str, object]:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from crypto.keys import raw_public
    from tests.vault.helpers import make_home, make_org
    from vault.store import Vault
    from vault.transfer import import_outbox, load_directory

    home = work / name / "home"
    schema = None
    if name == "sqlite":
        db_url = f"sqlite:///{home / 'bisik.sqlite'}"
    else:
        schema, db_url = _pg_schema()
    try:
        org = make_org()
        make_home(home, org)
        reply_pub = raw_public(X25519PrivateKey.generate().public_key())
        with Vault.open(db_url, home) as vault:
            t = time.perf_counter()
            if "blobs" not in shared:
                shared["blobs"] = fill_blobs(vault, args.cases, args.evidence_kib * 1024)
                shared["home"] = home
            else:  # the same content-addressed files: hard links, no second 5 GiB write
                vault.blobs.root.rmdir()
                subprocess.run(
                    ["cp", "-al", str(Path(str(shared["home"])) / "blobs"), str(vault.blobs.root)],
                    check=True,
                )
            blob_s = time.perf_counter() - t
            t = time.perf_counter()
            cases = populate(vault, shared["blobs"], reply_pub)  # type: ignore[arg-type]
            fill = time.perf_counter() - t
        out = work / name / "out"
        out.mkdir()
        stage = work / name / "stage"
        exp: dict[str, float] = {}
        count = iter(range(1 << 30))

        def tar() -> float:
            t = time.perf_counter()
            subprocess.run(
                ["tar", "-cf", str(out / "blobs.tar"), "-C", str(home), "blobs"], check=True
            )
            _fsync(out / "blobs.tar")  # the export fsyncs before its rename: same durability
            seconds = time.perf_counter() - t
            exp["tar_bytes"] = (out / "blobs.tar").stat().st_size
            (out / "blobs.tar").unlink()
            return seconds

        def export() -> dict[str, float]:
            (out / "export.bisik").unlink(missing_ok=True)
            got = _child("--child-export", db_url, str(home), str(out / "export.bisik"))
            exp["bytes"] = got["bytes"]
            return {"s": got["seconds"], "rss": got["rss"]}

        def verify() -> dict[str, float]:
            shutil.rmtree(stage, ignore_errors=True)
            stage.mkdir()
            got = _child("--child-verify", str(home), str(out / "export.bisik"), str(stage))
            return {"s": got["seconds"], "rss": got["rss"]}

        def import_one() -> float:
            outbox = out / f"outbox{next(count)}.bisik"
            make_outbox(outbox, org, cases[:100], reply_pub, args.outbox_items)
            with Vault.open(db_url, home) as vault:
                t = time.perf_counter()
                summary = import_outbox(vault, load_directory(home), outbox)
                seconds = time.perf_counter() - t
            assert summary.statuses + 2 * summary.replies == args.outbox_items, summary
            outbox.unlink()
            return seconds

        s = h.interleave(
            {"tar": tar, "export": export, "verify": verify, "import": import_one},
            args.rounds,
            label=name,
        )
        return {
            "backend": name,
            "blob_s": blob_s,
            "fill_s": fill,
            "samples": s,
            "bundle": exp["bytes"],
            "tar_bytes": exp["tar_bytes"],
        }
    finally:
        if schema:
            _drop_pg_schema(schema)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child-export":
        return child_export(*sys.argv[2:5])
    if len(sys.argv) > 1 and sys.argv[1] == "--child-verify":
        return child_verify(*sys.argv[2:5])
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--cases", type=int, default=None, help="default 200 (--full: 10000)")
    ap.add_argument("--evidence-kib", type=int, default=None, help="default 256 (--full: 512)")
    ap.add_argument("--outbox-items", type=int, default=1000)
    ap.add_argument("--backends", default="sqlite,postgresql")
    h.common_args(ap, rounds=5)
    args = ap.parse_args()
    args.cases = args.cases or (10_000 if args.full else 200)
    args.evidence_kib = args.evidence_kib or (512 if args.full else 256)
    rows = []
    shared: dict[str, object] = {}
    with h.workspace(args, "bisik-bundle-bench-") as work:
        conditions = h.describe(work)
        for name in args.backends.split(","):
            rows.append(run_backend(name, args, work, shared))
    print(f"Bisik bundle benchmark: {conditions}")
    print(
        f"{args.cases} cases x {args.evidence_kib} KiB evidence (+1 KiB report each); warm "
        "cache; interleaved rounds (tar, export, verify, import); median [min–max]\n"
    )
    mib_ = 1 << 20
    table = []
    for r in rows:
        s = r["samples"]
        table.append(
            [
                str(r["backend"]),
                f"{r['bundle'] / mib_:.0f}",
                s["export s"].rate(r["bundle"] / 1e6),
                s["tar"].rate(r["tar_bytes"] / 1e6),
                f"{h.speedup(s['tar'], s['export s']):.2f}",
                s["verify s"].rate(r["bundle"] / 1e6),
                f"{s['export rss'].high:.0f} / {s['verify rss'].high:.0f}",
                s["import"].show(),
                f"{r['blob_s']:.1f} / {r['fill_s']:.1f}",
            ]
        )
    print(
        h.table(
            [
                "backend",
                "bundle MiB",
                "export MB/s",
                "tar MB/s",
                "export ÷ tar speed",
                "verify MB/s",
                "peak RSS MiB export / verify",
                f"outbox import s ({args.outbox_items} items)",
                "fill s: blobs / cases",
            ],
            table,
        )
    )
    print(h.load_now())
    return None


if __name__ == "__main__":
    main()
