"""Reviewer tool benchmark: importing N cases against one gpg process, and ``list``.

Usage (small while developing, full size for the issue's goals)::

    .venv/bin/python bench/reviewer_bench.py             # 1,000 cases, 5 rounds
    .venv/bin/python bench/reviewer_bench.py --full      # 10,000 cases (several minutes)

What is compared, in one run on the same report documents, in interleaved rounds (each round
starts from the same reviewer home, restored untimed; medians with [min–max]):

* **bisik import (library)** — what ``bisik-reviewer import`` does after the unlock: verify
  the server-signed export bundle, decrypt every report envelope with the reviewer's X25519
  key, parse it, check its evidence list, seal each case under the store key, write the store.
* **bisik-reviewer import (CLI)** — the real one-shot command as a whole process: Python
  start-up, the Argon2id unlock of the key file at the default ``sensitive`` profile, and the
  import. This is what a reviewer waits for.
* **gpg --decrypt-files (one process)** — one gpg process decrypting every file (gpg's best
  case; the fair comparison), a Curve25519 key (ed25519 + cv25519) in a temporary GNUPGHOME,
  no passphrase. File names go in on standard input.
* **Argon2id unlock alone** — ``sensitive`` profile, the part of the CLI time that does not
  depend on N.

``--baseline DIR`` adds, in the same rounds, the library import and the CLI with the project
imported from ``DIR`` (another checkout, e.g. ``git archive main | tar -x -C DIR``), and for a
like-for-like comparison this checkout's library import in a child process too: each child
unlocks the key file untimed, then times the same calls as the library step.

``--per-file`` adds, once and not in the headline, gpg run as one process per file (how a
viewing station that shells out per submission uses it). Then ``list``: the library path
(index decrypt, filter, table) and ``list`` typed into a running ``bisik-reviewer shell``
(one unlock, then each command costs only its own work). Setup (sealing, bundle, gpg
encryption) is not timed. Goals (issue 14): import of 10,000 cases ≥ 10× one gpg process
(library) and ≥ 5× (the real CLI with its unlock).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench import harness as h
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

PASS = "bench passphrase words"  # noqa: S105
REGIONS = ["Jawa Tengah", "Jawa Timur", "Sulawesi Selatan", "Sumatera Utara", "Papua"]
CATS = ["social_media", "mobilisation", "state_resources", "retaliation", "rally"]


def setup_team(root: Path) -> tuple[Home, identity.Identity, Home, Ed25519PrivateKey]:
    lead = Home(root / "ayu")  # the real unlock cost: the default (sensitive) Argon2id profile
    ident = identity.create(lead, "ayu", "Ayu", PASS)
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
        text = (
            f"Laporan nomor {i}: atasan mengumpulkan staf dan meminta dukungan untuk "
            "calon tertentu melalui grup WhatsApp kantor. "
        ) * 8  # ~1 KiB of text
        ev = [
            cdoc.Evidence(
                hashlib.sha256(f"{i}-{k}".encode()).hexdigest(),
                f"bukti_{k}.jpg",
                "image/jpeg",
                120_000,
                envelope_mac=hashlib.sha256(f"mac {i}-{k}".encode()).hexdigest(),
            )
            # listed only: these envelopes are not in the bench bundle (state "missing")
            for k in range(2)
        ]
        doc = cdoc.Document(
            "report",
            "2026-11-20T08:15:00+00:00",
            "browser",
            {"category": CATS[i % 5], "province": REGIONS[i % 5], "description": text},
            reply,
            tuple(ev),
        )
        docs.append(doc.to_bytes())
    return docs


def write_export(path: Path, server: Ed25519PrivateKey, envs: list[bytes]) -> None:
    reply = b64u_encode(raw_public(receipt.derive(receipt.generate()).reply_public))
    with ExportWriter(path, server, seq_from=0) as w:
        for i, env in enumerate(envs):
            case = f"case{i:06d}"
            w.add_case(case, f"2026-11-{1 + i % 28:02d}", ["ayu", "budi"], reply)
            w.add_envelope(
                case, "report", i + 1, io.BytesIO(env), len(env), hashlib.sha256(env).hexdigest()
            )
        w.finish(len(envs))


def bisik_import(lead: Home, ident: identity.Identity, bundle: Path) -> dict[str, float]:
    """Wall and CPU seconds of the import (staging as the command does), readable cases."""
    directory = org.load_directory(lead)
    t0, c0 = time.perf_counter(), time.process_time()
    with (
        CaseStore.open(lead.store, ident.store_key) as store,
        open_export(bundle, directory, staging_root(lead)) as export,
    ):
        summary = import_items(
            store,
            ident,
            directory,
            lead.load_config(),
            export.items(),
            bundle_id=export.manifest.bundle_id,
            seq_to=export.manifest.seq_to,
        )
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if summary.new_cases - summary.unreadable != summary.new_cases or not summary.new_cases:
        raise SystemExit(f"import read {summary.new_cases - summary.unreadable} cases")
    return {"wall": wall, "cpu": cpu}


# The library step in a fresh interpreter (``--baseline``): unlock untimed, then the same calls
# as bisik_import, timed; the last line is JSON (bench.harness.child_report).
_CHILD = (
    h.CHILD_PREAMBLE
    + r"""
from reviewer import identity, org
from reviewer.bundles import open_export, staging_root
from reviewer.home import Home
from reviewer.importer import import_items
from reviewer.store import CaseStore
home, bundle, passphrase = Home(Path(sys.argv[1])), Path(sys.argv[2]), sys.argv[3]
ident = identity.unlock(home, passphrase)
directory = org.load_directory(home)
t0, c0 = time.perf_counter(), time.process_time()
with (
    CaseStore.open(home.store, ident.store_key) as store,
    open_export(bundle, directory, staging_root(home)) as export,
):
    summary = import_items(store, ident, directory, home.load_config(), export.items(),
                           bundle_id=export.manifest.bundle_id, seq_to=export.manifest.seq_to)
seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
if summary.unreadable or not summary.new_cases:
    raise SystemExit("the import did not read every case")
child_report(seconds, 0, cpu=cpu)
"""
)
_CLI = "import sys; from reviewer.cli import main; sys.exit(main())"


def child_import(lead: Home, bundle: Path, tree: Path | None) -> dict[str, float]:
    """The library import in a child process importing the project from ``tree`` (None: this
    checkout): wall and CPU seconds of the calls alone."""
    env = {"PYTHONPATH": str(tree)} if tree is not None else None
    rep = h.python_child(_CHILD, str(lead.root), str(bundle), PASS, env=env).report()
    return {"wall": rep["seconds"], "cpu": rep["cpu"]}


def reviewer_exe() -> str:
    return shutil.which("bisik-reviewer", path=str(Path(sys.executable).parent)) or "bisik-reviewer"


def restore(pristine: Path, home: Path) -> None:
    """The reviewer home as it was before any import (untimed)."""
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(pristine, home, symlinks=True)


def gpg_setup(root: Path, docs: list[bytes]) -> tuple[dict[str, str], list[Path]]:
    env = {**os.environ, "GNUPGHOME": str(root / "gnupg")}
    (root / "gnupg").mkdir(mode=0o700)
    subprocess.run(
        [
            "gpg",
            "--batch",
            "--quiet",
            "--passphrase",
            "",
            "--quick-gen-key",
            "Bench Reviewer <bench@example.org>",
            "future-default",
            "default",
            "never",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    plain = root / "plain"
    plain.mkdir()
    files = []
    for i, doc in enumerate(docs):
        p = plain / f"r{i:06d}"
        p.write_bytes(doc)
        files.append(p)
    for start in range(0, len(files), 1000):  # one process per 1000 files: setup only
        subprocess.run(
            [
                "gpg",
                "--batch",
                "--yes",
                "--quiet",
                "--trust-model",
                "always",
                "-r",
                "bench@example.org",
                "--encrypt-files",
                *map(str, files[start : start + 1000]),
            ],
            env=env,
            check=True,
        )
    return env, [Path(str(p) + ".gpg") for p in files]


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def gpg_per_file(env: dict[str, str], files: list[Path], docs: list[bytes]) -> tuple[float, float]:
    """(wall s, CPU s incl. gpg-agent's share is NOT counted: agent is not our child)."""
    t0, c0 = time.perf_counter(), _children_cpu()
    for f, doc in zip(files, docs, strict=True):
        out = subprocess.run(
            ["gpg", "--batch", "--quiet", "--decrypt", str(f)],
            env=env,
            check=True,
            capture_output=True,
        ).stdout
        if out != doc:
            raise SystemExit("gpg returned different bytes")
    return time.perf_counter() - t0, _children_cpu() - c0


def gpg_one_process(env: dict[str, str], files: list[Path]) -> float:
    """Whole-process seconds of one ``gpg --decrypt-files`` over all files (names on stdin)."""
    for f in files:  # --decrypt-files writes next to the input, without the .gpg suffix
        Path(str(f)[:-4]).unlink(missing_ok=True)
    names = "".join(f"{f}\n" for f in files).encode()
    run = h.run_process(["gpg", "--batch", "--quiet", "--yes", "--decrypt-files"], env, stdin=names)
    if not Path(str(files[-1])[:-4]).exists():
        raise SystemExit("gpg --decrypt-files wrote nothing")
    return run.seconds


def list_library(lead: Home, ident: identity.Identity, n: int) -> float:
    """Seconds to unlock the store index, filter and render the full table (no Argon2id)."""
    ns = argparse.Namespace(
        status=None,
        category=None,
        region=None,
        assigned=None,
        due_before=None,
        late=False,
        flagged=False,
    )
    t0 = time.perf_counter()
    with CaseStore.open(lead.store, ident.store_key) as store:
        rows = select(store.cases, ns, lead.load_config(), dt.date(2026, 12, 1))
    text = render(
        ["id", "rcv", "st", "cat", "reg"],
        [(c, m["rcv"], m["st"], m["cat"], m["reg"]) for c, m, _ in rows],
    )
    seconds = time.perf_counter() - t0
    if len(text.splitlines()) - 2 != n:
        raise SystemExit("list showed the wrong number of rows")
    return seconds


def shell_list(lead: Home, n: int, runs: int) -> tuple[float, h.Samples]:
    """``list`` typed into one ``bisik-reviewer shell``: (start s, list times).

    *start* is from launching the process to its ready line: Python start-up, the Argon2id
    unlock and opening the store. Each *list* is from writing the line to reading the table's
    last line through the pipe.
    """
    pp = lead.root / "pp"
    last = t("list.count", shown=n, total=n) + "\n"
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [reviewer_exe(), "shell", "--home", str(lead.root), "--passphrase-file", str(pp)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    assert proc.stdin and proc.stdout and proc.stderr
    proc.stderr.readline()  # the ready line: unlocked, store open
    start = time.perf_counter() - t0
    times = h.Samples()
    for _ in range(max(h.MIN_ROUNDS, runs)):
        t0 = time.perf_counter()
        proc.stdin.write("list\n")
        proc.stdin.flush()
        while (line := proc.stdout.readline()) != last:
            if not line:
                raise SystemExit("the shell ended before printing the list")
        times.add(time.perf_counter() - t0)
    proc.communicate("exit\n", timeout=60)
    return start, times


def argon2_sensitive() -> float:
    t0 = time.perf_counter()
    keyfile.seal_secret(b"x" * 96, PASS, label="bench", profile="sensitive")
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--cases", type=int, default=None, help="cases (default 1000; --full 10000)")
    ap.add_argument("--no-gpg", action="store_true", help="skip the gpg comparison")
    ap.add_argument("--per-file", action="store_true", help="also gpg once per file (slow)")
    ap.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help="also import with the project imported from this directory (another checkout)",
    )
    h.common_args(ap, rounds=5)
    args = ap.parse_args()
    n = args.cases or (10_000 if args.full else 1_000)
    with h.workspace(args, "bisik-rbench-") as root:
        conditions = h.describe(root)
        h.progress("setting up (keys, documents, bundle, gpg)")
        lead, ident, _, server = setup_team(root)
        (lead.root / "pp").write_text(PASS)
        directory = org.load_directory(lead)
        docs = make_documents(n)
        keys = directory.recipients()
        bundle = root / "export.bisik"
        write_export(bundle, server, [envelope.seal(d, keys) for d in docs])
        pristine = root / "pristine"
        shutil.copytree(lead.root, pristine, symlinks=True)
        gpg_env, files = gpg_setup(root, docs) if not args.no_gpg else ({}, [])
        exe = reviewer_exe()
        cli_cmd = [
            exe,
            "import",
            str(bundle),
            "--home",
            str(lead.root),
            "--passphrase-file",
            str(lead.root / "pp"),
        ]

        def library() -> dict[str, float]:
            restore(pristine, lead.root)
            return bisik_import(lead, ident, bundle)

        def command() -> float:
            restore(pristine, lead.root)
            return h.run_process(cli_cmd).seconds

        steps: dict[str, h.Step] = {"library": library, "cli": command}
        if args.baseline is not None:
            base = args.baseline
            base_cli = [sys.executable, "-c", _CLI, *cli_cmd[1:]]
            base_env = {**os.environ, "PYTHONPATH": str(base)}

            def child(tree: Path | None) -> h.Step:
                def step() -> dict[str, float]:
                    restore(pristine, lead.root)
                    return child_import(lead, bundle, tree)

                return step

            def base_command() -> float:
                restore(pristine, lead.root)
                return h.run_process(base_cli, base_env).seconds

            steps |= {"child": child(None), "child@base": child(base), "cli@base": base_command}
        if not args.no_gpg:
            steps["gpg"] = lambda: gpg_one_process(gpg_env, files)
        steps["argon2"] = argon2_sensitive
        s = h.interleave(steps, args.rounds, label=f"import {n}")
        per_file = gpg_per_file(gpg_env, files, docs)[0] if args.per_file and files else None
        lists = h.interleave(
            {"list": lambda: list_library(lead, ident, n)}, args.rounds, label="list"
        )
        shell_start, shell_times = shell_list(lead, n, args.rounds)
        if not args.no_gpg:
            subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=gpg_env, check=False)
    bundle_mb = sum(map(len, docs)) / n
    print(f"Bisik reviewer benchmark: {conditions}")
    print(
        f"{n:,} cases, report plaintext {bundle_mb:,.0f} B avg; {len(s['argon2'].values)} "
        "interleaved rounds (library, CLI, gpg, Argon2id); median [min–max]\n"
    )
    rows = [
        [
            "bisik import, library (after unlock)",
            s["library wall"].show(),
            s["library wall"].rate(n),
            "",
            "",
        ],
        [
            "bisik-reviewer import, CLI (start + Argon2id + import)",
            s["cli"].show(),
            s["cli"].rate(n),
            "",
            "",
        ],
    ]
    if "gpg" in s:
        rows[0][3] = f"{h.speedup(s['gpg'], s['library wall']):.1f}x"
        rows[1][3] = f"{h.speedup(s['gpg'], s['cli']):.1f}x"
        rows.append(
            ["gpg --decrypt-files, one process", s["gpg"].show(), s["gpg"].rate(n), "1.0x", ""]
        )
    rows.append(["Argon2id unlock alone (sensitive)", s["argon2"].show(), "", "", ""])
    if per_file is not None:
        rows.append(
            [
                "gpg --decrypt, one process per file (once)",
                f"{per_file:.2f}",
                f"{n / per_file:,.0f}",
                "",
                "not the headline",
            ]
        )
    rows.append(
        ["list: index decrypt + filter + table (library)", lists["list"].show("{:.3f}"), "", "", ""]
    )
    rows.append(
        [
            "list typed into a running shell",
            shell_times.show("{:.3f}"),
            "",
            "",
            f"shell start {shell_start:.2f} s (Argon2id)",
        ]
    )
    print(h.table(["step", "seconds", "cases/s", "vs one gpg process", "note"], rows))
    if args.baseline is not None:
        print(f"\nAgainst {args.baseline} (@base), same rounds; speed-up = @base median ÷ ours")
        base_rows = []
        for label, ours, theirs in (
            ("library import in a child process", "child wall", "child@base wall"),
            ("library CPU in a child process", "child cpu", "child@base cpu"),
            ("CLI (start + Argon2id + import)", "cli", "cli@base"),
        ):
            row = [label, s[theirs].show(), s[ours].show(), f"{h.speedup(s[theirs], s[ours]):.2f}x"]
            if "gpg" in s and "cpu" not in ours:
                row.append(
                    f"{h.speedup(s['gpg'], s[theirs]):.1f}x → {h.speedup(s['gpg'], s[ours]):.1f}x"
                )
            else:
                row.append("")
            base_rows.append(row)
        print(
            h.table(
                ["step", "@base s", "this checkout s", "speed-up", "vs one gpg process"], base_rows
            )
        )
    print(f"library CPU seconds: {s['library cpu'].show()}")
    print(h.load_now())
    if "gpg" not in s:
        return 0
    lib, real = h.speedup(s["gpg"], s["library wall"]), h.speedup(s["gpg"], s["cli"])
    print(h.goal(f">= 10x one gpg process, library, {n:,} cases ({lib:.1f}x)", lib >= 10))
    print(
        h.goal(f">= 5x one gpg process, real CLI with unlock, {n:,} cases ({real:.1f}x)", real >= 5)
    )
    return 0 if lib >= 10 and real >= 5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
