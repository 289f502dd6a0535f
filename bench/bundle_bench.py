"""Transfer-bundle bench: export throughput and memory, laptop-side verification, outbox import.

    .venv/bin/python bench/bundle_bench.py                          # small: 200 cases x 256 KiB
    .venv/bin/python bench/bundle_bench.py --cases 10000 --evidence-kib 2048   # ~20 GiB
    .venv/bin/python bench/bundle_bench.py --backends sqlite        # skip PostgreSQL

For each backend (SQLite file; PostgreSQL on 127.0.0.1:5432 in a throw-away schema) it fills a
vault with N cases (a small report envelope and one evidence blob of M KiB of random bytes,
which are indistinguishable from ciphertext for this purpose), then in the same run:

* ``tar`` baseline: ``tar -cf`` of the same blob directory to the same output disk, then an
  fsync of the archive (the export fsyncs before renaming, so both are measured durable);
* export: ``vault.transfer.export_bundle`` in a child process, whose own peak RSS is reported
  (flat memory means it does not grow with N or M);
* verify: ``vault.bundle.read_export`` (the laptop's check and staging copy), in a child too;
* import: a 1,000-item outbox (statuses, replies and reply envelopes) through
  ``vault.transfer.import_outbox``, seconds.

Page cache is warm for every step (the bench cannot drop caches on a shared machine); tar runs
first so it is never the one reading cold blobs.
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
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.vault.test_bundle_support import Org
    from vault.store import Vault

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True,
                         text=True, cwd=ROOT).stdout  # fmt: skip
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


def populate(vault: Vault, cases: int, evidence_bytes: int, reply: bytes) -> list[str]:
    ids = []
    block = os.urandom(evidence_bytes)
    for i in range(cases):
        # distinct blobs (content addressing would otherwise store one copy)
        ev = vault.blobs.put_bytes(i.to_bytes(8, "big") + block[8:])
        report = vault.blobs.put_bytes(os.urandom(1024))
        ids.append(vault.create_case(
            lookup_tag=secrets.token_bytes(32), reply_public=reply, recipients=["rev_a"],
            report_blob=report, evidence=[ev], channel="browser",
        ))  # fmt: skip
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


def run_backend(name: str, args: argparse.Namespace, work: Path) -> dict[str, object]:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from crypto.keys import raw_public
    from tests.vault.test_bundle_support import make_org
    from tests.vault.test_transfer_support import make_home
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
            cases = populate(vault, args.cases, args.evidence_kib * 1024, reply_pub)
            fill = time.perf_counter() - t
        out = work / name / "out"
        out.mkdir()
        t = time.perf_counter()
        subprocess.run(["tar", "-cf", str(out / "blobs.tar"), "-C", str(home), "blobs"], check=True)
        _fsync(out / "blobs.tar")  # the export fsyncs before its rename: same durability
        tar_s = time.perf_counter() - t
        tar_bytes = (out / "blobs.tar").stat().st_size
        (out / "blobs.tar").unlink()
        exp = _child("--child-export", db_url, str(home), str(out / "export.bisik"))
        stage = work / name / "stage"
        stage.mkdir()
        ver = _child("--child-verify", str(home), str(out / "export.bisik"), str(stage))
        (out / "export.bisik").unlink()
        make_outbox(out / "outbox.bisik", org, cases[:100], reply_pub, args.outbox_items)
        with Vault.open(db_url, home) as vault:
            t = time.perf_counter()
            summary = import_outbox(vault, load_directory(home), out / "outbox.bisik")
            imp_s = time.perf_counter() - t
        assert summary.statuses + 2 * summary.replies == args.outbox_items, summary
        return {"backend": name, "cases": args.cases, "fill_s": fill,
                "bundle_mib": exp["bytes"] / MiB, "export_s": exp["seconds"],
                "export_mbs": exp["bytes"] / MiB / exp["seconds"], "export_rss": exp["rss"],
                "tar_s": tar_s, "tar_mbs": tar_bytes / MiB / tar_s,
                "verify_s": ver["seconds"], "verify_mbs": exp["bytes"] / MiB / ver["seconds"],
                "verify_rss": ver["rss"], "import_items": args.outbox_items,
                "import_s": imp_s}  # fmt: skip
    finally:
        if schema:
            _drop_pg_schema(schema)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child-export":
        return child_export(*sys.argv[2:5])
    if len(sys.argv) > 1 and sys.argv[1] == "--child-verify":
        return child_verify(*sys.argv[2:5])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--evidence-kib", type=int, default=256)
    ap.add_argument("--outbox-items", type=int, default=1000)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--dir", type=Path, default=None, help="work directory (default: a temp dir)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bisik-bundle-bench-", dir=args.dir))
    rows = []
    try:
        for name in args.backends.split(","):
            rows.append(run_backend(name, args, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load = os.getloadavg()[0]
    print(f"\nbundle bench: {args.cases} cases x {args.evidence_kib} KiB evidence (+1 KiB "
          f"report each), outbox of {args.outbox_items} items; warm cache; load {load:.1f}")
    head = ("backend", "bundle MiB", "export s", "export MB/s", "export RSS MiB", "tar MB/s",
            "verify MB/s", "verify RSS MiB", "import s")  # fmt: skip
    print(" | ".join(head))
    for r in rows:
        print(" | ".join([
            str(r["backend"]), f"{r['bundle_mib']:.0f}", f"{r['export_s']:.2f}",
            f"{r['export_mbs']:.0f}", f"{r['export_rss']:.0f}", f"{r['tar_mbs']:.0f}",
            f"{r['verify_mbs']:.0f}", f"{r['verify_rss']:.0f}", f"{r['import_s']:.2f}",
        ]))  # fmt: skip
    return None


if __name__ == "__main__":
    main()
