"""The no-JavaScript multipart reader (intake/multipart.py), on any body and length.

The first byte says whether the declared Content-Length is the body's true length or one
more/less (a client that lies or disconnects). Documented refusal: UploadError.
"""

from __future__ import annotations

import io

from fuzz.common import refusing
from intake.errors import UploadError
from intake.multipart import Bounds, stream_parts

BOUNDARY = b"----bisikfuzz"
BOUNDS = Bounds(max_body=1 << 20, max_field=4096, max_text=16384, max_files=5, max_parts=50)


class _Handler:
    """Records what the reader hands over, as the sealing handler would consume it."""

    def __init__(self) -> None:
        self.fields: list[tuple[str, str]] = []
        self.open = 0

    def field(self, name: str, value: str) -> None:
        assert isinstance(name, str) and isinstance(value, str)
        self.fields.append((name, value))

    def open_file(self, name: str, filename: str, media_type: str) -> io.BytesIO:
        assert filename and len(filename) <= 255 and len(media_type) <= 127
        self.open += 1
        return io.BytesIO()

    def close_file(self, sink: io.BytesIO) -> None:
        self.open -= 1


def check(data: bytes) -> None:
    if not data:
        return
    body, length = data[1:], len(data) - 1 + (data[0] % 3) - 1
    with refusing(UploadError):
        stream_parts(io.BytesIO(body), BOUNDARY, max(length, 0), BOUNDS, _Handler())


def seeds() -> list[bytes]:
    b = b"--" + BOUNDARY
    body = (
        b
        + b'\r\nContent-Disposition: form-data; name="receipt"\r\n\r\nABCD-EFGH\r\n'
        + b
        + b'\r\nContent-Disposition: form-data; name="evidence_1"; filename="f.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff"
        + b"x" * 300
        + b"\r\n"
        + b
        + b'\r\nContent-Disposition: form-data; name="evidence_2"; filename=""\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n\r\n" + b + b"--\r\n"
    )
    return [b"\x01" + body, b"\x00" + body[:200]]
