"""Documents inside envelopes (crypto.document, SPEC §8): what a reader must reject."""

from __future__ import annotations

import contextlib
import datetime as dt
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import document, signed
from crypto.encoding import b64u_encode, parse_json_object
from crypto.envelope import seal, unseal
from crypto.errors import BisikError, FormatError, SignatureError

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


ALICE = X25519PrivateKey.from_private_bytes(bytes(range(1, 33)))


_ED = Ed25519PrivateKey.from_private_bytes(bytes(32))


field_text = st.text(max_size=200)


evidence = st.builds(
    document.Evidence,
    envelope_sha256=st.text("0123456789abcdef", min_size=64, max_size=64),
    envelope_mac=st.text("0123456789abcdef", min_size=64, max_size=64),
    name=st.text(min_size=1, max_size=255),
    media_type=st.text(max_size=127),
    size=st.integers(0, 2**40),
    share=st.booleans(),
)


field_maps = st.dictionaries(
    st.text(max_size=64), st.one_of(field_text, st.lists(field_text, max_size=4)), max_size=8
)


@st.composite
def documents(draw: st.DrawFn) -> document.Document:
    kind = draw(st.sampled_from(sorted(document.TYPES)))
    reply = draw(st.binary(min_size=32, max_size=32))
    ev = draw(
        st.lists(
            evidence, max_size=5, unique_by=(lambda e: e.envelope_sha256, lambda e: e.envelope_mac)
        )
    )
    identity = kind == "identity"  # SPEC §17: browser only, no reply key, no files
    return document.Document(
        type=kind,
        submitted_at=draw(st.datetimes(timezones=st.just(dt.UTC))).isoformat(),
        channel="browser" if identity else draw(st.sampled_from(sorted(document.CHANNELS))),
        fields=draw(field_maps),
        reply_key=None
        if identity
        else b64u_encode(reply)
        if kind == "report" or draw(st.booleans())
        else None,
        evidence=() if identity else tuple(ev),
        consent=draw(st.dictionaries(st.text(max_size=20), st.booleans(), max_size=3)),
    )


@settings(max_examples=60, deadline=None)
@given(doc=documents())
def test_document_round_trip_through_an_envelope(doc: document.Document) -> None:
    data = doc.to_bytes()
    parsed = document.parse(unseal(seal(data, [ALICE.public_key()]), ALICE))
    assert parsed == doc
    assert parsed.to_bytes() == data
    assert document.missing_evidence(parsed, set()) == list(doc.evidence)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=12), c, max_size=6),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(junk=st.one_of(st.binary(max_size=300), json_values.map(lambda o: json.dumps(o).encode())))
def test_document_and_signed_garbage_raise_only_bisik_errors(junk: bytes) -> None:
    for parse in (document.parse, signed.parse):
        with contextlib.suppress(FormatError):
            parse(junk)
    try:
        signed.parse(junk).verify(_ED.public_key(), "status")
    except (FormatError, SignatureError):
        pass
    except BisikError as exc:  # any other documented error is a bug here too
        raise AssertionError(exc) from exc
