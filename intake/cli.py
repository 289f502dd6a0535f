"""``bisik-server``: a thin command line over the intake service and the vault.

Each subcommand parses its arguments, calls one library function and prints the result.
Errors are BisikError subclasses; :func:`main` prints ``error:`` and ``hint:`` lines once
(a traceback only with ``--verbose``) and exits non-zero. Operator-facing text is English;
reporter-facing text lives in the catalogue.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from crypto.errors import BisikError

from . import config as cfg
from .errors import ConfigError

if TYPE_CHECKING:
    from vault.store import Vault

Handler = Callable[[argparse.Namespace], int]


def _home(args: argparse.Namespace) -> Path:
    home = args.home or os.environ.get("BISIK_HOME")
    if not home:
        raise ConfigError("no server home given", "Pass --home DIR or set BISIK_HOME.")
    return Path(home)


def _config(args: argparse.Namespace) -> cfg.Config:
    return cfg.load(_home(args))


def _open_vault(config: cfg.Config) -> Vault:
    from vault.store import Vault

    return Vault.open(config.database_url, config.home, blob_store=config.blob_store)


def cmd_serve(args: argparse.Namespace) -> int:
    """``serve``: run the intake service on this home until interrupted (see intake/serve.py)."""
    from . import serve
    from .app import create_app

    config = _config(args)
    tempfile.tempdir = str(config.tmp_dir)  # any library temp file lands in BISIK_HOME/tmp
    create_app(config).extensions["bisik"].vault.close()  # stop here if anything is missing
    print(f"Bisik intake on http://{args.listen or config.listen}/  (Ctrl-C to stop)")
    serve.run(lambda: create_app(config), args.listen or config.listen, args.workers)
    return 0


def _runnable(script: str) -> str:
    """How to type ``script`` in another terminal: its bare name when the PATH finds this
    installation's copy, else its path beside this interpreter (``make run`` does not
    activate the virtual environment, so the bare name would be "command not found")."""
    beside = Path(sys.executable).parent / script
    found = shutil.which(script)
    if found and (not beside.exists() or Path(found).resolve() == beside.resolve()):
        return script
    return str(beside) if beside.exists() else script


def cmd_demo(args: argparse.Namespace) -> int:
    """``demo``: make a demo organisation (root, reviewers, server), print the loop, then serve.

    The demo passphrase is printed and written beside the homes: demo keys protect nothing.
    """
    from . import demo

    made = demo.create(Path(args.dir), use_tool=not args.no_reviewer_tool)
    print(f"Demo organisation under {made.root} (made with {made.tool})")
    print(f"  server home:     {made.server_home}")
    for rid, home in made.reviewer_homes.items():
        print(f"  reviewer {rid:<5}  BISIK_REVIEWER_HOME={home}")
    print(f"  passphrase:      {made.passphrase}   (also in {made.root / 'passphrase.txt'})")
    if made.tool == "fallback":
        print(
            "  WARNING: reviewer tool unavailable; demo keys are UNENCRYPTED in "
            f"{made.root / 'fallback-keys.json'}"
        )
    server, ani = made.server_home, made.reviewer_homes["ani"]
    srv, rev = _runnable("bisik-server"), _runnable("bisik-reviewer")
    print("The loop, by hand (another terminal):")
    print(f"  {srv} --home {server} export --out {made.root / 'export.bundle'}")
    print(f"  BISIK_REVIEWER_HOME={ani} {rev} import {made.root / 'export.bundle'}")
    print(f"  BISIK_REVIEWER_HOME={ani} {rev} outbox --out {made.root / 'outbox.bundle'}")
    print(f"  {srv} --home {server} import {made.root / 'outbox.bundle'}")
    if args.no_serve:
        return 0
    args.home = str(made.server_home)
    args.listen = args.listen or "127.0.0.1:8080"
    return cmd_serve(args)


def cmd_init(args: argparse.Namespace) -> int:
    """``init``: make a server home (secrets, signing key); install directory and root if given."""
    from .home import init_home, install_org, server_public

    home = _home(args)
    init_home(home)
    from crypto.keys import raw_public

    if args.directory and args.root_pub:
        install_org(home, Path(args.root_pub).read_bytes(), Path(args.directory).read_bytes())
    pub = home / "server-signing.pub"
    pub.write_bytes(raw_public(server_public(home)))
    print(f"Server home ready at {home}")
    print(
        f"Server signing public key: {pub} (sign it into the directory: "
        "bisik-reviewer org sign --server-key FILE)"
    )
    if not (args.directory and args.root_pub):
        print(
            "Next: bisik-server init --directory FILE --root-pub FILE once the directory is signed."
        )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """``export``: write the air-gap export bundle of everything after ``--since``."""
    from vault.transfer import export_bundle, load_directory, load_server_key

    config = _config(args)
    with _open_vault(config) as vault:
        summary = export_bundle(
            vault,
            load_server_key(config.home),
            Path(args.out),
            since=0 if args.all else args.since,
            directory=load_directory(config.home),
        )
    print(
        f"Wrote {summary.path}: {summary.items} items, {summary.cases} cases, "
        f"{summary.bytes} bytes (sequence {summary.seq_from}..{summary.seq_to})"
    )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """``import``: apply a reviewer's outbox (statuses, replies, tracking steps); a replay
    changes nothing."""
    from vault.transfer import import_outbox, load_directory

    config = _config(args)
    with _open_vault(config) as vault:
        s = import_outbox(vault, load_directory(config.home), Path(args.file))
    if s.already_imported:
        print(f"Bundle {s.bundle_id} was already imported; nothing changed.")
    else:
        print(
            f"Imported from {s.reviewer}: {s.statuses} statuses, {s.replies} replies, "
            f"{s.steps} tracking steps, {s.duplicates} duplicates, {s.superseded} superseded"
        )
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    """``retention``: remove closed cases past the retention period, expired uploads and orphans."""
    from vault import retention

    config = _config(args)
    policy = retention.RetentionPolicy(closed_case_days=config.retention_days)
    with _open_vault(config) as vault:
        plan = (retention.plan if args.dry_run else retention.apply)(vault, policy)
        keep = retention.kept(vault, policy) if args.dry_run else []
    verb = "Would remove" if args.dry_run else "Removed"
    print(
        f"{verb}: {len(plan.cases)} cases, {len(plan.uploads)} upload sessions, "
        f"{len(plan.blobs)} blobs"
    )
    for case in plan.cases:
        print(f"  case {case}")
    for case, reasons in keep:  # what stays although its time is up, and why
        print(f"  keep case {case}: {', '.join(_KEEP_REASONS[r] for r in reasons)}")
    return 0


_KEEP_REASONS = {
    "late_activity": "the reporter wrote after the case was closed",
    "unacknowledged": "items not yet imported by every reviewer",
}


def cmd_backup(args: argparse.Namespace) -> int:
    """``backup``: write a consistent archive of the database and blobs (never the secrets)."""
    from vault.backup import backup

    config = _config(args)
    with _open_vault(config) as vault:
        info = backup(vault, Path(args.out))
    print(
        f"Backup written to {args.out}: {info.blobs} blobs, {info.blob_bytes} bytes "
        f"({info.backend}, schema {info.revision}). Secrets are NOT in it: keep "
        f"{config.home / 'secrets'} separately."
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """``restore``: unpack a backup archive into an empty home (secrets are copied by hand)."""
    from vault.backup import restore

    home = _home(args)
    db_url = os.environ.get("BISIK_DB_URL") or f"sqlite:///{home.resolve() / 'bisik.sqlite'}"
    info = restore(
        Path(args.file), db_url, home, blob_store=os.environ.get("BISIK_BLOB_STORE", "files")
    )
    print(f"Restored {info.blobs} blobs into {home}. Copy secrets/ and org/ from the old home.")
    return 0


def cmd_poster(args: argparse.Namespace) -> int:
    """``poster``: write the PDF poster and flyer (onion address, root key fingerprint)."""
    from crypto.keys import fingerprint

    from .poster import PosterError, PosterInfo, make_poster
    from .state import load_root

    config = _config(args)
    onion = args.onion
    if onion is None:
        try:
            onion = Path(args.hostname_file).read_text("ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise PosterError(
                f"cannot read {args.hostname_file}", "Pass --onion ADDRESS, or --hostname-file."
            ) from exc
    info = PosterInfo(onion, fingerprint(load_root(config.root_pub_path)), args.lang)
    out = make_poster(info, Path(args.out))
    print(f"Wrote {out}: page 1 the A4 poster, page 2 the A6 flyer.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``bisik-server`` argument parser, one sub-command per ``cmd_*`` function."""
    parser = argparse.ArgumentParser(prog="bisik-server", description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="server state directory (default: $BISIK_HOME)")
    parser.add_argument("--verbose", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=handler)
        return p

    for name, handler, text in (
        ("serve", cmd_serve, "serve an existing BISIK_HOME"),
        ("demo", cmd_demo, "make a demo organisation in ./demo and serve it"),
    ):
        p = add(name, handler, text)
        p.add_argument("--listen", help="address:port (default from server.toml)")
        p.add_argument("--workers", type=int, default=1)
        p.add_argument("--threads", type=int, default=8, help=argparse.SUPPRESS)  # unused
        if name == "demo":
            p.add_argument("--dir", default="demo")
            p.add_argument("--no-serve", action="store_true", help="only create the demo")
            p.add_argument("--no-reviewer-tool", action="store_true", help=argparse.SUPPRESS)
    p = add("init", cmd_init, "make a server home (secrets, config; the org key and directory)")
    p.add_argument("--directory", help="signed directory.json from the key ceremony")
    p.add_argument("--root-pub", help="organisation root public key (raw 32 bytes)")
    p = add(
        "export",
        cmd_export,
        "write a transfer bundle of what the reviewers have not acknowledged yet",
    )
    p.add_argument("--out", required=True)
    start = p.add_mutually_exclusive_group()
    start.add_argument(
        "--since",
        type=int,
        default=None,
        help="items after this sequence number (default: after the acknowledged)",
    )
    start.add_argument("--all", action="store_true", help="every item, from the first")
    p = add("import", cmd_import, "apply a reviewers' outbox bundle")
    p.add_argument("file")
    p = add("retention", cmd_retention, "remove closed cases and expired uploads")
    p.add_argument("--dry-run", action="store_true")
    p = add("backup", cmd_backup, "write a consistent backup archive")
    p.add_argument("--out", required=True)
    p = add("restore", cmd_restore, "restore a backup into an empty home")
    p.add_argument("file")
    p = add("poster", cmd_poster, "print-ready PDF: A4 poster and A6 flyer with the onion address")
    p.add_argument("--out", required=True, help="the PDF to write")
    p.add_argument("--onion", help="the service's .onion address (default: --hostname-file)")
    p.add_argument(
        "--hostname-file",
        default="/var/lib/tor-instances/bisik/onion/hostname",
        help="tor's hostname file of the onion service",
    )
    p.add_argument("--lang", default="id", choices=["id", "en"], help="language (default id)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``bisik-server``."""
    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
        return result
    except BisikError as exc:
        if args.verbose:
            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        print(f"hint: {exc.hint}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
