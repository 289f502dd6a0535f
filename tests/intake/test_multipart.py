"""The streaming multipart reader: parts in order, bounds, and no exception other than
UploadError for any body a client could send (property test); through ``/submit``, that a body
whose boundary or header end never comes is not buffered."""

from __future__ import annotations

import contextlib
import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.errors import UploadError
from intake.multipart import Bounds, stream_parts

from .conftest import csrf_of, post_counting
from .helpers import case_count

BOUNDS = Bounds(max_body=1 << 20, max_field=1000, max_text=4000, max_files=3)


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.files: dict[str, io.BytesIO] = {}

    def field(self, name: str, value: str) -> None:
        self.events.append(("field", f"{name}={value}"))

    def open_file(self, name: str, filename: str, media_type: str) -> io.BytesIO:
        self.events.append(("file", f"{name}:{filename}:{media_type}"))
        self.files[filename] = io.BytesIO()
        return self.files[filename]

    def close_file(self, sink: object) -> None:
        self.events.append(("close", ""))


def _part(name: str, value: bytes, filename: str | None = None) -> bytes:
    disp = f'form-data; name="{name}"' + (
        f'; filename="{filename}"' if filename is not None else ""
    )
    ctype = "Content-Type: image/jpeg\r\n" if filename else ""
    return f"--XyZ\r\nContent-Disposition: {disp}\r\n{ctype}\r\n".encode() + value + b"\r\n"


def _run(body: bytes, bounds: Bounds = BOUNDS) -> Recorder:
    rec = Recorder()
    stream_parts(io.BytesIO(body), b"XyZ", len(body), bounds, rec)  # type: ignore[arg-type]
    return rec


def test_parts_arrive_in_order_and_files_stream() -> None:
    data = bytes(range(256)) * 1000
    body = _part("a", "ü".encode()) + _part("f", data, "../../etc/foto\x07.jpg") + b"--XyZ--\r\n"
    rec = _run(body)
    assert rec.events == [("field", "a=ü"), ("file", "f:foto.jpg:image/jpeg"), ("close", "")]
    assert rec.files["foto.jpg"].getvalue() == data


def test_empty_file_input_is_skipped() -> None:
    rec = _run(_part("a", b"1") + _part("f", b"", "") + b"--XyZ--\r\n")
    assert rec.events == [("field", "a=1")]


@pytest.mark.parametrize(
    ("body", "key"),
    [
        (_part("a", b"x" * 1001) + b"--XyZ--\r\n", "error.text_too_long"),
        (
            b"".join(_part(f"f{i}", b"1", f"{i}.txt") for i in range(4)) + b"--XyZ--\r\n",
            "error.too_many_files",
        ),
        (_part("a", b"1") + _part("f", b"abc", "x"), "error.truncated"),
        (b"garbage without any boundary", "error.malformed"),
    ],
)
def test_bounds_and_damage(body: bytes, key: str) -> None:
    with pytest.raises(UploadError) as info:
        _run(body)
    assert info.value.key == key


def test_declared_length_over_the_limit() -> None:
    with pytest.raises(UploadError) as info:
        stream_parts(io.BytesIO(b""), b"XyZ", (1 << 20) + 1, BOUNDS, Recorder())  # type: ignore[arg-type]
    assert info.value.status == 413


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600), st.integers(min_value=0, max_value=700))
def test_any_body_fails_only_with_upload_error(noise: bytes, cut: int) -> None:
    valid = _part("a", b"1") + _part("f", b"data", "x.bin") + b"--XyZ--\r\n"
    body = (valid[:cut] + noise) if cut < len(valid) else noise
    with contextlib.suppress(UploadError):
        _run(body)


MiB = 1 << 20


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize(
    "junk",
    [
        b"x" * (16 * MiB),  # no boundary ever: the preamble grows
        b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\nX-Pad: '
        + b"y" * (16 * MiB),  # a part whose headers never end
    ],
    ids=["preamble", "part-headers"],
)
def test_multipart_without_boundary_or_header_end_is_not_buffered(
    client: FlaskClient, app: Flask, junk: bytes
) -> None:
    """Audit F3 (docs/AUDIT-intake.md): the multipart decoder buffered a preamble or a header
    block without bound."""
    csrf_of(client)  # a valid session: the streaming reader runs
    r, body = post_counting(client, "/submit", junk, "multipart/form-data; boundary=b")
    assert r.status_code == 400
    assert body.consumed <= 2 * MiB
    assert case_count(app) == 0
