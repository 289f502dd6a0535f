"""Merge a verified export into the local store: decrypt, check evidence, verify records.

Input is the item stream of an export bundle whose manifest and hashes were already verified
(:mod:`reviewer.bundles` wraps ``vault.bundle.read_export``). For each case the importer
decrypts the report with the reviewer's X25519 key, parses it (``crypto.document``), stores
evidence envelopes unopened (they stay sealed at rest; ``evidence`` opens them later), checks
the evidence set against the SHA-256 list inside the report, decrypts follow-up messages and
colleagues' replies, and verifies every status or reply record against the directory.

The evidence check (SPEC §8): an entry is ``ok`` only if the envelope with its
``envelope_sha256`` arrived *and* its header opens with this reviewer's key and carries exactly
the entry's ``envelope_mac``; an envelope that arrived but fails that is ``mismatch`` (flag
``evidence_altered``). Payloads are not decrypted here: the MAC commits to the file key, so a
payload altered later can only fail to decrypt, which ``evidence`` reports.

Follow-ups are proven by the receipt (SPEC §12): each message or retaliation report must carry
the reporter's signature by the follow-up key the case's first report published. One that
verifies is ``proven``; one that does not (or has none) is ``forged`` — refused: its content and
evidence list are dropped, and the case is flagged ``followup_forged``. A case whose report
predates §12 has no key: its follow-ups are kept but ``unproven`` (flag ``followup_unproven``).

Everything happens in one store transaction: any exception leaves the store as it was. A case
sealed to other reviewers only is recorded as *not readable by you*, never an error. A bundle
already imported changes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from crypto import consent as cconsent
from crypto import document as cdoc
from crypto import envelope, followup, signed
from crypto import records as crecords
from crypto.directory import Directory
from crypto.errors import DecryptionError, FormatError, SignatureError
from crypto.identity import carried_in
from crypto.keys import key_id, load_ed25519_public

from .case import DAMAGED, NOT_FOR_ME, add_record, new_record, summarise
from .home import Config
from .i18n import t
from .identity import Identity
from .store import CaseStore, Transaction


class ExportItem(Protocol):
    """One verified item of an export (the shape ``vault.bundle`` yields)."""

    kind: str
    case: str
    sha256: str
    size: int
    extra: Mapping[str, Any]

    def open(self) -> BinaryIO:
        """The item's verified bytes as a file (large items: envelopes)."""

    def read_bytes(self) -> bytes:
        """The item's verified bytes (small items: records)."""


@dataclass
class ImportSummary:
    """What an import did, for the command's report (counts only)."""

    bundle_id: str
    already_imported: bool = False
    new_cases: int = 0
    updated_cases: int = 0
    unreadable: int = 0  # not addressed to us
    damaged: int = 0  # addressed to us, but does not open: altered or forged
    flagged: int = 0
    records: int = 0
    records_rejected: int = 0
    confirmed: int = 0
    cases: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """What the import did, in the catalogue's sentences (a damaged count marked ``!``):
        what ``import`` prints and the desktop app shows."""
        if self.already_imported:
            return [t("import.already", bundle=self.bundle_id)]
        out = [
            t(
                "import.done",
                new=self.new_cases,
                updated=self.updated_cases,
                records=self.records,
                confirmed=self.confirmed,
            )
        ]
        if self.unreadable:
            out.append(t("import.unreadable", n=self.unreadable))
        if self.damaged:
            out.append("! " + t("import.damaged", n=self.damaged))
        if self.flagged:
            out.append(t("import.flagged", n=self.flagged))
        if self.records_rejected:
            out.append(t("import.rejected", n=self.records_rejected))
        return out


MAX_DOC_ENVELOPE = 4 << 20  # a document is at most 1 MiB plaintext (crypto.document)
_UNREADABLE_FLAG = {NOT_FOR_ME: "not_for_me", DAMAGED: "undecryptable"}


class _Merge:
    """State of one import: the cases touched so far, decrypted once and written at the end."""

    def __init__(
        self, store: CaseStore, tx: Transaction, ident: Identity, directory: Directory
    ) -> None:
        self.store, self.tx, self.ident, self.directory = store, tx, ident, directory
        self.touched: dict[str, dict[str, Any]] = {}
        self.new: set[str] = set()
        self.seen_records: set[str] = set()
        self.last_message: dict[str, dict[str, Any] | None] = {}  # case -> envelope just added
        self.rejected = 0
        self.added = 0
        self.key_id = key_id(ident.keys.encryption.public_key())  # our stanza's id (SPEC §2.2)
        # records more than a day after this laptop's clock (the server's rule 21, as a flag:
        # refusing would punish a laptop whose clock is behind)
        self.future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)

    def case(self, case_id: str) -> dict[str, Any]:
        if case_id not in self.touched:
            if case_id in self.store.cases:
                self.touched[case_id] = self.store.load_case(case_id)
            else:
                self.touched[case_id] = new_record(case_id, "")
                self.new.add(case_id)
        return self.touched[case_id]

    # -- item handlers ------------------------------------------------------------------
    def on_case(self, item: ExportItem) -> None:
        desc = json.loads(item.read_bytes())
        case = self.case(item.case)
        case["received"] = case["received"] or desc["received"]
        case["recipients"] = sorted(desc["recipients"])
        case["reply_key"] = desc["reply_key"]

    def _open_doc(self, item: ExportItem) -> tuple[cdoc.Document | None, str | None, list[bytes]]:
        """(document, None, header key ids) if it opens with our key, else (None, why, ids):
        ``not_for_me`` when the header names no stanza for our key id (the reporter chose
        other reviewers), or ``damaged`` when it does but the envelope does not open or holds
        no valid document (altered, truncated or forged: something to investigate, not to
        leave to others). The envelope is read once."""
        try:
            if item.size > MAX_DOC_ENVELOPE:  # no document is this big: read the header only
                with item.open() as src:
                    ids = envelope.recipient_ids(src)
                return None, (DAMAGED if self.key_id in ids else NOT_FOR_ME), ids
            data = item.read_bytes()
            ids = envelope.recipient_ids(io.BytesIO(data))
        except (DecryptionError, FormatError, OSError):
            return None, DAMAGED, []
        if self.key_id not in ids:
            return None, NOT_FOR_ME, ids
        try:
            return (
                cdoc.parse(
                    envelope.unseal(data, self.ident.keys.encryption, max_size=cdoc.MAX_DOCUMENT)
                ),
                None,
                ids,
            )
        except (DecryptionError, FormatError):
            return None, DAMAGED, ids

    def on_envelope(self, item: ExportItem) -> None:
        case = self.case(item.case)
        kind = item.extra.get("type", "")
        if kind == "evidence":
            self._evidence(case, item)
        elif kind == "report":
            self._report(case, item)
        elif not any(m["sha256"] == item.sha256 for m in case["messages"]):
            doc, why, _ids = self._open_doc(item)
            case["messages"].append(_message(item.sha256, kind, doc, why))
            case["messages"][-1]["after_status"] = _newest_status(case)  # reviewer.activity
            if "rejected" in case["messages"][-1]:  # a consent change that breaks SPEC §14
                case["flags"].append("consent_rejected")
            self.last_message[item.case] = case["messages"][-1]
            return
        self.last_message[item.case] = None

    def on_followup(self, item: ExportItem) -> None:
        """The reporter's signature on the message envelope just before it (checked at the end,
        when the case's report — and so its follow-up key — is known)."""
        msg = self.last_message.pop(item.case, None)
        if msg is not None and "proof" not in msg:
            msg["signature"] = item.read_bytes().decode("utf-8", "replace")

    def _evidence(self, case: dict[str, Any], item: ExportItem) -> None:
        staged = getattr(item, "path", None)  # vault.bundle items: verified, staged file
        if isinstance(staged, Path) and staged.is_file():
            ok = self.tx.link_blob(item.sha256, staged)
        else:
            with item.open() as src:
                ok = self.tx.put_blob(item.sha256, src)
        got = set(case.setdefault("blobs", []))
        if ok:
            got.add(item.sha256)
        else:
            case["flags"].append("evidence_altered")
        case["blobs"] = sorted(got)

    def _report(self, case: dict[str, Any], item: ExportItem) -> None:
        if case["readable"] and case["report_sha256"] == item.sha256:
            return
        if case["readable"]:  # a case has one report: a second is a server swapping it (and
            case["flags"].append("report_replaced")  # its reply key, to read the replies)
            return
        case["report_sha256"] = item.sha256
        doc, why, ids = self._open_doc(item)
        if doc is None or doc.type != "report":
            case["unreadable"] = why or DAMAGED  # a document of another type is no report
            case["flags"].append(_UNREADABLE_FLAG[case["unreadable"]])
            return
        case["readable"] = True
        case.pop("unreadable", None)
        # who the reporter sealed the report to (the header MAC that just verified covers
        # these ids): replies go to no reviewer outside it, whatever a later export claims
        case["report_recipients"] = sorted(k.hex() for k in ids)
        case["flags"] = [f for f in case["flags"] if f not in ("undecryptable", "not_for_me")]
        case["report"] = {
            "submitted_at": doc.submitted_at,
            "channel": doc.channel,
            "fields": dict(doc.fields),
            "consent": dict(doc.consent),
            "reply_key": doc.reply_key,
            "followup_key": doc.followup_key,
        }
        case["evidence"] = [e.to_json() for e in doc.evidence]
        if case.get("reply_key") and doc.reply_key != case["reply_key"]:
            case["flags"].append("reply_key_mismatch")  # the server swapped the reply key

    def on_record(self, item: ExportItem) -> None:
        raw = item.read_bytes()
        try:
            body, by = verify_record(raw, self.directory, item.kind)
            if body["case"] != item.case:
                raise FormatError("record names another case")
        except (SignatureError, FormatError):
            self.rejected += 1
            self.case(item.case)["flags"].append("record_rejected")
            return
        self.seen_records.add(body["id"])
        if dt.datetime.fromisoformat(body["at"]) > self.future:  # outranks every later one
            self.case(item.case)["flags"].append("record_from_future")
        if add_record(self.case(item.case), item.kind, raw.decode(), body, by):
            self.added += 1

    # -- end of import ------------------------------------------------------------------
    def finish(self, config: Config) -> list[str]:
        for case_id, case in self.touched.items():
            if not case["received"]:
                raise FormatError("an export item arrived without its case descriptor")
            prove_followups(case_id, case)
            check_evidence(case, self.store, self.ident.keys.encryption)
            statuses = sorted(
                (r for r in case["records"] if r["kind"] == "status"),
                key=lambda r: crecords.order_key(r["body"]),
            )
            revoked = bool(statuses) and statuses[-1]["by"].endswith(" (revoked)")
            case["flags"] = [f for f in case["flags"] if f != "status_by_revoked"]
            if revoked:  # history is kept, but a stolen key's status must not pass unnoticed
                case["flags"].append("status_by_revoked")
            case["flags"] = sorted(set(case["flags"]))
            self.tx.put_case(case_id, case, summarise(case))
        return sorted(self.touched)


def _newest_status(case: dict[str, Any]) -> str | None:
    """The id of the case's newest status record known now (records arrive in journal order,
    so a status the server had before this item is already here)."""
    statuses = [r["body"] for r in case["records"] if r["kind"] == "status"]
    return max(statuses, key=crecords.order_key)["id"] if statuses else None


def verify_record(raw: bytes, directory: Directory, kind: str) -> tuple[dict[str, Any], str]:
    """(body, reviewer id) of a record signed by a reviewer of the directory.

    ``crypto.records.verify`` first (active reviewers). A reviewer whose key was revoked later
    stays listed in the directory, so history they signed before still verifies: such a record
    is accepted and attributed as ``id (revoked)``. Unknown signers raise SignatureError.
    """
    try:
        body, reviewer = crecords.verify(raw, directory, kind)
        return body, reviewer.id
    except SignatureError:
        obj = signed.parse(raw)
        for r in directory.reviewers:
            if r.signer_id == obj.signer:
                # the full body rules (zoned `at`, hex id, known state), as for active signers:
                # a malformed record by a revoked key would otherwise crash every later sort
                return crecords.verify_with(raw, r, kind), f"{r.id} (revoked)"
        raise


def _proof_state(case_id: str, case: dict[str, Any], msg: dict[str, Any]) -> str:
    """``proven``, ``forged`` or ``unproven`` (a report without a follow-up key: SPEC §12.4)."""
    key = (case.get("report") or {}).get("followup_key")
    if key is None:
        return "unproven"
    try:
        body = followup.verify(
            msg.get("signature", ""), load_ed25519_public(key), case_id, msg["item"], msg["sha256"]
        )
    except (SignatureError, FormatError):
        return "forged"
    listed = [e["envelope_sha256"] for e in msg.get("evidence", [])]
    ok = not msg.get("readable") or (
        carried_in(msg["item"], msg["type"])  # SPEC §17
        and body["evidence"] == listed
    )
    return "proven" if ok else "forged"


def prove_followups(case_id: str, case: dict[str, Any]) -> None:
    """Decide, once, whether each new reporter follow-up is proven by the receipt (SPEC §12).

    A forged one is refused: its fields and evidence are dropped (never shown) and the case is
    flagged ``followup_forged``; an unproven one (old case) is kept, flagged
    ``followup_unproven``. Undecided while the case's report is unreadable here.
    """
    for msg in case["messages"]:
        if msg.get("item") not in followup.TYPES or "proof" in msg or not case["readable"]:
            continue
        msg["proof"] = _proof_state(case_id, case, msg)
        msg.pop("signature", None)
        if msg["proof"] == "forged":
            for k in ("fields", "evidence", "at", "channel"):
                msg.pop(k, None)
            msg["readable"] = False
        if msg["proof"] != "proven":
            case["flags"].append(f"followup_{msg['proof']}")


def _message(
    sha: str, kind: str, doc: cdoc.Document | None, why: str | None = None
) -> dict[str, Any]:
    if doc is None:
        return {
            "sha256": sha,
            "type": kind,
            "item": kind,
            "readable": False,
            "unreadable": why or DAMAGED,
        }
    out = {
        "sha256": sha,
        "type": doc.type,
        "item": kind,
        "readable": True,
        "at": doc.submitted_at,
        "channel": doc.channel,
        "fields": dict(doc.fields),
        "evidence": [e.to_json() for e in doc.evidence],
    }
    if doc.type == cconsent.TYPE:  # kept only if it is one (SPEC §14): else it changes nothing
        try:
            out["consent"] = cconsent.check(doc).to_json()
        except FormatError as exc:
            out["rejected"] = str(exc)
    return out


def _evidence_state(ev: Mapping[str, Any], path: Path | None, key: X25519PrivateKey) -> str:
    """``missing`` (no envelope under its hash), ``mismatch`` (its header does not open with
    our key to exactly the listed MAC: another or altered envelope) or ``ok``."""
    if path is None:
        return "missing"
    try:
        with open(path, "rb") as src:
            mac = envelope.open_header_mac(src, key)  # HPKE + MAC check, no payload
    except DecryptionError:
        return "mismatch"
    listed = ev.get("envelope_mac")
    return "ok" if isinstance(listed, str) and mac.hex() == listed else "mismatch"


def check_evidence(case: dict[str, Any], store: CaseStore, key: X25519PrivateKey) -> None:
    """Mark each listed evidence ``ok``, ``missing`` or ``mismatch``; list unlisted arrivals.

    ``key`` is this reviewer's X25519 key: each arrived envelope's header is opened with it
    and its MAC compared with the entry's ``envelope_mac`` (SPEC §8). ``evidence_altered`` is
    sticky: once an altered envelope was seen, the flag stays for a person to clear.
    """
    listed = list(case["evidence"])
    for msg in case["messages"]:
        listed += [e for e in msg.get("evidence", []) if e not in listed]
    arrived = set(case.get("blobs", []))
    states: list[dict[str, Any]] = []
    for ev in listed:
        sha = ev["envelope_sha256"]
        path = store.blob_path(sha) if sha in arrived else None
        states.append({**ev, "state": _evidence_state(ev, path, key)})
    names = {ev["envelope_sha256"] for ev in listed}
    states += [{"envelope_sha256": s, "state": "unlisted"} for s in sorted(arrived - names)]
    case["evidence_check"] = states
    flags = set(case["flags"]) - {"evidence_missing", "evidence_unlisted"}
    found = {s["state"] for s in states} if case["readable"] else set()
    for state, flag in (
        ("missing", "evidence_missing"),
        ("unlisted", "evidence_unlisted"),
        ("mismatch", "evidence_altered"),
    ):
        if state in found:
            flags.add(flag)
    case["flags"] = sorted(flags)


def import_items(
    store: CaseStore,
    ident: Identity,
    directory: Directory,
    config: Config,
    items: Iterable[ExportItem],
    *,
    bundle_id: str,
    seq_to: int,
    progress: Callable[[int], None] = lambda n: None,
) -> ImportSummary:
    """Merge verified export items into the store in one transaction (all or nothing)."""
    summary = ImportSummary(bundle_id)
    if bundle_id in store.meta.get("imported", []):
        summary.already_imported = True
        return summary
    with store.transaction() as tx:
        merge = _Merge(store, tx, ident, directory)
        handlers = {
            "case": merge.on_case,
            "envelope": merge.on_envelope,
            "status": merge.on_record,
            "reply": merge.on_record,
            "track": merge.on_record,  # tracking steps (crypto/SPEC.md §16)
            "link": merge.on_record,
            "followup": merge.on_followup,
        }
        for item in items:
            handler = handlers.get(item.kind)
            if handler is None:
                raise FormatError(f"unexpected item kind {item.kind!r}")
            handler(item)
            progress(1)
        summary.cases = merge.finish(config)
        pending = tx.meta.get("pending", [])
        tx.meta["pending"] = [p for p in pending if p["id"] not in merge.seen_records]
        tx.meta["imported"] = [*tx.meta.get("imported", []), bundle_id][-1000:]
        tx.meta["ack"] = max(int(tx.meta.get("ack", 0)), seq_to)
        summary.confirmed = len(pending) - len(tx.meta["pending"])
    summary.new_cases = len(merge.new)
    summary.updated_cases = len(summary.cases) - summary.new_cases
    unread = [store.cases[c] for c in summary.cases if not store.cases[c]["rd"]]
    summary.damaged = sum(1 for c in unread if "undecryptable" in c["fl"])
    summary.unreadable = len(unread) - summary.damaged
    summary.flagged = sum(1 for c in summary.cases if store.cases[c]["rd"] and store.cases[c]["fl"])
    summary.records, summary.records_rejected = merge.added, merge.rejected
    return summary
