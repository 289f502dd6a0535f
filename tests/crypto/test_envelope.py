"""The envelope (crypto.envelope, SPEC §3): how it is used, how it refuses misuse, fixed bugs."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

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
