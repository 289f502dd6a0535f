"""Audit N6: bisik-crypto.js must accept and refuse what the Python reference does.

Differential tests: each input runs through crypto/ (signed.py, records.py, document.py) and
through the browser code in Debian's chromium, and the outcomes (accepted, or the error type)
must agree. Where the browser is deliberately stricter than Python (forms no Bisik writer
produces, listed in bisik-crypto.js), the test says so and still holds that the browser never
accepts what Python refuses.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from crypto import document, records, signed
from crypto.directory import Reviewer, sign_directory
from crypto.encoding import b64u_encode, canonical_json
from crypto.errors import BisikError
from crypto.keys import PublicKeys, raw_public

pytestmark = pytest.mark.browser

TODAY = dt.date(2026, 11, 29)


@pytest.fixture(scope="module")
def crypto_page(browser: Any, static_url: str) -> Iterator[Any]:
    context = browser.new_context()
    pg = context.new_page()
    pg.goto(static_url)
    pg.wait_for_function("typeof BisikCrypto !== 'undefined'")
    yield pg
    context.close()


def _py(fn: Any, *args: Any) -> str:
    try:
        fn(*args)
    except BisikError as exc:
        return type(exc).__name__
    return "ok"


# --------------------------------------------------------------------------- times

WRITER_TIMES = [  # what Python's isoformat() writes, in every timespec and odd offsets
    dt.datetime(2026, 11, 20, 8, 30, 0, micro, tzinfo=dt.timezone(off)).isoformat(
        sep=sep, timespec=spec
    )
    for micro in (0, 1, 123456, 999999)
    for off in (
        dt.timedelta(0),
        dt.timedelta(hours=7),
        dt.timedelta(hours=-5, minutes=-30),
        dt.timedelta(hours=5, minutes=30, seconds=15),
        dt.timedelta(hours=-23, minutes=-59, seconds=-59, microseconds=-1),
    )
    for sep in ("T", " ")
    for spec in ("auto", "hours", "minutes", "seconds", "milliseconds", "microseconds")
]

EDGE_TIMES = [
    "20261120T083000+0000",
    "2026-11-20T0830Z",
    "2026-11-20T08Z",
    "2026-11-20T08+07",
    "2026-11-20t08:30:00Z",
    "2026-11-20T08:30:00,5+00:00",
    "2026-11-20T08:30:00.1234567Z",
    "2026-11-20T08:30:00-00:00",
    "2026-11-20T08:30:00+00:00:00",
    "2026-11-20T083000.5Z",
    "2024-02-29T00:00Z",
    "0001-01-01T00:00Z",
    "2026-11-20",
    "20261120",
    "2026-11-20T08:30:00",
    # refused by both
    "2026-02-29T00:00Z",
    "2026-11-20T24:00:00Z",
    "2026-11-20T23:59:60Z",
    "0000-01-01T00:00Z",
    "2026-11-20T08:30:00+24:00",
    "2026-11-20T08:30:00z",
    "2026-11-20T08:3000Z",
    "2026-11-20T0830:00Z",
    "2026-1120T08:30Z",
    "2026-11-20T8:30Z",
    "2026-11-20T08:30:00Z ",
    " 2026-11-20T08:30:00Z",
    "2026-11-20T08:30:00+00:00Z",
    "2026-11-20T08:30:00+05:3",
    "2026-13-01T00:00Z",
    "2026-11-31T00:00Z",
    "2026-11-20T08:60Z",
    "",
    "Z",
    "2026-11-20T",
    "٢٠٢٦-11-20T08:30Z",
    "2026-11-20T08:30:00\n",
    "2026-11-20T08:30:00.",
    # Python accepts, the browser refuses (no Bisik writer produces these: see bisik-crypto.js)
    "2026-W47-5T08:30Z",
    "2026W475T08:30Z",
    "2026-11-20x08:30:00Z",
    "2026-11-20T08:30:00 +00:00",
    "2026-11-20T08:30:00.Z",
    "2026-11-20T08:30.5Z",
]
BROWSER_STRICTER = {
    "2026-W47-5T08:30Z",
    "2026W475T08:30Z",
    "2026-11-20x08:30:00Z",
    "2026-11-20T08:30:00 +00:00",
    "2026-11-20T08:30:00.Z",
    "2026-11-20T08:30.5Z",
}


def _mutants(seed: int, n: int) -> list[str]:
    """Random edits of writer times: the browser must never accept one Python refuses."""
    rng = random.Random(seed)
    alphabet = "0123456789:-+.,TZ Wtz"
    out = []
    for _ in range(n):
        s = list(rng.choice(WRITER_TIMES + EDGE_TIMES[:15]))
        for _ in range(rng.randint(1, 3)):
            op, i = rng.randrange(3), rng.randrange(len(s) + 1)
            if op == 0 and i < len(s):
                del s[i]
            elif op == 1:
                s.insert(i, rng.choice(alphabet))
            elif i < len(s):
                s[i] = rng.choice(alphabet)
        out.append("".join(s))
    return out


def _python_time(text: str) -> dict[str, Any] | None:
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if t.tzinfo is None:
        return {"zoned": False, "utcKey": None}
    return {"zoned": True, "utcKey": records.order_key({"at": text, "id": ""})[0]}


PARSE_TIMES = """(xs) => xs.map((x) => {
  const t = BisikCrypto.parseIsoTime(x);
  return t && { zoned: t.zoned, utcKey: t.utcKey };
})"""


def test_time_check_accepts_every_isoformat_output_and_orders_as_python(crypto_page: Any) -> None:
    got = crypto_page.evaluate(PARSE_TIMES, WRITER_TIMES)
    assert got == [_python_time(t) for t in WRITER_TIMES]
    assert all(g is not None and g["zoned"] for g in got)


def test_time_check_never_accepts_what_python_refuses(crypto_page: Any) -> None:
    inputs = EDGE_TIMES + _mutants(6, 3000)
    got = crypto_page.evaluate(PARSE_TIMES, inputs)
    stricter = []
    for text, js in zip(inputs, got, strict=True):
        py = _python_time(text)
        if js is None and py is not None:
            stricter.append(text)
        else:
            assert js == py, text
    # refused here, accepted by Python: week dates, another separator, a space before the
    # zone, a fraction with no digits or after minutes or hours; never a writer's form
    assert set(stricter) >= BROWSER_STRICTER
    assert not set(stricter) & set(WRITER_TIMES)


# --------------------------------------------------------------------------- records

ROOT = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
BUDI = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
BUDI_X = X25519PrivateKey.from_private_bytes(bytes(range(2, 34)))


def _directory() -> bytes:
    budi = Reviewer(
        "budi",
        "Budi",
        "reviewer",
        PublicKeys(BUDI_X.public_key(), BUDI.public_key()),
        dt.date(2026, 1, 1),
        dt.date(2027, 12, 31),
    )
    return sign_directory(ROOT, "N6", 1, dt.date(2027, 6, 30), [budi])


GOOD_STATUS = {
    "v": 1,
    "case": "BSK-1",
    "state": "in_review",
    "authority": None,
    "at": "2026-11-20T08:30:00+00:00",
    "id": "0123456789abcdef" * 2,
}
GOOD_REPLY = {
    "v": 1,
    "case": "BSK-1",
    "envelope_sha256": "ab" * 32,
    "at": "2026-11-20T08:30:00+00:00",
    "id": "0123456789abcdef" * 2,
}
DROP = object()
STATUS_EDITS: list[dict[str, Any]] = [
    {},
    {"id": "0123456789ABCDEF" * 2},
    {"id": "0123456789abcdef"},
    {"id": 12},
    {"id": None},
    {"id": "0123456789abcdef" * 2 + "\n"},
    {"id": "g" * 32},
    {"id": DROP},
    {"authority": ["BKN"]},
    {"authority": "BKN"},
    {"authority": DROP},
    {"authority": ""},
    {"state": "escalated", "authority": "BKN"},
    {"state": "escalated", "authority": ["BKN"]},
    {"state": "escalated", "authority": {"n": "BKN"}},
    {"state": "escalated", "authority": None},
    {"state": "escalated", "authority": 7},
    {"state": "done"},
    {"state": ["received"]},
    {"v": 2},
    {"v": "1"},
    {"case": 1},
    {"case": DROP},
    {"at": "2026-11-20T08:30:00"},
    {"at": "2026-11-20T08:30:00.123456+07:00"},
    {"at": "20261120T083000+0700"},
    {"at": 5},
    {"at": "2026-11-20"},
    {"at": DROP},
]
REPLY_EDITS: list[dict[str, Any]] = [
    {},
    {"envelope_sha256": "AB" * 32},
    {"envelope_sha256": "ab" * 31},
    {"envelope_sha256": 1},
    {"envelope_sha256": DROP},
    {"id": "x"},
    {"at": "2026-11-20T08:30:00"},
]


def _record(kind: str, base: dict[str, Any], edit: dict[str, Any]) -> bytes:
    body = {k: v for k, v in {**base, **edit}.items() if v is not DROP}
    return signed.sign(BUDI, kind, body).to_bytes()


VERIFY_RECORDS = """async ([directory, root, today, items]) => {
  const C = BisikCrypto;
  const d = await C.verifyDirectory(directory, C.fromHex(root), today);
  const out = [];
  for (const [kind, data] of items) {
    try { await C.verifyRecord(data, d, kind); out.push("ok"); } catch (e) { out.push(e.name); }
  }
  return out;
}"""


def test_record_checks_match_python_id_authority_time(crypto_page: Any) -> None:
    from crypto.directory import verify_directory

    directory = _directory()
    d = verify_directory(directory, ROOT.public_key(), TODAY)
    items = [("status", _record("status", GOOD_STATUS, e)) for e in STATUS_EDITS]
    items += [("reply", _record("reply", GOOD_REPLY, e)) for e in REPLY_EDITS]
    expected = [_py(records.verify, data, d, kind) for kind, data in items]
    got = crypto_page.evaluate(
        VERIFY_RECORDS,
        [
            directory.decode(),
            raw_public(ROOT.public_key()).hex(),
            TODAY.isoformat(),
            [[k, data.decode()] for k, data in items],
        ],
    )
    assert got == expected
    assert expected.count("ok") >= 6 and expected.count("FormatError") >= 20  # both sides tested


# --------------------------------------------------------------------------- containers

PARSE_SIGNED = """(text) => {
  try { BisikCrypto.parseSigned(text); return "ok"; } catch (e) { return e.name; }
}"""


@pytest.mark.parametrize("extra", [0, 1])
def test_signed_container_over_4mib_is_rejected(crypto_page: Any, extra: int) -> None:
    raw = _record("status", GOOD_STATUS, {})
    padded = raw[:-1] + b" " * (signed.MAX_SIGNED - len(raw) + extra) + b"}"
    assert len(padded) == signed.MAX_SIGNED + extra
    expected = _py(signed.parse, padded)
    assert expected == ("ok" if extra == 0 else "FormatError")
    assert crypto_page.evaluate(PARSE_SIGNED, padded.decode()) == expected


VERIFY_SIGNED_B64 = """async ([text, pub]) => {
  const C = BisikCrypto;
  try { await C.verifySigned(C.parseSigned(text), C.fromHex(pub), "status"); return "ok"; }
  catch (e) { return e.name; }
}"""


def test_signed_body_over_4mib_is_rejected(crypto_page: Any) -> None:
    # a body just over 4 MiB, whose container (base64) is over 4 MiB as well: both refuse it
    body = canonical_json({**GOOD_STATUS, "pad": "x" * (signed.MAX_SIGNED)})
    key = BUDI
    sig = key.sign(b"bisik/v1 signed\x00status\x00" + body)
    text = canonical_json(
        {
            "bisik": "signed/v1",
            "kind": "status",
            "body": b64u_encode(body),
            "sig": b64u_encode(sig),
            "signer": signed.sign(key, "status", {}).signer,
        }
    ).decode()
    expected = _py(lambda t: signed.parse(t).verify(key.public_key(), "status"), text)
    assert expected == "FormatError"
    got = crypto_page.evaluate(VERIFY_SIGNED_B64, [text, raw_public(key.public_key()).hex()])
    assert got == expected


# --------------------------------------------------------------------------- documents

HEX_A, HEX_B = "a" * 64, "b" * 64
GOOD_DOC: dict[str, Any] = {
    "v": 1,
    "type": "reply",
    "submitted_at": "2026-11-20T08:30:00+00:00",
    "channel": "reviewer",
    "fields": {"text": "Terima kasih", "tags": ["a", "b"]},
    "reply_key": None,
    "consent": {},
    "evidence": [
        {
            "envelope_sha256": HEX_A,
            "envelope_mac": HEX_B,
            "name": "foto.jpg",
            "media_type": "image/jpeg",
            "size": 10,
            "share": False,
        }
    ],
}
KEY = b64u_encode(bytes(32))


def _ev(**edit: Any) -> dict[str, Any]:
    e = {**GOOD_DOC["evidence"][0], **edit}
    return {k: v for k, v in e.items() if v is not DROP}


DOC_EDITS: list[dict[str, Any]] = [
    {},
    {"v": 2},
    {"type": "memo"},
    {"channel": "email"},
    {"channel": DROP},
    {"submitted_at": "yesterday"},
    {"submitted_at": "2026-11-20T08:30:00"},
    {"submitted_at": "20261120T083000.5+0700"},
    {"submitted_at": 0},
    {"submitted_at": DROP},
    {"fields": {"text": 1}},
    {"fields": {"text": ["a", 2]}},
    {"fields": {"k" * 65: "x"}},
    {"fields": {"k" * 64: "x"}},
    {"fields": []},
    {"fields": None},
    {"fields": DROP},
    {"type": "report"},
    {"type": "report", "reply_key": KEY},
    {"reply_key": "AAAA"},
    {"reply_key": KEY},
    {"reply_key": 5},
    {"consent": []},
    {"consent": None},
    {"consent": DROP},
    {"evidence": []},
    {"evidence": DROP},
    {"evidence": None},
    {"evidence": "ab"},
    {"evidence": [_ev(envelope_mac=DROP)]},
    {"evidence": [_ev(envelope_mac="A" * 64)]},
    {"evidence": [_ev(envelope_sha256=DROP)]},
    {"evidence": [_ev(envelope_sha256="a" * 63)]},
    {"evidence": [_ev(), _ev()]},
    {"evidence": [_ev(), _ev(envelope_sha256="c" * 64)]},
    {"evidence": [_ev(), _ev(envelope_mac="c" * 64)]},
    {"evidence": [_ev(), _ev(envelope_sha256="c" * 64, envelope_mac="d" * 64)]},
    {"evidence": [_ev(name="")]},
    {"evidence": [_ev(name="😀" * 255)]},
    {"evidence": [_ev(name="😀" * 256)]},
    {"evidence": [_ev(size=-1)]},
    {"evidence": [_ev(size=True)]},
    {"evidence": [_ev(size="10")]},
    {"evidence": [_ev(size=1.5)]},
    {"evidence": [_ev(media_type=None)]},
    {"evidence": ["x"]},
    {"evidence": [[]]},
    {"fields": {"text": "\ud800"}},
]


def _doc(edit: dict[str, Any]) -> bytes:
    d = {k: v for k, v in {**GOOD_DOC, **edit}.items() if v is not DROP}
    return json.dumps(d, sort_keys=True, separators=(",", ":")).encode()  # \ud800 escaped


PARSE_DOCS = """(items) => items.map((hex) => {
  try { BisikCrypto.parseDocument(BisikCrypto.fromHex(hex)); return "ok"; }
  catch (e) { return e.name; }
})"""


def test_parse_document_applies_spec8_rejects_as_python(crypto_page: Any) -> None:
    docs = [_doc(e) for e in DOC_EDITS]
    docs += [b"[]", b"{}", b'{"v":1', "é".encode("latin-1")]
    expected = [_py(document.parse, d) for d in docs]
    got = crypto_page.evaluate(PARSE_DOCS, [d.hex() for d in docs])
    assert list(zip(got, expected, strict=True)) == list(zip(expected, expected, strict=True))
    assert expected.count("ok") >= 8 and expected.count("FormatError") >= 30


ORDER = """(bodies) => bodies.map((b) => BisikCrypto.recordOrderKey(b))"""


def test_record_order_key_is_pythons(crypto_page: Any) -> None:
    times = [t for t in WRITER_TIMES if "+" in t or "-" in t[19:]]
    bodies = [{"at": t, "id": f"{i:032x}"} for i, t in enumerate(times)]
    got = [tuple(k) for k in crypto_page.evaluate(ORDER, bodies)]
    assert got == [records.order_key(b) for b in bodies]
