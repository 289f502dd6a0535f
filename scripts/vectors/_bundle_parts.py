"""A bundle taken apart into frames, index and manifest, damaged and put back together
(re-signed when the damage must get past the signature), for the bundle family.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto import signed
from crypto.encoding import canonical_json
from vault.bundle.layout import pack_frame, pack_trailer


@dataclass
class Parts:
    """A bundle taken apart, to be damaged and put back together."""

    header: bytes
    frames: list[tuple[int, bytes]]
    index: bytes
    count: int
    manifest: bytes
    manifest_number: int = 0


def take_apart(data: bytes) -> Parts:
    index_off, manifest_off = struct.unpack(">QQ", data[-24:-8])
    frames, pos = [], 16
    while pos < index_off:
        _, n, length = struct.unpack(">2sIQ", data[pos : pos + 14])
        frames.append((n, data[pos + 14 : pos + 14 + length]))
        pos += 14 + length
    _, count, ilen = struct.unpack(">2sIQ", data[index_off : index_off + 14])
    index = data[index_off + 14 : index_off + 14 + ilen]
    mlen = struct.unpack(">Q", data[manifest_off + 6 : manifest_off + 14])[0]
    manifest = data[manifest_off + 14 : manifest_off + 14 + mlen]
    return Parts(data[:16], frames, index, count, manifest)


def put_together(p: Parts) -> bytes:
    out = bytearray(p.header)
    for n, data in p.frames:
        out += pack_frame(b"IT", n, len(data)) + data
    index_off = len(out)
    out += pack_frame(b"IX", p.count, len(p.index)) + p.index
    manifest_off = len(out)
    out += pack_frame(b"MF", p.manifest_number, len(p.manifest)) + p.manifest
    return bytes(out + pack_trailer(index_off, manifest_off, len(out) + 32))


def lines(p: Parts) -> list[dict[str, Any]]:
    return [json.loads(line) for line in p.index.decode().splitlines()]


def set_lines(p: Parts, entries: list[dict[str, Any]], raw: bytes | None = None) -> Parts:
    index = raw if raw is not None else b"".join(canonical_json(e) + b"\n" for e in entries)
    return replace(p, index=index, count=len(entries))


def resign(p: Parts, key: Ed25519PrivateKey, kind: str = "manifest", **changes: Any) -> Parts:
    """Re-sign the manifest over the (changed) index, with body ``changes`` applied."""
    body = json.loads(signed.parse(p.manifest).body)
    body.update(
        index_sha256=hashlib.sha256(p.index).hexdigest(), index_length=len(p.index), count=p.count
    )
    body.update(changes)
    return replace(p, manifest=signed.sign(key, kind, body).to_bytes())


# -- vectors -------------------------------------------------------------------------------------

Mutation = Callable[[bytes], bytes]


def parts_mutation(fn: Callable[[Parts], Parts]) -> Mutation:
    return lambda data: put_together(fn(take_apart(data)))


def flip(offset_from: Callable[[bytes], int]) -> Mutation:
    def go(data: bytes) -> bytes:
        i = offset_from(data)
        return data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :]

    return go


def edit_lines(fn: Callable[[list[dict[str, Any]]], None], key: Ed25519PrivateKey) -> Mutation:
    def go(p: Parts) -> Parts:
        entries = lines(p)
        fn(entries)
        return resign(set_lines(p, entries), key)

    return parts_mutation(go)


def swap_frames(i: int, j: int, keep_numbers: bool) -> Mutation:
    def go(p: Parts) -> Parts:
        f = list(p.frames)
        f[i], f[j] = f[j], f[i]
        if keep_numbers:
            f[i], f[j] = (f[j][0], f[i][1]), (f[i][0], f[j][1])
        return replace(p, frames=f)

    return parts_mutation(go)


def frames_edit(fn: Callable[[Parts], Parts]) -> Mutation:
    return parts_mutation(fn)


def replace_item(n: int, data: bytes, key: Ed25519PrivateKey, **entry: Any) -> Mutation:
    """Put ``data`` as item ``n`` (fixing its index line) and re-sign."""

    def go(p: Parts) -> Parts:
        f = list(p.frames)
        f[n] = (n, data)
        entries = lines(p)
        entries[n].update(size=len(data), sha256=hashlib.sha256(data).hexdigest(), **entry)
        return resign(set_lines(replace(p, frames=f), entries), key)

    return parts_mutation(go)


def canonical_spaces(key: Ed25519PrivateKey) -> Mutation:
    def go(p: Parts) -> Parts:
        raw = b"".join(json.dumps(e, sort_keys=True).encode() + b"\n" for e in lines(p))
        return resign(set_lines(p, lines(p), raw), key)

    return parts_mutation(go)


def in_item(data: bytes, n: int, k: int) -> int:
    """Offset of byte ``k`` of item ``n``'s data."""
    frames = take_apart(data).frames
    return 16 + sum(14 + len(f[1]) for f in frames[:n]) + 14 + k


def header_byte(i: int, value: int) -> Mutation:
    return lambda d: d[:i] + bytes([value]) + d[i + 1 :]
