"""``bisik-server poster``: an A4 poster and an A6 flyer, read back as a printer and a phone would.

The PDF is checked with poppler (fonts embedded, page sizes, the text read back) and the QR
code on each page is decoded from a rendering with zbar: it must open the onion address.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from crypto.keys import fingerprint
from intake import cli, i18n
from intake.config import load
from intake.poster import GET_TOR, STEPS, PosterError, check_onion
from intake.state import load_root

KEYS = (
    "poster.title",
    "poster.lead",
    "poster.address_h",
    "poster.address_help",
    "poster.fingerprint_h",
    "poster.fingerprint_help",
    "poster.get_tor_h",
    "poster.steps_h",
    *GET_TOR,
    *STEPS,
)


def need(tool: str) -> str:
    """Path of ``tool``; its absence fails (scripts/install-system-deps.sh installs it)."""
    path = shutil.which(tool)
    assert path, f"{tool} is missing: run scripts/install-system-deps.sh"
    return path


def onion_address() -> str:
    """A fresh, valid v3 address (rend-spec-v3 §6 checksum)."""
    pub = os.urandom(32)
    checksum = hashlib.sha3_256(b".onion checksum" + pub + b"\x03").digest()[:2]
    return base64.b32encode(pub + checksum + b"\x03").decode().lower() + ".onion"


def _text(pdf: Path, page: int) -> str:
    out = subprocess.run(
        [need("pdftotext"), "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return " ".join(out.split())


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def made(home: Path, tmp_path: Path) -> tuple[Path, str]:
    address = onion_address()
    hostname = tmp_path / "hostname"
    hostname.write_text(address + "\n")  # as tor writes it
    out = tmp_path / "poster.pdf"
    argv = ["--home", str(home), "poster", "--out", str(out), "--hostname-file", str(hostname)]
    assert cli.main(argv) == 0
    return out, address


def test_fonts_embedded_and_page_sizes(made: tuple[Path, str]) -> None:
    pdf, _ = made
    fonts = subprocess.run(
        [need("pdffonts"), str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts, "no fonts listed"
    for line in fonts:
        cols = line.split()
        emb = cols[-5]  # name type encoding emb sub uni object ID
        assert emb == "yes", line
    info = subprocess.run(
        [need("pdfinfo"), "-f", "1", "-l", "2", str(pdf)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    sizes = re.findall(r"Page +\d+ size: +([\d.]+) x ([\d.]+) pts", info)
    assert [(round(float(w)), round(float(h))) for w, h in sizes] == [(595, 842), (298, 420)]


def test_both_pages_say_everything_in_indonesian(made: tuple[Path, str], home: Path) -> None:
    pdf, address = made
    org = fingerprint(load_root(load(home, env={}).root_pub_path))
    for page in (1, 2):
        text = _text(pdf, page)
        assert address in text
        assert org in text
        for key in KEYS:
            assert _flat(i18n.translate("id", key)) in text, (page, key)


def test_qr_codes_open_the_onion_address(made: tuple[Path, str], tmp_path: Path) -> None:
    pdf, address = made
    subprocess.run(
        [need("pdftoppm"), "-r", "150", "-png", str(pdf), str(tmp_path / "page")], check=True
    )
    for png in sorted(tmp_path.glob("page-*.png")):
        decoded = subprocess.run(
            [need("zbarimg"), "-q", "--raw", str(png)], capture_output=True, text=True, check=False
        ).stdout
        assert decoded.split() == [f"http://{address}"], png.name


def test_english_on_request(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "en.pdf"
    argv = [
        "--home",
        str(home),
        "poster",
        "--out",
        str(out),
        "--onion",
        onion_address(),
        "--lang",
        "en",
    ]
    assert cli.main(argv) == 0
    assert _flat(i18n.translate("en", "poster.steps_h")) in _text(out, 1)


def test_typo_in_the_address_is_refused_and_nothing_written(home: Path, tmp_path: Path) -> None:
    good = onion_address()
    typo = good[:10] + ("a" if good[10] != "a" else "b") + good[11:]
    with pytest.raises(PosterError):
        check_onion(typo)
    out = tmp_path / "poster.pdf"
    assert cli.main(["--home", str(home), "poster", "--out", str(out), "--onion", typo]) == 1
    assert not out.exists()
    assert check_onion(f"http://{good.upper()}/") == good
