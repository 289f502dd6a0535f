"""``store-*``: the reviewer's sealed case store (SPEC §11.2)."""

from __future__ import annotations

from crypto import (
    storeseal,
)
from crypto.encoding import canonical_json
from scripts.vectors.common import Vector, det


def vectors() -> dict[str, Vector]:
    """Sealed store blobs and names, and the tampered ones a reader must refuse."""
    vs: dict[str, Vector] = {}
    key = det("store key", 32)
    nonces = iter([det("store nonce index", 12), det("store nonce case", 12)])
    keys = storeseal.StoreKeys(key, _random=lambda n: next(nonces))
    index = canonical_json({"v": 1, "cases": {"BSK-0001": {"st": "received"}}})
    case = canonical_json({"id": "BSK-0001", "report": {"fields": {"category": "rally"}}})
    name = keys.blob_name("BSK-0001", "v1")
    sealed_index, sealed_case = keys.seal_index(index), keys.seal_case(name, case)

    def v(
        vname: str,
        comment: str,
        purpose: str,
        blob: bytes,
        data: bytes | None,
        nonce: bytes,
        file_name: str = name,
    ) -> None:
        rec: Vector = {
            "comment": comment,
            "type": "store",
            "store_key": key.hex(),
            "purpose": purpose,
            "blob": blob.hex(),
        }
        if purpose == "case":
            rec.update(name=file_name, case_id="BSK-0001", version="v1")
        if data is None:
            rec.update(expect="error", error="DecryptionError")
        else:
            rec.update(expect="success", data=data.hex(), nonce=nonce.hex())
        vs[f"store-{vname}"] = rec

    v("ok-index", "The store's index.", "index", sealed_index, index, det("store nonce index", 12))
    v(
        "ok-case",
        "One case file, named by the keyed hash of (case id, version).",
        "case",
        sealed_case,
        case,
        det("store nonce case", 12),
    )
    v(
        "reject-case-renamed",
        "A case file opened under another case's name.",
        "case",
        sealed_case,
        None,
        b"",
        keys.blob_name("BSK-0002", "v1"),
    )
    v(
        "reject-index-as-case",
        "The index put in place of a case file.",
        "case",
        sealed_index,
        None,
        b"",
    )
    v(
        "reject-bad-magic",
        "The magic changed to BSR2.",
        "index",
        b"BSR2" + sealed_index[4:],
        None,
        b"",
    )
    return vs
