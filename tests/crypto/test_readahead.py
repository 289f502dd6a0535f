"""Read-ahead (large files read on a thread of their own while the caller seals or unseals).

Blocks must come in file order, a block must not be refilled while the caller holds it, a
read error must reach the caller, and no thread may outlive the call, whether it succeeded,
failed to decrypt, or was stopped early.
"""

from __future__ import annotations

import io
import random
import threading
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from crypto._readahead import ReadAhead
from crypto._stream import CT_CHUNK
from crypto.envelope import WRITE_BEHIND_FROM, seal, seal_stream, unseal, unseal_stream
from crypto.errors import DecryptionError

KEY = X25519PrivateKey.generate()


def _threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "bisik-read-ahead"}


def _blocks(ahead: ReadAhead) -> list[bytes]:
    out = []
    while block := ahead.next():
        out.append(bytes(block))
        ahead.release(block)
    return out


@pytest.mark.parametrize("size", [0, 10, 64, 65, 64 * 5, 64 * 5 + 3])
def test_blocks_in_order_full_but_the_last(size: int) -> None:
    data = random.Random(size).randbytes(size)
    ahead = ReadAhead(io.BytesIO(data).readinto, 64, count=2)
    got = _blocks(ahead)
    ahead.close()
    assert b"".join(got) == data
    assert all(len(b) == 64 for b in got[:-1]) and all(0 < len(b) <= 64 for b in got)
    assert ahead.next() == b""  # after the end: nothing more, no waiting
    assert not _threads()


class Trickle(io.RawIOBase):
    """A file that returns a few bytes per read: blocks must still be filled."""

    def __init__(self, data: bytes) -> None:
        self.src = io.BytesIO(data)

    def readinto(self, buf: memoryview) -> int:  # type: ignore[override]
        return self.src.readinto(buf[:7])


def test_short_reads_are_joined_into_full_blocks() -> None:
    data = bytes(range(256)) * 3
    ahead = ReadAhead(Trickle(data).readinto, 100, count=3)
    got = _blocks(ahead)
    ahead.close()
    assert [len(b) for b in got] == [100] * 7 + [68] and b"".join(got) == data


def test_a_held_block_is_not_refilled() -> None:
    data = bytes([1]) * 64 + bytes([2]) * 64 + bytes([3]) * 64 + bytes([4]) * 64
    ahead = ReadAhead(io.BytesIO(data).readinto, 64, count=2)
    first, second = ahead.next(), ahead.next()
    time.sleep(0.05)  # the reader has no free buffer: it must wait, not overwrite
    assert bytes(first) == bytes([1]) * 64 and bytes(second) == bytes([2]) * 64
    ahead.release(first)
    third = ahead.next()
    assert bytes(third) == bytes([3]) * 64 and bytes(second) == bytes([2]) * 64
    ahead.close()
    assert not _threads()


class Broken(io.RawIOBase):
    def __init__(self, good: int) -> None:
        self.left = good

    def readinto(self, buf: memoryview) -> int:  # type: ignore[override]
        if self.left <= 0:
            raise OSError(5, "Input/output error")
        n = min(self.left, len(buf))
        buf[:n] = bytes(n)
        self.left -= n
        return n


def test_read_error_reaches_the_caller() -> None:
    ahead = ReadAhead(Broken(150).readinto, 64, count=2)
    for _ in range(2):
        block = ahead.next()
        assert len(block) == 64
        ahead.release(block)
    with pytest.raises(OSError):
        ahead.next()
    ahead.close()
    assert not _threads()


def test_close_while_blocks_are_held_ends_the_thread() -> None:
    ahead = ReadAhead(io.BytesIO(bytes(64 * 10)).readinto, 64, count=2)
    ahead.next()
    ahead.next()
    ahead.close()
    assert not _threads()


@pytest.fixture
def big(tmp_path: Path) -> Path:
    path = tmp_path / "plain"
    path.write_bytes(random.Random(3).randbytes(WRITE_BEHIND_FROM + (5 << 20) + 999))
    return path


def test_large_files_are_read_ahead_on_both_sides(big: Path, tmp_path: Path) -> None:
    sealed, opened = tmp_path / "sealed", tmp_path / "opened"
    seen: list[int] = []
    original = ReadAhead.__init__

    def spy(self: ReadAhead, *args: object, **kwargs: object) -> None:
        seen.append(1)
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    ReadAhead.__init__ = spy  # type: ignore[method-assign]
    try:
        with big.open("rb") as src, sealed.open("wb") as dst:
            seal_stream(src, dst, [KEY.public_key()])
        with sealed.open("rb") as src, opened.open("wb") as dst:
            unseal_stream(src, dst, KEY)
    finally:
        ReadAhead.__init__ = original  # type: ignore[method-assign]
    assert seen == [1, 1]
    assert opened.read_bytes() == big.read_bytes()
    assert unseal(sealed.read_bytes(), KEY) == big.read_bytes()  # the one-thread reader agrees
    assert not _threads()


@pytest.mark.parametrize("where", ["first block", "last chunk", "truncated"])
def test_decryption_failure_ends_the_reader(big: Path, tmp_path: Path, where: str) -> None:
    env = bytearray(seal(big.read_bytes(), [KEY.public_key()]))
    if where == "first block":
        env[400] ^= 1
    elif where == "last chunk":
        env[-10] ^= 1
    else:
        del env[-CT_CHUNK:]
    bad = tmp_path / "bad"
    bad.write_bytes(bytes(env))
    with (
        bad.open("rb") as src,
        (tmp_path / "out").open("wb") as dst,
        pytest.raises(DecryptionError),
    ):
        unseal_stream(src, dst, KEY)
    assert not _threads()
