"""Write-behind (file-to-file sealing and unsealing on a second writer thread).

The format must not change by one byte, writes must keep their order, a buffer must never be
refilled while its bytes wait to be written, and a failure on either side must leave no
thread behind and nothing written after the call returned.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import threading
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from crypto._stream import BLOCK, CT_CHUNK
from crypto._writebehind import WriteBehind
from crypto.envelope import (
    WRITE_BEHIND_FROM,
    Sealer,
    seal,
    seal_stream,
    unseal,
    unseal_stream,
    unseal_to_path,
)
from crypto.errors import DecryptionError

KEY = X25519PrivateKey.generate()
SIZE = WRITE_BEHIND_FROM + 3 * (1 << 20) + 12345  # large enough, and not a whole block


def _threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "bisik-write-behind"}


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    path = tmp_path / "plain"
    path.write_bytes(random.Random(7).randbytes(SIZE))
    return path


def _fixed(seed: int) -> tuple[object, object]:
    rng = random.Random(seed)
    ephemeral = X25519PrivateKey.from_private_bytes(bytes(range(32)))
    return (lambda n: rng.randbytes(n)), (lambda: ephemeral)


class SlowSink:
    """Keeps a copy of every write, slowly, so the caller runs ahead of the writer."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes | memoryview) -> int:
        time.sleep(0.002)
        self.parts.append(bytes(data))
        return len(data)


def test_same_bytes_with_and_without_write_behind(plain: Path) -> None:
    """The write-behind path writes exactly the ciphertext the one-thread path writes."""
    data = plain.read_bytes()
    one = io.BytesIO()
    rnd, eph = _fixed(1)
    with Sealer(one, [KEY.public_key()], _random=rnd, _ephemeral=eph) as sealer:  # type: ignore[arg-type]
        sealer.write(data)
    sink = SlowSink()
    behind = WriteBehind(sink.write, BLOCK * CT_CHUNK)
    rnd, eph = _fixed(1)
    with Sealer(
        io.BytesIO(),
        [KEY.public_key()],
        _random=rnd,
        _ephemeral=eph,  # type: ignore[arg-type]
        _behind=behind,
    ) as sealer:
        view = memoryview(data)
        for i in range(0, len(data), 1 << 20):
            sealer.write(view[i : i + (1 << 20)])
    behind.close()
    assert b"".join(sink.parts) == one.getvalue()


def test_file_round_trip_uses_the_writer_thread_and_ends_it(plain: Path, tmp_path: Path) -> None:
    sealed, opened = tmp_path / "sealed", tmp_path / "opened"
    seen: list[int] = []
    original = WriteBehind.__init__

    def spy(self: WriteBehind, *args: object, **kwargs: object) -> None:
        seen.append(1)
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    WriteBehind.__init__ = spy  # type: ignore[method-assign]
    try:
        with plain.open("rb") as src, sealed.open("wb") as dst:
            n = seal_stream(src, dst, [KEY.public_key()])
        with sealed.open("rb") as src, opened.open("wb") as dst:
            m = unseal_stream(src, dst, KEY)
    finally:
        WriteBehind.__init__ = original  # type: ignore[method-assign]
    assert seen == [1, 1]
    assert n == sealed.stat().st_size and m == SIZE
    assert (
        hashlib.sha256(opened.read_bytes()).digest() == hashlib.sha256(plain.read_bytes()).digest()
    )
    assert unseal(sealed.read_bytes(), KEY) == plain.read_bytes()  # the one-thread reader agrees
    assert not _threads()


def test_small_files_stay_on_one_thread(tmp_path: Path) -> None:
    path = tmp_path / "small"
    path.write_bytes(os.urandom(100_000))
    with path.open("rb") as src:
        out = io.BytesIO()
        seal_stream(src, out, [KEY.public_key()])
    assert not _threads()
    assert unseal(out.getvalue(), KEY) == path.read_bytes()


class FailingFile(io.RawIOBase):
    """A destination whose disk fills after ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.written = 0
        self.after_error = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | memoryview) -> int:  # type: ignore[override]
        if self.written >= self.limit:
            self.after_error += 1
            raise OSError(28, "No space left on device")
        self.written += len(data)
        return len(data)


def test_write_error_reaches_the_caller(plain: Path) -> None:
    dst = FailingFile(3 << 20)
    with plain.open("rb") as src, pytest.raises(OSError):
        seal_stream(src, dst, [KEY.public_key()])  # type: ignore[arg-type]
    assert dst.after_error == 1  # nothing was tried after the first failure
    assert not _threads()


def test_decryption_failure_stops_the_writer(plain: Path, tmp_path: Path) -> None:
    """A bad chunk near the end: DecryptionError, the thread is gone, unseal_to_path keeps
    nothing (not the target, not its temporary file)."""
    env = bytearray(seal(plain.read_bytes(), [KEY.public_key()]))
    env[-CT_CHUNK - 100] ^= 1
    bad = tmp_path / "bad"
    bad.write_bytes(bytes(env))
    out = tmp_path / "out" / "report.bin"
    out.parent.mkdir()
    with bad.open("rb") as src, pytest.raises(DecryptionError):
        unseal_to_path(src, out, KEY)
    assert not _threads()
    assert list(out.parent.iterdir()) == []


def test_buffers_are_not_refilled_before_they_are_written() -> None:
    """The pool hands a buffer out again only after its bytes went to the sink."""
    sink = SlowSink()
    behind = WriteBehind(sink.write, 16, depth=1)
    expected = []
    for i in range(20):
        buf = behind.take()
        buf[:] = bytes([i]) * 16
        behind.write(buf[:16])
        behind.write(b"-")  # constant pieces are written in order too
        behind.release(buf)
        expected.append(bytes([i]) * 16 + b"-")
    behind.close()
    assert b"".join(sink.parts) == b"".join(expected)
