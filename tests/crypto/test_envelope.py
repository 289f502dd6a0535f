"""The envelope (crypto.envelope, SPEC §3): how it is used, how it refuses misuse, fixed bugs.

Property tests (hypothesis): round trips, and tampering anywhere in an envelope. Sizes are kept
small enough for a shared 2-core machine; chunk boundaries are where the interesting cases
are, so sizes are drawn around multiples of 64 KiB.

Bounded memory: sealing and unsealing 256 MiB through the streaming API grows the peak
resident set (VmHWM) by less than 64 MiB, a property of the code, not a timing. It runs in a
fresh subprocess so the peak belongs to this job alone, with real files on disk. The size is
256 MiB + 1 byte: just past a power of two, where Padmé adds the most padding (8 MiB here), so
a sealer that built its padding in memory would show it.
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crypto import _header as header
from crypto import keys
from crypto._padding import padded_length
from crypto._stream import CHUNK
from crypto.envelope import (
    Sealer,
    header_mac,
    open_header_mac,
    seal,
    seal_stream,
    unseal,
    unseal_stream,
    unseal_to_path,
)
from crypto.errors import DecryptionError, FormatError
from crypto.keys import KeyPair

KEY = X25519PrivateKey.generate()
OTHER = X25519PrivateKey.generate()


class OneByteAtATime(io.RawIOBase):
    """A pipe that hands out one byte per read call."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._data.read(min(1, size) if size >= 0 else 1)


def test_regression_header_short_read_is_not_truncation() -> None:
    """Bug: the header's stanzas were read with one read() call, so a pipe that returned
    fewer bytes made a valid envelope fail as if it were damaged."""
    data = b"isi" * 5000
    env = seal(data, [KEY.public_key(), OTHER.public_key()])
    out = io.BytesIO()
    assert unseal_stream(OneByteAtATime(env), out, KEY) == len(data)
    assert out.getvalue() == data


def test_seal_stream_accepts_iterables_and_counts_bytes() -> None:
    pieces = [b"a" * 1000, b"", b"b" * (CHUNK + 5)]
    out = io.BytesIO()
    n = seal_stream(iter(pieces), out, [KEY.public_key()])
    assert n == len(out.getvalue())
    assert unseal(out.getvalue(), KEY) == b"".join(pieces)


def test_ciphertext_size_is_header_plus_padded_chunks() -> None:
    for size in (0, 1, 1023, 1024, CHUNK - 1, CHUNK, 3 * CHUNK + 7):
        padded = padded_length(size)
        chunks = -(-padded // CHUNK)
        want = header.PREFIX_LEN + header.STANZA_LEN + header.MAC_LEN + padded + 16 * chunks
        assert len(seal(bytes(size), [KEY.public_key()])) == want


def test_unseal_max_size_stops_early() -> None:
    env = seal(b"x" * 5000, [KEY.public_key()])
    assert unseal(env, KEY, max_size=5000) == b"x" * 5000
    with pytest.raises(DecryptionError):
        unseal(env, KEY, max_size=4999)


def test_aborted_sealer_output_never_opens(tmp_path: Path) -> None:
    out = io.BytesIO()
    sealer = Sealer(out, [KEY.public_key()])
    sealer.write(b"y" * (3 * CHUNK))
    sealer.abort()
    with pytest.raises(DecryptionError):
        unseal(out.getvalue(), KEY)
    with pytest.raises(ValueError):
        sealer.write(b"more")


def test_exception_inside_with_block_aborts() -> None:
    out = io.BytesIO()
    with pytest.raises(RuntimeError), Sealer(out, [KEY.public_key()]) as sealer:
        sealer.write(b"z" * (2 * CHUNK))
        raise RuntimeError("upload broke off")
    with pytest.raises(DecryptionError):
        unseal(out.getvalue(), KEY)


def test_unseal_to_path_success_replaces_atomically(tmp_path: Path) -> None:
    dest = tmp_path / "report.json"
    dest.write_bytes(b"old")
    assert unseal_to_path(io.BytesIO(seal(b"new", [KEY.public_key()])), dest, KEY) == 3
    assert dest.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_wrong_key_and_every_failure_is_one_error_type() -> None:
    env = seal(b"rahasia", [KEY.public_key()])
    with pytest.raises(DecryptionError) as info:
        unseal(env, OTHER)
    assert info.value.hint  # one message, one hint, whatever failed


@pytest.mark.parametrize("count", [0, header.MAX_RECIPIENTS + 1])
def test_recipient_count_is_enforced_when_sealing(count: int) -> None:
    recipients = [X25519PrivateKey.generate().public_key() for _ in range(count)]
    with pytest.raises(ValueError):
        seal(b"x", recipients)


def test_duplicate_recipient_refused() -> None:
    with pytest.raises(ValueError):
        seal(b"x", [KEY.public_key(), KEY.public_key()])


def test_low_order_recipient_refused() -> None:
    point = bytes(32)
    with pytest.raises(ValueError):
        seal(b"x", [X25519PublicKey.from_public_bytes(point)])
    with pytest.raises(FormatError):
        keys.load_x25519_public(point)
    assert keys.load_x25519_public(keys.raw_public(KEY.public_key())) == KEY.public_key()


BLOCK_BYTES = 16 * CHUNK  # the reader and writer work 16 chunks at a time


@pytest.mark.parametrize(
    "size", [BLOCK_BYTES - 1, BLOCK_BYTES, 2 * BLOCK_BYTES - 1, 2 * BLOCK_BYTES + 3]
)
def test_block_boundaries_round_trip_through_both_read_paths(size: int) -> None:
    """BLOCK_BYTES - 1 pads to exactly 16 full chunks: the final chunk ends the first block."""
    data = bytes(range(256)) * (size // 256) + b"\x01" * (size % 256)
    env = seal(data, [KEY.public_key()])
    out = io.BytesIO()
    assert unseal_stream(io.BytesIO(env), out, KEY) == size  # readinto, reused buffers
    assert out.getvalue() == data
    out = io.BytesIO()
    assert unseal_stream(_Plain(env), out, KEY) == size  # read() only
    assert out.getvalue() == data


class _Plain:
    """A source with only read(): no readinto, like a web server's upload stream."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def read(self, size: int = -1, /) -> bytes:
        return self._data.read(size)


def test_tampering_across_block_boundaries_is_rejected() -> None:
    env = seal(b"\x07" * (2 * BLOCK_BYTES + 100), [KEY.public_key()])
    head = header.PREFIX_LEN + header.STANZA_LEN + header.MAC_LEN
    ct = 16 * (CHUNK + 16)
    chunks = [env[i : i + CHUNK + 16] for i in range(head, len(env), CHUNK + 16)]
    cases = [
        env[: head + ct],  # cut exactly at the first block boundary
        env[: head + 2 * ct],  # and at the second
        env[:head] + b"".join([*chunks[:15], chunks[16], chunks[15], *chunks[17:]]),  # swap
        env[:head] + b"".join(chunks[:16] + chunks[15:]),  # duplicate across the boundary
        env + b"\x00",
    ]
    for bad in cases:
        with pytest.raises(DecryptionError):
            unseal(bad, KEY)
        with pytest.raises(DecryptionError):
            unseal_stream(_Plain(bad), io.BytesIO(), KEY)


def test_sealer_header_mac_is_known_before_the_payload_and_verifies() -> None:
    out = io.BytesIO()
    sealer = Sealer(out, [KEY.public_key(), OTHER.public_key()])
    mac = sealer.header_mac
    assert len(mac) == header.MAC_LEN and out.getvalue()[-header.MAC_LEN :] == mac
    sealer.write(b"bukti " * 30000)
    sealer.close()
    env = out.getvalue()
    assert header_mac(io.BytesIO(env)) == mac
    for identity in (KEY, OTHER):
        src = io.BytesIO(env)
        assert open_header_mac(src, identity) == mac
        # it read the header and stopped: no payload was touched
        assert src.tell() == header.PREFIX_LEN + 2 * header.STANZA_LEN + header.MAC_LEN


def test_every_envelope_has_its_own_header_mac() -> None:
    """Same data, same recipient: a fresh file key and salt give a different MAC, so a MAC
    listed in a document names one envelope only."""
    assert header_mac(io.BytesIO(seal(b"x", [KEY.public_key()]))) != header_mac(
        io.BytesIO(seal(b"x", [KEY.public_key()]))
    )


def test_header_mac_reading_refuses_malformed_headers() -> None:
    env = seal(b"data", [KEY.public_key()])
    head_len = header.PREFIX_LEN + header.STANZA_LEN + header.MAC_LEN
    for bad in (b"", env[:10], b"NOTBISIK" + env[8:], env[: head_len - 1]):
        with pytest.raises(DecryptionError):
            header_mac(io.BytesIO(bad))
        with pytest.raises(DecryptionError):
            open_header_mac(io.BytesIO(bad), KEY)
    assert header_mac(OneByteAtATime(env)) == env[head_len - header.MAC_LEN : head_len]


def test_open_header_mac_refuses_wrong_key_and_forged_mac() -> None:
    env = seal(b"data", [KEY.public_key()])
    with pytest.raises(DecryptionError):
        open_header_mac(io.BytesIO(env), OTHER)
    head_len = header.PREFIX_LEN + header.STANZA_LEN + header.MAC_LEN
    forged = bytearray(env)
    forged[head_len - 1] ^= 1  # what a server would do to make a MAC match another value
    with pytest.raises(DecryptionError):
        open_header_mac(io.BytesIO(bytes(forged)), KEY)
    assert header_mac(io.BytesIO(bytes(forged))) != header_mac(io.BytesIO(env))  # unverified


def test_regression_header_kept_payload_swapped_fails_at_decryption() -> None:
    """The binding of SPEC §8: a server keeps the reporter's header (so the MAC still
    verifies) but replaces the payload with another envelope's. The header check passes;
    the payload can only fail, never open to other data."""
    mine = seal(b"bukti asli " * 1000, [KEY.public_key()])
    other = seal(b"bukti palsu " * 1000, [KEY.public_key()])
    head_len = header.PREFIX_LEN + header.STANZA_LEN + header.MAC_LEN
    spliced = mine[:head_len] + other[head_len:]
    assert open_header_mac(io.BytesIO(spliced), KEY) == header_mac(io.BytesIO(mine))
    with pytest.raises(DecryptionError):
        unseal(spliced, KEY)


def test_recipient_ids_lists_the_header_stanzas() -> None:
    """Audit regression (docs/AUDIT-reviewer.md): the server's reply check reads key ids."""
    import io

    from crypto import envelope
    from crypto.keys import key_id

    keys = [KeyPair.generate().public.encryption for _ in range(3)]
    sealed = envelope.seal(b"x", keys)
    assert envelope.recipient_ids(io.BytesIO(sealed)) == [key_id(k) for k in keys]


ALICE = X25519PrivateKey.from_private_bytes(bytes(range(1, 33)))


BUDI = X25519PrivateKey.from_private_bytes(bytes(range(33, 65)))


SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _data(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


# chunk boundaries, and the 16-chunk blocks the reader and writer work in
_multiples = st.sampled_from([1, 2, 3, 15, 16, 17, 32])


near_boundaries = st.one_of(
    st.integers(0, 3000),
    st.builds(lambda k, d: max(0, k * CHUNK + d), _multiples, st.integers(-20, 20)),
)


@SLOW
@given(size=near_boundaries, seed=st.integers(0, 2**32))
def test_envelope_round_trip(size: int, seed: int) -> None:
    data = _data(seed, size)
    env = seal(data, [ALICE.public_key(), BUDI.public_key()])
    assert unseal(env, ALICE) == data
    assert unseal(env, BUDI) == data


@SLOW
@given(
    size=near_boundaries,
    seed=st.integers(0, 2**32),
    pieces=st.lists(st.integers(1, 3 * CHUNK), min_size=1, max_size=30),
)
def test_sealer_output_does_not_depend_on_how_writes_are_split(
    size: int, seed: int, pieces: list[int]
) -> None:
    """Streaming in random piece sizes gives the very bytes of one write (same seams)."""
    data = _data(seed, size)

    def sealed(split: Iterator[bytes]) -> bytes:
        randoms = iter([b"K" * 32, b"S" * 16])
        out = io.BytesIO()
        with Sealer(
            out, [ALICE.public_key()], _random=lambda _n: next(randoms), _ephemeral=lambda: BUDI
        ) as sealer:
            for piece in split:
                sealer.write(piece)
        return out.getvalue()

    def split() -> Iterator[bytes]:
        pos, i = 0, 0
        view = memoryview(data)
        while pos < len(data):
            n = pieces[i % len(pieces)]
            yield bytes(view[pos : pos + n])
            if i % 3 == 0:
                yield b""  # empty writes must change nothing
            pos += n
            i += 1

    whole = sealed(iter([data]))
    assert sealed(split()) == whole
    assert unseal(whole, ALICE) == data


@SLOW
@given(size=near_boundaries, seed=st.integers(0, 2**32), read=st.integers(1, 5 * CHUNK))
def test_stream_round_trip_with_short_reads(size: int, seed: int, read: int) -> None:
    data = _data(seed, size)
    env = io.BytesIO()
    n = seal_stream(io.BytesIO(data), env, [ALICE.public_key()], read_size=read)
    assert n == len(env.getvalue())
    out = io.BytesIO()
    assert unseal_stream(_Trickle(env.getvalue(), seed), out, ALICE) == size
    assert out.getvalue() == data


class _Trickle(io.RawIOBase):
    """A source that returns short reads, like a pipe or a socket."""

    def __init__(self, data: bytes, seed: int) -> None:
        self._data = memoryview(data)
        self._rng = random.Random(seed)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        n = min(size if size >= 0 else len(self._data), self._rng.randint(1, 70_000))
        out, self._data = bytes(self._data[:n]), self._data[n:]
        return out


SMALL = seal(b"laporan rahasia " * 40, [ALICE.public_key(), BUDI.public_key()])


MULTI = seal(_data(7, 2 * CHUNK + 500), [ALICE.public_key()])


TWO_BLOCKS = seal(_data(8, 17 * CHUNK + 500), [ALICE.public_key()])


envelopes = st.sampled_from([SMALL, MULTI, TWO_BLOCKS])


def _assert_rejected(env: bytes, tmp_path: Path) -> None:
    with pytest.raises(DecryptionError):
        unseal(env, ALICE)
    dest = tmp_path / "evidence.jpg"
    dest.write_bytes(b"old")
    with pytest.raises(DecryptionError):
        unseal_to_path(io.BytesIO(env), dest, ALICE)
    assert dest.read_bytes() == b"old"  # untouched: no plaintext released
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evidence.jpg"]  # no temp file left


@SLOW
@given(env=envelopes, where=st.floats(0, 1, exclude_max=True), bit=st.integers(0, 7))
def test_any_flipped_bit_is_rejected(
    env: bytes, where: float, bit: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    i = int(where * len(env))
    bad = bytearray(env)
    bad[i] ^= 1 << bit
    _assert_rejected(bytes(bad), tmp_path_factory.mktemp("flip"))


@SLOW
@given(env=envelopes, where=st.floats(0, 1, exclude_max=True))
def test_any_truncation_is_rejected(
    env: bytes, where: float, tmp_path_factory: pytest.TempPathFactory
) -> None:
    _assert_rejected(env[: int(where * len(env))], tmp_path_factory.mktemp("cut"))


@SLOW
@given(env=envelopes, where=st.floats(0, 1), junk=st.binary(min_size=1, max_size=100))
def test_any_insertion_is_rejected(
    env: bytes, where: float, junk: bytes, tmp_path_factory: pytest.TempPathFactory
) -> None:
    i = int(where * len(env))
    _assert_rejected(env[:i] + junk + env[i:], tmp_path_factory.mktemp("insert"))


@settings(max_examples=200, deadline=None)
@given(junk=st.binary(max_size=400))
def test_garbage_only_ever_raises_decryption_error(junk: bytes) -> None:
    for data in (junk, SMALL[:60] + junk):
        with pytest.raises(DecryptionError):
            unseal(data, ALICE)


LIMIT = 64 << 20  # the most the streaming API may grow the peak RSS by


SIZE = (256 << 20) + 1


_CHILD = r"""
import hashlib, json, os, sys
from pathlib import Path
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from crypto.envelope import seal_stream, unseal_stream

def hwm():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise SystemExit("no VmHWM")

tmp, size = Path(sys.argv[1]), int(sys.argv[2])
block = os.urandom(1 << 20)
digest = hashlib.sha256()
with open(tmp / "plain", "wb") as f:
    left = size
    while left:
        piece = block[: min(left, len(block))]
        f.write(piece)
        digest.update(piece)
        left -= len(piece)
key = X25519PrivateKey.generate()
base = hwm()
with open(tmp / "plain", "rb") as src, open(tmp / "sealed", "wb") as dst:
    seal_stream(src, dst, [key.public_key()])
after_seal = hwm()

class Hasher:
    def __init__(self):
        self.h = hashlib.sha256()
    def write(self, data):
        self.h.update(data)
        return len(data)

out = Hasher()
with open(tmp / "sealed", "rb") as src, open(tmp / "opened", "wb") as dst:
    n = unseal_stream(src, dst, key)
with open(tmp / "opened", "rb") as f:
    while chunk := f.read(1 << 20):
        out.write(chunk)
print(json.dumps({"base": base, "seal": after_seal - base, "total": hwm() - base, "n": n,
                  "ok": out.h.digest() == digest.digest(),
                  "sealed": (tmp / "sealed").stat().st_size}))
"""


@pytest.mark.slow
def test_streaming_memory_is_bounded(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tmp_path), str(SIZE)],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    got = json.loads(proc.stdout)
    assert got["ok"] and got["n"] == SIZE
    assert got["sealed"] > SIZE + (8 << 20)  # the padding really was written
    assert got["seal"] < LIMIT, f"sealing grew the peak RSS by {got['seal'] >> 20} MiB"
    assert got["total"] < LIMIT, f"seal + unseal grew the peak RSS by {got['total'] >> 20} MiB"
    # Regression (sealer-built-padding-in-memory): the sealer used to build all of its Padmé
    # padding, and its ciphertext, in memory: +24 MiB here, +100 MiB at 1 GiB. It now holds a
    # few chunks whatever the size.
    assert got["seal"] < 16 << 20, f"sealing grew the peak RSS by {got['seal'] >> 20} MiB"
