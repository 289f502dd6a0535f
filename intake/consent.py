"""Consent the reporter changes later, on the no-JavaScript path (crypto/SPEC.md §14).

The follow-up page offers, for each authority and for each evidence file of the case, three
choices: leave as it is, grant, withdraw. The server cannot show the current consent — it is
sealed inside the report, which the server cannot open — so the page never pretends to.

:func:`evidence_choices` lists the case's evidence files as the server knows them: by the item
they came with, the day it arrived and their position (never a name: the server has none).
:func:`change_from_form` turns the posted choices into a :class:`crypto.consent.ConsentChange`;
:func:`send` seals it as a ``consent`` document to the case's reviewers, signs it with the
receipt's follow-up key in memory (SPEC §12) and stores it as a journal item of kind
``consent``.

Held in memory: the choices, the receipt-derived keys for the request. Stored: the envelope,
the signature and the UTC day. Never stored: the receipt, the choices in the clear.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from crypto import consent, document, envelope, followup
from crypto.errors import FormatError
from crypto.receipt import ReceiptSecrets
from vault.store import CaseHistory, CaseInfo

from .errors import UploadError
from .forms import CONSENT_CHOICES
from .state import Intake

GRANT, WITHDRAW = "grant", "withdraw"
_REPORTER_ITEMS = ("report", "message", "retaliation")


@dataclass(frozen=True)
class EvidenceChoice:
    """One evidence file the page offers: the item it came with, that item's day, its place."""

    sha256: str
    item: str  # report, message or retaliation
    day: str  # YYYY-MM-DD, or "" for items stored before days were kept
    position: int  # 1-based among the item's files


def next_seq(history: CaseHistory) -> int:
    """The ``seq`` the case's next consent change carries (SPEC §14.3): one more than the
    consent changes stored. The writer puts it inside the sealed, receipt-signed change, so
    the reviewers order changes by it and never by anyone's clock; a server that hands out a
    wrong number can only get the change refused as a duplicate, not reorder others."""
    return sum(1 for e in history.entries if e.kind == consent.TYPE) + 1


def evidence_choices(history: CaseHistory) -> list[EvidenceChoice]:
    """The case's evidence files in the order the reporter sent them."""
    out = []
    for entry in history.entries:
        if entry.kind not in _REPORTER_ITEMS:
            continue
        day = history.case.received_day if entry.kind == "report" else entry.day
        for n, ref in enumerate(entry.evidence, 1):
            out.append(EvidenceChoice(ref.sha256, entry.kind, day.isoformat() if day else "", n))
    return out


def _choice(form: Mapping[str, Sequence[str]], name: str) -> bool | None:
    values = list(form.get(name, ()))
    if len(values) > 1 or (values and values[0] not in ("", GRANT, WITHDRAW)):
        raise UploadError("error.malformed")
    return {GRANT: True, WITHDRAW: False}.get(values[0]) if values else None


def change_from_form(
    form: Mapping[str, Sequence[str]], evidence: Sequence[str]
) -> consent.ConsentChange:
    """The change the posted choices make (``authority_<code>``, ``evidence_<sha256>``, each
    ``""``, ``grant`` or ``withdraw``); UploadError if a value is not one of those, or
    ``error.consent_nothing`` if nothing is changed."""
    authorities = {
        c: v for c in CONSENT_CHOICES if (v := _choice(form, f"authority_{c}")) is not None
    }
    files = {s: v for s in evidence if (v := _choice(form, f"evidence_{s}")) is not None}
    if not authorities and not files:
        raise UploadError("error.consent_nothing")
    return consent.ConsentChange(authorities, files)


def send(
    intake: Intake,
    case: CaseInfo,
    secrets: ReceiptSecrets,
    change: consent.ConsentChange,
    recipients: Sequence[X25519PublicKey],
) -> None:
    """Seal, sign and store ``change`` as the case's newest item (nothing kept on failure),
    numbered after the consent changes already stored (:func:`next_seq`)."""
    change = dataclasses.replace(change, seq=next_seq(intake.vault.case_history(case.id)))
    try:
        doc = consent.document(change, document.now(), "server")
    except FormatError as exc:
        raise UploadError("error.malformed") from exc
    sealed = envelope.seal(doc.to_bytes(), recipients)
    sha = hashlib.sha256(sealed).hexdigest()
    signature = followup.sign(secrets.followup_key, case.id, consent.TYPE, sha, [])
    written = intake.vault.blobs.add_bytes(sealed)
    try:
        intake.vault.add_message(case.id, kind=consent.TYPE, blob=written.ref, signature=signature)
    except BaseException:
        intake.vault.discard([written])
        raise
