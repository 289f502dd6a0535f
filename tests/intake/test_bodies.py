"""How request bodies are read (``intake.bodies``): every body that is read whole has a cap
of its own far below the upload limit, and a multipart body is never parsed by Werkzeug.

Regressions of the intake audit (docs/AUDIT-intake.md), each named by its finding id.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from werkzeug.test import EnvironBuilder

from crypto import receipt
from intake.bodies import FORM_MEMORY, SMALL_BODY, BisikRequest

from .conftest import Counting, csrf_of, post_counting

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

MiB = 1 << 20


def test_urlencoded_body_is_not_read_whole_before_csrf_check(client: FlaskClient) -> None:
    """F1: urlencoded bodies were read whole (up to the 4 GiB upload limit), even without a
    session."""
    data = b"receipt=" + b"A" * (16 * MiB)
    r, body = post_counting(client, "/followup", data, "application/x-www-form-urlencoded")
    assert r.status_code in (403, 413)
    assert body.consumed <= MiB


def test_small_body_cap_holds_while_reading() -> None:
    """F1, defence in depth behind the 411: a body that is read is never read past its cap."""
    for ctype, cap in (
        ("application/x-www-form-urlencoded", FORM_MEMORY),
        ("application/json", SMALL_BODY),
    ):
        body = Counting(b"a=" + b"b" * (2 * SMALL_BODY))
        environ = EnvironBuilder(method="POST", input_stream=body, content_type=ctype).get_environ()
        environ.pop("CONTENT_LENGTH", None)
        environ["wsgi.input_terminated"] = True
        request = BisikRequest(environ)
        assert len(request.get_data()) <= cap
        assert body.consumed <= cap


def test_multipart_to_plain_form_view_is_a_client_error(client: FlaskClient) -> None:
    """F7: a multipart body to a plain-form view was a 500 (and an error log line)."""
    csrf = csrf_of(client, "/followup")
    r = client.post(
        "/receipt/qr",
        data={"receipt": receipt.display(receipt.generate())},
        headers={"X-CSRF-Token": csrf},
        content_type="multipart/form-data",
    )
    assert r.status_code == 400
