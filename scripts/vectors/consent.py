"""``consent-*``: numbered, receipt-signed consent changes (SPEC §14)."""

from __future__ import annotations

import json
from typing import Any

from crypto.encoding import b64u_encode, canonical_json
from crypto.keys import raw_public
from scripts.vectors.common import Vector, det, x_key


def vectors() -> dict[str, Vector]:
    """A consent change document: each reject breaks exactly one rule of SPEC §14.2."""
    vs: dict[str, Vector] = {}
    photo = det("evidence sha", 32).hex()
    good = {"authorities": {"bawaslu": True, "bkn": False}, "evidence": {photo: False}}

    def raw(**over: Any) -> bytes:
        obj = {
            "v": 1,
            "type": "consent",
            "submitted_at": "2026-12-01T09:30:00+07:00",
            "channel": "browser",
            "fields": {},
            "reply_key": None,
            "evidence": [],
            "consent": good,
            **over,
        }
        return canonical_json(obj)

    def v(
        name: str, comment: str, data: bytes, error: str | None = None, layer: str = "consent"
    ) -> None:
        rec: Vector = {"comment": comment, "type": "consent", "document": data.decode()}
        if error:
            rec.update(expect="error", error=error, layer=layer)
        else:
            rec.update(expect="success", change=json.loads(data)["consent"])
        vs[f"consent-{name}"] = rec

    v("ok-grant-withdraw-and-file", "Grant Bawaslu, withdraw BKN, stop sharing one file.", raw())
    v(
        "ok-authorities-only",
        "Only an authority (LPSK) granted; no file named.",
        raw(consent={"authorities": {"lpsk": True}, "evidence": {}}),
    )
    v(
        "ok-other-body",
        "Consent to another body the reviewers judge competent ('other').",
        raw(consent={"authorities": {"other": True}, "evidence": {}}),
    )
    v(
        "reject-empty-change",
        "A change that names nothing changes nothing: refused.",
        raw(consent={"authorities": {}, "evidence": {}}),
        "FormatError",
    )
    v(
        "reject-unknown-authority",
        "An authority code the vocabulary does not list (polisi).",
        raw(consent={"authorities": {"polisi": True}, "evidence": {}}),
        "FormatError",
    )
    v(
        "reject-not-boolean",
        "A value that is not true or false (1): no answer is no consent.",
        raw(consent={"authorities": {"bkn": 1}, "evidence": {}}),
        "FormatError",
    )
    v(
        "reject-null-value",
        "A value of null.",
        raw(consent={"authorities": {"bkn": None}, "evidence": {}}),
        "FormatError",
    )
    v(
        "reject-bad-file-hash",
        "A file named by something that is not 64 lowercase hex digits.",
        raw(consent={"authorities": {}, "evidence": {photo.upper(): True}}),
        "FormatError",
    )
    v(
        "reject-missing-member",
        "The 'evidence' member is absent (both are always present).",
        raw(consent={"authorities": {"bkn": True}}),
        "FormatError",
    )
    v(
        "reject-extra-member",
        "A member the format does not have (reason).",
        raw(consent={**good, "reason": "takut"}),
        "FormatError",
    )
    v(
        "reject-with-fields",
        "A consent document carries no form fields.",
        raw(fields={"text": "saya setuju"}),
        "FormatError",
    )
    v(
        "reject-with-reply-key",
        "A consent document carries no reply key.",
        raw(reply_key=b64u_encode(raw_public(x_key("reporter").public_key()))),
        "FormatError",
    )
    v(
        "reject-not-object",
        "Authorities as a list, the report's shape, not a change.",
        raw(consent={"authorities": ["bkn"], "evidence": {}}),
        "FormatError",
    )
    v(
        "ok-with-seq",
        "The third consent change of its case (seq 3, SPEC §14.3): what writers emit now.",
        raw(consent={**good, "seq": 3}),
    )
    v(
        "ok-seq-largest",
        "The largest seq a reader accepts (2^31 - 1).",
        raw(consent={**good, "seq": (1 << 31) - 1}),
    )
    for name, comment, seq in (
        ("reject-seq-zero", "A seq of 0: changes are numbered from 1.", 0),
        ("reject-seq-negative", "A negative seq.", -1),
        ("reject-seq-too-large", "A seq of 2^31, beyond what every reader holds exactly.", 1 << 31),
        ("reject-seq-fraction", "A seq that is not a whole number (1.5).", 1.5),
        ("reject-seq-string", 'A seq written as text ("2").', "2"),
        ("reject-seq-boolean", "A seq of true (a boolean is no number).", True),
        ("reject-seq-null", "A seq of null: absent means an old change, null means nothing.", None),
    ):
        v(name, comment, raw(consent={**good, "seq": seq}), "FormatError")
    v(
        "reject-bad-time",
        "A submission time that is no time (SPEC §8): the document layer.",
        raw(submitted_at="kemarin"),
        "FormatError",
        layer="document",
    )

    return vs
