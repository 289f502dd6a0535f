"""``keyfile-*``: passphrase-sealed key files (SPEC §11.1)."""

from __future__ import annotations

import json

from crypto import (
    keyfile,
)
from crypto.encoding import canonical_json
from scripts.vectors.common import Vector, det

PASSPHRASE = "kuda lumping makan bakso"  # noqa: S105


def vectors() -> dict[str, Vector]:
    """Key files that open with the passphrase and ones that must fail."""
    vs: dict[str, Vector] = {}
    secret = det("keyfile secret", 64)
    good = keyfile.seal_secret(
        secret,
        PASSPHRASE,
        label="reviewer",
        profile="test",
        _salt=det("keyfile salt", 16),
        _nonce=det("keyfile nonce", 24),
    )
    obj = json.loads(good)

    def v(
        name: str,
        comment: str,
        data: bytes,
        error: str | None = None,
        *,
        passphrase: str = PASSPHRASE,
    ) -> None:
        rec: Vector = {
            "comment": comment,
            "type": "keyfile",
            "passphrase": passphrase,
            "label": "reviewer",
            "file": data.decode(),
        }
        if error:
            rec.update(expect="error", error=error)
        else:
            rec.update(
                expect="success",
                secret=secret.hex(),
                seal={
                    "profile": "test",
                    "salt": det("keyfile salt", 16).hex(),
                    "nonce": det("keyfile nonce", 24).hex(),
                },
            )
        vs[f"keyfile-{name}"] = rec

    def edit(**kdf: object) -> bytes:
        return canonical_json({**obj, "kdf": {**obj["kdf"], **kdf}})

    v(
        "ok",
        "A reviewer key sealed with the test profile (the only cost below the floor a "
        "reader accepts); sealing the secret with these salt and nonce gives the file.",
        good,
    )
    v(
        "reject-wrong-passphrase",
        "The right file, a wrong passphrase.",
        good,
        "PassphraseError",
        passphrase=PASSPHRASE + "!",
    )
    v(
        "reject-cost-lowered",
        "opslimit raised to 3 with memlimit kept tiny: below the floor, "
        "refused before any Argon2id run.",
        edit(opslimit=3),
        "FormatError",
    )
    v(
        "reject-cost-changed-in-bounds",
        "The cost changed to the moderate profile: in bounds, "
        "but the cost is authenticated, so the file does not open.",
        edit(opslimit=keyfile.FLOOR[0], memlimit=keyfile.FLOOR[1]),
        "PassphraseError",
    )
    v(
        "reject-other-label",
        "The file relabelled as the organisation root key.",
        canonical_json({**obj, "label": "org-root"}),
        "FormatError",
    )
    v(
        "reject-ct-shorter-than-tag",
        "The ciphertext cut to 15 bytes, shorter than its 16-byte "
        "tag: refused before any Argon2id run (found by fuzzing: the binding raised a bare "
        "ValueError).",
        canonical_json({**obj, "ct": obj["ct"][:20]}),
        "FormatError",
    )
    return vs
