"""Upload claims: proof that this server finished an upload, so a report may attach it.

``finish`` returns ``claim = HMAC(key, sha256:size)`` (truncated to 128 bits) under a key
derived from the Flask secret; a report or message may list only blobs with a valid claim,
so nobody can attach a blob they did not upload through this server (for example, a stored
envelope they know the address of). Leaks: nothing; the claim is not tied to a session.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from crypto.encoding import b64u_encode
from vault.blobstore import BlobRef

from .. import security
from ..state import Intake
from .errors import ApiError

MAX_EVIDENCE = 20
_HEX64 = re.compile(r"[0-9a-f]{64}")


def _claim_key(intake: Intake) -> bytes:
    return hmac.new(intake.secrets.flask_key, b"bisik/v1 upload-claim", hashlib.sha256).digest()


def claim(intake: Intake, ref: BlobRef) -> str:
    """The claim of a finished upload (base64url)."""
    msg = f"{ref.sha256}:{ref.size}".encode()
    return b64u_encode(hmac.new(_claim_key(intake), msg, hashlib.sha256).digest()[:16])


def claimed(intake: Intake, items: Any) -> list[BlobRef]:
    """BlobRefs of evidence this browser uploaded (each with a valid claim), without repeats."""
    if not isinstance(items, list) or len(items) > MAX_EVIDENCE:
        raise ApiError("error.malformed")
    refs: list[BlobRef] = []
    for item in items:
        if not isinstance(item, dict):
            raise ApiError("error.malformed")
        sha, size, given = item.get("sha256"), item.get("size"), item.get("claim")
        if not (isinstance(sha, str) and _HEX64.fullmatch(sha) and isinstance(size, int)):
            raise ApiError("error.malformed")
        ref = BlobRef(sha, size)
        if not isinstance(given, str) or not security.same_text(given, claim(intake, ref)):
            raise ApiError("error.upload_integrity", 422)
        if ref not in refs:
            refs.append(ref)
    return refs
