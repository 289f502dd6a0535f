"""bisik-crypto.js against the Python reference, in Debian's chromium.

Every file of crypto/vectors/ runs through the browser code and must give the outcome the
vector states — byte for byte where the vector has bytes: the envelope sealed again in the
browser from the vector's file key, salt and ephemeral keys (from memory and streamed from a
Blob), the HPKE ciphertext, the receipt derivations, the verified directory and records, and
the same error type for every rejection. Then random round trips in both directions.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from crypto import document, envelope, receipt
from crypto.encoding import b64u_decode, b64u_encode
from crypto.keys import raw_private, raw_public

pytestmark = pytest.mark.browser

VECTORS = Path(__file__).resolve().parents[3] / "crypto" / "vectors"
FILES = sorted(p for p in VECTORS.glob("*.json") if p.name != "index.json")
NOT_IN_BROWSER = {"keyfile", "store", "proof"}  # SPEC §11 laptop files; §13 proofs of report

RUN_VECTOR = """async (v) => {
  const C = BisikCrypto, hex = C.fromHex, b64 = (s) => C.b64uDecode(s), toHex = C.toHex;
  const fail = (e) => ({ error: (e && e.name) || String(e) });
  async function attempt(fn) { try { return { ok: await fn() }; } catch (e) { return fail(e); } }
  if (v.type === "envelope") {
    const out = {};
    out.open = await attempt(async () => {
      const env = b64(v.envelope), sk = await C.importX25519Private(hex(v.identity));
      const pt = await C.open(env, sk);
      const head = await C.openHeader(env.subarray(0, C.readPrefix(env.subarray(0, 28))), sk);
      return { sha256: toHex(await C.sha256(pt)), length: pt.length, mac: toHex(head.mac) };
    });
    if (v.seal) {
      const s = v.seal, opts = () => ({ fileKey: hex(s.file_key), salt: hex(s.salt),
        ephemerals: s.ephemerals.map(hex), readSize: 65536 });
      const recipients = s.recipients.map(hex), plain = b64(s.plaintext);
      out.sealed = C.b64uEncode(await C.seal(plain, recipients, opts()));
      const parts = [];
      let macFirst = null;  // the MAC must be known before any payload is handed on
      const push = (b) => { parts.push(b); };
      const o = opts();
      o.onHeaderMac = (m) => { macFirst = { mac: m, partsSoFar: parts.length }; };
      const r = await C.sealStream(new Blob([plain]), recipients, push, o);
      out.streamed = C.b64uEncode(C.concat(parts));
      out.headerMac = r.headerMac;
      out.macFirst = macFirst;
      out.length = r.length;
    }
    return out;
  }
  if (v.type === "hpke") {
    const sealed = await C.hpkeSeal(hex(v.recipient_public), hex(v.info), hex(v.aad),
      hex(v.plaintext), { ephemeral: hex(v.ephemeral_private) });
    const sk = await C.importX25519Private(hex(v.recipient_private));
    const opened = await C.hpkeOpen(sk, hex(v.enc), hex(v.info), hex(v.aad), hex(v.ciphertext));
    return { enc: toHex(sealed.enc), ciphertext: toHex(sealed.ciphertext), opened: toHex(opened),
      recipient_public: toHex(await C.x25519PublicOf(sk)) };
  }
  if (v.type === "receipt") {
    return attempt(async () => {
      const r = await C.deriveReceipt(v.input);
      const pk8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", r.replyKey));
      const tag = await C.hmac(hex(v.pepper),
        C.concat([C.utf8("bisik/v1 lookup-tag\\0"), r.lookupId]));
      return { canonical: r.code, display: C.displayReceipt(r.code),
        normalized: await C.normalizeReceipt(v.input), lookup_id: toHex(r.lookupId),
        reply_private: toHex(pk8.slice(-32)), reply_public: toHex(r.replyPublic),
        followup_private: toHex(new Uint8Array(
          await crypto.subtle.exportKey("pkcs8", r.followupKey)).slice(-32)),
        followup_public: toHex(r.followupPublic), lookup_tag: toHex(tag) };
    });
  }
  if (v.type === "signed") {
    return attempt(async () => C.verifySigned(C.parseSigned(v.object), hex(v.public_key), v.kind));
  }
  if (v.type === "followup") {
    const verified = await attempt(
      async () => C.verifyFollowup(v.object, hex(v.followup_public), v.item));
    const signer = await C.deriveReceipt(v.receipt);
    const signedHere = await attempt(async () => C.signFollowup(signer, v.item));
    return { verified: verified, signed: signedHere, signer_public: toHex(signer.followupPublic) };
  }
  if (v.type === "directory") {
    return attempt(async () => {
      const d = await C.verifyDirectory(v.directory, hex(v.root_public), v.today, v.min_serial);
      const out = { org_name: d.orgName, serial: d.serial, expires: d.expires,
        server_key: d.serverKey && toHex(d.serverKey),
        active_reviewers: d.active().map((r) => r.id),
        recipients: d.recipients().map(toHex),
        fingerprints: Object.fromEntries(d.reviewers.map((r) => [r.id, r.fingerprint])) };
      if (v.record) {
        out.record = await attempt(async () => {
          const rec = await C.verifyRecord(v.record, d, v.record_kind);
          return { body: rec.body, signer: rec.reviewer.id };
        });
      }
      return out;
    });
  }
  if (v.type === "document") {
    // The browser parses the document and writes it back as it would seal it; the vocabulary
    // (field names and codes, SPEC §10) is checked by the form that builds the fields.
    return attempt(async () => new TextDecoder().decode(
      C.documentBytes(C.parseDocument(C.utf8(v.document)))));
  }
  if (v.type === "consent") {
    // Parsed as the follow-up page checks the change it seals (SPEC §14), and written back.
    return attempt(async () => {
      const change = C.parseConsent(C.utf8(v.document)), doc = JSON.parse(v.document);
      return { change: change, bytes: new TextDecoder().decode(C.documentBytes({ ...doc })) };
    });
  }
  // Formats only Python reads: the laptop's key file and store, and proofs of report (checked
  // by the reviewer tool and the intake's no-JS proof page, never by reporters' browsers).
  if (["keyfile", "store", "proof"].includes(v.type)) return { notInBrowser: v.type };
  throw new Error("unknown vector type " + v.type);
}"""


@pytest.fixture(scope="module")
def crypto_page(browser: Any, static_url: str) -> Iterator[Any]:
    context = browser.new_context()
    pg = context.new_page()
    pg.goto(static_url)
    pg.wait_for_function("typeof BisikCrypto !== 'undefined'")
    assert pg.evaluate("BisikCrypto.supported()") is True
    yield pg
    context.close()


def _expect_error(v: dict[str, Any], got: dict[str, Any]) -> None:
    assert got == {"error": v["error"]}, (v["comment"], got)


def test_vector_files_exist() -> None:
    kinds = {json.loads(p.read_text("utf-8"))["type"] for p in FILES}
    assert {"envelope", "hpke", "receipt", "signed", "followup", "directory"} <= kinds


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_vector_in_browser(crypto_page: Any, path: Path) -> None:
    v = json.loads(path.read_text("utf-8"))
    got = crypto_page.evaluate(RUN_VECTOR, v)
    kind = v["type"]
    if kind == "envelope":
        if v["expect"] == "success":
            assert got["open"] == {
                "ok": {
                    "sha256": v["plaintext_sha256"],
                    "length": v["plaintext_length"],
                    "mac": v["header_mac"],
                }
            }
        else:
            _expect_error(v, got["open"])
        if "seal" in v:  # the browser reproduces the envelope byte for byte
            assert got["sealed"] == v["envelope"]
            assert got["streamed"] == v["envelope"]
            assert got["headerMac"] == v["header_mac"]  # what a document lists (SPEC §8)
            assert got["macFirst"] == {"mac": v["header_mac"], "partsSoFar": 0}
            assert got["length"] == len(b64u_decode(v["envelope"]))
    elif kind == "hpke":
        assert got == {
            "enc": v["enc"],
            "ciphertext": v["ciphertext"],
            "opened": v["plaintext"],
            "recipient_public": v["recipient_public"],
        }
    elif kind == "receipt":
        if v["expect"] == "error":
            _expect_error(v, got)
            return
        ok = got["ok"]
        assert ok["canonical"] == ok["normalized"] == v["canonical"]
        for k in (
            "display",
            "lookup_id",
            "reply_private",
            "reply_public",
            "followup_private",
            "followup_public",
            "lookup_tag",
        ):
            assert ok[k] == v[k], k
    elif kind == "signed":
        if v["expect"] == "error":
            _expect_error(v, got)
        else:
            assert got == {"ok": v["body"]}
    elif kind == "followup":
        if v["expect"] == "error":
            _expect_error(v, got["verified"])
        else:  # verifies, and the browser signs the item byte for byte as Python did
            assert got["verified"] == {"ok": v["body"]}
            assert got["signer_public"] == v["followup_public"]
            assert got["signed"] == {"ok": v["object"]}
    elif kind == "directory":
        if "record" in v:
            record = got["ok"]["record"]
            if v["expect"] == "error":
                _expect_error(v, record)
            else:
                assert record == {"ok": {"body": v["record_body"], "signer": v["record_signer"]}}
        elif v["expect"] == "error":
            _expect_error(v, got)
        else:
            ok = got["ok"]
            for k in (
                "org_name",
                "serial",
                "expires",
                "server_key",
                "active_reviewers",
                "recipients",
                "fingerprints",
            ):
                assert ok[k] == v[k], k
    elif kind == "document":
        if v["expect"] == "error" and v["layer"] == "document":
            _expect_error(v, got)
        else:  # a vocabulary error is in the fields, which the browser copies unchanged
            assert got == {"ok": v["document"]}
    elif kind == "consent":
        if v["expect"] == "error":
            _expect_error(v, got)
        else:
            assert got == {"ok": {"change": v["change"], "bytes": v["document"]}}
    elif kind in NOT_IN_BROWSER:  # formats only Python reads (laptop files, proofs)
        assert got == {"notInBrowser": kind}
    else:
        pytest.fail(f"unknown vector type {kind}")


SEAL_IN_BROWSER = """async ([data, recipients]) => {
  const C = BisikCrypto;
  const env = await C.seal(C.b64uDecode(data), recipients.map((r) => C.b64uDecode(r)));
  return C.b64uEncode(env);
}"""

OPEN_IN_BROWSER = """async ([env, sk]) => {
  const C = BisikCrypto;
  try {
    const pt = await C.open(C.b64uDecode(env), await C.importX25519Private(C.b64uDecode(sk)));
    return C.b64uEncode(pt);
  } catch (e) { return { error: e.name }; }
}"""


@pytest.mark.parametrize("size", [0, 1, 1023, 65535, 65536, 65537, 3 * 65536 + 5])
def test_random_round_trips_both_ways(crypto_page: Any, size: int) -> None:
    data = os.urandom(size)
    a, b = X25519PrivateKey.generate(), X25519PrivateKey.generate()
    pubs = [b64u_encode(raw_public(k.public_key())) for k in (a, b)]
    from_js = b64u_decode(crypto_page.evaluate(SEAL_IN_BROWSER, [b64u_encode(data), pubs]))
    assert envelope.unseal(from_js, b) == data
    assert envelope.unseal(from_js, a) == data
    assert len(from_js) == crypto_page.evaluate(
        "([n, r]) => BisikCrypto.envelopeLength(n, r)", [size, 2]
    )
    from_py = envelope.seal(data, [a.public_key()])
    got = crypto_page.evaluate(OPEN_IN_BROWSER, [b64u_encode(from_py), b64u_encode(raw_private(a))])
    assert got == b64u_encode(data)
    # the wrong key and a flipped byte anywhere are the one DecryptionError
    wrong = crypto_page.evaluate(
        OPEN_IN_BROWSER, [b64u_encode(from_py), b64u_encode(raw_private(b))]
    )
    assert wrong == {"error": "DecryptionError"}
    flipped = bytearray(from_py)
    flipped[len(flipped) // 2] ^= 1
    bad = crypto_page.evaluate(
        OPEN_IN_BROWSER, [b64u_encode(bytes(flipped)), b64u_encode(raw_private(a))]
    )
    assert bad == {"error": "DecryptionError"}


SEAL_BLOB = """async ([parts, pubs, readSize]) => {
  const C = BisikCrypto, blob = new Blob(parts.map((p) => C.b64uDecode(p)));
  const out = [];
  const r = await C.sealStream(blob, pubs.map((k) => C.b64uDecode(k)), (b) => { out.push(b); },
                               { readSize: readSize });
  return { envelope: C.b64uEncode(C.concat(out)), length: r.length };
}"""

LYING_BLOB = """async ([pub, delta]) => {
  // a File that grew or shrank while it was read: its size says one thing, its bytes another
  class Changed extends Blob { get size() { return super.size + delta; } }
  const data = new Uint8Array(3 * 65536 + 100);
  try {
    await BisikCrypto.sealStream(new Changed([data]), [BisikCrypto.b64uDecode(pub)], () => {},
                                 { readSize: 65536 });
    return "sealed";
  } catch (e) { return e.name; }
}"""


@pytest.mark.parametrize("read_size", [65536, 1 << 20, 4 << 20])
def test_blob_sealed_through_its_stream_whatever_the_block_and_part_sizes(
    crypto_page: Any, read_size: int
) -> None:
    """A Blob is read through blob.stream(), whose pieces do not follow the 64 KiB chunks:
    a Blob of parts of odd sizes, sealed in blocks of 64 KiB, 1 MiB and 4 MiB, opens in
    Python to the same bytes, at the length envelopeLength promises."""
    data = os.urandom(40 * 65536 + 12345)  # 2.5 MiB and a part chunk: blocks of 1 MiB, 3
    cuts = [0, 1, 4097, 65537, 300_001, 1_700_000, len(data)]
    parts = [b64u_encode(data[a:b]) for a, b in itertools.pairwise(cuts)]
    key = X25519PrivateKey.generate()
    got = crypto_page.evaluate(
        SEAL_BLOB, [parts, [b64u_encode(raw_public(key.public_key()))], read_size]
    )
    sealed = b64u_decode(got["envelope"])
    assert (
        got["length"]
        == len(sealed)
        == crypto_page.evaluate("([n, r]) => BisikCrypto.envelopeLength(n, r)", [len(data), 1])
    )
    assert envelope.unseal(sealed, key) == data


@pytest.mark.parametrize("delta", [1, -1, 70_000])
def test_a_blob_whose_bytes_differ_from_its_size_is_refused(crypto_page: Any, delta: int) -> None:
    """The stream ending early (the file shrank) or running past the size the envelope was
    sized for (it grew) is a FormatError, never an envelope of the wrong length."""
    pub = b64u_encode(raw_public(X25519PrivateKey.generate().public_key()))
    assert crypto_page.evaluate(LYING_BLOB, [pub, delta]) == "FormatError"


def test_no_hand_written_hash_is_shipped(crypto_page: Any) -> None:
    """House rule: no primitive written by us. The incremental SHA-256 that used to hash
    evidence while it streamed is gone; sha256 is WebCrypto's one-shot digest."""
    source = (
        Path(__file__).resolve().parents[3] / "intake" / "static" / "js" / "bisik-crypto.js"
    ).read_text("utf-8")
    assert "0x428a2f98" not in source and "0x6a09e667" not in source  # SHA-256's constants
    got = crypto_page.evaluate("""async () => [typeof BisikCrypto.Sha256,
      BisikCrypto.toHex(await BisikCrypto.sha256(BisikCrypto.utf8("abc")))]""")
    assert got == ["undefined", hashlib.sha256(b"abc").hexdigest()]


GENERATE_20 = """async () => {
  const out = [];
  for (let i = 0; i < 20; i++) out.push(await BisikCrypto.generateReceipt());
  return out;
}"""


def test_receipts_generated_in_browser_are_valid_in_python(crypto_page: Any) -> None:
    codes = crypto_page.evaluate(GENERATE_20)
    assert len(set(codes)) == 20
    for code in codes:
        assert receipt.display(receipt.normalize(code)) == code
    lookup = crypto_page.evaluate(
        "async (c) => BisikCrypto.toHex((await BisikCrypto.deriveReceipt(c)).lookupId)", codes[0]
    )
    assert lookup == receipt.derive(codes[0]).lookup_id.hex()


# Take one algorithm away, as Tor Browser 14 (Firefox ESR 128) lacks X25519 and Ed25519.
REMOVE_ALGORITHM = """(name) => {
  const s = crypto.subtle;
  for (const method of ["generateKey", "importKey", "verify", "deriveBits", "encrypt"]) {
    const orig = s[method].bind(s);
    s[method] = (...args) => {
      const named = args.some((a) => a === name || (a && typeof a === "object" && a.name === name));
      return named ? Promise.reject(new DOMException(name, "NotSupportedError")) : orig(...args);
    };
  }
}"""


@pytest.mark.parametrize("algorithm", ["X25519", "Ed25519", "AES-GCM", "PBKDF2"])
def test_missing_algorithm_is_detected(browser: Any, static_url: str, algorithm: str) -> None:
    """Without any one of them the feature test says no, so the forms stay no-JS."""
    context = browser.new_context()
    pg = context.new_page()
    pg.add_init_script(f"({REMOVE_ALGORITHM})({json.dumps(algorithm)})")
    pg.goto(static_url)
    assert pg.evaluate("BisikCrypto.supported()") is False
    context.close()


def test_a_browser_without_blob_streams_keeps_the_no_js_form(browser: Any, static_url: str) -> None:
    """sealStream reads files through blob.stream(): without it the feature test says no,
    so the server seals instead of the page failing half-way through an upload."""
    context = browser.new_context()
    pg = context.new_page()
    pg.add_init_script("delete Blob.prototype.stream")
    pg.goto(static_url)
    assert pg.evaluate("typeof Blob.prototype.stream") == "undefined"
    assert pg.evaluate("BisikCrypto.supported()") is False
    context.close()


DOCUMENT_BYTES = """(d) => {
  const C = BisikCrypto;
  const ok = new TextDecoder().decode(C.documentBytes(d));
  let refused = null;
  try { C.documentBytes({ ...d, evidence: [{ ...d.evidence[0], envelope_mac: undefined }] }); }
  catch (e) { refused = e.name; }
  return { ok: ok, refused: refused };
}"""


def test_document_bytes_match_python_and_require_the_mac(crypto_page: Any) -> None:
    """The browser writes the SPEC §8 document exactly as crypto.document does, evidence MAC
    included, and refuses to write an evidence entry without one."""
    ev = document.Evidence("ab" * 32, "foto.jpg", "image/jpeg", 12, True, envelope_mac="cd" * 32)
    doc = document.Document(
        "report",
        "2026-11-29T10:00:00+00:00",
        "browser",
        {"description": "Rapat"},
        b64u_encode(bytes(32)),
        (ev,),
        {"authorities": ["bkn"]},
    )
    got = crypto_page.evaluate(DOCUMENT_BYTES, json.loads(doc.to_bytes()))
    assert got["ok"].encode() == doc.to_bytes()
    assert document.parse(got["ok"].encode()) == doc
    assert got["refused"] == "FormatError"
