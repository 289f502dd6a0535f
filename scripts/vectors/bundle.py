"""The bundle family: every file of vault/bundle/vectors/ (vault/BUNDLE.md).

Keys, envelopes (through the Sealer's randomness seams), record ids and bundle ids all come
from a fixed seed. Each vector is ``comment``, ``direction``, ``expect`` ("ok" or the exact
BundleError class name), ``bundle`` (base64), and for "ok" vectors ``items`` ([kind, case,
sha256] in order). Two kinds of damage are made: *unsigned* (bytes changed after signing: the
signature or a hash must catch it) and *re-signed* (a structurally wrong bundle that the right
key signed: the MUST-reject rules beyond cryptography must catch it).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PublicKey,
)

from crypto import envelope, records, signed
from crypto.encoding import b64u_encode, canonical_json
from crypto.keys import key_id, raw_public
from scripts.vectors._bundle_parts import (
    Mutation,
    Parts,
    canonical_spaces,
    edit_lines,
    flip,
    frames_edit,
    header_byte,
    in_item,
    lines,
    parts_mutation,
    replace_item,
    resign,
    set_lines,
    swap_frames,
    take_apart,
)
from scripts.vectors.bundle_org import TODAY, ed25519, make_org
from scripts.vectors.common import SeamRandom, Vector
from vault.bundle import ExportWriter, OutboxWriter

SEED = "bundle-vectors-v1"
DAY = TODAY.isoformat()
ORG = make_org(seed=SEED)


def seal(plaintext: bytes, recipients: list[X25519PublicKey], label: str) -> bytes:
    """An envelope that is the same on every run (fixed file key, salt and ephemerals)."""
    det, out = SeamRandom(SEED, label), io.BytesIO()
    with envelope.Sealer(out, recipients, _random=det.bytes, _ephemeral=det.x25519) as s:
        s.write(plaintext)
    return out.getvalue()


# -- base bundles --------------------------------------------------------------------------------


def _base_export(tmp: Path) -> tuple[bytes, list[str]]:
    reviewers = [kp.public.encryption for kp in ORG.reviewers.values()]
    reply_pub = raw_public(ORG.reviewers["rev_b"].encryption.public_key())  # any X25519 key
    cases = ["caseaaaaaaaaaaaa", "casebbbbbbbbbbbb"]
    path = tmp / "export"
    with ExportWriter(path, ORG.server, seq_from=10, today=DAY, _bundle_id="e" * 32) as w:
        w.add_case(cases[0], DAY, ["rev_a", "rev_b"], b64u_encode(reply_pub))
        for i, (type_, seq) in enumerate([("report", 11), ("evidence", 11)]):
            blob = seal(b"vector %d" % i, reviewers, f"export-{i}")
            w.add_envelope(
                cases[0], type_, seq, io.BytesIO(blob), len(blob), hashlib.sha256(blob).hexdigest()
            )
        st = records.status(
            ORG.signer("rev_a"), cases[0], "in_review", at=f"{DAY}T08:00:00+00:00", _id="1" * 32
        )
        w.add_record("status", cases[0], 12, st)
        w.add_case(cases[1], DAY, ["rev_a"], b64u_encode(reply_pub))
        blob = seal(b"vector report b", reviewers[:1], "export-b")
        w.add_envelope(
            cases[1], "report", 13, io.BytesIO(blob), len(blob), hashlib.sha256(blob).hexdigest()
        )
        w.finish(13)
    return path.read_bytes(), cases


def _base_outbox(tmp: Path, case: str = "caseaaaaaaaaaaaa") -> bytes:
    path = tmp / "outbox"
    reply_key = ORG.reviewers["rev_b"].encryption.public_key()
    with OutboxWriter(
        path, ORG.signer("rev_a"), ORG.directory, ack=13, today=DAY, _bundle_id="0" * 32
    ) as out:
        out.add_status(
            records.status(
                ORG.signer("rev_a"), case, "need_info", at=f"{DAY}T09:00:00+00:00", _id="2" * 32
            )
        )
        env = seal(b"mohon bukti tambahan", [reply_key], "outbox-reply")
        out.add_reply(
            records.reply(
                ORG.signer("rev_a"),
                case,
                hashlib.sha256(env).hexdigest(),
                at=f"{DAY}T09:01:00+00:00",
                _id="3" * 32,
            ),
            env,
        )
    return path.read_bytes()


def _status_for(case: str, reviewer: str = "rev_a", org: Any = ORG) -> bytes:
    return records.status(
        org.signer(reviewer), case, "in_review", at=f"{DAY}T08:00:00+00:00", _id="4" * 32
    )


def _bad_sig(record: bytes) -> bytes:
    obj = signed.parse(record)
    return signed.Signed(obj.kind, obj.signer, obj.body, bytes(64)).to_bytes()


def vectors() -> dict[str, Vector]:
    """Every bundle vector: the two valid bundles and each one broken in one way."""
    with tempfile.TemporaryDirectory() as tmp:
        export, cases = _base_export(Path(tmp))
        outbox = _base_outbox(Path(tmp))
    srv, rev_a = ORG.server, ORG.signer("rev_a")
    stranger = make_org(("rev_z",), seed=SEED + "/stranger")
    other_server = ed25519(SEED, "other-server")
    other_case = "casezzzzzzzzzzzz"

    def drop_last(p: Parts) -> Parts:
        return resign(set_lines(replace(p, frames=p.frames[:-1]), lines(p)[:-1]), rev_a)

    E, O = "export", "outbox"  # noqa: E741
    v: dict[str, tuple[str, str, str, Mutation]] = {
        # name: (direction, expect, comment, mutation)
        "ok_export": (
            E,
            "ok",
            "A valid export: two cases, envelopes, a status record.",
            lambda d: d,
        ),
        "ok_outbox": (O, "ok", "A valid outbox: a status, a reply and its envelope.", lambda d: d),
        "empty_file": (E, "BundleTruncatedError", "Zero bytes.", lambda d: b""),
        "truncated_last_byte": (
            E,
            "BundleTruncatedError",
            "The last byte is missing.",
            lambda d: d[:-1],
        ),
        "truncated_half": (
            O,
            "BundleTruncatedError",
            "Cut in the middle of an item.",
            lambda d: d[: len(d) // 2],
        ),
        "trailing_byte": (
            E,
            "BundleTruncatedError",
            "One byte appended after the trailer (file length differs).",
            lambda d: d + b"\x00",
        ),
        "bad_magic": (E, "BundleFormatError", "Header magic changed.", header_byte(0, 0x41)),
        "version_2": (E, "BundleFormatError", "Header version 2.", header_byte(8, 2)),
        "reserved_bits": (
            O,
            "BundleFormatError",
            "A reserved header byte is not zero.",
            header_byte(11, 1),
        ),
        "wrong_direction": (
            E,
            "BundleFormatError",
            "An export whose header says outbox, read as an export.",
            header_byte(9, 0x4F),
        ),
        "outbox_read_as_export": (
            O,
            "BundleFormatError",
            "A valid outbox handed to the export reader.",
            lambda d: d,
        ),
        "item_corrupted": (
            E,
            "BundleIntegrityError",
            "One bit of an envelope item flipped (unsigned).",
            flip(lambda d: in_item(d, 1, 100)),
        ),
        "items_swapped": (
            E,
            "BundleIntegrityError",
            "Frames 1 and 2 exchanged with their numbers (reordered).",
            swap_frames(1, 2, keep_numbers=False),
        ),
        "items_swapped_renumbered": (
            E,
            "BundleIntegrityError",
            "Frames 1 and 2 exchanged, numbers rewritten in order.",
            swap_frames(1, 2, keep_numbers=True),
        ),
        "item_missing": (
            O,
            "BundleIntegrityError",
            "The last frame removed; index and manifest untouched.",
            frames_edit(lambda p: replace(p, frames=p.frames[:-1])),
        ),
        "item_extra": (
            O,
            "BundleIntegrityError",
            "A frame added after the last item; index and manifest untouched.",
            frames_edit(lambda p: replace(p, frames=[*p.frames, (3, b"x")])),
        ),
        "index_tampered": (
            E,
            "BundleIntegrityError",
            "An index line edited without re-signing (hash differs).",
            frames_edit(lambda p: replace(p, index=p.index.replace(b'"size":', b'"size": ', 1))),
        ),
        "manifest_foreign_server": (
            E,
            "BundleSignatureError",
            "Export re-signed by another server's key (foreign).",
            frames_edit(lambda p: resign(p, other_server)),
        ),
        "manifest_bad_signature": (
            O,
            "BundleSignatureError",
            "Manifest signature bytes altered (validly encoded).",
            frames_edit(
                lambda p: replace(
                    p,
                    manifest=signed.Signed(
                        "manifest",
                        signed.parse(p.manifest).signer,
                        signed.parse(p.manifest).body,
                        bytes(64),
                    ).to_bytes(),
                )
            ),
        ),
        "manifest_wrong_kind": (
            E,
            "BundleSignatureError",
            "Server-signed object of kind 'proof' in the manifest frame.",
            frames_edit(lambda p: resign(p, srv, kind="proof")),
        ),
        "manifest_not_canonical": (
            E,
            "BundleFormatError",
            "Manifest container re-serialised with spaces.",
            frames_edit(lambda p: replace(p, manifest=json.dumps(json.loads(p.manifest)).encode())),
        ),
        "manifest_frame_number": (
            E,
            "BundleFormatError",
            "Manifest frame numbered 1.",
            frames_edit(lambda p: replace(p, manifest_number=1)),
        ),
        "trailer_offsets_swapped": (
            O,
            "BundleFormatError",
            "Trailer offsets of index and manifest exchanged.",
            lambda d: d[:-24] + d[-16:-8] + d[-24:-16] + d[-8:],
        ),
        "index_number_wrong": (
            E,
            "BundleFormatError",
            "Index line 1 says n=2 (signed by the server).",
            edit_lines(lambda e: e[1].update(n=2), srv),
        ),
        "index_not_canonical": (
            E,
            "BundleFormatError",
            "Index lines with spaces (signed by the server).",
            canonical_spaces(srv),
        ),
        "index_unknown_field": (
            O,
            "BundleFormatError",
            "An index line with an extra field (signed by the reviewer).",
            edit_lines(lambda e: e[0].update(note="x"), rev_a),
        ),
        "index_unknown_kind": (
            O,
            "BundleFormatError",
            "An outbox index line of kind 'case' (signed).",
            edit_lines(lambda e: e[0].update(kind="case"), rev_a),
        ),
        "manifest_count_mismatch": (
            E,
            "BundleIntegrityError",
            "Manifest says one item more than the index frame.",
            frames_edit(lambda p: resign(p, srv, count=p.count + 1)),
        ),
        "manifest_direction_mismatch": (
            E,
            "BundleFormatError",
            "Export manifest body says direction 'outbox'.",
            frames_edit(lambda p: resign(p, srv, direction="outbox")),
        ),
        "manifest_extra_field": (
            E,
            "BundleFormatError",
            "Manifest body has an extra field.",
            frames_edit(lambda p: resign(p, srv, extra=1)),
        ),
        "export_seq_decreasing": (
            E,
            "BundleIntegrityError",
            "Case B's report seq set below case A's status (signed).",
            edit_lines(lambda e: e[-1].update(seq=11), srv),
        ),
        "export_seq_at_cursor": (
            E,
            "BundleIntegrityError",
            "A report at seq == seq_from, already acknowledged (signed).",
            edit_lines(lambda e: e[1].update(seq=10), srv),
        ),
        "export_seq_beyond_range": (
            E,
            "BundleIntegrityError",
            "The last item's seq above the manifest's seq_to (signed).",
            edit_lines(lambda e: e[-1].update(seq=14), srv),
        ),
        "export_seq_shared_by_two_cases": (
            E,
            "BundleIntegrityError",
            "Case B's report reuses case A's last seq (signed).",
            edit_lines(lambda e: e[-1].update(seq=12), srv),
        ),
        "export_item_before_case": (
            E,
            "BundleIntegrityError",
            "Case A's report relabelled as case B's, which comes before B's descriptor (signed).",
            edit_lines(lambda e: e[1].update(case=cases[1]), srv),
        ),
        "export_case_twice": (
            E,
            "BundleIntegrityError",
            "Case B's descriptor relabelled as case A's second (signed).",
            replace_item(4, json.dumps({}).encode(), srv, case=cases[0]),
        ),
        "export_case_descriptor_wrong": (
            E,
            "BundleFormatError",
            "A case descriptor that names another case (signed).",
            replace_item(
                0,
                canonical_json(
                    {
                        "v": 1,
                        "case": other_case,
                        "received": DAY,
                        "recipients": ["rev_a"],
                        "reply_key": b64u_encode(bytes(32)),
                    }
                ),
                srv,
            ),
        ),
        "export_record_stranger": (
            E,
            "BundleSignatureError",
            "A status signed by a key not in the directory (signed).",
            replace_item(3, _status_for(cases[0], "rev_z", stranger), srv),
        ),
        "export_record_other_case": (
            E,
            "BundleIntegrityError",
            "A status for another case filed under case A (signed).",
            replace_item(3, _status_for(other_case), srv),
        ),
        "outbox_reply_without_envelope": (
            O,
            "BundleIntegrityError",
            "The reply envelope removed, index re-signed.",
            parts_mutation(drop_last),
        ),
        "outbox_envelope_not_replied": (
            O,
            "BundleIntegrityError",
            "The reply envelope replaced by another (re-signed).",
            replace_item(2, b"another envelope", rev_a),
        ),
        "outbox_record_by_other_reviewer": (
            O,
            "BundleSignatureError",
            "rev_b's status inside rev_a's outbox (signed).",
            replace_item(0, _status_for(cases[0], "rev_b"), rev_a),
        ),
        "outbox_record_bad_signature": (
            O,
            "BundleSignatureError",
            "rev_a's status with its signature zeroed, inside a validly re-signed outbox.",
            replace_item(0, _bad_sig(_status_for(cases[0])), rev_a),
        ),
        "outbox_for_other_server": (
            O,
            "BundleSignatureError",
            "Outbox addressed to another server (signed by rev_a).",
            frames_edit(lambda p: resign(p, rev_a, server=server_hex(other_server))),
        ),
        "outbox_reviewer_mismatch": (
            O,
            "BundleSignatureError",
            "Manifest names rev_b but rev_a signed it.",
            frames_edit(lambda p: resign(p, rev_a, reviewer="rev_b")),
        ),
        "outbox_signed_by_stranger": (
            O,
            "BundleSignatureError",
            "Outbox manifest re-signed by a key not in the directory.",
            frames_edit(lambda p: resign(p, stranger.signer("rev_z"))),
        ),
        "outbox_signed_by_server": (
            O,
            "BundleSignatureError",
            "Outbox manifest signed by the server key instead.",
            frames_edit(lambda p: resign(p, srv)),
        ),
    }
    out: dict[str, Vector] = {}
    for name, (direction, expect, comment, mutate) in v.items():
        base = outbox if direction == O else export
        data = mutate(base)
        reader = "export" if name == "outbox_read_as_export" else direction
        entry: dict[str, Any] = {
            "comment": comment,
            "direction": reader,
            "expect": expect,
            "bundle": base64.b64encode(data).decode(),
        }
        if expect == "ok":
            entry["items"] = [[e["kind"], e["case"], e["sha256"]] for e in lines(take_apart(data))]
        out[name] = entry
    return out


def server_hex(key: Ed25519PrivateKey) -> str:
    """The key id (hex) an outbox manifest names its server by."""
    return key_id(key.public_key()).hex()


def org() -> Vector:
    """``org.json``: the organisation every vector is checked against (not a vector itself)."""
    return {
        "comment": "Organisation of every vector: directory signed by root, checked on `today`.",
        "root_pub": b64u_encode(raw_public(ORG.root.public_key())),
        "directory": ORG.directory_bytes.decode(),
        "today": DAY,
    }
