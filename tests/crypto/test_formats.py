"""Keys, receipts, signed objects, the directory, records and documents: unit behaviour."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto import document, keys, receipt, records, signed
from crypto.directory import Reviewer, sign_directory, verify_directory
from crypto.encoding import b64u_decode, b64u_encode
from crypto.errors import FormatError, ReceiptError, SignatureError

ROOT = Ed25519PrivateKey.generate()
TODAY = dt.date(2026, 11, 29)


def _reviewer(rid: str) -> tuple[Reviewer, keys.KeyPair]:
    pair = keys.KeyPair.generate()
    return Reviewer(rid, rid.title(), "reviewer", pair.public, dt.date(2026, 1, 1),
                    dt.date(2027, 1, 1)), pair  # fmt: skip


def test_key_pair_secret_bytes_round_trip_and_fingerprint_shape() -> None:
    pair = keys.KeyPair.generate()
    again = keys.KeyPair.from_secret_bytes(pair.to_secret_bytes())
    assert again.public.to_json() == pair.public.to_json()
    assert keys.PublicKeys.from_json(pair.public.to_json()).fingerprint == pair.public.fingerprint
    groups = pair.public.fingerprint.split(" ")
    assert len(groups) == 8 and all(len(g) == 5 and g.isdigit() for g in groups)
    with pytest.raises(FormatError):
        keys.KeyPair.from_secret_bytes(b"short")


def test_base64url_is_canonical() -> None:
    assert b64u_decode(b64u_encode(b"\xff\xfe")) == b"\xff\xfe"
    for bad in ("__8=", "__9", "a", "ab$c"):  # padding, non-canonical trailing bits, junk
        with pytest.raises(FormatError):
            b64u_decode(bad)


def test_receipt_generate_is_valid_and_lookup_tag_needs_a_real_pepper() -> None:
    code = receipt.generate()
    assert receipt.normalize(code) == code.replace("-", "")
    s = receipt.derive(code)
    assert receipt.lookup_tag(b"p" * 32, s.lookup_id) != receipt.lookup_tag(b"q" * 32, s.lookup_id)
    with pytest.raises(ValueError):
        receipt.lookup_tag(b"short", s.lookup_id)
    with pytest.raises(ReceiptError):
        receipt.derive(code[:-1] + ("0" if code[-1] != "0" else "1"))


def test_regression_signed_container_limit_matches_spec() -> None:
    """SPEC §4: a container larger than 4 MiB is rejected (the code allowed 8 MiB)."""
    big = signed.Signed("status", "0" * 32, b"{}", bytes(64)).to_bytes()[:-1] + b" " * (
        signed.MAX_SIGNED
    ) + b"}"
    with pytest.raises(FormatError):
        signed.parse(big)


def test_regression_deeply_nested_json_is_a_format_error() -> None:
    """Bug: 100 000 nested brackets escaped as RecursionError, a traceback from deep inside."""
    nested = b"[" * 100_000 + b"]" * 100_000
    for parse in (signed.parse, document.parse):
        with pytest.raises(FormatError):
            parse(nested)


def test_signed_sign_refuses_unknown_kind() -> None:
    with pytest.raises(ValueError):
        signed.sign(ROOT, "letter", {})


def test_directory_rollback_and_active_reviewers() -> None:
    alice, _ = _reviewer("alice")
    budi, budi_keys = _reviewer("budi")
    data = sign_directory(ROOT, "Org", 5, dt.date(2027, 1, 1), [alice, budi],
                          revoked=[budi.signer_id])  # fmt: skip
    d = verify_directory(data, ROOT.public_key(), TODAY, min_serial=5)
    assert [r.id for r in d.active_reviewers()] == ["alice"]
    assert d.recipients() == [alice.keys.encryption]
    with pytest.raises(SignatureError):
        d.recipients(exclude=frozenset({"alice"}))
    with pytest.raises(SignatureError):
        verify_directory(data, ROOT.public_key(), TODAY, min_serial=6)
    record = records.status(budi_keys.signing, "C1", "in_review")
    with pytest.raises(SignatureError):
        records.verify(record, d, "status")


def test_regression_record_time_without_zone_is_rejected() -> None:
    """Bug: order_key() turned a zoneless time into UTC by the machine's local zone, so two
    laptops could order the same records differently."""
    alice, pair = _reviewer("alice")
    d = verify_directory(sign_directory(ROOT, "Org", 1, dt.date(2027, 1, 1), [alice]),
                         ROOT.public_key(), TODAY)  # fmt: skip
    good = records.status(pair.signing, "C1", "escalated", authority="BKN",
                          at="2026-11-20T15:00:00+07:00")  # fmt: skip
    body, who = records.verify(good, d, "status")
    assert who.id == "alice" and records.order_key(body)[0].startswith("2026-11-20T08:00:00")
    with pytest.raises(FormatError):
        records.verify(records.status(pair.signing, "C1", "in_review", at="2026-11-20T15:00:00"),
                       d, "status")  # fmt: skip
    sha = "ab" * 32
    assert records.verify(records.reply(pair.signing, "C1", sha), d, "reply")[0]["case"] == "C1"
    with pytest.raises(FormatError):
        records.verify(records.reply(pair.signing, "C1", "XY" * 32), d, "reply")
    with pytest.raises(ValueError):
        records.status(pair.signing, "C1", "escalated")


def test_document_rejects_what_the_spec_lists() -> None:
    ok = document.Document("report", "2026-11-29T10:00:00+00:00", "browser",
                           reply_key=b64u_encode(bytes(32)))  # fmt: skip
    assert document.parse(ok.to_bytes()) == ok
    base = json.loads(ok.to_bytes())
    ev = {"envelope_sha256": "a" * 64, "envelope_mac": "b" * 64, "name": "f.jpg",
          "media_type": "image/jpeg", "size": 1}  # fmt: skip
    assert document.parse(json.dumps({**base, "evidence": [ev]}).encode()).evidence[0] == (
        document.Evidence("a" * 64, "f.jpg", "image/jpeg", 1, envelope_mac="b" * 64))
    no_mac = {k: v for k, v in ev.items() if k != "envelope_mac"}
    bad_bodies = [
        {**base, "v": 2},
        {**base, "type": "gossip"},
        {**base, "submitted_at": "yesterday"},
        {**base, "reply_key": None},
        {**base, "fields": {"a": 1}},
        {**base, "evidence": [ev, ev]},
        {**base, "evidence": [{**ev, "envelope_sha256": "A" * 64}]},
        {**base, "evidence": [{**ev, "size": True}]},
        {**base, "evidence": [no_mac]},  # the MAC is required: it is what binds the envelope
        {**base, "evidence": [{**ev, "envelope_mac": "B" * 64}]},
        {**base, "evidence": [{**ev, "envelope_mac": "b" * 62}]},
        {**base, "evidence": [{**ev, "envelope_mac": None}]},
        {**base, "evidence": [ev, {**ev, "envelope_sha256": "c" * 64}]},  # same MAC twice
    ]
    for body in bad_bodies:
        with pytest.raises(FormatError):
            document.parse(json.dumps(body).encode())
    with pytest.raises(FormatError):
        document.parse(b"{" + b" " * document.MAX_DOCUMENT + b"}")
