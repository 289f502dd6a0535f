"""``identity-*``: the identity disclosure sealed to the reviewers the reporter chose
(SPEC §17).
"""

from __future__ import annotations

import json
from typing import Any

from crypto import (
    document,
    identity,
)
from crypto.encoding import b64u_encode, canonical_json
from crypto.errors import FormatError
from crypto.keys import raw_public
from scripts.vectors.common import Vector, require, x_key

IDENTITY_FIELDS = {
    "name": "Rina Wulandari",
    "nip": "198703152010012003",
    "position": "Analis Kepegawaian",
    "agency": "Dinas Pendidikan Kab. Semarang",
    "phone": "+62 812 0000 0000",
    "contact_note": "Sore hari, lewat Signal.",
}


def vectors() -> dict[str, Vector]:
    """Identity documents: parser rules (Python and browser) and field rules (Python)."""
    vs: dict[str, Vector] = {}

    def doc(fields: dict[str, str], **changes: Any) -> bytes:
        obj = json.loads(
            document.Document(
                "identity", "2026-11-20T08:15:00+07:00", "browser", fields, None
            ).to_bytes()
        )
        return canonical_json({**obj, **changes})

    def v(
        name: str, comment: str, data: bytes, error: str | None = None, layer: str = "vocabulary"
    ) -> None:
        rec: Vector = {"comment": comment, "type": "document", "document": data.decode()}
        try:
            identity.check_fields(document.parse(data).fields)
        except FormatError:
            require(error == "FormatError", f"identity-{name} was refused")
            rec.update(expect="error", error=error, layer=layer)
        else:
            require(error is None, f"identity-{name} was accepted")
            rec.update(expect="success")
        vs[f"identity-{name}"] = rec

    reply_key = b64u_encode(raw_public(x_key("reporter").public_key()))
    v("ok-full", "Every field SPEC §17 lists but the address.", doc(IDENTITY_FIELDS))
    v(
        "ok-name-only",
        "Only the name: every other field is optional.",
        doc({"name": "Rina Wulandari"}),
    )
    v(
        "reject-server-channel",
        "Sealed on the server (the no-JS path): the server would have "
        "held the identity in memory, so §17 refuses it.",
        doc(IDENTITY_FIELDS, channel="server"),
        "FormatError",
        layer="document",
    )
    v(
        "reject-reply-key",
        "Carries the reporter's reply key.",
        doc(IDENTITY_FIELDS, reply_key=reply_key),
        "FormatError",
        layer="document",
    )
    v(
        "reject-without-name",
        "No name: a disclosure names the reporter.",
        doc({"phone": "+62 812 0000 0000"}),
        "FormatError",
    )
    v(
        "reject-unknown-field",
        "A field §17 does not list (NIK).",
        doc({**IDENTITY_FIELDS, "nik": "3322000000000000"}),
        "FormatError",
    )
    v("reject-name-too-long", "A name of 201 characters.", doc({"name": "A" * 201}), "FormatError")
    return vs
