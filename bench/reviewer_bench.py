"""Reviewer tool benchmark: import + decrypt N cases vs. GnuPG, and ``list`` over N cases.

Usage (small while developing, full size for the figures in the report)::

    .venv/bin/python bench/reviewer_bench.py               # 500 cases
    .venv/bin/python bench/reviewer_bench.py --cases 10000 # full size (several minutes: gpg)

What is compared, in one run on the same report documents:

* **Bisik**: ``bisik-reviewer import`` through the library calls the command makes —
  verify the server-signed export bundle (vault.bundle), decrypt every report envelope with
  the reviewer's X25519 key, parse it, check the evidence list, seal each case under the
  store key, write the store (one syncfs, atomic index switch).
* **gpg, per file**: the anchors' viewing-station flow (SecureDrop's workstation decrypts each
  submission with its own ``gpg --batch --decrypt`` process), with a Curve25519 key
  (``future-default``: ed25519 + cv25519) made in a temporary GNUPGHOME, no passphrase.
* **gpg, one process**: ``gpg --batch --decrypt-files`` over all files (gpg's best case).

Then ``list``: unlocking the store index and rendering the full table of N cases (the library
path of ``bisik-reviewer list``), the wall time of the real one-shot command in a subprocess,
and ``list`` typed into a running ``bisik-reviewer shell`` (the daily way: one unlock, then
each command costs only its own work; the shell's start-up is printed on its own line).
Argon2id with the default ``sensitive`` profile is timed once on its own, since a one-shot
command pays it every time and a shell once, whatever N is. Setup (sealing, writing the
bundle, gpg encryption) is not timed.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto import document as cdoc
from crypto import envelope, receipt
from crypto.encoding import b64u_encode
from crypto.keys import raw_public
from reviewer import identity, keyfile, org
from reviewer.bundles import open_export, staging_root
from reviewer.commands.list_cases import select
from reviewer.home import Home
from reviewer.i18n import t
from reviewer.importer import import_items
from reviewer.store import CaseStore
from reviewer.ui.table import render
from vault.bundle import ExportWriter

PASS = "bench passphrase words"  # noqa: S105 - throwaway keys in a temp dir
REGIONS = ["Jawa Tengah", "Jawa Timur", "Sulawesi Selatan", "Sumatera Utara", "Papua"]
CATS = ["media_sosial", "mobilisasi", "fasilitas_negara", "pembalasan", "kampanye"]


def setup_team(root: Path) -> tuple[Home, identity.Identity, Home, Ed25519PrivateKey]:
    lead = Home(root / "ayu")
    ident = identity.create(lead, "ayu", "Ayu", PASS, profile="test")
    other = Home(root / "budi")
    identity.create(other, "budi", "Budi", PASS, profile="test")
    org.init_root(lead, "Bench", PASS, profile="test")
    org.add_member(lead, lead.public_json, role="lead")
    org.add_member(lead, other.public_json)
    server = Ed25519PrivateKey.generate()
    org.sign(lead, PASS, server.public_key())
    return lead, ident, other, server


def make_documents(n: int) -> list[bytes]:
    reply = b64u_encode(raw_public(receipt.derive(receipt.generate()).reply_public))
    docs = []
    for i in range(n):
        text = (f"Laporan nomor {i}: atasan mengumpulkan staf dan meminta dukungan untuk "
                "calon tertentu melalui grup WhatsApp kantor. ") * 8  # ~1 KiB of text
        ev = [cdoc.Evidence(hashlib.sha256(f"{i}-{k}".encode()).hexdigest(), f"bukti_{k}.jpg",
                            "image/jpeg", 120_000,
                            envelope_mac=hashlib.sha256(f"mac {i}-{k}".encode()).hexdigest())
              # listed only: these envelopes are not in the bench bundle (state "missing")
              for k in range(2)]  # fmt: skip
        doc = cdoc.Document("report", "2026-11-20T08:15:00+00:00", "browser",
                            {"category": CATS[i % 5], "province": REGIONS[i % 5],
                             "description": text}, reply, tuple(ev))  # fmt: skip
        docs.append(doc.to_bytes())
    return docs


def write_export(path: Path, server: Ed25519PrivateKey, envs: list[bytes]) -> None:
    reply = b64u_encode(raw_public(receipt.derive(receipt.generate()).reply_public))
    with ExportWriter(path, server, seq_from=0) as w:
        for i, env in enumerate(envs):
            case = f"case{i:06d}"
            w.add_case(case, f"2026-11-{1 + i % 28:02d}", ["ayu", "budi"], reply)
            w.add_envelope(case, "report", i + 1, io.BytesIO(env), len(env),
                           hashlib.sha256(env).hexdigest())  # fmt: skip
        w.finish(len(envs))


def bisik_import(lead: Home, ident: identity.Identity, bundle: Path
                 ) -> tuple[float, float, int]:  # fmt: skip
    """(wall s, CPU s, readable cases) of the import, staging as the command does."""
    directory = org.load_directory(lead)
    t0, c0 = time.perf_counter(), time.process_time()
    with CaseStore.open(lead.store, ident.store_key) as store, \
            open_export(bundle, directory, staging_root(lead)) as export:  # fmt: skip
        summary = import_items(store, ident, directory, lead.load_config(), export.items(),
                               bundle_id=export.manifest.bundle_id,
                               seq_to=export.manifest.seq_to)  # fmt: skip
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return wall, cpu, summary.new_cases - summary.unreadable


def gpg_setup(root: Path, docs: list[bytes]) -> tuple[dict[str, str], list[Path]]:
    env = {**os.environ, "GNUPGHOME": str(root / "gnupg")}
    (root / "gnupg").mkdir(mode=0o700)
    subprocess.run(["gpg", "--batch", "--quiet", "--passphrase", "", "--quick-gen-key",
                    "Bench Reviewer <bench@example.org>", "future-default", "default", "never"],
                   env=env, check=True, capture_output=True)  # fmt: skip
    plain = root / "plain"
    plain.mkdir()
    files = []
    for i, doc in enumerate(docs):
        p = plain / f"r{i:06d}"
        p.write_bytes(doc)
        files.append(p)
    for start in range(0, len(files), 1000):  # one process per 1000 files: setup only
        subprocess.run(["gpg", "--batch", "--yes", "--quiet", "--trust-model", "always",
                        "-r", "bench@example.org", "--encrypt-files",
                        *map(str, files[start:start + 1000])], env=env, check=True)  # fmt: skip
    return env, [Path(str(p) + ".gpg") for p in files]


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def gpg_per_file(env: dict[str, str], files: list[Path], docs: list[bytes]) -> tuple[float, float]:
    """(wall s, CPU s incl. gpg-agent's share is NOT counted: agent is not our child)."""
    t0, c0 = time.perf_counter(), _children_cpu()
    for f, doc in zip(files, docs, strict=True):
        out = subprocess.run(["gpg", "--batch", "--quiet", "--decrypt", str(f)], env=env,
                             check=True, capture_output=True).stdout  # fmt: skip
        if out != doc:
            raise SystemExit("gpg returned different bytes")
    return time.perf_counter() - t0, _children_cpu() - c0


def gpg_one_process(env: dict[str, str], files: list[Path]) -> tuple[float, float]:
    for f in files:  # --decrypt-files writes next to the input, without the .gpg suffix
        Path(str(f)[:-4]).unlink(missing_ok=True)
    t0, c0 = time.perf_counter(), _children_cpu()
    for start in range(0, len(files), 2000):
        subprocess.run(["gpg", "--batch", "--quiet", "--yes", "--decrypt-files",
                        *map(str, files[start:start + 2000])], env=env, check=True)  # fmt: skip
    return time.perf_counter() - t0, _children_cpu() - c0


def list_timing(lead: Home, ident: identity.Identity, runs: int = 5) -> tuple[float, int]:
    best = float("inf")
    rows_n = 0
    ns = argparse.Namespace(status=None, category=None, region=None, assigned=None,
                            due_before=None, late=False, flagged=False)  # fmt: skip
    import datetime as dt

    for _ in range(runs):
        t0 = time.perf_counter()
        with CaseStore.open(lead.store, ident.store_key) as store:
            rows = select(store.cases, ns, lead.load_config(), dt.date(2026, 12, 1))
        text = render(["id", "rcv", "st", "cat", "reg"],
                      [(c, m["rcv"], m["st"], m["cat"], m["reg"]) for c, m, _ in rows])
        best = min(best, time.perf_counter() - t0)
        rows_n = len(text.splitlines()) - 2
    return best, rows_n


def cli_list(lead: Home, runs: int = 3) -> tuple[float, float]:
    """Best (wall s, CPU s) of the real ``bisik-reviewer list`` command in a subprocess."""
    pp = lead.root / "pp"
    pp.write_text(PASS)
    exe = shutil.which("bisik-reviewer", path=str(Path(sys.executable).parent)) or "bisik-reviewer"
    best = (float("inf"), float("inf"))
    for _ in range(runs):
        t0, c0 = time.perf_counter(), _children_cpu()
        subprocess.run([exe, "list", "--home", str(lead.root), "--passphrase-file", str(pp)],
                       check=True, capture_output=True)  # fmt: skip
        best = min(best, (time.perf_counter() - t0, _children_cpu() - c0))
    return best


def shell_list(lead: Home, n: int, runs: int = 5) -> tuple[float, float, float]:
    """``list`` typed into one ``bisik-reviewer shell`` (the issue's < 1 s goal, measured as
    the reviewer meets it): (start s, best list s, median list s).

    *start* is from launching the process to its ready line: Python start-up, the unlock (test
    KDF profile here; the real Argon2id cost is timed on its own) and opening the store.
    Each *list* is from writing the line to reading the table's last line through the pipe.
    """
    pp = lead.root / "pp"
    pp.write_text(PASS)
    exe = shutil.which("bisik-reviewer", path=str(Path(sys.executable).parent)) or "bisik-reviewer"
    last = t("list.count", shown=n, total=n) + "\n"
    t0 = time.perf_counter()
    proc = subprocess.Popen([exe, "shell", "--home", str(lead.root), "--passphrase-file", str(pp)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, bufsize=1)  # fmt: skip
    assert proc.stdin and proc.stdout and proc.stderr
    proc.stderr.readline()  # the ready line: unlocked, store open
    start = time.perf_counter() - t0
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc.stdin.write("list\n")
        proc.stdin.flush()
        while (line := proc.stdout.readline()) != last:
            if not line:
                raise SystemExit("the shell ended before printing the list")
        times.append(time.perf_counter() - t0)
    proc.communicate("exit\n", timeout=60)
    return start, min(times), statistics.median(times)


def argon2_sensitive() -> float:
    t0 = time.perf_counter()
    keyfile.seal_secret(b"x" * 96, PASS, label="bench", profile="sensitive")
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=500, help="number of cases (full: 10000)")
    ap.add_argument("--no-gpg", action="store_true", help="skip the gpg comparison")
    ap.add_argument("--no-argon2", action="store_true", help="skip timing Argon2id sensitive")
    ap.add_argument("--tmp", default=None, help="directory for the temporary files")
    args = ap.parse_args()
    n = args.cases
    with tempfile.TemporaryDirectory(prefix="bisik-rbench-", dir=args.tmp) as tmp:
        root = Path(tmp)
        lead, ident, _, server = setup_team(root)
        directory = org.load_directory(lead)
        docs = make_documents(n)
        keys = directory.recipients()
        envs = [envelope.seal(d, keys) for d in docs]
        bundle = root / "export.bisik"
        write_export(bundle, server, envs)
        print(f"cases: {n}  report plaintext: {sum(map(len, docs)) / n:,.0f} B avg  "
              f"bundle: {bundle.stat().st_size / 1e6:,.1f} MB")
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        secs, cpu, readable = bisik_import(lead, ident, bundle)
        assert readable == n
        print(f"bisik-reviewer import+decrypt : {secs:8.2f} s wall {cpu:7.2f} s CPU "
              f"{n / secs:8,.0f} cases/s")
        if not args.no_gpg:
            env, files = gpg_setup(root, docs)
            one, one_cpu = gpg_one_process(env, files)
            print(f"gpg --decrypt-files (1 proc)  : {one:8.2f} s wall {one_cpu:7.2f} s CPU "
                  f"{n / one:8,.0f} cases/s   bisik {one / secs:5.1f}x faster (wall)")
            per, per_cpu = gpg_per_file(env, files, docs)
            print(f"gpg --decrypt per file        : {per:8.2f} s wall {per_cpu:7.2f} s CPU "
                  f"{n / per:8,.0f} cases/s   bisik {per / secs:5.1f}x faster (wall)")
            subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=env, check=False)
        best, rows = list_timing(lead, ident)
        assert rows == n
        print(f"list (index decrypt+filter+table, {rows} rows, best of 5): {best * 1000:7.1f} ms")
        wall, cpu = cli_list(lead)
        print(f"bisik-reviewer list, whole command incl. start-up (test KDF profile), best of 3: "
              f"{wall * 1000:7.1f} ms wall {cpu * 1000:7.1f} ms CPU")
        start, best_sh, med_sh = shell_list(lead, n)
        print(f"list typed in `bisik-reviewer shell` ({n} rows, unlock excluded), 5 runs: "
              f"best {best_sh * 1000:7.1f} ms, median {med_sh * 1000:7.1f} ms")
        print(f"  shell start (Python start-up + unlock with test KDF + store open), once: "
              f"{start * 1000:7.1f} ms")
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        if not args.no_argon2:
            print(f"Argon2id 'sensitive' unlock (paid once per command, or once per shell): "
                  f"{argon2_sensitive():6.2f} s")


if __name__ == "__main__":
    main()
