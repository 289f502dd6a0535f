"""The reviewer's identity: key pair, store key and public card (``public.json``).

``create`` makes fresh X25519 + Ed25519 keys and a random 32-byte store key, seals all three
under the passphrase in one key file (so every command pays for one Argon2id run, not two),
and writes ``public.json``; ``enrol`` (``bisik-reviewer init`` and the app's set-up screen)
does that and writes its QR code too. ``unlock`` opens them again.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crypto.directory import REVIEWER_ID
from crypto.encoding import b64u_decode, b64u_encode, canonical_json, parse_json_object
from crypto.errors import FormatError
from crypto.fsutil import write_atomic
from crypto.keys import KeyPair, PublicKeys

from . import keyfile
from .errors import AlreadyExists, UsageError
from .home import Home

LABEL = "reviewer"


@dataclass(frozen=True)
class Identity:
    """An unlocked reviewer: keep only in memory, for the length of one command."""

    id: str
    name: str
    keys: KeyPair
    store_key: bytes

    def public_card(self) -> dict[str, Any]:
        """{id, name, x25519, ed25519, fingerprint}: the file the lead signs in."""
        pub = self.keys.public
        return {"id": self.id, "name": self.name, **pub.to_json(), "fingerprint": pub.fingerprint}


def _check_id(reviewer_id: str) -> None:
    # The directory requires ASCII identifier-shaped ids (crypto.directory.REVIEWER_ID).
    if not REVIEWER_ID.fullmatch(reviewer_id) or len(reviewer_id) > 64:
        raise UsageError("err.bad_id", id=reviewer_id)


def create(
    home: Home,
    reviewer_id: str,
    name: str,
    passphrase: str,
    *,
    profile: str = keyfile.DEFAULT_PROFILE,
) -> Identity:
    """Make keys, seal them under ``passphrase`` and write ``public.json``; never overwrites."""
    _check_id(reviewer_id)
    if not name.strip():
        raise UsageError("err.reviewer_name")
    keyfile.check_new_passphrase(passphrase)
    if home.key_file.exists():
        raise AlreadyExists("err.keys_exist", path=str(home.key_file))
    ident = Identity(reviewer_id, name, KeyPair.generate(), secrets.token_bytes(32))
    secret = canonical_json(
        {
            "id": ident.id,
            "name": ident.name,
            "keys": b64u_encode(ident.keys.to_secret_bytes()),
            "store": b64u_encode(ident.store_key),
        }
    )
    sealed = keyfile.seal_secret(secret, passphrase, label=LABEL, profile=profile)
    home.ensure()
    write_atomic(home.key_file, sealed)
    write_atomic(home.public_json, json.dumps(ident.public_card(), indent=2).encode(), mode=0o644)
    return ident


def card_text(ident: Identity) -> str:
    """The public card as compact canonical JSON: the exact text its QR code holds."""
    return json.dumps(ident.public_card(), sort_keys=True, separators=(",", ":"))


def enrol(
    home: Home,
    reviewer_id: str,
    name: str,
    passphrase: str,
    *,
    profile: str = keyfile.DEFAULT_PROFILE,
) -> tuple[Identity, str]:
    """:func:`create`, then the card's QR code as ``public.png``; the identity and the card
    text. Refuses (nothing written) as :func:`create` does. One Argon2id run."""
    from . import qr  # qrcode/pillow load only when a card is made

    ident = create(home, reviewer_id, name, passphrase, profile=profile)
    text = card_text(ident)
    qr.write_png(text, home.public_png)
    return ident, text


def unlock(home: Home, passphrase: str) -> Identity:
    """Open the key file; WrongPassphrase if it does not open. Nothing is written."""
    home.require_keys()
    secret = keyfile.open_secret(home.key_file.read_bytes(), passphrase, label=LABEL)
    obj = parse_json_object(secret, max_size=4096)
    try:
        return Identity(
            str(obj["id"]),
            str(obj["name"]),
            KeyPair.from_secret_bytes(b64u_decode(obj["keys"], length=64)),
            b64u_decode(obj["store"], length=32),
        )
    except (KeyError, TypeError) as exc:
        raise FormatError("incomplete reviewer key file") from exc


def read_public_card(path: Path) -> tuple[str, str, PublicKeys, str]:
    """(id, name, keys, fingerprint) from a ``public.json``; the fingerprint is recomputed."""
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
        keys = PublicKeys.from_json(obj)
        rid, name = str(obj["id"]), str(obj["name"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, FormatError):
            raise
        raise FormatError("not a reviewer public.json") from exc
    _check_id(rid)
    if obj.get("fingerprint") not in (None, keys.fingerprint):
        raise FormatError("the fingerprint in public.json does not match its keys")
    return rid, name, keys, keys.fingerprint
