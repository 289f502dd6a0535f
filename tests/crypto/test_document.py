"""Documents inside envelopes (crypto.document, SPEC §8): what a reader must reject."""

from __future__ import annotations

import json

import pytest

from crypto import document
from crypto.encoding import b64u_encode, parse_json_object
from crypto.errors import FormatError

HEX = "ab" * 32


REPLY_KEY = b64u_encode(bytes(range(1, 33)))


def _report(fields: dict[str, object], evidence: list[dict[str, object]] | None = None) -> bytes:
    # ensure_ascii=True: a lone surrogate travels as the escape "\ud800", as any JSON writer
    # (a hostile browser script included) can send it
    return json.dumps(
        {
            "v": 1,
            "type": "report",
            "submitted_at": "2026-11-20T08:00:00+00:00",
            "channel": "browser",
            "fields": fields,
            "reply_key": REPLY_KEY,
            "evidence": evidence or [],
        }
    ).encode()


def test_lone_surrogate_in_a_document_is_rejected() -> None:
    """Audit regression (docs/AUDIT-reviewer.md).

    Bug: "\\ud800" parsed into a str that no UTF-8 writer can store; the reviewer's import
    then crashed re-encoding the case, blocking every later import of that bundle."""
    with pytest.raises(FormatError):
        document.parse(_report({"description": "a\ud800b"}))
    with pytest.raises(FormatError):
        parse_json_object(b'{"k":"\\udfff"}', max_size=100)
    # a proper pair (an emoji written as two escapes) is valid Unicode and still accepted
    assert document.parse(_report({"d": "\U0001f600"})).fields["d"] == "\U0001f600"


def test_evidence_hash_with_trailing_newline_is_rejected() -> None:
    """Audit regression (docs/AUDIT-reviewer.md).

    Bug: ``^…$`` with ``re.match`` accepted a final newline in envelope_sha256/mac."""
    for sha, mac in ((HEX + "\n", HEX), (HEX, HEX + "\n")):
        with pytest.raises(FormatError):
            document.Evidence(sha, "a.jpg", "image/jpeg", 1, envelope_mac=mac)
        entry = {
            "envelope_sha256": sha,
            "envelope_mac": mac,
            "name": "a.jpg",
            "media_type": "image/jpeg",
            "size": 1,
        }
        with pytest.raises(FormatError):
            document.parse(_report({}, [entry]))


def test_document_rejects_what_the_spec_lists() -> None:
    ok = document.Document(
        "report", "2026-11-29T10:00:00+00:00", "browser", reply_key=b64u_encode(bytes(32))
    )
    assert document.parse(ok.to_bytes()) == ok
    base = json.loads(ok.to_bytes())
    ev = {
        "envelope_sha256": "a" * 64,
        "envelope_mac": "b" * 64,
        "name": "f.jpg",
        "media_type": "image/jpeg",
        "size": 1,
    }
    assert document.parse(json.dumps({**base, "evidence": [ev]}).encode()).evidence[0] == (
        document.Evidence("a" * 64, "f.jpg", "image/jpeg", 1, envelope_mac="b" * 64)
    )
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
