"""Run every file of crypto/vectors/ (one scenario each) and check the vectors reproduce.

The browser code runs the same files in chromium; the format is in crypto/vectors/README.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from crypto import (
    _hpke,
    consent,
    document,
    errors,
    followup,
    identity,
    keyfile,
    proof,
    receipt,
    records,
    report_schema,
    signed,
    storeseal,
)
from crypto.directory import verify_directory
from crypto.encoding import b64u_decode
from crypto.envelope import Sealer, header_mac, open_header_mac, unseal, unseal_to_path
from crypto.keys import raw_private, raw_public

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "crypto" / "vectors"
FILES = sorted(p for p in VECTORS.glob("*.json") if p.name != "index.json")
ERRORS: dict[str, type[Exception]] = {
    "DecryptionError": errors.DecryptionError,
    "FormatError": errors.FormatError,
    "SignatureError": errors.SignatureError,
    "ReceiptError": errors.ReceiptError,
    "PassphraseError": errors.PassphraseError,
}


def _x(hex_: str) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(bytes.fromhex(hex_))


def _outcome(v: dict[str, Any], action: Callable[[], Any]) -> Any:
    """Run ``action``: return its value if success is expected, else assert the error type."""
    if v["expect"] == "success":
        return action()
    assert v["expect"] == "error"
    with pytest.raises(ERRORS[v["error"]]):
        action()
    return None


def _run_envelope(v: dict[str, Any], tmp_path: Path) -> None:
    identity = _x(v["identity"])
    env = b64u_decode(v["envelope"])
    plain = _outcome(v, lambda: unseal(env, identity))
    dest = tmp_path / "out.bin"
    n = _outcome(v, lambda: unseal_to_path(io.BytesIO(env), dest, identity))
    if v["expect"] == "success":
        assert hashlib.sha256(plain).hexdigest() == v["plaintext_sha256"]
        assert len(plain) == n == v["plaintext_length"]
        assert dest.read_bytes() == plain
        mac = bytes.fromhex(v["header_mac"])
        assert open_header_mac(io.BytesIO(env), identity) == header_mac(io.BytesIO(env)) == mac
    else:  # nothing released: no destination file, no temporary file left beside it
        assert list(tmp_path.iterdir()) == []
    if "seal" in v:
        resealed, sealer_mac = _reseal(v["seal"])
        assert resealed == env
        assert sealer_mac.hex() == v["header_mac"]


def _reseal(seal: dict[str, Any]) -> tuple[bytes, bytes]:
    """Seal again through the private seams and return the bytes (must equal the vector)."""
    randoms: Iterator[bytes] = iter([bytes.fromhex(seal["file_key"]), bytes.fromhex(seal["salt"])])
    ephemerals = iter([_x(e) for e in seal["ephemerals"]])
    recipients = [X25519PublicKey.from_public_bytes(bytes.fromhex(r)) for r in seal["recipients"]]
    out = io.BytesIO()
    with Sealer(
        out, recipients, _random=lambda _n: next(randoms), _ephemeral=lambda: next(ephemerals)
    ) as sealer:
        mac = sealer.header_mac  # known before any payload is written
        sealer.write(b64u_decode(seal["plaintext"]))
    return out.getvalue(), mac


def _run_hpke(v: dict[str, Any], _tmp: Path) -> None:
    rec = _x(v["recipient_private"])
    assert raw_public(rec.public_key()).hex() == v["recipient_public"]
    info, aad, plain = (bytes.fromhex(v[k]) for k in ("info", "aad", "plaintext"))
    enc, ct = _hpke.seal(rec.public_key(), info, aad, plain, ephemeral=_x(v["ephemeral_private"]))
    assert (enc.hex(), ct.hex()) == (v["enc"], v["ciphertext"])
    opened = _hpke.open_(rec, bytes.fromhex(v["enc"]), info, aad, bytes.fromhex(v["ciphertext"]))
    assert opened == plain


def _run_receipt(v: dict[str, Any], _tmp: Path) -> None:
    canon = _outcome(v, lambda: receipt.normalize(v["input"]))
    if v["expect"] != "success":
        return
    assert canon == v["canonical"]
    assert receipt.display(canon) == v["display"]
    derived = receipt.derive(v["input"])
    assert derived.lookup_id.hex() == v["lookup_id"]
    assert raw_private(derived.reply_key).hex() == v["reply_private"]
    assert raw_public(derived.reply_public).hex() == v["reply_public"]
    assert raw_private(derived.followup_key).hex() == v["followup_private"]
    assert raw_public(derived.followup_public).hex() == v["followup_public"]
    tag = receipt.lookup_tag(bytes.fromhex(v["pepper"]), derived.lookup_id)
    assert tag.hex() == v["lookup_tag"]


def _run_signed(v: dict[str, Any], _tmp: Path) -> None:
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(v["public_key"]))
    body = _outcome(v, lambda: signed.parse(v["object"]).verify(key, v["kind"]))
    if v["expect"] == "success":
        assert body == v["body"]


def _run_followup(v: dict[str, Any], _tmp: Path) -> None:
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(v["followup_public"]))
    item = v["item"]
    body = _outcome(
        v,
        lambda: followup.verify(
            v["object"], key, item["case"], item["type"], item["envelope_sha256"], item["evidence"]
        ),
    )
    if v["expect"] == "success":
        assert body == v["body"]
        signer = receipt.derive(v["receipt"]).followup_key  # the key the report published
        assert raw_public(signer.public_key()).hex() == v["followup_public"]
        again = followup.sign(
            signer, item["case"], item["type"], item["envelope_sha256"], item["evidence"]
        )
        assert again.decode() == v["object"]  # Ed25519 is deterministic: byte for byte


def _run_directory(v: dict[str, Any], _tmp: Path) -> None:
    root = Ed25519PublicKey.from_public_bytes(bytes.fromhex(v["root_public"]))
    today = dt.date.fromisoformat(v["today"])
    if "record" in v:
        directory = verify_directory(v["directory"], root, today)
        got = _outcome(v, lambda: records.verify(v["record"], directory, v["record_kind"]))
        if got is not None:
            body, reviewer = got
            assert (body, reviewer.id) == (v["record_body"], v["record_signer"])
        return
    minimum = v.get("min_serial")
    d = _outcome(v, lambda: verify_directory(v["directory"], root, today, min_serial=minimum))
    if d is None:
        return
    assert (d.org_name, d.serial, d.expires.isoformat()) == (
        v["org_name"],
        v["serial"],
        v["expires"],
    )
    assert d.server_key is not None and raw_public(d.server_key).hex() == v["server_key"]
    assert [r.id for r in d.active_reviewers()] == v["active_reviewers"]
    assert [raw_public(k).hex() for k in d.recipients()] == v["recipients"]
    assert {r.id: r.keys.fingerprint for r in d.reviewers} == v["fingerprints"]


def _run_document(v: dict[str, Any], _tmp: Path) -> None:
    """Parse the document, check its fields against the report's vocabulary (SPEC §10), and
    write it back byte for byte."""
    data = v["document"].encode("utf-8")

    def check() -> document.Document:
        doc = document.parse(data)
        if doc.type == "report":
            report_schema.check_report(doc.fields)
        elif doc.type == identity.TYPE:  # SPEC §17
            identity.check_fields(doc.fields)
        else:
            report_schema.check_message(doc.fields)
        return doc

    doc = _outcome(v, check)
    if doc is not None:
        assert doc.to_bytes() == data


def _run_keyfile(v: dict[str, Any], _tmp: Path) -> None:
    """Open the file with the passphrase; on success, sealing again reproduces it."""
    data = v["file"].encode("utf-8")
    secret = _outcome(v, lambda: keyfile.open_secret(data, v["passphrase"], label=v["label"]))
    if secret is None:
        return
    assert secret.hex() == v["secret"]
    s = v["seal"]
    again = keyfile.seal_secret(
        secret,
        v["passphrase"],
        label=v["label"],
        profile=s["profile"],
        _salt=bytes.fromhex(s["salt"]),
        _nonce=bytes.fromhex(s["nonce"]),
    )
    assert again == data


def _run_store(v: dict[str, Any], _tmp: Path) -> None:
    """Open the sealed store file; on success, sealing again with its nonce reproduces it."""
    blob = bytes.fromhex(v["blob"])
    nonce = bytes.fromhex(v.get("nonce", ""))
    keys = storeseal.StoreKeys(bytes.fromhex(v["store_key"]), _random=lambda n: nonce)
    if v["purpose"] == "index":
        data = _outcome(v, lambda: keys.open_index(blob))
        if data is not None:
            assert data.hex() == v["data"] and keys.seal_index(data) == blob
        return
    data = _outcome(v, lambda: keys.open_case(v["name"], blob))
    if data is not None:
        assert keys.blob_name(v["case_id"], v["version"]) == v["name"]
        assert data.hex() == v["data"] and keys.seal_case(v["name"], data) == blob


def _run_proof(v: dict[str, Any], _tmp: Path) -> None:
    root = Ed25519PublicKey.from_public_bytes(bytes.fromhex(v["root_public"]))
    got = _outcome(v, lambda: proof.verify(v["proof"].encode(), root))
    if v["expect"] == "success":
        assert (got.org_name, got.case, got.issued.isoformat()) == (
            v["org"],
            v["case"],
            v["issued"],
        )
        assert [i.to_json() for i in got.items] == v["items"]


def _run_consent(v: dict[str, Any], _tmp: Path) -> None:
    """Parse the document as a consent change (SPEC §8, then §14); on success the change is
    the vector's and the document writes back byte for byte."""
    data = v["document"].encode("utf-8")
    change = _outcome(v, lambda: consent.parse(data))
    if change is not None:
        assert change.to_json() == v["change"]
        obj = json.loads(data)
        assert consent.document(change, obj["submitted_at"], obj["channel"]).to_bytes() == data


RUNNERS: dict[str, Callable[[dict[str, Any], Path], None]] = {
    "envelope": _run_envelope,
    "hpke": _run_hpke,
    "receipt": _run_receipt,
    "signed": _run_signed,
    "followup": _run_followup,
    "directory": _run_directory,
    "document": _run_document,
    "keyfile": _run_keyfile,
    "store": _run_store,
    "proof": _run_proof,
    "consent": _run_consent,
}


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_vector(path: Path, tmp_path: Path) -> None:
    v = json.loads(path.read_text("utf-8"))
    assert v["comment"] and v["expect"] in ("success", "error")
    RUNNERS[v["type"]](v, tmp_path)


def test_every_required_scenario_is_present() -> None:
    """The vector set is the contract with the browser code: none may silently disappear."""
    names = {p.stem for p in FILES}
    required = {
        "envelope-ok-empty",
        "envelope-ok-one-byte",
        "envelope-ok-exactly-64k",
        "envelope-ok-multi-chunk",
        "envelope-ok-two-recipients-second",
        "envelope-reject-truncated-at-chunk-boundary",
        "envelope-reject-truncated-mid-chunk",
        "envelope-reject-trailing-byte",
        "envelope-reject-reordered-chunks",
        "envelope-reject-duplicated-chunk",
        "envelope-reject-empty-final-chunk",
        "envelope-reject-flipped-mac",
        "envelope-reject-unknown-version-2",
        "envelope-reject-reserved-nonzero",
        "envelope-reject-zero-recipients",
        "envelope-reject-too-many-recipients",
        "envelope-reject-duplicate-key-id",
        "envelope-reject-low-order-enc-zero",
        "envelope-reject-wrong-key",
        "envelope-reject-padding-bad-marker",
        "envelope-reject-padding-too-long",
        "envelope-reject-key-commitment-other-file-key",
        "hpke-file-key-wrap",
        "receipt-ok-display",
        "receipt-reject-typo",
        "signed-ok-status",
        "signed-reject-tampered-body",
        "directory-ok",
        "directory-reject-expired",
        "directory-reject-wrong-root",
        "directory-record-reject-revoked-reviewer",
        "document-ok-full-report",
        "document-reject-unknown-category",
        "keyfile-ok",
        "keyfile-reject-cost-lowered",
        "store-ok-case",
        "store-reject-case-renamed",
        "followup-ok-message-with-evidence",
        "followup-reject-other-receipt",
        "followup-reject-other-case",
        "followup-reject-other-envelope",
        "proof-ok",
        "proof-reject-flipped-signature",
        "proof-reject-other-server-key",
        "proof-ok-v2",
        "proof-reject-v2-with-consent",
        "proof-reject-consent-with-evidence",
        "consent-ok-grant-withdraw-and-file",
        "consent-reject-empty-change",
        "consent-reject-unknown-authority",
        "consent-reject-not-boolean",
        "consent-ok-with-seq",
        "consent-reject-seq-zero",
        "consent-reject-seq-boolean",
        "consent-reject-seq-fraction",
        "link-ok-shared",
        "link-ok-unlink",
        "link-reject-self",
        "link-reject-share-without-link",
    }
    assert required <= names
    assert sum(n.startswith("envelope-reject-low-order-enc-") for n in names) == 14
    index = json.loads((VECTORS / "index.json").read_text("utf-8"))
    assert index["files"] == sorted(p.name for p in FILES)


def test_vectors_regenerate_byte_for_byte() -> None:
    """Every family of scripts/vectors/ must reproduce its committed files exactly from fixed
    seeds (tests/scripts/test_vectors.py also runs the commands that write them)."""
    from scripts.vectors.cli import drift
    from scripts.vectors.trees import CRYPTO

    assert drift(CRYPTO) == []
