"""Byte layout of a bundle file: header, frames, trailer (BUNDLE.md §2).

Pure packing and unpacking with the checks that need no key: magic, version, reserved
bytes, direction, frame tags. Everything else (hashes, signatures) is checked elsewhere.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from .errors import BundleFormatError, BundleTruncatedError

MAGIC = b"BISIKBDL"
END_MAGIC = b"BISIKEND"
VERSION = 1
EXPORT = "export"
OUTBOX = "outbox"
DIRECTION_BYTE = {EXPORT: 0x45, OUTBOX: 0x4F}

_HEADER = struct.Struct(">8sBBHI")
_FRAME = struct.Struct(">2sIQ")
_TRAILER = struct.Struct(">8sQQQ")
HEADER_LEN = _HEADER.size  # 16
FRAME_LEN = _FRAME.size  # 14
TRAILER_LEN = _TRAILER.size  # 32

ITEM, INDEX, MANIFEST = b"IT", b"IX", b"MF"
MAX_COUNT = (1 << 32) - 1
MAX_MANIFEST = 1 << 20
MAX_INDEX_LINE = 64 * 1024
MAX_SMALL_ITEM = 64 * 1024  # case descriptors and signed records
MAX_ENVELOPE = 1 << 48


def pack_header(direction: str) -> bytes:
    """The 16-byte header of a bundle going ``direction``."""
    return _HEADER.pack(MAGIC, VERSION, DIRECTION_BYTE[direction], 0, 0)


def check_header(data: bytes, direction: str) -> None:
    """Reject another magic, version, direction or non-zero reserved bytes (MUST-reject 2)."""
    if len(data) != HEADER_LEN:
        raise BundleTruncatedError("file shorter than a bundle header")
    magic, version, dbyte, r1, r2 = _HEADER.unpack(data)
    if magic != MAGIC:
        raise BundleFormatError("not a Bisik bundle (bad magic)")
    if version != VERSION or r1 or r2:
        raise BundleFormatError(f"unsupported bundle version {version} or reserved bits set")
    if dbyte != DIRECTION_BYTE[direction]:
        raise BundleFormatError(f"this is not an {direction} bundle")


def pack_frame(tag: bytes, number: int, length: int) -> bytes:
    """A 14-byte frame header: tag, number (item n, index count, or 0), data length."""
    return _FRAME.pack(tag, number, length)


def read_frame(src: BinaryIO, tag: bytes, where: str) -> tuple[int, int]:
    """Read one frame header with ``tag``; return (number, length)."""
    data = src.read(FRAME_LEN)
    if len(data) != FRAME_LEN:
        raise BundleTruncatedError(f"{where}: frame header cut short")
    got, number, length = _FRAME.unpack(data)
    if got != tag:
        raise BundleFormatError(f"{where}: expected a {tag.decode()} frame")
    return number, length


def pack_trailer(index_offset: int, manifest_offset: int, file_length: int) -> bytes:
    """The 32-byte trailer: where index and manifest frames start, and the file's length."""
    return _TRAILER.pack(END_MAGIC, index_offset, manifest_offset, file_length)


def read_trailer(src: BinaryIO, real_length: int) -> tuple[int, int]:
    """Read and check the trailer; return (index offset, manifest offset) (MUST-reject 1, 3)."""
    if real_length < HEADER_LEN + 2 * FRAME_LEN + TRAILER_LEN:
        raise BundleTruncatedError("file too short to be a bundle")
    src.seek(real_length - TRAILER_LEN)
    magic, index_off, manifest_off, length = _TRAILER.unpack(src.read(TRAILER_LEN))
    if magic != END_MAGIC:
        raise BundleTruncatedError("no bundle trailer: the file is cut short or has extra bytes")
    if length != real_length:
        raise BundleTruncatedError(f"bundle says {length} bytes, file has {real_length}")
    if not HEADER_LEN <= index_off < manifest_off <= real_length - TRAILER_LEN - FRAME_LEN:
        raise BundleFormatError("trailer offsets out of order or out of range")
    return index_off, manifest_off
