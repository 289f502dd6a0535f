"""Regression tests for the crypto findings of the reviewer-side audit (docs/AUDIT-reviewer.md).

Each test is named after the bug it pins; each asserts the exception type, never a message.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto import document, records, signed
from crypto.directory import Reviewer
from crypto.encoding import b64u_encode, parse_json_object
from crypto.errors import FormatError
from crypto.keys import KeyPair

HEX = "ab" * 32
REPLY_KEY = b64u_encode(bytes(range(1, 33)))


def _report(fields: dict[str, object], evidence: list[dict[str, object]] | None = None) -> bytes:
    # ensure_ascii=True: a lone surrogate travels as the escape "\ud800", as any JSON writer
    # (a hostile browser script included) can send it
    return json.dumps({"v": 1, "type": "report", "submitted_at": "2026-11-20T08:00:00+00:00",
                       "channel": "browser", "fields": fields, "reply_key": REPLY_KEY,
                       "evidence": evidence or []}).encode()  # fmt: skip


def test_lone_surrogate_in_a_document_is_rejected() -> None:
    """Bug: "\\ud800" parsed into a str that no UTF-8 writer can store; the reviewer's import
    then crashed re-encoding the case, blocking every later import of that bundle."""
    with pytest.raises(FormatError):
        document.parse(_report({"description": "a\ud800b"}))
    with pytest.raises(FormatError):
        parse_json_object(b'{"k":"\\udfff"}', max_size=100)
    # a proper pair (an emoji written as two escapes) is valid Unicode and still accepted
    assert document.parse(_report({"d": "\U0001f600"})).fields["d"] == "\U0001f600"


def test_evidence_hash_with_trailing_newline_is_rejected() -> None:
    """Bug: ``^…$`` with ``re.match`` accepted a final newline in envelope_sha256/mac."""
    for sha, mac in ((HEX + "\n", HEX), (HEX, HEX + "\n")):
        with pytest.raises(FormatError):
            document.Evidence(sha, "a.jpg", "image/jpeg", 1, envelope_mac=mac)
        entry = {"envelope_sha256": sha, "envelope_mac": mac, "name": "a.jpg",
                 "media_type": "image/jpeg", "size": 1}  # fmt: skip
        with pytest.raises(FormatError):
            document.parse(_report({}, [entry]))


def _reviewer() -> tuple[Reviewer, Ed25519PrivateKey]:
    pair = KeyPair.generate()
    day = dt.date(2026, 1, 1)
    return Reviewer("budi", "Budi", "reviewer", pair.public, day, day), pair.signing


def _status_body(**change: object) -> dict[str, object]:
    body: dict[str, object] = {"v": 1, "case": "c1", "state": "escalated", "authority": "BKN",
                               "at": "2026-11-21T09:00:00+00:00", "id": "0" * 32}  # fmt: skip
    body.update(change)
    return body


def test_status_authority_that_is_not_text_is_rejected() -> None:
    """Bug: an ``escalated`` status accepted any truthy authority (a list, an object)."""
    records.check_body(_status_body(), "status")  # the good one passes
    for bad in (["BKN"], {"n": "BKN"}, 7):
        with pytest.raises(FormatError):
            records.check_body(_status_body(authority=bad), "status")


def test_record_of_inactive_signer_gets_the_full_body_check() -> None:
    """Bug: records of revoked signers were verified by signature only, so a zoneless or
    garbage ``at`` got through and crashed whoever sorted the history (order_key)."""
    reviewer, key = _reviewer()
    good = signed.sign(key, "status", _status_body()).to_bytes()
    assert records.verify_with(good, reviewer, "status")["state"] == "escalated"
    for at in ("2026-11-21T09:00:00", "kemarin"):
        bad = signed.sign(key, "status", _status_body(at=at)).to_bytes()
        with pytest.raises(FormatError):
            records.verify_with(bad, reviewer, "status")


def test_reviewer_id_must_be_an_ascii_identifier() -> None:
    """Bug: str.isidentifier() admitted any Unicode letter: "аyu" (Cyrillic а) beside "ayu"
    looked like one reviewer, and the browser (ASCII only) refused a directory Python took."""
    from crypto.directory import sign_directory, verify_directory

    root = Ed25519PrivateKey.generate()
    day = dt.date.today()
    for rid, ok in (("ayu_2", True), ("\u0430yu", False), ("d\u00e9vi", False), ("2ayu", False)):
        entry = Reviewer(rid, "R", "reviewer", KeyPair.generate().public, day, day)
        data = sign_directory(root, "Org", 1, day + dt.timedelta(days=1), [entry])
        if ok:
            assert verify_directory(data, root.public_key()).reviewers[0].id == rid
        else:
            with pytest.raises(FormatError):
                verify_directory(data, root.public_key())


def test_recipient_ids_lists_the_header_stanzas() -> None:
    import io

    from crypto import envelope
    from crypto.keys import key_id

    keys = [KeyPair.generate().public.encryption for _ in range(3)]
    sealed = envelope.seal(b"x", keys)
    assert envelope.recipient_ids(io.BytesIO(sealed)) == [key_id(k) for k in keys]


def test_record_time_that_overflows_utc_is_a_format_error() -> None:
    """0001-01-01T00:00+01:00 parses, but converting it to UTC (order_key) overflowed."""
    from crypto import records
    from crypto.errors import FormatError

    body = {"v": 1, "case": "c", "id": "0" * 32, "state": "received", "authority": None,
            "at": "0001-01-01T00:00+01:00"}  # fmt: skip
    with pytest.raises(FormatError):
        records.check_body(body, "status")
