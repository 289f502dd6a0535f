"""Oversized, truncated and malformed uploads: a clear message, nothing stored, no temp left."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from intake import i18n

from .conftest import csrf_of, tr
from .helpers import report_fields, with_files

BOUNDARY = "b0undaryXYZ"


def _encode(parts: list[tuple[str, str | None, bytes]]) -> bytes:
    out = io.BytesIO()
    for name, filename, value in parts:
        out.write(f"--{BOUNDARY}\r\n".encode())
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out.write(f"Content-Disposition: {disp}\r\n".encode())
        if filename:
            out.write(b"Content-Type: application/octet-stream\r\n")
        out.write(b"\r\n" + value + b"\r\n")
    out.write(f"--{BOUNDARY}--\r\n".encode())
    return out.getvalue()


def _valid_parts(csrf: str, payload: bytes) -> list[tuple[str, str | None, bytes]]:
    parts: list[tuple[str, str | None, bytes]] = []
    for key, value in report_fields(csrf).items():
        for v in value if isinstance(value, list) else [value]:
            parts.append((key, None, v.encode()))
    parts.append(("evidence_1", "big.bin", payload))
    return parts


def _post(client: FlaskClient, body: bytes, length: int | None = None, boundary: str = BOUNDARY):  # type: ignore[no-untyped-def]
    headers = {"Content-Length": str(len(body) if length is None else length)}
    return client.post(
        "/submit",
        data=body,
        headers=headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _nothing_stored(home: Path) -> None:
    leftovers = [p for p in (home / "blobs").rglob("*") if p.is_file()]
    assert leftovers == []
    assert [p for p in (home / "tmp").rglob("*") if p.is_file()] == []


def test_hand_encoded_body_is_accepted(client: FlaskClient) -> None:
    body = _encode(_valid_parts(csrf_of(client), os.urandom(1000)))
    assert 'id="receipt"' in _post(client, body).get_data(as_text=True)


def test_truncated_upload_stores_nothing(client: FlaskClient, home: Path) -> None:
    client.set_cookie(i18n.COOKIE, "en")
    body = _encode(_valid_parts(csrf_of(client), os.urandom(400_000)))
    resp = _post(client, body[: len(body) // 2], length=len(body))
    assert resp.status_code == 400
    assert tr("en", "error.truncated") in resp.get_data(as_text=True)
    _nothing_stored(home)


def test_body_cut_before_final_boundary(client: FlaskClient, home: Path) -> None:
    body = _encode(_valid_parts(csrf_of(client), os.urandom(100_000)))
    cut = body[: body.rindex(f"--{BOUNDARY}".encode())]
    resp = _post(client, cut)
    assert resp.status_code == 400
    _nothing_stored(home)


@pytest.mark.parametrize(
    "body",
    [
        b"not multipart at all",
        b"--b0undaryXYZ\r\nno-disposition: x\r\n\r\nvalue\r\n--b0undaryXYZ--\r\n",
        b"--b0undaryXYZ\r\nContent-Disposition: form-data; "
        b'name="csrf_token"\r\n\r\n\xff\xfe\r\n--b0undaryXYZ--\r\n',
        b"",
    ],
)
def test_malformed_bodies_are_refused(client: FlaskClient, home: Path, body: bytes) -> None:
    csrf_of(client)
    resp = _post(client, body)
    assert resp.status_code in (400, 403)
    assert 'class="error"' in resp.get_data(as_text=True)
    _nothing_stored(home)


@pytest.mark.parametrize(("limit", "size"), [(512 * 1024, 600_000), (100_000, 2_000_000)])
def test_oversized_upload_is_refused_before_reading(
    make_app, home: Path, limit: int, size: int
) -> None:  # type: ignore[no-untyped-def]
    app: Flask = make_app(max_upload_bytes=limit)
    client = app.test_client()
    client.set_cookie(i18n.COOKIE, "en")
    data = with_files(report_fields(csrf_of(client)), {"evidence_1": (os.urandom(size), "x")})
    resp = client.post("/submit", data=data, content_type="multipart/form-data")
    assert resp.status_code == 413
    html = resp.get_data(as_text=True)
    assert tr("en", "error.too_large") in html, html[html.find("<main") :]
    _nothing_stored(home)


def test_too_many_files(make_app, home: Path) -> None:  # type: ignore[no-untyped-def]
    app: Flask = make_app(max_files=2)
    client = app.test_client()
    files = {f"evidence_{i}": (b"x" * 10, f"f{i}") for i in (1, 2, 3)}
    data = with_files(report_fields(csrf_of(client)), files)
    assert client.post("/submit", data=data, content_type="multipart/form-data").status_code == 413
    _nothing_stored(home)


def test_unknown_file_input_is_refused(client: FlaskClient, home: Path) -> None:
    data = with_files(report_fields(csrf_of(client)), {"sneaky": (b"x" * 10, "f")})
    assert client.post("/submit", data=data, content_type="multipart/form-data").status_code == 400
    _nothing_stored(home)


def test_text_field_after_files_is_refused(client: FlaskClient, home: Path) -> None:
    parts = _valid_parts(csrf_of(client), b"abc")
    parts.append(("description", None, b"late"))
    assert _post(client, _encode(parts)).status_code == 400
    _nothing_stored(home)


def test_missing_length_is_refused() -> None:
    from intake.errors import UploadError
    from intake.multipart import Bounds, stream_parts

    body = _encode([("csrf_token", None, b"x")])
    with pytest.raises(UploadError) as info:
        stream_parts(
            io.BytesIO(body), BOUNDARY.encode(), None, Bounds(1 << 20, 1000, 1000, 1), handler=None
        )  # type: ignore[arg-type]
    assert info.value.status == 411
