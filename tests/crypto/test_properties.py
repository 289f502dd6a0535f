"""Property tests (hypothesis): round trips, and tampering anywhere in an envelope.

Sizes are kept small enough for a shared 2-core machine; chunk boundaries are where the
interesting cases are, so sizes are drawn around multiples of 64 KiB.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crypto import document, receipt, signed
from crypto._stream import CHUNK
from crypto.encoding import b64u_encode
from crypto.envelope import Sealer, seal, seal_stream, unseal, unseal_stream, unseal_to_path
from crypto.errors import BisikError, DecryptionError, FormatError, ReceiptError, SignatureError
from crypto.keys import raw_public

ALICE = X25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
BUDI = X25519PrivateKey.from_private_bytes(bytes(range(33, 65)))
_ED = Ed25519PrivateKey.from_private_bytes(bytes(32))
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


# --- tampering -------------------------------------------------------------------------

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


# --- receipts ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    symbols=st.lists(st.integers(0, 31), min_size=18, max_size=18),
    lower=st.booleans(),
    sep=st.sampled_from(["-", " ", "", " - ", "\t"]),
    alias=st.booleans(),
)
def test_receipt_normalise_and_derive(
    symbols: list[int], lower: bool, sep: str, alias: bool
) -> None:
    values = iter(symbols)
    code = receipt.generate(_random=lambda _n: next(values))
    canon = code.replace("-", "")
    typed = sep.join(canon[i : i + 4] for i in range(0, 20, 4))
    if alias:
        typed = typed.replace("0", "O").replace("1", "l")
    if lower:
        typed = typed.lower()
    assert receipt.normalize(typed) == canon == receipt.normalize(canon)
    a, b = receipt.derive(typed), receipt.derive(code)
    assert a.lookup_id == b.lookup_id and len(a.lookup_id) == 32
    assert raw_public(a.reply_public) == raw_public(b.reply_public)


@settings(max_examples=40, deadline=None)
@given(
    symbols=st.lists(st.integers(0, 31), min_size=18, max_size=18),
    pos=st.integers(0, 19),
    delta=st.integers(1, 31),
)
def test_receipt_single_symbol_typo_changes_derivation_or_is_caught(
    symbols: list[int], pos: int, delta: int
) -> None:
    """A typo is caught by the check symbols (1023 in 1024), and never opens the same case."""
    values = iter(symbols)
    canon = receipt.generate(_random=lambda _n: next(values)).replace("-", "")
    typo = canon[:pos] + receipt.ALPHABET[(receipt.ALPHABET.index(canon[pos]) + delta) % 32]
    typo += canon[pos + 1 :]
    try:
        derived = receipt.derive(typo)
    except ReceiptError:
        return
    assert derived.lookup_id != receipt.derive(canon).lookup_id


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=40))
def test_receipt_bad_input_raises_only_receipt_error(text: str) -> None:
    try:
        canon = receipt.normalize(text)
    except ReceiptError:
        return
    assert len(canon) == receipt.LENGTH and receipt.normalize(canon) == canon


# --- documents and signed objects --------------------------------------------------------

field_text = st.text(max_size=200)
evidence = st.builds(
    document.Evidence,
    envelope_sha256=st.text("0123456789abcdef", min_size=64, max_size=64),
    envelope_mac=st.text("0123456789abcdef", min_size=64, max_size=64),
    name=st.text(min_size=1, max_size=255),
    media_type=st.text(max_size=127),
    size=st.integers(0, 2**40),
    share=st.booleans(),
)


field_maps = st.dictionaries(
    st.text(max_size=64), st.one_of(field_text, st.lists(field_text, max_size=4)), max_size=8
)


@st.composite
def documents(draw: st.DrawFn) -> document.Document:
    kind = draw(st.sampled_from(sorted(document.TYPES)))
    reply = draw(st.binary(min_size=32, max_size=32))
    ev = draw(
        st.lists(
            evidence, max_size=5, unique_by=(lambda e: e.envelope_sha256, lambda e: e.envelope_mac)
        )
    )
    identity = kind == "identity"  # SPEC §17: browser only, no reply key, no files
    return document.Document(
        type=kind,
        submitted_at=draw(st.datetimes(timezones=st.just(dt.UTC))).isoformat(),
        channel="browser" if identity else draw(st.sampled_from(sorted(document.CHANNELS))),
        fields=draw(field_maps),
        reply_key=None
        if identity
        else b64u_encode(reply)
        if kind == "report" or draw(st.booleans())
        else None,
        evidence=() if identity else tuple(ev),
        consent=draw(st.dictionaries(st.text(max_size=20), st.booleans(), max_size=3)),
    )


@settings(max_examples=60, deadline=None)
@given(doc=documents())
def test_document_round_trip_through_an_envelope(doc: document.Document) -> None:
    data = doc.to_bytes()
    parsed = document.parse(unseal(seal(data, [ALICE.public_key()]), ALICE))
    assert parsed == doc
    assert parsed.to_bytes() == data
    assert document.missing_evidence(parsed, set()) == list(doc.evidence)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=12), c, max_size=6),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(junk=st.one_of(st.binary(max_size=300), json_values.map(lambda o: json.dumps(o).encode())))
def test_document_and_signed_garbage_raise_only_bisik_errors(junk: bytes) -> None:
    for parse in (document.parse, signed.parse):
        with contextlib.suppress(FormatError):
            parse(junk)
    try:
        signed.parse(junk).verify(_ED.public_key(), "status")
    except (FormatError, SignatureError):
        pass
    except BisikError as exc:  # any other documented error is a bug here too
        raise AssertionError(exc) from exc


@settings(max_examples=60, deadline=None)
@given(
    body=st.dictionaries(
        st.text(max_size=10), st.text(max_size=30) | st.integers(-5, 5), max_size=6
    ),
    kind=st.sampled_from(sorted(signed.KINDS)),
)
def test_signed_round_trip(body: dict[str, object], kind: str) -> None:
    obj = signed.sign(_ED, kind, body)
    assert signed.parse(obj.to_bytes()).verify(_ED.public_key(), kind) == body
    assume(kind != "status")
    with pytest.raises(SignatureError):
        signed.parse(obj.to_bytes()).verify(_ED.public_key(), "status")
