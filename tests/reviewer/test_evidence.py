"""Evidence export: metadata really removed (read back with exiftool and pypdf), dangerous and
unsupported files never cleaned or opened, originals only on request, atomic output."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from reviewer import evidence
from reviewer.case import EvidenceItem
from reviewer.errors import EvidenceError

from .helpers import jpeg_with_gps


def pdf_with_author(path: Path, author: str = "Budi Santoso") -> Path:
    """A one-page PDF whose document information names an author and a title."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    c.setAuthor(author)
    c.setTitle("Notulen rapat koordinasi")
    c.setCreator("Kantor Dinas")
    c.drawString(72, 720, "Notulen")
    c.save()
    return path


def docm(path: Path) -> Path:
    """A minimal OOXML Word document carrying a (fake) VBA project: a macro-bearing file."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
        zf.writestr("word/vbaProject.bin", b"\x00" * 16)
    return path


def elf(path: Path) -> Path:
    """Bytes that start like an ELF executable (never run)."""
    path.write_bytes(b"\x7fELF\x02\x01\x01" + b"\x00" * 57)
    return path


def webp(path: Path) -> Path:
    """A small WebP image (mat2 0.13 on Debian does not list WebP)."""
    Image.new("RGB", (8, 8), (0, 0, 255)).save(path, format="WEBP")
    return path


class _samples:  # a namespace for the builders above
    jpeg_with_gps = staticmethod(jpeg_with_gps)
    pdf_with_author = staticmethod(pdf_with_author)
    docm = staticmethod(docm)
    elf = staticmethod(elf)
    webp = staticmethod(webp)


def _item(path: Path, name: str, n: int = 1, share: bool = True) -> EvidenceItem:
    return EvidenceItem(
        f"{n:02d}" + "ab" * 31, name, size=path.stat().st_size, share=share, path=path
    )


def _exif(path: Path) -> dict[str, object]:
    out = subprocess.run(
        ["exiftool", "-json", "-G", str(path)], capture_output=True, text=True, check=True
    ).stdout
    data: dict[str, object] = json.loads(out)[0]
    return data


def test_jpeg_gps_and_camera_fields_are_removed(tmp_path: Path) -> None:
    src = _samples.jpeg_with_gps(tmp_path / "IMG_2024_budi.jpg")
    assert any("GPS" in k for k in _exif(src))  # the sample really has GPS
    [res] = evidence.export_evidence([_item(src, src.name)], tmp_path / "out")
    assert res.cleaned and res.output is not None
    tags = _exif(res.output)
    assert not [k for k in tags if "GPS" in k or k.endswith((":Make", ":Model", ":Artist"))]
    assert {"GPSLatitude", "Make", "Artist"} <= set(res.removed)
    assert "budi" not in res.output.name.lower()  # neutral output name
    assert stat.S_IMODE(res.output.stat().st_mode) == 0o600


def test_pdf_author_is_removed(tmp_path: Path) -> None:
    src = _samples.pdf_with_author(tmp_path / "notulen.pdf")
    assert PdfReader(src).metadata.author == "Budi Santoso"
    [res] = evidence.export_evidence([_item(src, "notulen.pdf")], tmp_path / "out")
    assert res.cleaned and res.output is not None
    meta = PdfReader(res.output).metadata or {}
    assert "Budi Santoso" not in json.dumps({k: str(v) for k, v in meta.items()})
    assert b"Budi Santoso" not in res.output.read_bytes()
    assert "author" in res.removed


def test_format_comes_from_magic_bytes_not_the_name(tmp_path: Path) -> None:
    src = _samples.jpeg_with_gps(tmp_path / "x")
    renamed = tmp_path / "laporan.pdf"
    src.rename(renamed)
    [res] = evidence.export_evidence([_item(renamed, "laporan.pdf")], tmp_path / "out")
    assert res.format == "jpeg" and res.cleaned and res.output is not None
    assert res.output.suffix == ".jpg"
    assert not [k for k in _exif(res.output) if "GPS" in k]


@pytest.mark.parametrize(
    ("maker", "name", "warning"),
    [
        (_samples.elf, "foto.jpg", "evidence.warn_executable"),
        (_samples.docm, "surat.docm", "evidence.warn_macros"),
        (_samples.docm, "surat.docx", "evidence.warn_macros"),  # macros found inside, name lies
    ],
)
def test_dangerous_files_are_never_given_to_mat2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, maker, name: str, warning: str
) -> None:
    src = maker(tmp_path / "sample")
    calls: list[list[str]] = []
    real = evidence._run_mat2
    evidence.mat2_extensions()  # cache the --list call first

    def spy(args, cwd=None):  # type: ignore[no-untyped-def]
        calls.append(list(args))
        return real(args, cwd)

    monkeypatch.setattr(evidence, "_run_mat2", spy)
    [held] = evidence.export_evidence([_item(src, name)], tmp_path / "held")
    assert held.output is None and "evidence.warn_withheld" in held.warnings
    assert not list((tmp_path / "held").iterdir())  # not written without --original
    [res] = evidence.export_evidence([_item(src, name)], tmp_path / "out", original=True)
    assert calls == []
    assert not res.cleaned and warning in res.warnings
    assert res.output is not None and res.output.name.endswith(".NOT-CLEANED")
    assert res.output.read_bytes() == src.read_bytes()
    assert not os.access(res.output, os.X_OK)


def test_unsupported_format_is_withheld_unless_original_asked(tmp_path: Path) -> None:
    src = _samples.webp(tmp_path / "gambar.webp")
    if ".webp" in evidence.mat2_extensions():
        pytest.skip("this mat2 cleans WebP")
    [held] = evidence.export_evidence([_item(src, "gambar.webp")], tmp_path / "held")
    assert not held.cleaned and "evidence.warn_unsupported" in held.warnings
    assert held.output is None and not list((tmp_path / "held").iterdir())
    [res] = evidence.export_evidence([_item(src, "gambar.webp")], tmp_path / "out", original=True)
    assert res.output is not None and res.output.name.endswith(".NOT-CLEANED")
    assert res.output.read_bytes() == src.read_bytes()


def test_original_only_on_request(tmp_path: Path) -> None:
    src = _samples.jpeg_with_gps(tmp_path / "a.jpg")
    out = tmp_path / "out"
    [res] = evidence.export_evidence([_item(src, "a.jpg")], out)
    assert res.original_output is None
    assert not [p for p in out.iterdir() if ".ORIGINAL" in p.name]
    [res] = evidence.export_evidence([_item(src, "a.jpg")], out, original=True)
    assert res.original_output is not None
    assert res.original_output.read_bytes() == src.read_bytes()
    assert "evidence.warn_original" in res.warnings


def test_shared_only_skips_items_without_consent(tmp_path: Path) -> None:
    a = _samples.jpeg_with_gps(tmp_path / "a.jpg")
    b = _samples.pdf_with_author(tmp_path / "b.pdf")
    res = evidence.export_evidence(
        [_item(a, "a.jpg", 1, share=False), _item(b, "b.pdf", 2)],
        tmp_path / "out",
        shared_only=True,
    )
    assert [r.index for r in res] == [2]


def test_mat2_failure_leaves_no_partial_file(tmp_path: Path) -> None:
    broken = tmp_path / "rusak.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 20)  # a JPEG header and nothing else
    out = tmp_path / "out"
    [res] = evidence.export_evidence([_item(broken, "rusak.jpg")], out)
    assert not res.cleaned and "evidence.warn_mat2_failed" in res.warnings
    assert not list(out.iterdir())  # withheld: no temp dir, no half file, no uncleaned copy
    [res] = evidence.export_evidence([_item(broken, "rusak.jpg")], out, original=True)
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 1 and names[0].endswith(".NOT-CLEANED")


def test_missing_decrypted_file_raises(tmp_path: Path) -> None:
    item = EvidenceItem("cd" * 32, "x.jpg", path=tmp_path / "absent")
    with pytest.raises(EvidenceError):
        evidence.export_evidence([item], tmp_path / "out")


def test_zip_bomb_mimetype_is_not_inflated_into_memory(tmp_path: Path) -> None:
    """Audit F9 (docs/AUDIT-reviewer.md). Bug: format detection read the ZIP member "mimetype"
    with zf.read(), inflating all of it: a few hundred KiB of evidence could ask the laptop for
    gigabytes."""
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("mimetype", "w") as member:
            block = b"\0" * (1 << 20)
            for _ in range(64):  # 64 MiB inflated, about 64 KiB on disk
                member.write(block)
        zf.writestr("content.xml", "<x/>")
    tracemalloc.start()
    try:
        found = evidence.detect(bomb, "laporan.odt")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert found.format == "zip"
    assert peak < 8 << 20
