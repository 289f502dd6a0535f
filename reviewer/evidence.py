"""Export a case's evidence with identifying metadata removed, using mat2.

mat2 is the metadata remover Tails ships and SecureDrop's viewing station uses; we call its
command line (``mat2 --inplace``) on a copy in a private temporary directory and list fields
with ``mat2 --show`` before and after, so the report says what was removed and what is left.

Promises:

- The real format is taken from the file's first bytes, never from the reporter's file name;
  the copy handed to mat2 gets the extension of the detected format.
- Executables (PE, ELF, Mach-O, scripts) and macro-bearing documents (OOXML with
  ``vbaProject.bin``, the ``.docm``/``.xlsm`` family, legacy OLE documents) are never given to
  mat2 or any other program.
- Formats mat2 does not handle on this machine (``mat2 --list``; WebP and video without ffmpeg
  are the common ones) and files mat2 fails on are not cleaned either.
- A file that could not be cleaned is NOT written unless asked (``original=True``): the report
  says it was withheld. Asked for, it is copied byte for byte and its name ends in
  ``.NOT-CLEANED`` so no double click runs it.
- The unmodified original of a cleaned file is written only when asked, marked ``.ORIGINAL``.
- Output names are neutral (``evidence-NN.<ext>``); the reporter's file names appear only in the
  returned report. Every file is written atomically (temporary file, fsync, rename), mode 0600.

Leaks: the content itself (faces, places, handwriting, voices, text) is not touched; mat2's
PDF cleaning re-renders pages as images, so text in a cleaned PDF is no longer selectable.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from crypto.fsutil import atomic_open
from reviewer.case import EvidenceItem
from reviewer.errors import EvidenceError

MAT2_TIMEOUT = 600  # seconds; a large video may take a while
NOT_CLEANED = ".NOT-CLEANED"
ORIGINAL = ".ORIGINAL"

# (format name, extension mat2 should see, media type) by magic bytes; order matters.
_MAGIC: tuple[tuple[bytes, int, str, str, str], ...] = (
    (b"\xff\xd8\xff", 0, "jpeg", ".jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "png", ".png", "image/png"),
    (b"GIF8", 0, "gif", ".gif", "image/gif"),
    (b"%PDF-", 0, "pdf", ".pdf", "application/pdf"),
    (b"II*\x00", 0, "tiff", ".tiff", "image/tiff"),
    (b"MM\x00*", 0, "tiff", ".tiff", "image/tiff"),
    (b"OggS", 0, "ogg", ".ogg", "audio/ogg"),
    (b"fLaC", 0, "flac", ".flac", "audio/flac"),
    (b"ID3", 0, "mp3", ".mp3", "audio/mpeg"),
    (b"\x7fELF", 0, "elf", ".elf", "application/x-executable"),
    (b"MZ", 0, "pe", ".exe", "application/x-msdownload"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "ole", ".doc", "application/x-ole-storage"),
    (b"#!", 0, "script", ".sh", "text/x-script"),
)
_MACHO = (
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
)
_RIFF = {
    b"WEBP": ("webp", ".webp", "image/webp"),
    b"WAVE": ("wav", ".wav", "audio/x-wav"),
    b"AVI ": ("avi", ".avi", "video/x-msvideo"),
}
_FTYP_HEIC = {b"heic", b"heix", b"mif1", b"msf1"}
_FTYP_AUDIO = {b"M4A ", b"M4B "}
_EXECUTABLE_FORMATS = {"elf", "pe", "macho", "script"}
_DANGEROUS_EXT = {
    ".exe",
    ".dll",
    ".scr",
    ".com",
    ".bat",
    ".cmd",
    ".ps1",
    ".vbs",
    ".vbe",
    ".js",
    ".jse",
    ".wsf",
    ".wsh",
    ".hta",
    ".msi",
    ".msp",
    ".apk",
    ".jar",
    ".sh",
    ".py",
    ".pl",
    ".lnk",
    ".cpl",
    ".reg",
    ".app",
    ".deb",
    ".rpm",
    ".elf",
    ".bin",
    ".run",
    ".appimage",
}
_MACRO_EXT = {
    ".docm",
    ".dotm",
    ".xlsm",
    ".xltm",
    ".xlam",
    ".pptm",
    ".potm",
    ".ppsm",
    ".ppam",
    ".sldm",
    ".doc",
    ".dot",
    ".xls",
    ".xlt",
    ".ppt",
    ".pps",
}
_OOXML = {"word/": ("docx", ".docx"), "xl/": ("xlsx", ".xlsx"), "ppt/": ("pptx", ".pptx")}
_ODF = {
    "application/vnd.oasis.opendocument.text": ("odt", ".odt"),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods", ".ods"),
    "application/vnd.oasis.opendocument.presentation": ("odp", ".odp"),
    "application/epub+zip": ("epub", ".epub"),
}


@dataclass(frozen=True)
class Detected:
    """What the first bytes (and, for ZIP containers, the member names) say a file is."""

    format: str
    extension: str
    executable: bool = False
    macros: bool = False


@dataclass
class ExportedFile:
    """The outcome for one evidence item. ``removed``/``remaining`` are metadata field names."""

    index: int
    envelope_sha256: str
    original_name: str
    format: str
    output: Path | None
    sha256: str | None
    cleaned: bool
    removed: list[str] = field(default_factory=list)
    remaining: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # catalogue keys
    original_output: Path | None = None

    def to_json(self) -> dict[str, object]:
        """The entry as the export's ``manifest.json`` lists it (original names only here)."""
        return {
            "index": self.index,
            "envelope_sha256": self.envelope_sha256,
            "original_name": self.original_name,
            "format": self.format,
            "output": self.output.name if self.output else None,
            "sha256": self.sha256,
            "cleaned": self.cleaned,
            "removed": self.removed,
            "remaining": self.remaining,
            "warnings": self.warnings,
            "original_output": self.original_output.name if self.original_output else None,
        }


# ---------------------------------------------------------------- detection (never executes)


def detect(path: Path, name: str = "") -> Detected:
    """Identify ``path`` by magic bytes; the reporter's ``name`` only adds warnings.

    Reads the first 64 bytes, and for ZIP files the member names of the central directory
    (nothing is extracted). Never runs or renders the file.
    """
    with open(path, "rb") as fh:
        head = fh.read(64)
    ext = Path(name).suffix.lower()
    found = _by_magic(head) or _zip_kind(path, head) or Detected("unknown", ".bin")
    executable = found.executable or ext in _DANGEROUS_EXT
    macros = found.macros or ext in _MACRO_EXT
    return Detected(found.format, found.extension, executable, macros)


def _by_magic(head: bytes) -> Detected | None:
    if head[:4] in _MACHO:
        return Detected("macho", ".macho", executable=True)
    if head[:4] == b"RIFF" and head[8:12] in _RIFF:
        fmt, ext, _ = _RIFF[head[8:12]]
        return Detected(fmt, ext)
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _FTYP_HEIC:
            return Detected("heic", ".heic")
        return Detected("m4a", ".m4a") if brand in _FTYP_AUDIO else Detected("mp4", ".mp4")
    if head[:2] == b"\xff\xfb" or head[:2] == b"\xff\xf3":
        return Detected("mp3", ".mp3")
    for magic, offset, fmt, ext, _ in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return Detected(fmt, ext, executable=fmt in _EXECUTABLE_FORMATS, macros=fmt == "ole")
    return None


def _zip_kind(path: Path, head: bytes) -> Detected | None:
    if head[:4] != b"PK\x03\x04":
        return None
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            mimetype = ""
            if "mimetype" in names:  # stream 100 bytes: zf.read() would inflate the whole
                with zf.open("mimetype") as member:  # member (a zip bomb) into memory
                    mimetype = member.read(100).decode("ascii", "replace")
    except (zipfile.BadZipFile, OSError, KeyError, NotImplementedError, RuntimeError):
        # NotImplementedError: an unknown compression method; RuntimeError: an encrypted
        # member. Either way: an opaque ZIP, copied out uncleaned, never opened further.
        return Detected("zip", ".zip")
    macros = any(n.lower().endswith("vbaproject.bin") for n in names)
    if mimetype in _ODF:
        fmt, ext = _ODF[mimetype]
        return Detected(fmt, ext, macros=any(n.startswith("Basic/") for n in names))
    if "[Content_Types].xml" in names:
        for prefix, (fmt, ext) in _OOXML.items():
            if any(n.startswith(prefix) for n in names):
                return Detected(fmt, ext, macros=macros)
    if any(n.endswith(".class") for n in names) or "META-INF/MANIFEST.MF" in names:
        return Detected("jar", ".jar", executable=True)
    return Detected("zip", ".zip", macros=macros)


# ---------------------------------------------------------------- mat2


@functools.cache
def mat2_extensions() -> frozenset[str]:
    """File extensions mat2 can clean on this machine (parsed from ``mat2 --list``)."""
    out = _run_mat2(["--list"]).stdout
    return frozenset(e.lower() for e in re.findall(r"(\.[A-Za-z0-9]+)", out))


def _mat2_path() -> str:
    exe = shutil.which("mat2")
    if exe is None:
        raise EvidenceError("mat2 is not installed")
    return exe


def _run_mat2(args: Sequence[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": "/nonexistent",
    }
    return subprocess.run(  # noqa: S603
        [_mat2_path(), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=MAT2_TIMEOUT,
        check=False,
    )


def metadata_fields(path: Path) -> list[str]:
    """Field names ``mat2 --show`` reports for ``path`` (values are not returned: they may
    themselves identify the reporter). Only call on files :func:`detect` found safe."""
    proc = _run_mat2(["--show", "--", path.name], cwd=path.parent)
    names: list[str] = []
    for line in proc.stdout.splitlines():
        m = re.match(r"^\s+(.+?):(?:\s|$)", line)
        if m and not line.lstrip().startswith("[+]"):
            names.append(m.group(1).strip())
    return sorted(set(names))


# Fields mat2 leaves or re-creates that carry nothing about the author.
_HARMLESS = {"format", "creation-date", "mod-date", "ExifByteOrder"}


def clean_file(src: Path, detected: Detected, workdir: Path) -> tuple[Path, list[str], list[str]]:
    """Clean a copy of ``src`` inside ``workdir``; return (cleaned path, removed, remaining).

    Raises EvidenceError if mat2 fails or does not support the format.
    """
    if detected.extension not in mat2_extensions():
        raise EvidenceError(f"mat2 does not support {detected.format} here")
    work = workdir / ("evidence" + detected.extension)
    shutil.copyfile(src, work)
    os.chmod(work, 0o600)
    before = metadata_fields(work)
    proc = _run_mat2(["--inplace", "--", work.name], cwd=workdir)
    if proc.returncode != 0:
        raise EvidenceError(f"mat2 could not clean this {detected.format} file")
    after = metadata_fields(work)
    remaining = [f for f in after if f not in _HARMLESS]
    removed = [f for f in before if f not in after]
    return work, removed, remaining


# ---------------------------------------------------------------- export


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _copy_atomic(src: Path, target: Path) -> None:
    with open(src, "rb") as fin, atomic_open(target) as fout:
        shutil.copyfileobj(fin, fout, 1 << 20)


def export_one(
    index: int, item: EvidenceItem, out_dir: Path, *, original: bool = False
) -> ExportedFile:
    """Export one item into ``out_dir`` (see the module docstring for what is promised)."""
    if item.path is None or not item.path.is_file():
        raise EvidenceError("the decrypted evidence file is missing")
    det = detect(item.path, item.name)
    stem = f"evidence-{index:02d}"  # neutral: no reporter file name, no envelope hash
    result = ExportedFile(index, item.envelope_sha256, item.name, det.format, None, None, False)
    if det.executable:
        result.warnings.append("evidence.warn_executable")
    if det.macros:
        result.warnings.append("evidence.warn_macros")
    if not (det.executable or det.macros):
        _try_clean(item.path, det, out_dir / (stem + det.extension), result)
    if not result.cleaned and not original:
        # issue 5: the original (with its metadata) comes out only on explicit request
        result.warnings.append("evidence.warn_withheld")
    elif not result.cleaned:
        target = out_dir / (stem + det.extension + NOT_CLEANED)
        _copy_atomic(item.path, target)
        result.output, result.sha256 = target, _sha256_file(target)
        result.original_output = target
        result.warnings.append("evidence.warn_original")
    elif original:
        target = out_dir / (stem + ORIGINAL + det.extension)
        _copy_atomic(item.path, target)
        result.original_output = target
        result.warnings.append("evidence.warn_original")
    return result


def _try_clean(src: Path, det: Detected, target: Path, result: ExportedFile) -> None:
    if det.extension not in mat2_extensions():
        result.warnings.append("evidence.warn_unsupported")
        return
    # beside the decrypted source (a private directory), not beside the target: the copy
    # mat2 works on still holds every metadata field and must never touch the output medium
    with tempfile.TemporaryDirectory(prefix=".bisik-mat2-", dir=src.parent) as tmp:
        os.chmod(tmp, 0o700)
        try:
            cleaned, removed, remaining = clean_file(src, det, Path(tmp))
        except (EvidenceError, subprocess.TimeoutExpired):
            result.warnings.append("evidence.warn_mat2_failed")
            return
        _copy_atomic(cleaned, target)
    result.output, result.sha256, result.cleaned = target, _sha256_file(target), True
    result.removed, result.remaining = removed, remaining
    if remaining:
        result.warnings.append("evidence.warn_remaining")


def export_evidence(
    items: Sequence[EvidenceItem],
    out_dir: Path,
    *,
    original: bool = False,
    shared_only: bool = False,
) -> list[ExportedFile]:
    """Export every item (or only those the reporter allowed to share) into ``out_dir``.

    ``out_dir`` is created (mode 0700) if needed. Each file appears complete or not at all.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    chosen = [(i, it) for i, it in enumerate(items, 1) if it.share or not shared_only]
    return [export_one(i, it, out_dir, original=original) for i, it in chosen]
