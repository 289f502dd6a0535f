"""``verify-proof FILE``: check a reporter's proof of report with the organisation root key.

No passphrase: the check needs only a public key — the one pinned in this reviewer home, or
``--root-pub FILE`` (raw 32 bytes or base64url), as a third party such as LPSK would use. It
prints what the proof attests; a proof that does not verify is an error with a hint.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from crypto import proof
from crypto.errors import FormatError, SignatureError

from ..errors import UsageError
from ..i18n import t
from ..org import pinned_root, read_server_key
from ..session import home_of
from . import out, safe


class ProofInvalid(UsageError):
    """The proof file does not verify under the root key (changed, forged, or another org)."""

    key = "err.proof_invalid"


def register(sub: Any) -> None:
    p = sub.add_parser(
        "verify-proof", help=t("verify_proof.help"), description=t("verify_proof.help")
    )
    p.add_argument("file", metavar="FILE", type=Path, help=t("verify_proof.file"))
    p.add_argument(
        "--root-pub", metavar="FILE", type=Path, default=None, help=t("verify_proof.root_pub")
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = read_server_key(args.root_pub) if args.root_pub else pinned_root(home_of(args))
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise UsageError("err.read_file", path=str(args.file)) from exc
    try:
        checked = proof.verify(data, root)
    except (SignatureError, FormatError) as exc:
        raise ProofInvalid(type(exc).__name__) from exc
    out(
        t(
            "verify_proof.ok",
            org=safe(checked.org_name),
            issued=checked.issued.isoformat(),
            case=checked.case,
        )
    )
    if checked.version < proof.VERSION:
        out(t("verify_proof.v2"))
    for number, item in enumerate(checked.items, start=1):
        day = item.day.isoformat() if item.day else t("verify_proof.day_unknown")
        out(
            t(
                "verify_proof.item",
                n=number,
                kind=t(f"verify_proof.kind_{item.kind}"),
                day=day,
                sha=item.envelope_sha256,
                evidence=len(item.evidence),
            )
        )
    return 0
