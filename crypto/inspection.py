"""What a holder of no key may learn from an envelope: its header's shape and a plausible size.

The intake server and the bundle reader store and forward envelopes they cannot open. Before
they keep one for a reviewer they check what the format lets them check without a key
(SPEC §3.9): the header parses, names each recipient once and only the expected ones, and the
total size is one an honest writer produces (Padmé-padded plaintext in 64 KiB chunks, §3.5).
This module is the only place outside the envelope code that knows the byte layout; callers
get a :class:`HeaderInfo` and never count offsets themselves.

Nothing here is verified: a header is only *shown* to be well formed. The MAC it carries proves
something only to a recipient who opens it (``envelope.open_header_mac``).

Leaks: nothing beyond what the envelope already shows to anyone (recipient key ids, sizes).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import _header
from ._padding import MIN_PADDED, padme
from ._stream import CHUNK, TAG
from .errors import DecryptionError, FormatError
from .keys import KEY_ID_LEN

__all__ = ["MAX_HEADER_LEN", "HeaderInfo", "inspect_header", "plausible_size"]

MAX_HEADER_LEN = _header.MAX_HEADER_LEN
"""The longest header an envelope can have: read this many bytes to inspect any envelope."""


@dataclass(frozen=True)
class HeaderInfo:
    """The unverified shape of an envelope header (SPEC §3.2–3.4).

    ``length`` is the header's size in bytes, ``recipient_ids`` the 16-byte key ids of its
    stanzas in order (each at most once), ``mac`` the 32 bytes that end it.
    """

    length: int
    recipient_ids: tuple[bytes, ...]
    mac: bytes

    def plausible_size(self, total: int) -> bool:
        """Whether an envelope of ``total`` bytes with this header could come from a writer."""
        return plausible_size(total, self.length)


def inspect_header(head: bytes) -> HeaderInfo:
    """Parse the header at the start of ``head`` (the envelope's first bytes, any amount).

    Raises :class:`~crypto.errors.FormatError` for a bad prefix (magic, version, reserved
    byte, recipient count), a header cut short, or a key id listed twice — the same rules a
    reader applies before trying a key (SPEC §3.7). Reads no key and decrypts nothing.
    """
    try:
        length = _header.read_prefix(head[: _header.PREFIX_LEN])
    except DecryptionError as exc:
        raise FormatError("not a Bisik envelope") from exc
    if len(head) < length:
        raise FormatError("envelope header cut short")
    stanzas = range(_header.PREFIX_LEN, length - _header.MAC_LEN, _header.STANZA_LEN)
    ids = tuple(head[off : off + KEY_ID_LEN] for off in stanzas)
    if len(set(ids)) != len(ids):  # a writer never lists a recipient twice (SPEC §3.3)
        raise FormatError("envelope names a recipient twice")
    return HeaderInfo(length, ids, head[length - _header.MAC_LEN : length])


def plausible_size(total: int, header_len: int) -> bool:
    """Whether ``total`` envelope bytes after a ``header_len``-byte header fit SPEC §3.5.

    True exactly when the payload is whole chunks of Padmé-padded plaintext of at least 1024
    bytes, each with its 16-byte tag: every size a writer produces and (almost) nothing else.
    """
    payload = total - header_len
    if payload <= TAG:
        return False
    chunks = -(-payload // (CHUNK + TAG))
    padded = payload - TAG * chunks
    return padded >= MIN_PADDED and padme(padded) == padded and -(-padded // CHUNK) == chunks
