"""Cases on the JavaScript path: create one, read its history, get its proof, follow up.

The browser derives the lookup id from the receipt and seals every document itself; the
server keeps ``HMAC(pepper, lookup_id)``, stores envelopes and evidence it cannot open, and
answers every lookup — known or not — after the same minimum time.

What a refused request leaves: nothing of its own. The bytes it put into the blob store are
taken back with ``Vault.discard`` — only if this request created them and no row refers to
them, so a replayed request (or an envelope copied out of an export bundle) can never remove
the stored envelope of a case.

Follow-ups are proven by the receipt (crypto/SPEC.md §12): a report names the receipt's
follow-up public key (``followup_public``), and every later message must carry the browser's
signature by it (``signature``); the vault checks it before anything is stored, so a request
without the receipt cannot speak for the reporter.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict
from typing import Any

from flask import Blueprint, Response, jsonify, request

from crypto import followup as followup_format
from crypto import receipt
from crypto.encoding import b64u_encode
from crypto.errors import BisikError
from crypto.keys import key_id, load_ed25519_public, load_x25519_public
from vault.blobstore import Written
from vault.errors import DuplicateCaseError, MissingBlobError, UnprovenFollowupError
from vault.store import CaseInfo, proven_followup

from .. import consent, followup, forms, free_space, guesses, i18n, linked
from ..state import Intake, current
from .claims import claimed
from .envelopes import inline_envelope, reviewer_keys
from .errors import ApiError
from .inputs import field_bytes, json_object

bp = Blueprint("cases", __name__)


def lookup(intake: Intake, obj: dict[str, Any]) -> CaseInfo:
    """The case of a browser-derived lookup id, with the same minimum time for every answer
    (a malformed id included)."""
    deadline = time.monotonic() + intake.config.receipt_floor_ms / 1000
    try:
        lookup_id = field_bytes(obj, "lookup_id", 32)
        case = intake.vault.case_by_lookup(receipt.lookup_tag(intake.secrets.pepper, lookup_id))
    finally:
        time.sleep(max(0.0, deadline - time.monotonic()))
    if case is None:
        guesses.unknown_receipt()  # 429 once guesses used up the global budget
        raise ApiError("error.receipt_unknown", 404)
    return case


def _store(intake: Intake, data: bytes) -> Written:
    free_space.ensure_text_room(intake.config, len(data))  # never locked out by uploads
    return intake.vault.blobs.add_bytes(data)


def _followup_public(obj: dict[str, Any]) -> bytes | None:
    """The report's follow-up public key (Ed25519, 32 bytes), or None for a client from
    before §12 (its case's follow-ups are then unproven to reviewers)."""
    if obj.get("followup_public") is None:
        return None
    raw = field_bytes(obj, "followup_public", 32)
    try:
        load_ed25519_public(raw)
    except BisikError as exc:
        raise ApiError("error.malformed") from exc
    return raw


def _signature(obj: dict[str, Any]) -> bytes | None:
    sig = obj.get("signature")
    if sig is None:
        return None
    if not isinstance(sig, str) or len(sig) > 8192:  # a followup object is ~1.5 KiB
        raise ApiError("error.malformed")
    return sig.encode("utf-8", "surrogatepass")


@bp.post("/reports")
def submit_report() -> tuple[Response, int]:
    """Create a case from a browser-sealed report envelope and its claimed evidence."""
    intake = current()
    obj = json_object()
    lookup_id = field_bytes(obj, "lookup_id", 32)
    reply_public = field_bytes(obj, "reply_public", 32)
    try:
        load_x25519_public(reply_public)
    except (BisikError, ValueError) as exc:
        raise ApiError("error.malformed") from exc
    followup_public = _followup_public(obj)
    evidence = claimed(intake, obj.get("evidence", []))
    data, reviewers = inline_envelope(obj, "report", reviewer_keys(intake))
    written = _store(intake, data)
    try:
        intake.vault.create_case(
            lookup_tag=receipt.lookup_tag(intake.secrets.pepper, lookup_id),
            reply_public=reply_public,
            recipients=reviewers,
            report_blob=written.ref,
            evidence=evidence,
            followup_public=followup_public,
        )
    except DuplicateCaseError as exc:
        intake.vault.discard([written])
        raise ApiError("error.duplicate", 409) from exc
    except MissingBlobError as exc:
        intake.vault.discard([written])
        raise ApiError("error.upload_integrity", 422) from exc
    except BaseException:
        intake.vault.discard([written])
        raise
    return jsonify({"ok": True, "channel": "browser"}), 201


@bp.post("/case")
def case() -> Response:
    """Signed statuses, replies and tracking steps of the case a lookup id opens, for the
    browser to verify."""
    intake = current()
    info = lookup(intake, json_object())
    history = intake.vault.case_history(info.id)
    replies = []
    for record, blob in history.replies:
        with intake.vault.blobs.open(blob.sha256) as f:
            replies.append({"record": record.decode(), "envelope": b64u_encode(f.read())})
    sent = [e.kind for e in history.entries if e.kind in ("message", "retaliation")]
    files = [asdict(f) for f in consent.evidence_choices(history)]  # for consent changes (§14)
    shared = [
        {
            "record": rec.decode(),
            "received_day": old.case.received_day.isoformat(),
            "statuses": [r.decode() for r in old.statuses],
        }
        for rec, old in (
            (rec, intake.vault.case_history(other))
            for rec, other in linked.shared_links(intake, info.id)
        )
    ]  # §15
    return jsonify(
        {
            "evidence": files,
            "consent_choices": list(forms.CONSENT_CHOICES),
            "consent_seq": consent.next_seq(history),  # the next change's place (SPEC §14.3)
            "linked": shared,
            "case": info.id,
            "received_day": info.received_day.isoformat(),
            "recipients": list(info.recipients),
            "statuses": [r.decode() for r in history.statuses],
            "replies": replies,
            "steps": [r.decode() for r in history.steps],  # tracking steps (SPEC §16)
            "sent_messages": sent.count("message"),
            "sent_retaliation": sent.count("retaliation"),
        }
    )


@bp.post("/case/proof")
def case_proof() -> Response:
    """The server-signed proof of report (crypto/SPEC.md §13), to keep: the signed file, or
    with ``"format": "pdf"`` the printable PDF in the page's language."""
    intake = current()
    obj = json_object()
    info = lookup(intake, obj)
    if obj.get("format") == "pdf":
        lang = i18n.pick(request.cookies.get(i18n.COOKIE))
        response = Response(followup.proof_pdf(intake, info, lang), mimetype="application/pdf")
        response.headers["Content-Disposition"] = 'attachment; filename="bisik-proof.pdf"'
        return response
    response = Response(followup.proof(intake, info), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="bisik-proof.json"'
    return response


@bp.post("/case/message")
def case_message() -> tuple[Response, int]:
    """Store a follow-up sealed in the browser to the case's reviewers (and its reply key)."""
    intake = current()
    obj = json_object()
    kind = obj.get("kind")
    if (
        not isinstance(kind, str)
        or kind not in followup_format.TYPES
        or (kind == "consent" and obj.get("evidence"))
    ):
        raise ApiError("error.malformed")  # a consent change attaches no file (SPEC §14)
    info = lookup(intake, obj)
    allowed = reviewer_keys(intake)
    allowed[key_id(load_x25519_public(info.reply_public))] = None
    evidence = claimed(intake, obj.get("evidence", []))
    data, _ = inline_envelope(obj, "envelope", allowed)
    sig = _signature(obj)
    try:  # refused before a byte is written; the vault checks again in its transaction
        proven_followup(
            info.followup_public,
            info.id,
            kind,
            hashlib.sha256(data).hexdigest(),
            [e.sha256 for e in evidence],
            sig,
        )
    except UnprovenFollowupError as exc:
        raise ApiError("error.followup_unproven", 403) from exc
    written = _store(intake, data)
    try:
        intake.vault.add_message(
            info.id, kind=kind, blob=written.ref, evidence=evidence, signature=sig
        )
    except MissingBlobError as exc:
        intake.vault.discard([written])
        raise ApiError("error.upload_integrity", 422) from exc
    except UnprovenFollowupError as exc:  # not signed with this case's receipt (SPEC §12)
        intake.vault.discard([written])
        raise ApiError("error.followup_unproven", 403) from exc
    except BaseException:
        intake.vault.discard([written])
        raise
    return jsonify({"ok": True, "channel": "browser"}), 201
