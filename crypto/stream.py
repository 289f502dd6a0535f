"""STREAM payload: 64 KiB chunks of AES-256-GCM, nonce = 11-byte counter ‖ last flag.

Follows the shape of age's payload (C2SP age §Payload) with AES-256-GCM because WebCrypto
has no ChaCha20-Poly1305. The plaintext is the data followed by Padmé padding
(0x80 then zeros, padding.py). Release guarantees (SPEC §3.6): a chunk's plaintext is
released only after its tag verifies; truncation and a bad final length are detected only
at the end, so consumers must write to a temporary place and keep it only on success.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import DecryptionError
from .padding import PAD_MARKER, padded_length

CHUNK = 64 * 1024
TAG = 16
CT_CHUNK = CHUNK + TAG
MAX_CHUNKS = 1 << 32  # 256 TiB: far above any upload, far below nonce exhaustion
_ZEROS = bytes(CHUNK)


class Reader(Protocol):
    """Anything with ``read(n)``: files, pipes, sockets' file objects, upload streams."""

    def read(self, size: int = ..., /) -> bytes: ...


def _nonce(counter: int, last: bool) -> bytes:
    if counter >= MAX_CHUNKS:
        raise DecryptionError()
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class ChunkEncryptor:
    """Push-style encryptor: ``update`` returns whole ciphertext chunks, ``finish`` the rest.

    Holds at most one chunk of plaintext: the last chunk must be known to be last, so a
    complete chunk is held back until more data (or :meth:`finish`) arrives. Full chunks are
    encrypted straight from the caller's buffer, without copying them first.
    """

    def __init__(self, payload_key: bytes) -> None:
        self._aead = AESGCM(payload_key)
        self._buf = bytearray()
        self._counter = 0
        self._length = 0
        self._done = False

    def _seal(self, chunk: bytes | bytearray | memoryview, last: bool) -> bytes:
        ct = self._aead.encrypt(_nonce(self._counter, last), chunk, None)
        self._counter += 1
        return ct

    def update(self, data: bytes | bytearray | memoryview) -> list[bytes]:
        """Feed plaintext; returns ciphertext for every chunk known not to be the last."""
        if self._done:
            raise ValueError("encryptor already finished")
        view = memoryview(data).cast("B")
        self._length += len(view)
        out: list[bytes] = []
        if not view:
            return out
        if self._buf:  # top up the held chunk; seal it only once more data follows it
            need = CHUNK - len(self._buf)
            self._buf += view[:need]
            view = view[need:]
            if not view:
                return out
            out.append(self._seal(self._buf, False))
            self._buf.clear()
        keep = len(view) % CHUNK or CHUNK  # always hold back a (possibly full) chunk
        for i in range(0, len(view) - keep, CHUNK):  # straight from the caller's buffer
            out.append(self._seal(view[i : i + CHUNK], False))
        self._buf += view[len(view) - keep :]
        return out

    def finish(self) -> Iterator[bytes]:
        """Append the padding and seal the remaining chunks, the last one flagged as last.

        Returns an iterator: Padmé can add up to 12 % of the data (32 MiB at 1 GiB), so the
        padding is produced one chunk at a time instead of in memory.
        """
        if self._done:
            raise ValueError("encryptor already finished")
        self._done = True
        head = bytes(self._buf) + bytes([PAD_MARKER])
        self._buf.clear()
        total = len(head) - 1 + padded_length(self._length) - self._length
        return self._tail(head, total)

    def _tail(self, head: bytes, total: int) -> Iterator[bytes]:
        for off in range(0, total, CHUNK):
            size = min(CHUNK, total - off)
            part = head[off : off + size]
            if len(part) < size:
                part = part + _ZEROS[: size - len(part)] if part else _ZEROS[:size]
            yield self._seal(part, last=off + size == total)


class _Unpadder:
    """Strips 0x80 00… padding in O(1) memory: runs of zeros are counted, not stored."""

    def __init__(self) -> None:
        self.held: int | None = None  # last non-zero byte seen, not yet released
        self.zeros = 0  # zeros after it, not yet released
        self.total = 0  # padded bytes seen
        self.released = 0

    def _flush(self) -> Iterator[bytes | memoryview]:
        if self.held is not None:
            yield bytes([self.held])
            self.released += 1
        while self.zeros:
            n = min(self.zeros, CHUNK)
            yield _ZEROS[:n]
            self.zeros -= n
            self.released += n

    def feed(self, chunk: bytes) -> Iterator[bytes | memoryview]:
        if not chunk:  # decrypt_chunks never feeds one (an empty chunk is rejected first)
            raise DecryptionError()
        self.total += len(chunk)
        last = len(chunk) - 1
        if chunk[last] == 0:
            last = len(chunk.rstrip(b"\x00")) - 1
        if last < 0:
            self.zeros += len(chunk)
            return
        yield from self._flush()
        if last:
            yield memoryview(chunk)[:last]  # no copy: the caller writes it out
            self.released += last
        self.held, self.zeros = chunk[last], len(chunk) - last - 1

    def finish(self) -> None:
        if self.held != PAD_MARKER or padded_length(self.released) != self.total:
            raise DecryptionError()  # non-canonical padding: reject rather than guess


def _read_full(src: Reader, size: int) -> bytes:
    """Read ``size`` bytes, or fewer only at EOF (pipes and sockets return short reads)."""
    data = src.read(size)
    if len(data) in (0, size):
        return data
    parts = [data]
    have = len(data)
    while have < size:
        more = src.read(size - have)
        if not more:
            break
        parts.append(more)
        have += len(more)
    return b"".join(parts)


def decrypt_chunks(payload_key: bytes, src: Reader) -> Iterator[bytes | memoryview]:
    """Yield verified plaintext pieces from ``src`` until a valid last chunk and EOF.

    Raises DecryptionError on a bad tag, truncation, trailing data, an empty final chunk or
    bad padding; data already yielded must then be discarded by the caller.
    """
    aead = AESGCM(payload_key)
    unpad = _Unpadder()
    counter = 0
    chunk = _read_full(src, CT_CHUNK)
    while True:
        if len(chunk) <= TAG:  # empty final chunk or truncated tag: never valid here
            raise DecryptionError()
        nxt = _read_full(src, CT_CHUNK) if len(chunk) == CT_CHUNK else b""
        last = not nxt
        try:
            plain = aead.decrypt(_nonce(counter, last), chunk, None)
        except InvalidTag as exc:
            raise DecryptionError() from exc
        yield from unpad.feed(plain)
        if last:
            break
        counter += 1
        chunk = nxt
    unpad.finish()
