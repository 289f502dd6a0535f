"""Documents inside envelopes (crypto/SPEC.md §8) and the report's vocabulary (§10).

Documented refusal: FormatError (for the parse and for the vocabulary checks).
"""

from __future__ import annotations

from crypto import document, report_schema
from crypto.errors import FormatError
from fuzz.common import refusing

VECTORS = ("document-ok-full-report", "document-ok-message", "document-ok-retaliation")


def check(data: bytes) -> None:
    with refusing(FormatError):
        doc = document.parse(data)
        doc.to_bytes()
        if doc.type == "report":
            report_schema.check_report(doc.fields)
        else:
            report_schema.check_message(doc.fields)


def seeds() -> list[bytes]:
    import json
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "crypto" / "vectors"
    out = [
        json.loads((folder / f"{name}.json").read_text("utf-8"))["document"].encode()
        for name in VECTORS
    ]
    out.append(
        document.Document(
            "message", "2026-11-20T08:00:00+00:00", "browser", {"kind": "message", "text": "x"}
        ).to_bytes()
    )
    return out
