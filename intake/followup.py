"""The reporter's way back in: find a case by receipt, show its verified history, prove receipt.

* :func:`lookup` derives the receipt's lookup id and reply key (PBKDF2, in memory only) and
  asks the vault for the case by its keyed tag. Every call — typo, unknown or right — is
  padded to the same minimum duration, so timing does not tell a guesser which codes exist.
* :func:`history` verifies every status and reply record against the reviewer directory
  before anything is shown; a record that fails is dropped (and counted), never displayed.
  Replies are decrypted in memory with the receipt-derived reply key.
* :func:`proof` is the signed proof of report a reporter may keep (crypto/SPEC.md §13): the
  server key signs, for every item the reporter sent, the UTC day it arrived and the SHA-256 of
  its envelopes — no content — and the file carries the directory naming that key;
  :func:`proof_pdf` draws the same as a printable PDF.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass
from typing import Any

from crypto import document, envelope, receipt, records
from crypto import proof as proof_format
from crypto.errors import BisikError, ReceiptError
from crypto.receipt import ReceiptSecrets
from vault.store import CaseInfo

from . import guesses
from .proof_pdf import render as proof_pdf_render
from .state import Intake
from .steps import StepView, verified_steps

MAX_REPLY_ENVELOPE = 2 << 20


def lookup(intake: Intake, text: str) -> tuple[CaseInfo, ReceiptSecrets] | None:
    """The case a receipt opens, or None; ReceiptError for a typo. Constant minimum time."""
    deadline = time.monotonic() + intake.config.receipt_floor_ms / 1000
    try:
        try:
            secrets = receipt.derive(text[:100])
        except ReceiptError:
            receipt.derive(receipt.generate())  # same work as a well-formed code
            raise
        case = intake.vault.case_by_lookup(
            receipt.lookup_tag(intake.secrets.pepper, secrets.lookup_id)
        )
    finally:
        time.sleep(max(0.0, deadline - time.monotonic()))
    if case is None:
        guesses.unknown_receipt()  # 429 once guesses used up the global budget
        return None
    return case, secrets


@dataclass(frozen=True)
class StatusView:
    """One verified status record as the follow-up page shows it (day precision, reviewer id)."""

    state: str
    authority: str | None
    day: str
    reviewer: str


@dataclass(frozen=True)
class ReplyView:
    """One reply whose record verified and whose envelope opened with the receipt's reply key."""

    text: str
    day: str
    reviewer: str


@dataclass(frozen=True)
class CaseView:
    """What the follow-up page shows: only verified records and decrypted replies."""

    received_day: str
    current: StatusView | None
    statuses: list[StatusView]
    replies: list[ReplyView]
    sent_messages: int
    sent_retaliation: int
    rejected: int  # records that failed verification and were not shown
    steps: tuple[StepView, ...] = ()  # the authority's progress (SPEC §16), coarse


def status_view(intake: Intake, case_id: str, data: bytes) -> StatusView | None:
    """A status record of ``case_id`` as the page shows it, or None if it does not verify."""
    try:
        body, reviewer = records.verify(data, intake.directory(), "status")
    except BisikError:
        return None
    if body["case"] != case_id:
        return None
    return StatusView(body["state"], body.get("authority"), body["at"][:10], reviewer.name)


def _reply_text(fields: Any) -> str:
    for key in ("text", "message", "body"):
        value = fields.get(key)
        if isinstance(value, str):
            return value
    return ""


def _reply(
    intake: Intake, case_id: str, data: bytes, sha: str, secrets: ReceiptSecrets
) -> ReplyView | None:
    try:
        body, reviewer = records.verify(data, intake.directory(), "reply")
        if body["case"] != case_id or body["envelope_sha256"] != sha:
            return None
        with intake.vault.blobs.open(sha) as fh:
            blob = fh.read(MAX_REPLY_ENVELOPE + 1)
        if len(blob) > MAX_REPLY_ENVELOPE:
            return None
        if hashlib.sha256(blob).hexdigest() != sha:  # the file name is not proof of content
            return None
        doc = document.parse(envelope.unseal(blob, secrets.reply_key))
    except BisikError:
        return None
    if doc.type != "reply":
        return None
    return ReplyView(_reply_text(doc.fields), body["at"][:10], reviewer.name)


def history(intake: Intake, case: CaseInfo, secrets: ReceiptSecrets) -> CaseView:
    """Verify and decrypt what the reporter may see of ``case``."""
    hist = intake.vault.case_history(case.id)
    statuses = [status_view(intake, case.id, rec) for rec in hist.statuses]
    replies = [_reply(intake, case.id, rec, ref.sha256, secrets) for rec, ref in hist.replies]
    shown_s = [s for s in statuses if s is not None]
    shown_r = [r for r in replies if r is not None]
    kinds = [e.kind for e in hist.entries]
    steps, dropped = verified_steps(intake.directory(), case.id, hist.steps)
    return CaseView(
        received_day=case.received_day.isoformat(),
        current=shown_s[-1] if shown_s else None,
        statuses=shown_s,
        replies=shown_r,
        sent_messages=kinds.count("message"),
        sent_retaliation=kinds.count("retaliation"),
        rejected=(len(statuses) - len(shown_s)) + (len(replies) - len(shown_r)) + dropped,
        steps=tuple(steps),
    )


def proof(intake: Intake, case: CaseInfo) -> bytes:
    """The proof file (crypto/SPEC.md §13) for a case: every item the reporter sent, the day
    each arrived and its envelope hashes, signed by the server key, with the directory that
    names that key — so anyone with the organisation's root key can check it."""
    hist = intake.vault.case_history(case.id)
    items = [
        proof_format.ProofItem(
            e.kind,
            case.received_day if e.kind == "report" else e.day,
            e.blob.sha256,
            tuple(b.sha256 for b in e.evidence),
        )
        for e in hist.entries
        if e.kind in proof_format.KINDS and e.blob is not None
    ]
    return proof_format.issue(
        intake.secrets.signing_key,
        intake.directory_bytes(),
        org_name=intake.directory().org_name,
        case=case.id,
        received=case.received_day,
        items=items,
        issued=dt.datetime.now(dt.UTC).date(),
    )


def proof_pdf(intake: Intake, case: CaseInfo, lang: str) -> bytes:
    """The same proof as a printable PDF (intake.proof_pdf), checked before it is drawn."""
    data = proof(intake, case)
    checked = proof_format.verify(data, intake.directory().root)
    return proof_pdf_render(data, checked, intake.root_fingerprint, lang)
