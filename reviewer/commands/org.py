"""``org …``: the organisation root key ceremony and the trusted directory."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from crypto.directory import Directory
from crypto.fsutil import write_atomic

from .. import keyfile, org, passphrase
from ..i18n import t
from ..session import home_of
from ..ui.table import render
from . import out


def register(sub: Any) -> None:
    p = sub.add_parser("org", help=t("org.help"), description=t("org.help"))
    osub = sub.add_subparsers(p, dest="org_command", metavar="ORG_COMMAND", required=True)
    init = osub.add_parser("init", help=t("org.init.help"))
    init.add_argument("--name", required=True, help=t("org.init.name"))
    init.add_argument(
        "--kdf-profile",
        default=keyfile.DEFAULT_PROFILE,
        choices=sorted(keyfile.PROFILES),
        help=argparse.SUPPRESS,
    )
    init.set_defaults(func=run_init)
    add = osub.add_parser("add", help=t("org.add.help"))
    add.add_argument("public_json", type=Path, metavar="PUBLIC_JSON")
    add.add_argument("--role", default="reviewer", choices=["reviewer", "lead"])
    add.add_argument("--valid-days", type=int, default=365, help=t("org.add.valid_days"))
    add.set_defaults(func=run_add)
    rev = osub.add_parser("revoke", help=t("org.revoke.help"))
    rev.add_argument("reviewer_id", metavar="ID")
    rev.set_defaults(func=run_revoke)
    sign = osub.add_parser("sign", help=t("org.sign.help"))
    sign.add_argument(
        "--server-key", type=Path, required=True, metavar="FILE", help=t("org.sign.server_key")
    )
    sign.add_argument("--out", type=Path, required=True, metavar="FILE")
    sign.add_argument("--days", type=int, default=90, help=t("org.sign.days"))
    sign.set_defaults(func=run_sign)
    pin = osub.add_parser("pin", help=t("org.pin.help"))
    pin.add_argument("root_pub", type=Path, metavar="ROOT_PUB")
    pin.set_defaults(func=run_pin)
    use = osub.add_parser("use", help=t("org.use.help"))
    use.add_argument("directory", type=Path, metavar="DIRECTORY_JSON")
    use.set_defaults(func=run_use)
    show = osub.add_parser("show", help=t("org.show.help"))
    show.set_defaults(func=run_show)


def _pass(args: argparse.Namespace, *, confirm: bool = False) -> str:
    return passphrase.obtain(
        getattr(args, "passphrase_file", None), confirm=confirm, prompt_key="pp.root"
    )


def run_init(args: argparse.Namespace) -> int:
    home = home_of(args)
    root = org.init_root(home, args.name, _pass(args, confirm=True), profile=args.kdf_profile)
    out(t("org.init.done", org=args.name, path=str(home.root_key)))
    out(t("org.root_fp", fp=org.root_fingerprint(root)))
    out(t("org.init.next", pub=str(home.root_pub)))
    return 0


def run_add(args: argparse.Namespace) -> int:
    entry = org.add_member(home_of(args), args.public_json, args.role, args.valid_days)
    out(t("org.add.done", id=entry.id, name=entry.name, role=entry.role))
    out(t("org.fp", fp=entry.keys.fingerprint))
    out(t("org.add.compare"))
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    entry = org.revoke_member(home_of(args), args.reviewer_id)
    out(t("org.revoke.done", id=entry.id))
    return 0


def _reviewers_table(directory: Directory) -> str:
    rows = [
        (
            r.id,
            r.name,
            r.role,
            r.keys.fingerprint,
            r.valid_until.isoformat(),
            t("yes") if r in directory.active_reviewers() else t("no"),
        )
        for r in directory.reviewers
    ]
    heads = [
        t("col.id"),
        t("col.name"),
        t("col.role"),
        t("col.fingerprint"),
        t("col.until"),
        t("col.active"),
    ]
    return render(heads, rows, max_width=48)


def run_sign(args: argparse.Namespace) -> int:
    home = home_of(args)
    server = org.read_server_key(args.server_key)
    data = org.sign(home, _pass(args), server, args.days)
    write_atomic(args.out, data, mode=0o644)
    directory = org.load_directory(home)
    out(_reviewers_table(directory))
    out(
        t(
            "org.sign.done",
            serial=directory.serial,
            expires=directory.expires.isoformat(),
            path=str(args.out),
            revoked=len(directory.revoked),
        )
    )
    return 0


def run_pin(args: argparse.Namespace) -> int:
    key = org.pin_root(home_of(args), args.root_pub)
    out(t("org.pin.done"))
    out(t("org.root_fp", fp=org.root_fingerprint(key)))
    return 0


def run_use(args: argparse.Namespace) -> int:
    directory = org.adopt_directory_file(home_of(args), args.directory)
    out(_reviewers_table(directory))
    out(
        t(
            "org.use.done",
            org=directory.org_name,
            serial=directory.serial,
            expires=directory.expires.isoformat(),
        )
    )
    return 0


def run_show(args: argparse.Namespace) -> int:
    home = home_of(args)
    directory = org.load_directory(home)
    out(
        t(
            "org.show.head",
            org=directory.org_name,
            serial=directory.serial,
            expires=directory.expires.isoformat(),
        )
    )
    out(t("org.root_fp", fp=org.root_fingerprint(directory.root)))
    out(_reviewers_table(directory))
    return 0
