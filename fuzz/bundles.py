"""Bundle files for the two bundle targets: raw bytes, or a bundle re-signed around fuzzed items.

Raw mode hands the reader the file as the fuzzer made it (framing, trailer, manifest). Signed
mode reads the input as ``index lines`` then items, all separated by ``SEP``; the harness fixes
each parsable index line's ``n``, ``size`` and ``sha256`` to match its item, frames everything
and signs a correct manifest, so mutations reach the index rules and the item checks that sit
behind the signature (BUNDLE.md §3, rules 10–16).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crypto.encoding import canonical_json
from fuzz.common import scratch_dir
from vault.bundle import manifest as _manifest
from vault.bundle.layout import (
    EXPORT,
    HEADER_LEN,
    INDEX,
    ITEM,
    MANIFEST,
    TRAILER_LEN,
    pack_frame,
    pack_header,
    pack_trailer,
)
from vault.bundle.manifest import Manifest

SEP = b"\n\x00\x00\n"
_WORK: list[Path] = []


def _work() -> Path:
    """This process's scratch directory (one bundle file, the reader's staging)."""
    if not _WORK:
        _WORK.append(scratch_dir("bundle-"))
    return _WORK[0]


def _line(raw: bytes, n: int, data: bytes) -> bytes:
    try:
        obj = json.loads(raw)
    except ValueError:
        return raw + b"\n"
    if isinstance(obj, dict):
        obj.update(n=n, size=len(data), sha256=hashlib.sha256(data).hexdigest())
        try:
            return canonical_json(obj) + b"\n"
        except (ValueError, TypeError):
            return raw + b"\n"
    return raw + b"\n"


def build(
    direction: str, data: bytes, manifest: Callable[[int, str, int], Manifest], key: Any
) -> bytes:
    """A bundle whose manifest is correctly signed over the fuzzed index and items."""
    head, _, rest = data.partition(SEP)
    lines = head.split(b"\n") if head else []
    items = rest.split(SEP) if rest else []
    items += [b""] * (len(lines) - len(items))
    index = b"".join(_line(raw, n, items[n]) for n, raw in enumerate(lines))
    body = pack_header(direction)
    for n, item in enumerate(items):
        body += pack_frame(ITEM, n, len(item)) + item
    index_at = len(body)
    body += pack_frame(INDEX, len(lines), len(index)) + index
    m = manifest(len(lines), hashlib.sha256(index).hexdigest(), len(index))
    signed = _manifest.sign(m, key)
    manifest_at = len(body)
    body += pack_frame(MANIFEST, 0, len(signed)) + signed
    return body + pack_trailer(index_at, manifest_at, len(body) + TRAILER_LEN)


def unbuild(bundle: bytes) -> bytes:
    """The signed-mode input that rebuilds ``bundle`` (to seed the fuzzer with real bundles)."""
    import struct

    index_at, manifest_at, _ = struct.unpack(">QQQ", bundle[-24:])
    count, length = struct.unpack(">IQ", bundle[index_at + 2 : index_at + 14])
    index = bundle[index_at + 14 : index_at + 14 + length]
    lines = index.rstrip(b"\n").split(b"\n") if count else []
    items, pos = [], HEADER_LEN
    for _ in range(count):
        (size,) = struct.unpack(">Q", bundle[pos + 6 : pos + 14])
        items.append(bundle[pos + 14 : pos + 14 + size])
        pos += 14 + size
    _ = manifest_at
    return b"\n".join(lines) + SEP + SEP.join(items)


def read(
    data: bytes,
    direction: str,
    read_bundle: Callable[[Path, Path], Any],
    manifest: Callable[[int, str, int], Manifest],
    key: Any,
) -> None:
    """Write the bundle for ``data`` (mode from its first byte), read it, walk every item."""
    if not data:
        return
    raw = data[1:] if data[0] & 1 else build(direction, data[1:], manifest, key)
    path = _work() / "bundle"
    path.write_bytes(raw)
    with read_bundle(path, _work()) as bundle:
        for item in bundle.items():
            if item.size < 1 << 20:
                item.read_bytes()


_ = EXPORT
