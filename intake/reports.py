"""Accepting reports and follow-up messages on the no-JavaScript path (server sealing).

``submit_report`` reads a multipart body as it arrives, seals each evidence file into the
blob store, then seals the report document (fields, evidence list, consent, reply key) to the
reviewers the reporter chose, issues a receipt and creates the case. ``add_message`` does the
same for a follow-up message or retaliation report of an existing case.

Held in memory: the text fields (bounded), one 64 KiB chunk per file, the receipt until the
page is rendered. Stored: ciphertext, the receipt's keyed lookup tag, the reply public key,
the follow-up public key, the chosen reviewer ids and the UTC day. Never stored: the receipt,
file names, the time.

Follow-ups are signed with the receipt's follow-up key (crypto/SPEC.md §12). With JavaScript
off the server derives that key in memory from the receipt the reporter just typed — it sees
the receipt at that moment, as it does for the lookup — signs, and forgets it with the request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import BinaryIO

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from crypto import document, envelope, followup, receipt
from crypto.encoding import b64u_encode
from crypto.errors import ReceiptError, SignatureError
from crypto.keys import raw_public
from crypto.receipt import ReceiptSecrets
from vault.blobstore import BlobRef, Written
from vault.entries import CaseInfo
from vault.errors import DuplicateCaseError

from . import form_tokens, forms
from .errors import AlreadySent, UploadError
from .followup import lookup
from .multipart import Bounds, stream_parts
from .sealing import SealingHandler
from .state import Intake


@dataclass(frozen=True)
class Body:
    """The raw request body and what the multipart reader needs to know about it."""

    stream: BinaryIO
    boundary: bytes
    length: int | None


@dataclass(frozen=True)
class Accepted:
    """A stored report: the receipt to show once and the sealing path ("server")."""

    receipt: str
    channel: str


def _bounds(intake: Intake) -> Bounds:
    c = intake.config
    return Bounds(c.max_upload_bytes, c.max_field_bytes, c.max_text_bytes, c.max_files)


def _read(intake: Intake, body: Body, handler: SealingHandler) -> None:
    stream_parts(body.stream, body.boundary, body.length, _bounds(intake), handler)
    handler.finish()


def _evidence(
    handler: SealingHandler, refs: Sequence[BlobRef], share: Callable[[str], bool]
) -> list[document.Evidence]:
    """The evidence list: each blob's address and its envelope's header MAC (SPEC §8)."""
    out = []
    for f, ref in zip(handler.files, refs, strict=True):
        mac = f.sealer.header_mac.hex()  # from our own sealer, not from the stored bytes
        out.append(
            document.Evidence(
                ref.sha256, f.name, f.media_type, f.size, share(f.input_name), envelope_mac=mac
            )
        )
    return out


def _store_case(
    intake: Intake,
    report_fields: forms.ReportForm,
    evidence: list[document.Evidence],
    refs: list[BlobRef],
    recipients: Sequence[X25519PublicKey],
) -> str:
    vault = intake.vault
    for _ in range(3):  # a colliding lookup tag is ~2^-90; retry rather than fail
        code = receipt.generate()
        secrets = receipt.derive(code)
        doc = document.Document(
            type="report",
            submitted_at=document.now(),
            channel="server",
            fields=report_fields.fields,
            reply_key=b64u_encode(raw_public(secrets.reply_public)),
            evidence=evidence,
            consent={"authorities": list(report_fields.authorities)},
            followup_key=b64u_encode(raw_public(secrets.followup_public)),
        )
        report = vault.blobs.add_bytes(envelope.seal(doc.to_bytes(), recipients))
        try:
            vault.create_case(
                lookup_tag=receipt.lookup_tag(intake.secrets.pepper, secrets.lookup_id),
                reply_public=raw_public(secrets.reply_public),
                followup_public=raw_public(secrets.followup_public),
                recipients=list(report_fields.recipients),
                report_blob=report.ref,
                evidence=refs,
            )
            return code
        except DuplicateCaseError:
            vault.discard([report])
        except BaseException:
            vault.discard([report])  # nothing half-stored
            raise
    raise UploadError("error.server", 500)


def _discard(intake: Intake, written: Sequence[Written]) -> None:
    """Take back what this request put, never bytes a case already holds (Vault.discard)."""
    intake.vault.discard(written)


def _token(fields: dict[str, list[str]], tokens: form_tokens.UsedTokens | None) -> str | None:
    """The form's single-use token (U4), or None; AlreadySent if a report already used it.

    Checked with the text fields, before any file part is read or sealed, so a reload of the
    receipt page costs no sealing; the atomic claim comes later, just before storing.
    """
    values = fields.get(form_tokens.FIELD, [])
    if len(values) > 1 or (values and not form_tokens.well_formed(values[0])):
        raise UploadError("error.malformed")
    if not values or tokens is None:
        return None  # a form not from our page (no token): nothing to protect the sender from
    if tokens.used(values[0]):
        raise AlreadySent("report form sent again")
    return values[0]


def _claimed(tokens: form_tokens.UsedTokens | None, token: str | None) -> None:
    # the same form sent twice at once (a double click, two workers): only one claim wins
    if tokens is not None and token is not None and not tokens.claim(token):
        raise AlreadySent("report form sent again")


def submit_report(
    intake: Intake,
    body: Body,
    csrf_ok: Callable[[str], bool],
    tokens: form_tokens.UsedTokens | None = None,
) -> Accepted:
    """Read, seal and store a report; UploadError (nothing kept) on any problem.

    With ``tokens``, a form whose single-use token was already used is refused with
    AlreadySent, and nothing is created (audit U4).
    """
    directory = intake.directory()
    active = [r.id for r in directory.active_reviewers()]
    chosen: list[forms.ReportForm] = []
    token: list[str | None] = []

    def prepare(fields: dict[str, list[str]]) -> Sequence[X25519PublicKey]:
        token.append(_token(fields, tokens))
        chosen.append(forms.report(fields, active))
        try:
            return directory.recipients(frozenset(active) - set(chosen[0].recipients))
        except SignatureError as exc:
            raise UploadError("error.no_recipient") from exc

    with ExitStack() as stack:
        handler = SealingHandler(intake.vault.blobs, csrf_ok, prepare, stack)
        _read(intake, body, handler)
        form = chosen[0]
        share_slots = form.share_slots

        def share(input_name: str) -> bool:
            return forms.slot_of(input_name) in share_slots

        written = handler.commit()
        refs = [w.ref for w in written]
        try:
            _claimed(tokens, token[0])
        except BaseException:
            _discard(intake, written)
            raise
        try:
            code = _store_case(
                intake, form, _evidence(handler, refs, share), refs, handler.recipients
            )
        except BaseException:
            _discard(intake, written)
            if tokens is not None and token[0] is not None:
                tokens.release(token[0])  # nothing stored: the same form may be sent again
            raise
    return Accepted(receipt=code, channel="server")


def case_recipients(intake: Intake, case: CaseInfo) -> Sequence[X25519PublicKey]:
    """The keys of the reviewers the report went to who are still active."""
    directory = intake.directory()
    active = {r.id for r in directory.active_reviewers()}
    try:
        return directory.recipients(frozenset(active - set(case.recipients)))
    except SignatureError as exc:
        raise UploadError("error.no_recipient") from exc


def add_message(intake: Intake, body: Body, csrf_ok: Callable[[str], bool]) -> tuple[str, str]:
    """Seal and store a follow-up message or retaliation report; returns (receipt, kind).

    The receipt travels in the form (never a cookie or URL) and is checked, with the same
    timing floor as the follow-up page, before any file is accepted.
    """
    found: list[tuple[CaseInfo, dict[str, str], str, frozenset[str], ReceiptSecrets]] = []

    def prepare(fields: dict[str, list[str]]) -> Sequence[X25519PublicKey]:
        values = fields.get("receipt", [])
        if len(values) != 1:
            raise UploadError("error.malformed")
        try:
            hit = lookup(intake, values[0])
        except ReceiptError as exc:
            raise UploadError("error.receipt_typo") from exc
        if hit is None:
            raise UploadError("error.receipt_unknown", 404)
        found.append((hit[0], forms.message(fields), values[0], forms.share_slots(fields), hit[1]))
        return case_recipients(intake, hit[0])

    with ExitStack() as stack:
        handler = SealingHandler(intake.vault.blobs, csrf_ok, prepare, stack)
        _read(intake, body, handler)
        case, fields, code, shared, secrets = found[0]
        written = handler.commit()
        refs = [w.ref for w in written]
        try:
            doc = document.Document(
                type=fields["kind"],
                submitted_at=document.now(),
                channel="server",
                fields=fields,
                evidence=_evidence(handler, refs, lambda name: forms.slot_of(name) in shared),
            )
            sealed = envelope.seal(doc.to_bytes(), handler.recipients)
            written.append(intake.vault.blobs.add_bytes(sealed))
            ref = written[-1].ref
            signature = followup.sign(
                secrets.followup_key, case.id, fields["kind"], ref.sha256, [r.sha256 for r in refs]
            )  # in memory only
            intake.vault.add_message(
                case.id, kind=fields["kind"], blob=ref, evidence=refs, signature=signature
            )
        except BaseException:
            _discard(intake, written)
            raise
    return code, fields["kind"]
