"""The envelope: the one format for reports, evidence, messages and replies (SPEC §3).

Public API — hard to misuse, everything else private:

* :func:`seal` / :func:`unseal` — whole byte strings (documents, replies).
* :class:`Sealer` — push-style streaming encryption (uploads arriving piece by piece).
* :func:`seal_stream` / :func:`unseal_stream` — file object to file object, bounded memory.
* :func:`unseal_to_path` — the safe consumer: temporary file, fsync, rename only on success.
* :func:`header_mac` / :func:`open_header_mac` — the 32-byte header MAC that a document's
  evidence list names (SPEC §8): read unverified, or verified with a recipient's key.
* :func:`recipient_ids` — the recipients' key ids a header names (unverified).

Every decryption failure raises :class:`~crypto.errors.DecryptionError`. What an envelope
leaks: the number of recipients and their key ids, and the Padmé-padded size of the data.
"""

from __future__ import annotations

import io
import os
import secrets
import stat
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from . import _header
from ._readahead import ReadAhead
from ._stream import BLOCK, CHUNK, CT_CHUNK, ChunkEncryptor, Reader, _read_full, decrypt_chunks
from ._writebehind import WriteBehind
from .errors import DecryptionError
from .fsutil import atomic_open
from .keys import KEY_ID_LEN

PAYLOAD_LABEL = b"bisik/v1 payload"
# From this size on, file-to-file sealing and unsealing read on one more thread and write on
# another (a few MiB of buffers; below it, starting threads costs more than they save).
WRITE_BEHIND_FROM = 8 << 20
# Buffers of the write-behind pool: two being written or queued while the caller fills one
# more; deeper queues ride out the moments a busy machine leaves one thread without a core.
WRITE_DEPTH = 3


class Sealer:
    """Encrypt a stream pushed in pieces to ``out``; call :meth:`close` to finish.

    Memory: at most one 64 KiB chunk of plaintext is held, and 1 MiB of ciphertext while
    a write is being encrypted. Nothing is written in clear. :attr:`header_mac` (the
    envelope's 32-byte header MAC, SPEC §3.4) is known, and the header written, as soon as
    the object exists: a document can name the envelope before its payload is sealed.
    ``out.write`` receives
    memoryviews it may use only during the call (the file-object contract). If the input is
    abandoned, call :meth:`abort` (or just drop the object): the bytes already written are
    ciphertext without a valid last chunk, which every reader rejects.
    """

    def __init__(
        self,
        out: BinaryIO,
        recipients: Sequence[X25519PublicKey],
        *,
        _random: Callable[[int], bytes] = secrets.token_bytes,
        _ephemeral: Callable[[], X25519PrivateKey] = X25519PrivateKey.generate,
        _behind: WriteBehind | None = None,
    ) -> None:
        file_key = _random(_header.FILE_KEY_LEN)
        salt = _random(_header.SALT_LEN)
        # with a write-behind, every byte goes through its thread, in order
        self._sink: Callable[[bytes | memoryview], object] = (
            out.write if _behind is None else _behind.write
        )
        head = _header.build(recipients, file_key, salt, _ephemeral)
        payload_key = _header.derive(file_key, salt, PAYLOAD_LABEL)
        self._enc = ChunkEncryptor(payload_key, self._emit, _behind)
        self._closed = False
        self.header_mac: bytes = head[-_header.MAC_LEN :]
        self.plaintext_length = 0
        self.ciphertext_length = len(head)
        self._sink(head)

    def write(self, data: bytes | memoryview) -> int:
        """Encrypt and write ``data``; returns ``len(data)`` like a file."""
        if self._closed:
            raise ValueError("write to a closed Sealer")
        self._enc.update(data)
        n = memoryview(data).nbytes
        self.plaintext_length += n
        return n

    def close(self) -> None:
        """Pad, seal the final chunk and flush; the envelope is complete after this."""
        if self._closed:
            return
        self._closed = True
        self._enc.finish()

    def _emit(self, ciphertext: memoryview) -> None:
        self._sink(ciphertext)
        self.ciphertext_length += len(ciphertext)

    def abort(self) -> None:
        """Stop without writing a final chunk, so the partial output can never open."""
        self._closed = True

    def __enter__(self) -> Sealer:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def seal_stream(
    src: Reader | Iterable[bytes],
    dst: BinaryIO,
    recipients: Sequence[X25519PublicKey],
    *,
    read_size: int = 1 << 20,
) -> int:
    """Encrypt everything from ``src`` (file object or iterable of bytes) to ``dst``.

    Returns the number of ciphertext bytes written. Memory stays near ``read_size`` plus a
    few MiB. From a regular file of 8 MiB or more, a second thread reads ahead
    (:mod:`crypto._readahead`) and a third writes (:mod:`crypto._writebehind`) while this
    one encrypts; ``dst`` then sees the same bytes in the same order, all written when this
    returns, none after it raised.
    """
    behind = _write_behind(src, dst, BLOCK * CT_CHUNK)
    ahead = _read_ahead(src, read_size) if behind is not None else None
    try:
        with Sealer(dst, recipients, _behind=behind) as sealer:
            if ahead is not None:  # the encryptor copies nothing it keeps: give blocks back
                while block := ahead.next():
                    sealer.write(block)
                    ahead.release(block)
            elif isinstance(src, io.BufferedIOBase | io.FileIO):  # one reused buffer, no copies
                buf = memoryview(bytearray(read_size))
                while n := _readinto(src, buf):
                    sealer.write(buf[:n])
            elif hasattr(src, "read"):
                while piece := src.read(read_size):
                    sealer.write(piece)
            else:
                for piece in src:
                    sealer.write(piece)
    except BaseException:
        if behind is not None:
            behind.abort()
        raise
    finally:
        if ahead is not None:
            ahead.close()
    if behind is not None:
        behind.close()
    return sealer.ciphertext_length


def _write_behind(src: object, dst: BinaryIO, size: int) -> WriteBehind | None:
    """A write-behind for ``dst`` if ``src`` is a regular file large enough to gain from it."""
    try:
        info = os.fstat(src.fileno())  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size < WRITE_BEHIND_FROM:
        return None
    return WriteBehind(dst.write, size, WRITE_DEPTH)


def _read_ahead(src: object, size: int) -> ReadAhead | None:
    """A read-ahead thread over ``src`` (a regular file: checked by :func:`_write_behind`)."""
    readinto = getattr(src, "readinto", None)
    return ReadAhead(readinto, size) if callable(readinto) else None


def _readinto(src: io.BufferedIOBase | io.FileIO, buf: memoryview) -> int:
    n = src.readinto(buf)
    if n is None:  # a non-blocking source with nothing ready: not an end of input
        raise ValueError("seal_stream needs a blocking source")
    return n


def seal(plaintext: bytes, recipients: Sequence[X25519PublicKey]) -> bytes:
    """Encrypt a byte string to one or more X25519 recipients."""
    out = io.BytesIO()
    with Sealer(out, recipients) as sealer:
        sealer.write(plaintext)
    return out.getvalue()


def _read_header(src: Reader) -> bytes:
    # _read_full: pipes and sockets may return short reads that are not truncation
    prefix = _read_full(src, _header.PREFIX_LEN)
    length = _header.read_prefix(prefix)
    rest = _read_full(src, length - len(prefix))
    if len(rest) != length - len(prefix):
        raise DecryptionError()
    return prefix + rest


def _open_header(src: Reader, identity: X25519PrivateKey) -> _header.Header:
    return _header.open_header(_read_header(src), identity)


def header_mac(src: Reader) -> bytes:
    """The 32-byte header MAC of the envelope read from ``src`` (its header only, unverified).

    Reads exactly the header; decrypts nothing. DecryptionError on a malformed prefix or a
    header cut short. The value is *not* checked here (no key): use :func:`open_header_mac`
    to learn that a recipient's key opens the header and the MAC is genuine.
    """
    return _read_header(src)[-_header.MAC_LEN :]


def recipient_ids(src: Reader) -> list[bytes]:
    """The 16-byte key ids the header read from ``src`` names, in stanza order (unverified).

    Reads exactly the header; DecryptionError if it is malformed. Like :func:`header_mac`
    this proves nothing by itself; once the same envelope opened with a recipient key (the
    MAC covers every stanza), the list is the writer's own choice of recipients.
    """
    head = _read_header(src)
    stop = len(head) - _header.MAC_LEN
    return [
        head[off : off + KEY_ID_LEN] for off in range(_header.PREFIX_LEN, stop, _header.STANZA_LEN)
    ]


def open_header_mac(src: Reader, identity: X25519PrivateKey) -> bytes:
    """Open the header from ``src`` with ``identity`` (HPKE + MAC check) and return its MAC.

    Reads exactly the header, never the payload. DecryptionError if the header is malformed,
    names no stanza for ``identity``, or its MAC does not verify. A MAC equal to the one a
    document lists for this envelope proves the header is the one the writer made: the MAC
    commits to the file key (SPEC §3.4), and every payload chunk is authenticated under a key
    derived from it, so the payload can only decrypt to the writer's data or fail.
    """
    return _open_header(src, identity).mac


def _unseal_into(
    src: Reader,
    write: Callable[[bytes | memoryview], object],
    identity: X25519PrivateKey,
    max_size: int | None,
    buffers: WriteBehind | None = None,
) -> int:
    head = _open_header(src, identity)
    written = 0
    payload_key = _header.derive(head.file_key, head.salt, PAYLOAD_LABEL)
    # with a write-behind (a large regular file), the payload is read on a thread of its own
    ahead = _read_ahead(src, BLOCK * CT_CHUNK) if buffers is not None else None
    try:
        for piece in decrypt_chunks(payload_key, src, buffers, ahead):
            written += len(piece)
            if max_size is not None and written > max_size:
                raise DecryptionError()  # stop early: a hostile envelope cannot fill memory
            write(piece)
    finally:
        if ahead is not None:
            ahead.close()
    return written


def unseal_stream(src: Reader, dst: BinaryIO, identity: X25519PrivateKey) -> int:
    """Decrypt ``src`` into ``dst``, returning the plaintext length.

    Plaintext is written chunk by chunk as each tag verifies; if DecryptionError is raised
    part-way, what was written MUST be discarded (use :func:`unseal_to_path`). Memory stays
    at a few MiB whatever the size. From a regular file of 8 MiB or more, ``src`` is read by
    a second thread and ``dst`` written by a third while this one decrypts; all writes are
    done when this returns, and none happens after it raised.
    """
    behind = _write_behind(src, dst, BLOCK * CHUNK)
    if behind is None:
        return _unseal_into(src, dst.write, identity, None)
    try:
        n = _unseal_into(src, behind.write, identity, None, behind)
    except BaseException:
        behind.abort()
        raise
    behind.close()
    return n


def unseal(envelope: bytes, identity: X25519PrivateKey, *, max_size: int | None = None) -> bytes:
    """Decrypt a whole envelope held in memory; ``max_size`` bounds the plaintext.

    A plaintext longer than ``max_size`` raises DecryptionError as soon as it is exceeded.
    """
    out = io.BytesIO()
    _unseal_into(io.BytesIO(envelope), out.write, identity, max_size)
    return out.getvalue()


def unseal_to_path(src: Reader, path: Path, identity: X25519PrivateKey) -> int:
    """Decrypt into ``path`` atomically: a temporary file beside it, fsync, then rename.

    On any failure the temporary file is removed and ``path`` is left as it was.
    """
    with atomic_open(path) as out:
        return unseal_stream(src, out, identity)
