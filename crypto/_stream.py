"""STREAM payload: 64 KiB chunks of AES-256-GCM, nonce = 11-byte counter ‖ last flag.

Follows the shape of age's payload (C2SP age §Payload) with AES-256-GCM because WebCrypto
has no ChaCha20-Poly1305. The plaintext is the data followed by Padmé padding
(0x80 then zeros, _padding.py). Release guarantees (SPEC §3.6): a chunk's plaintext is
released only after its tag verifies; truncation and a bad final length are detected only
at the end, so consumers must write to a temporary place and keep it only on success.

Speed: chunks are processed 16 at a time (1 MiB) with ``encrypt_into``/``decrypt_into``
into buffers that are reused, and handed to ``write`` as memoryviews. Like every file
object's ``write`` (see :meth:`io.BufferedIOBase.write`), a sink may use the data only
during the call: it is overwritten afterwards. With a :class:`Buffers` pool (the
write-behind of ``_writebehind.py``) output buffers rotate instead: each is handed back
with ``release`` after its pieces were given to ``write``, and only reused once the pool
returns it from ``take``.

Memory contract, whatever the size of the data: the encryptor holds one 64 KiB chunk of
plaintext and one output block of 16 chunks (1 MiB + 256 B), or the pool's buffers;
:func:`decrypt_chunks` holds two ciphertext blocks (read ahead by one, to know which chunk
is last) and one plaintext block, or the pool's buffers; with a read-ahead
(``_readahead.py``) the ciphertext blocks are its fixed set of buffers instead; the unpadder
holds one byte and a count of zeros. Nothing grows with the input: about 3 MiB, 12 MiB with
the write-behind and read-ahead threads' buffers.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ._padding import PAD_MARKER, padded_length
from .errors import DecryptionError

CHUNK = 64 * 1024
TAG = 16
CT_CHUNK = CHUNK + TAG
MAX_CHUNKS = 1 << 32  # 256 TiB: far above any upload, far below nonce exhaustion
BLOCK = 16  # chunks per read, write and buffer: 1 MiB, where syscalls stop mattering
_ZEROS = bytes(CHUNK)
_ZEROS_VIEW = memoryview(_ZEROS)

Sink = Callable[[memoryview], object]


class Buffers(Protocol):
    """A pool of output buffers (``_writebehind.WriteBehind``): take one, release it after
    its contents were handed to the sink; the pool says when it may be filled again."""

    def take(self) -> memoryview: ...

    def release(self, buf: memoryview) -> None: ...


class BlockSource(Protocol):
    """Where :func:`decrypt_chunks` gets ciphertext blocks of ``BLOCK * CT_CHUNK`` bytes (the
    read-ahead of ``_readahead.py``): full blocks, the last one shorter; each given back with
    ``release`` once decrypted."""

    def next(self) -> memoryview: ...

    def release(self, block: memoryview) -> None: ...


class Reader(Protocol):
    """Anything with ``read(n)``: files, pipes, sockets' file objects, upload streams."""

    def read(self, size: int = ..., /) -> bytes: ...


def _nonce(counter: int, last: bool) -> bytes:
    if counter >= MAX_CHUNKS:
        raise DecryptionError()
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class ChunkEncryptor:
    """Push-style encryptor writing whole ciphertext chunks to ``write``.

    Holds back at most one chunk of plaintext: the last chunk must be known to be last, so
    a complete chunk waits until more data (or :meth:`finish`) arrives. Full chunks are
    encrypted straight from the caller's buffer; ciphertext is written at the end of every
    :meth:`update` (and every 1 MiB), so nothing lingers between calls but the held chunk.
    """

    def __init__(self, payload_key: bytes, write: Sink, buffers: Buffers | None = None) -> None:
        self._aead = AESGCM(payload_key)
        self._write = write
        self._held = bytearray(CHUNK)
        self._held_len = 0
        self._pool = buffers  # buffers of at least BLOCK * CT_CHUNK bytes, if given
        # sized on first use without a pool: small envelopes stay small
        self._out = buffers.take() if buffers is not None else memoryview(bytearray())
        self._pos = 0
        self._counter = 0
        self._length = 0
        self._done = False

    def _reserve(self, chunks: int) -> None:
        """Make the output buffer hold ``chunks`` more chunks (at most 16) before a flush."""
        want = min(BLOCK, chunks) * CT_CHUNK
        if len(self._out) < want:
            self._flush()
            self._out = memoryview(bytearray(want))

    def _seal(self, chunk: memoryview | bytes, last: bool) -> None:
        if self._pos + len(chunk) + TAG > len(self._out):
            self._flush()
            self._reserve(1)
        end = self._pos + len(chunk) + TAG
        nonce = _nonce(self._counter, last)
        self._aead.encrypt_into(nonce, chunk, None, self._out[self._pos : end])
        self._pos = end
        self._counter += 1

    def _flush(self, final: bool = False) -> None:
        if self._pos:
            self._write(self._out[: self._pos])
            self._pos = 0
            if self._pool is not None:  # the sink may still hold it: fill another meanwhile
                self._pool.release(self._out)
                self._out = memoryview(bytearray()) if final else self._pool.take()

    def update(self, data: bytes | bytearray | memoryview) -> None:
        """Feed plaintext; every chunk known not to be the last is encrypted and written."""
        if self._done:
            raise ValueError("encryptor already finished")
        view = memoryview(data).cast("B")
        self._length += len(view)
        if not view:
            return
        held = memoryview(self._held)
        self._reserve((self._held_len + len(view)) // CHUNK)
        if self._held_len:  # top up the held chunk; seal it only once more data follows it
            take = min(CHUNK - self._held_len, len(view))
            held[self._held_len : self._held_len + take] = view[:take]
            self._held_len += take
            view = view[take:]
            if not view:
                return
            self._seal(held, False)
        keep = len(view) % CHUNK or CHUNK  # always hold back a (possibly full) chunk
        for i in range(0, len(view) - keep, CHUNK):
            self._seal(view[i : i + CHUNK], False)
        held[:keep] = view[len(view) - keep :]
        self._held_len = keep
        self._flush()

    def finish(self) -> None:
        """Append the padding, seal the remaining chunks (the final one flagged) and write.

        Padmé can add up to 12 % of the data (32 MiB at 1 GiB), so the padding is produced
        one chunk at a time, never as a whole.
        """
        if self._done:
            raise ValueError("encryptor already finished")
        self._done = True
        head = bytes(self._held[: self._held_len]) + bytes([PAD_MARKER])
        total = self._held_len + padded_length(self._length) - self._length
        self._reserve(-(-total // CHUNK))
        for off in range(0, total, CHUNK):
            size = min(CHUNK, total - off)
            part: bytes | memoryview = head[off : off + size]
            if not part:  # beyond the held data and the marker: a chunk of zeros, no copy
                part = _ZEROS_VIEW[:size]
            elif len(part) < size:
                part = bytes(part) + _ZEROS[: size - len(part)]
            self._seal(part, last=off + size == total)
        self._flush(final=True)


def _last_nonzero(view: memoryview) -> int:
    """Index of the last non-zero byte of ``view``, or -1; cost O(trailing zeros)."""
    end = len(view)
    if end and view[end - 1]:
        return end - 1
    step = 64
    while end > 0:  # windows growing to 64 KiB: bytes == is memcmp, rstrip is a byte loop
        start = max(0, end - step)
        part = bytes(view[start:end])
        if part != (_ZEROS if len(part) == CHUNK else _ZEROS[: len(part)]):
            return start + len(part.rstrip(b"\x00")) - 1
        end = start
        step = min(step * 8, CHUNK)
    return -1


class _Unpadder:
    """Strips 0x80 00… padding in O(1) memory: runs of zeros are counted, not stored."""

    def __init__(self) -> None:
        self.held: int | None = None  # last non-zero byte seen, not yet released
        self.zeros = 0  # zeros after it, not yet released
        self.total = 0  # padded bytes seen
        self.released = 0

    def _flush(self) -> Iterator[memoryview | bytes]:
        if self.held is not None:
            yield bytes([self.held])
            self.released += 1
        while self.zeros:
            n = min(self.zeros, CHUNK)
            yield _ZEROS_VIEW[:n]
            self.zeros -= n
            self.released += n

    def feed(self, plain: memoryview) -> Iterator[memoryview | bytes]:
        """Take verified plaintext (any length); yield what is certainly data, hold the rest."""
        if not plain:  # decrypt_chunks never feeds one (an empty chunk is rejected first)
            raise DecryptionError()
        self.total += len(plain)
        last = _last_nonzero(plain)
        if last < 0:
            self.zeros += len(plain)
            return
        yield from self._flush()
        if last:
            yield plain[:last]  # no copy: the caller writes it out before asking for more
            self.released += last
        self.held, self.zeros = plain[last], len(plain) - last - 1

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


class _Blocks:
    """Reads ciphertext 16 chunks at a time; two buffers, so one can be read ahead (on the
    caller's thread: the :class:`BlockSource` used when no read-ahead thread is given)."""

    SIZE = BLOCK * CT_CHUNK

    def __init__(self, src: Reader) -> None:
        self._src = src
        # readinto only where it is known to work (a RawIOBase subclass may lack it)
        self._into = isinstance(src, io.BufferedIOBase | io.FileIO)
        self._bufs: tuple[memoryview, memoryview] | None = None  # only once a block was full
        self._flip = 0

    def next(self) -> memoryview:
        """The next block: full length, or shorter only at end of input."""
        if not self._into or self._bufs is None:
            block = memoryview(_read_full(self._src, self.SIZE))
            if len(block) == self.SIZE and self._into:  # a large envelope: reuse buffers now
                self._bufs = (memoryview(bytearray(self.SIZE)), memoryview(bytearray(self.SIZE)))
            return block
        buf = self._bufs[self._flip]
        self._flip ^= 1
        got = 0
        while got < self.SIZE:
            n = self._src.readinto(buf[got:])  # type: ignore[attr-defined]
            if not n:
                break
            got += n
        return buf[:got]

    def release(self, block: memoryview) -> None:
        """Nothing to do: the two buffers alternate, so a block lives until the next but one."""


def decrypt_chunks(
    payload_key: bytes,
    src: Reader,
    buffers: Buffers | None = None,
    blocks: BlockSource | None = None,
) -> Iterator[memoryview | bytes]:
    """Yield verified plaintext pieces from ``src`` until a valid last chunk and EOF.

    Raises DecryptionError on a bad tag, truncation, trailing data, an empty final chunk or
    bad padding; data already yielded must then be discarded by the caller. A yielded
    memoryview is valid only until the next item is requested, or, with ``buffers``
    (each at least BLOCK * CHUNK bytes), until the pool hands its buffer out again. With
    ``blocks`` (a read-ahead over ``src``), the ciphertext comes from there instead.
    """
    aead = AESGCM(payload_key)
    unpad = _Unpadder()
    if blocks is None:
        blocks = _Blocks(src)
    counter = 0
    cur = blocks.next()
    if not cur:  # a payload of zero bytes: never valid, the padding is at least 1024 bytes
        raise DecryptionError()
    # ≥ any block's plaintext: later blocks are ≤ this one
    out = buffers.take() if buffers is not None else memoryview(bytearray(len(cur)))
    while True:
        nxt = blocks.next() if len(cur) == _Blocks.SIZE else memoryview(b"")
        at_end = not nxt  # a chunk is final exactly when end of input follows it
        pos = 0
        for i in range(0, len(cur), CT_CHUNK):
            ct = cur[i : i + CT_CHUNK]
            if len(ct) <= TAG:  # empty final chunk or truncated tag: never valid here
                raise DecryptionError()
            last = at_end and i + CT_CHUNK >= len(cur)
            end = pos + len(ct) - TAG
            try:
                aead.decrypt_into(_nonce(counter, last), ct, None, out[pos:end])
            except InvalidTag as exc:
                raise DecryptionError() from exc
            counter += 1
            pos = end
        blocks.release(cur)  # decrypted: its buffer may be refilled while we write
        yield from unpad.feed(out[:pos])
        if buffers is not None:  # every piece of this block went to the sink: hand it back
            buffers.release(out)
            out = memoryview(b"") if at_end else buffers.take()
        if at_end:
            break
        cur = nxt
    unpad.finish()
