"""``init --id ID --name NAME``: make the reviewer's keys and public card."""

from __future__ import annotations

import argparse
from typing import Any

from .. import identity, keyfile, passphrase
from ..i18n import t
from ..session import home_of
from . import out


def register(sub: Any) -> None:
    p = sub.add_parser("init", help=t("init.help"), description=t("init.help"))
    p.add_argument("--id", required=True, help=t("init.id"))
    p.add_argument("--name", required=True, help=t("init.name"))
    p.add_argument("--no-qr", action="store_true", help=t("init.no_qr"))
    # Hidden: tests and the demo pick cheap Argon2id parameters; people never need this.
    p.add_argument(
        "--kdf-profile",
        default=keyfile.DEFAULT_PROFILE,
        choices=sorted(keyfile.PROFILES),
        help=argparse.SUPPRESS,
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    home = home_of(args)
    secret = passphrase.obtain(
        getattr(args, "passphrase_file", None), confirm=True, prompt_key="pp.new"
    )
    ident, card_text = identity.enrol(home, args.id, args.name, secret, profile=args.kdf_profile)
    out(t("init.done", id=ident.id, path=str(home.public_json)))
    out(t("init.fingerprint", fp=ident.keys.public.fingerprint))
    if not args.no_qr:
        from .. import qr  # qrcode loads only for this command

        out(qr.terminal(card_text))
    out(t("init.png", path=str(home.public_png)))
    out(t("init.next"))
    return 0
