"""The JavaScript path end to end in chromium: submit with real files, resume a dropped upload.

The page is the real service (tests/intake/conftest.py's home and app) on 127.0.0.1. After
the browser shows the receipt, Python finds the case by that receipt, decrypts the report and
every evidence file with a reviewer's key and compares them with what was chosen in the form.
Every request body the browser sent is checked for the plaintext markers, and every file the
service wrote is scanned for the markers, the receipt and the loopback address.
"""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import json
import re
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from crypto import document, envelope, receipt, report_schema
from crypto.encoding import b64u_decode, b64u_encode
from crypto.keys import raw_public
from intake import i18n
from tests.intake.browser.helpers import FILE_MARKER, TEXT_MARKER, fill_report, marked_file

pytestmark = pytest.mark.browser


def _watch_bodies(page: Any) -> list[bytes]:
    """Collect every request body the browser sends (to prove no plaintext left it)."""
    bodies: list[bytes] = []
    page.on("request", lambda r: bodies.append(r.post_data_buffer or b""))
    return bodies


def _send(page: Any, live: Any, paths: list[Path]) -> str:
    """Open the form (the page takes over), fill it with ``paths``, send; the receipt shown."""
    page.goto(live.url + "/submit")
    page.wait_for_selector('#report-form[data-bisik-path="browser"]')
    fill_report(page, paths)
    page.click('#report-form button[type="submit"]')
    return str(page.locator("#receipt").inner_text(timeout=60_000)).strip()


def _stored_case(live: Any, code: str) -> tuple[Any, Any]:
    state = live.app.extensions["bisik"]
    sec = receipt.derive(code)
    case = state.vault.case_by_lookup(receipt.lookup_tag(state.secrets.pepper, sec.lookup_id))
    assert case is not None, "no case for the receipt the browser showed"
    return case, state.vault.case_history(case.id)


def _written_files(home: Path) -> list[Path]:
    """Every file the service writes: database, blobs, uploads, tmp, logs."""
    out = [p for p in home.glob("bisik.sqlite*") if p.is_file()]
    for sub in ("blobs", "uploads", "tmp", "logs"):
        out += [p for p in (home / sub).rglob("*") if p.is_file()]
    return out


def _decrypt_all(live: Any, org: Any, code: str) -> tuple[document.Document, dict[str, bytes]]:
    case, hist = _stored_case(live, code)
    assert set(case.recipients) == set(org.reviewers)
    report = next(e for e in hist.entries if e.kind == "report")
    blobs = live.app.extensions["bisik"].vault.blobs
    key = org.reviewers["budi"].encryption
    with blobs.open(report.blob.sha256) as f:
        doc = document.parse(envelope.unseal(f.read(), key))
    assert {e.envelope_sha256 for e in doc.evidence} == {r.sha256 for r in report.evidence}
    files = {}
    for ev in doc.evidence:
        with blobs.open(ev.envelope_sha256) as f:
            data = f.read()
        assert hashlib.sha256(data).hexdigest() == ev.envelope_sha256
        # the MAC came from the browser's sealer; the reviewer's key verifies it (SPEC §8)
        assert envelope.open_header_mac(io.BytesIO(data), key).hex() == ev.envelope_mac
        files[ev.name] = envelope.unseal(data, key)
        assert len(files[ev.name]) == ev.size
    return doc, files


@pytest.mark.parametrize("live", ["files", "database"], indirect=True)  # blobs: files or rows
def test_js_path_end_to_end(page: Any, live: Any, org: Any, tmp_path: Path) -> None:
    paths = [tmp_path / "rekaman-rapat.mp4", tmp_path / "tangkapan-layar.png"]
    originals = [marked_file(paths[0], 3 * 1024 * 1024 + 12345), marked_file(paths[1], 1024 * 1024)]
    bodies = _watch_bodies(page)
    code = _send(page, live, paths)
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){4}", code)
    assert receipt.normalize(code)
    # the page says the browser protected the report (catalogue text, page language)
    assert page.get_by_text(i18n.translate("id", "receipt.path_browser")).is_visible()
    assert not re.search(r"\b(js|receipt|error)\.[a-z_]+\b", page.locator("main").inner_text())

    doc, files = _decrypt_all(live, org, code)
    assert doc.type == "report" and doc.channel == "browser"
    assert TEXT_MARKER in doc.fields["description"]
    assert doc.fields["category"] == "mobilisation" and doc.fields["incident_month"].endswith("-03")
    report_schema.check_report(doc.fields)  # the browser writes the shared vocabulary (SPEC §10)
    assert doc.consent == {"authorities": ["bkn"]}
    assert doc.reply_key == b64u_encode(raw_public(receipt.derive(code).reply_public))
    # the receipt's follow-up key, published in the sealed report and kept by the server (§12)
    followup_pub = raw_public(receipt.derive(code).followup_public)
    assert doc.followup_key == b64u_encode(followup_pub)
    assert _stored_case(live, code)[0].followup_public == followup_pub
    assert files == {p.name: data for p, data in zip(paths, originals, strict=True)}
    shares = {e.name: e.share for e in doc.evidence}
    assert shares == {paths[0].name: True, paths[1].name: False}

    # nothing readable left the browser, nothing readable was written
    needles = [FILE_MARKER, TEXT_MARKER.encode(), code.encode(), code.replace("-", "").encode()]
    for body in bodies:
        for needle in needles:
            assert needle not in body
    _qr_only_on_click(page, code)
    for path in _written_files(live.home):  # also after the QR request: nothing stored
        data = path.read_bytes()
        for needle in [*needles, b"127.0.0.1", b"rekaman-rapat"]:
            assert needle not in data, (path.name, needle[:16])
    assert not page.console_errors, page.console_errors


def _qr_only_on_click(page: Any, code: str) -> None:
    """The receipt page's QR button: the page says what it sends; one POST, only on click."""
    sent: list[Any] = []
    page.on("request", lambda r: sent.append(r) if r.url.endswith("/receipt/qr") else None)
    assert page.get_by_text(i18n.translate("id", "receipt.qr_js_help")).is_visible()
    page.wait_for_timeout(300)
    assert sent == [], "the receipt left the browser without a click"
    page.click("#receipt-qr-button")
    img = page.locator("img#receipt-qr")
    img.wait_for(timeout=10_000)
    src = img.get_attribute("src") or ""
    assert src.startswith("data:image/svg+xml;base64,")
    assert b"<svg" in base64.b64decode(src.split(",", 1)[1])
    assert page.evaluate("document.getElementById('receipt-qr').naturalWidth") > 0  # rendered
    assert img.get_attribute("alt") == i18n.translate("id", "receipt.qr_alt")
    assert len(sent) == 1 and sent[0].method == "POST"
    posted = parse_qs(sent[0].post_data or "")
    assert list(posted) == ["receipt"] and receipt.normalize(posted["receipt"][0]) == (
        receipt.normalize(code)
    )
    assert page.locator("#receipt-qr-button").count() == 0  # sent once: the button is gone


def test_dropped_pieces_resume_from_the_server_ranges(
    page: Any, live: Any, org: Any, tmp_path: Path
) -> None:
    """Pieces go out several at a time. Piece 2 never reaches the server; piece 4 is stored
    but its answer is lost. Each time the browser asks which ranges the server holds: piece 2
    is sent again, piece 4 is not, and no upload starts over."""
    path = tmp_path / "video.mp4"
    original = marked_file(path, 6 * 1024 * 1024)
    seen: list[tuple[str, str, int, int]] = []  # reached the server: method, path, offset, len
    puts = {"n": 0}
    pattern = re.compile(r"/api/uploads(/[^/?]+)?(/finish)?(?:\?offset=(\d+)(?:&size=\d+)?)?$")
    lost: dict[str, int] = {}

    def route(r: Any) -> None:
        req = r.request
        m = pattern.search(req.url)
        assert m is not None
        kind = "start" if m.group(1) is None else "finish" if m.group(2) else req.method
        if kind != "PUT":
            seen.append((kind, m.group(1) or "", -1, 0))
            r.continue_()
            return
        puts["n"] += 1
        body = req.post_data_buffer or b""
        if puts["n"] == 2:  # dropped before the server saw it
            lost["dropped"] = int(m.group(3))
            r.abort("connectionreset")
            return
        seen.append(("PUT", m.group(1), int(m.group(3)), len(body)))
        if puts["n"] == 4:  # the server stores it, the answer is lost on the way back
            lost["unanswered"] = int(m.group(3))
            r.fetch()
            r.abort("connectionreset")
            return
        r.continue_()

    page.route(re.compile(r".*/api/uploads.*"), route)
    code = _send(page, live, [path])

    kinds = [k for k, *_ in seen]
    assert kinds.count("start") == 0  # the pieces open the upload
    assert len({p for k, p, *_ in seen if k == "PUT"}) == 1, "the upload restarted"
    # the completing piece finishes the upload; ``finish`` only if that answer was the lost one
    assert kinds.count("finish") <= 1
    assert kinds.count("GET") == 2, "did not ask the server what it holds after each failure"
    offsets = [off for k, _p, off, _n in seen if k == "PUT"]
    assert offsets.count(lost["dropped"]) == 1  # sent again, once, after the drop
    assert offsets.count(lost["unanswered"]) == 1  # held by the server: not sent again
    assert len(offsets) == len(set(offsets))  # nothing else went twice
    ranges = sorted((off, off + n) for k, _p, off, n in seen if k == "PUT")
    for (_a, end), (nxt, _b) in itertools.pairwise(ranges):
        assert nxt == end, ranges  # the pieces the server saw cover the envelope
    assert puts["n"] == len(offsets) + 1
    _doc, files = _decrypt_all(live, org, code)
    assert files == {path.name: original}
    assert not page.console_errors or all("/api/uploads" in e for e in page.console_errors)


def test_pieces_are_in_flight_together(page: Any, live: Any, org: Any, tmp_path: Path) -> None:
    """The browser does not wait for one piece's answer before sending the next: with the
    server's answers held back, several PUTs are open at the same time."""
    path = tmp_path / "rekaman.mp4"
    original = marked_file(path, 7 * 1024 * 1024)
    state = {"open": 0, "most": 0}
    lock = threading.Lock()
    finishes: list[str] = []
    page.on("request", lambda req: finishes.append(req.url) if "/finish" in req.url else None)

    def route(r: Any) -> None:
        if r.request.method != "PUT":
            r.continue_()
            return
        with lock:
            state["open"] += 1
            state["most"] = max(state["most"], state["open"])
        resp = r.fetch()
        page.wait_for_timeout(400)  # a round trip over Tor
        with lock:
            state["open"] -= 1
        r.fulfill(response=resp)

    page.route(re.compile(r".*/api/uploads/[^/?]+\?offset=.*"), route)
    code = _send(page, live, [path])
    assert state["most"] >= 2, state
    assert finishes == []  # the piece that completed the upload finished it: no extra round trip
    _doc, files = _decrypt_all(live, org, code)
    assert files == {path.name: original}


def test_the_first_pieces_open_the_upload(page: Any, live: Any, org: Any, tmp_path: Path) -> None:
    """The browser chooses the upload's token, so it knows the id, and its pieces carry the
    size: no request (and no round trip) opens the upload; the first pieces go out at once
    and whichever arrives first opens it."""
    path = tmp_path / "rekaman.mp4"
    original = marked_file(path, 5 * 1024 * 1024)
    requests: list[str] = []
    page.on(
        "request",
        lambda req: (
            requests.append(f"{req.method} {req.url}") if "/api/uploads" in req.url else None
        ),
    )
    code = _send(page, live, [path])
    assert requests and all(r.startswith("PUT ") and "&size=" in r for r in requests), requests
    assert not page.console_errors, page.console_errors
    _doc, files = _decrypt_all(live, org, code)
    assert files == {path.name: original}


def test_a_lost_answer_to_the_completing_piece_is_asked_for_again(
    page: Any, live: Any, org: Any, tmp_path: Path
) -> None:
    """The piece that completes the upload is stored and finished, but its answer (the blob's
    address and claim) is lost on the way back: the browser asks which ranges the server
    holds, sees them all, asks ``finish`` for the answer again, and the report goes through
    with the file; nothing is sent twice."""
    path = tmp_path / "rekaman.mp4"
    original = marked_file(path, 5 * 1024 * 1024)
    seen: list[str] = []
    lost: list[int] = []

    def route(r: Any) -> None:
        req = r.request
        seen.append(req.method + (" finish" if req.url.endswith("/finish") else ""))
        if req.method != "PUT":
            r.continue_()
            return
        resp = r.fetch()
        if not lost and "sha256" in (resp.json() or {}):
            lost.append(len(seen))
            r.abort("connectionreset")  # finished on the server; the browser never hears
            return
        r.fulfill(response=resp)

    page.route(re.compile(r".*/api/uploads/.*"), route)
    code = _send(page, live, [path])
    assert lost, "no piece was answered with the finished blob"
    after = seen[lost[0] :]
    assert after == ["GET", "POST finish"], seen  # asked, held, asked for the answer: no resend
    _doc, files = _decrypt_all(live, org, code)
    assert files == {path.name: original}


NO_X25519 = """(() => {
  const orig = crypto.subtle.generateKey.bind(crypto.subtle);
  crypto.subtle.generateKey = (alg, ...rest) => ((alg && (alg.name || alg)) === "X25519"
    ? Promise.reject(new DOMException("unsupported", "NotSupportedError")) : orig(alg, ...rest));
})()"""


@pytest.mark.parametrize("breakage", ["no-x25519", "forged-directory"])
def test_falls_back_to_server_sealing(
    browser: Any, live: Any, org: Any, breakage: str, tmp_path: Path
) -> None:
    """A browser without X25519 (Tor Browser 14), or a directory that does not verify against
    the pinned root, leaves the plain form alone: the server seals the report on arrival."""
    context = browser.new_context()
    page = context.new_page()
    if breakage == "no-x25519":
        page.add_init_script(NO_X25519)
    else:

        def forge(r: Any) -> None:  # one changed letter in the signed body
            resp = r.fetch()
            obj = json.loads(resp.body())
            body = b64u_decode(obj["body"]).replace(b"Organisasi Uji", b"Organisasi Ujj")
            obj["body"] = b64u_encode(body)
            r.fulfill(response=resp, body=json.dumps(obj))

        page.route("**/api/directory", forge)
    page.goto(live.url + "/submit")
    if breakage == "forged-directory":
        page.wait_for_selector('#report-form[data-bisik-path="server"]')
    else:
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)
        assert page.get_attribute("#report-form", "data-bisik-path") is None
    path = tmp_path / "foto.jpg"
    marked_file(path, 100_000)
    fill_report(page, [path])
    with page.expect_navigation():
        page.click('#report-form button[type="submit"]')
    code = page.locator("#receipt").inner_text().strip()
    _case, hist = _stored_case(live, code)
    report = next(e for e in hist.entries if e.kind == "report")
    with live.app.extensions["bisik"].vault.blobs.open(report.blob.sha256) as f:
        sealed = f.read()
    opened = document.parse(envelope.unseal(sealed, org.reviewers["ani"].encryption))
    assert opened.channel == "server"  # only inside the sealed document, never a column
    assert page.get_by_text(i18n.translate("id", "receipt.path_server")).is_visible()
    context.close()
