"""QR codes of a public card: a PNG file and a text rendering for the terminal.

The QR code holds the exact ``public.json`` bytes, so a phone or second laptop that scans it
can recompute the fingerprint itself instead of trusting the one printed beside it.
"""

from __future__ import annotations

from pathlib import Path

import qrcode
import qrcode.constants

from crypto.fsutil import write_atomic


def _code(data: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(data)
    code.make(fit=True)
    return code


def write_png(data: str, path: Path) -> None:
    """Write the QR code of ``data`` as a PNG (atomically)."""
    import io

    buf = io.BytesIO()
    _code(data).make_image().save(buf, format="PNG")
    write_atomic(path, buf.getvalue(), mode=0o644)


def terminal(data: str) -> str:
    """The QR code as text: two modules per character with half blocks, dark on light."""
    matrix = _code(data).get_matrix()
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))
    chars = {(False, False): "█", (True, False): "▄", (False, True): "▀", (True, True): " "}
    rows = []
    for top, bottom in zip(matrix[0::2], matrix[1::2], strict=True):
        rows.append("".join(chars[(a, b)] for a, b in zip(top, bottom, strict=True)))
    return "\n".join(rows)
