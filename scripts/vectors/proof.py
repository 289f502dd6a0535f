"""``proof-*``: the server-signed proof of report (SPEC §13)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
)

from crypto import (
    proof,
    signed,
)
from crypto.directory import sign_directory
from crypto.encoding import b64u_encode, canonical_json
from scripts.vectors._org import OTHER_ROOT, REVIEWERS, ROOT_KEY, SERVER, TODAY
from scripts.vectors.common import Vector, ed_key, pub_hex, sha256_hex


def _proof_items(days: list[str]) -> list[proof.ProofItem]:
    kinds = ["report", "message", "retaliation", "consent"]
    return [
        proof.ProofItem(
            kind,
            dt.date.fromisoformat(day),
            sha256_hex(f"env {i}".encode()),
            (sha256_hex(f"ev {i}".encode()),) if i == 0 else (),
        )
        for i, (kind, day) in enumerate(zip(kinds, days, strict=False))
    ]


def vectors() -> dict[str, Vector]:
    """Proofs of report that verify under the directory, and ones breaking one rule each."""
    vs: dict[str, Vector] = {}
    expires = dt.date(2027, 6, 30)
    directory = sign_directory(ROOT_KEY, "Bisik Demo", 7, expires, REVIEWERS, SERVER.public_key())
    no_server = sign_directory(ROOT_KEY, "Bisik Demo", 7, expires, REVIEWERS, None)
    items = _proof_items(["2026-09-02", "2026-10-15", "2026-11-20", "2026-11-20"])
    old_items = items[:3]  # what a v2 proof could list: no consent change
    args: dict[str, Any] = {
        "org_name": "Bisik Demo",
        "case": "abcdefghijkmn234",
        "received": dt.date(2026, 9, 2),
        "issued": TODAY,
    }
    root_hex = pub_hex(ROOT_KEY.public_key())

    def v(
        name: str, comment: str, data: bytes, *, root: str = root_hex, error: str | None = None
    ) -> None:
        rec: Vector = {
            "comment": comment,
            "type": "proof",
            "root_public": root,
            "proof": data.decode(),
        }
        if error:
            rec.update(expect="error", error=error)
        else:
            got = proof.verify(data, ROOT_KEY.public_key())
            rec.update(
                expect="success",
                org=got.org_name,
                case=got.case,
                issued=got.issued.isoformat(),
                items=[i.to_json() for i in got.items],
            )
        vs[f"proof-{name}"] = rec

    def issue(
        body_items: list[proof.ProofItem],
        *,
        key: Ed25519PrivateKey = SERVER,
        directory_bytes: bytes = directory,
        **over: Any,
    ) -> bytes:
        return proof.issue(key, directory_bytes, items=body_items, **{**args, **over})

    def resign(mutate: Callable[[dict[str, Any]], None], base: bytes | None = None) -> bytes:
        """A proof whose body was changed by ``mutate`` and signed again with the server key
        (so only the body rule under test is broken, not the signature)."""
        outer = json.loads(base or issue(items))
        body = json.loads(signed.parse(canonical_json(outer["proof"])).body)
        mutate(body)
        outer["proof"] = json.loads(signed.sign(SERVER, "proof", body).to_bytes())
        return canonical_json(outer)

    good = issue(items)
    v(
        "ok",
        "A report and three follow-ups (a message, a retaliation report, then a consent change "
        "on the same day), each with the day it arrived, signed by the server the directory "
        "names (proof/v3).",
        good,
    )
    v2 = proof.issue(SERVER, directory, items=old_items, _version=2, **args)
    v(
        "ok-v2",
        "A proof/v2 file issued before consent changes were listed: it stays verifiable.",
        v2,
    )
    v(
        "reject-v2-with-consent",
        "A proof/v2 body that lists a consent change (only v3 may).",
        resign(lambda b: b["items"].append(items[3].to_json()), v2),
        error="FormatError",
    )
    v(
        "reject-version-mismatch",
        "A proof/v3 file whose body says v 2.",
        resign(lambda b: b.update(v=2)),
        error="FormatError",
    )
    v(
        "reject-consent-with-evidence",
        "A consent change listed with an evidence file (a consent change attaches none).",
        resign(lambda b: b["items"][3].update(evidence=[sha256_hex(b"ev 3")])),
        error="FormatError",
    )
    v(
        "ok-after-directory-expiry",
        "Issued while its directory was valid: it still verifies "
        "after the directory expired (the directory is checked as of the issue day).",
        issue(items, issued=dt.date(2027, 6, 30)),
    )
    legacy = [
        proof.ProofItem("report", dt.date(2026, 9, 2), sha256_hex(b"env 0")),
        proof.ProofItem("message", None, sha256_hex(b"env 1")),
    ]
    v(
        "ok-day-unknown",
        "A follow-up stored before the server recorded item days: day null.",
        issue(legacy),
    )
    v(
        "reject-wrong-root",
        "Checked against another organisation's root key.",
        good,
        root=pub_hex(OTHER_ROOT.public_key()),
        error="SignatureError",
    )
    outer = json.loads(good)
    sig = bytearray(signed.parse(canonical_json(outer["proof"])).sig)
    sig[0] ^= 1
    outer["proof"]["sig"] = b64u_encode(bytes(sig))
    v(
        "reject-flipped-signature",
        "The proof's signature changed in one bit.",
        canonical_json(outer),
        error="SignatureError",
    )
    v(
        "reject-other-server-key",
        "Signed by a key the directory does not name.",
        issue(items, key=ed_key("stranger")),
        error="SignatureError",
    )
    v(
        "reject-directory-without-server",
        "The directory names no server key.",
        issue(items, directory_bytes=no_server),
        error="SignatureError",
    )
    v(
        "reject-issued-after-expiry",
        "Issued on a day its directory had already expired.",
        issue(items, issued=dt.date(2027, 7, 1)),
        error="SignatureError",
    )
    v(
        "reject-other-org",
        "Body names another organisation than its directory.",
        issue(items, org_name="Organisasi Lain"),
        error="SignatureError",
    )
    v(
        "reject-days-out-of-order",
        "A later item dated before an earlier one.",
        resign(lambda b: b["items"][1].update(day="2026-11-25")),
        error="FormatError",
    )
    v(
        "reject-day-before-received",
        "An item dated before the case was received.",
        resign(lambda b: b["items"][1].update(day="2026-09-01")),
        error="FormatError",
    )
    v(
        "reject-first-not-report",
        "The first item is not the report.",
        resign(lambda b: b["items"][0].update(kind="message")),
        error="FormatError",
    )
    v(
        "reject-unknown-kind",
        "An item of a kind reporters do not send.",
        resign(lambda b: b["items"][2].update(kind="status")),
        error="FormatError",
    )
    v(
        "reject-extra-field",
        "An outer field beside bisik, proof and directory.",
        canonical_json({**json.loads(good), "note": "x"}),
        error="FormatError",
    )
    return vs
