"""Small builders shared by the vault tests (real envelopes, real signed records)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from crypto import envelope, records
from crypto.keys import KeyPair, raw_public
from vault.blobstore import BlobRef
from vault.store import Vault


@dataclass
class Reviewer:
    """A reviewer key pair for sealing test envelopes and signing records."""

    keys: KeyPair

    @classmethod
    def new(cls) -> Reviewer:
        return cls(KeyPair.generate())

    def status(self, case_id: str, state: str, at: str) -> bytes:
        authority = "BKN" if state == "escalated" else None
        return records.status(self.keys.signing, case_id, state, authority=authority, at=at)


def sealed_blob(vault: Vault, reviewer: Reviewer, plaintext: bytes) -> BlobRef:
    """Seal ``plaintext`` to the reviewer and store the envelope."""
    return vault.blobs.put_bytes(envelope.seal(plaintext, [reviewer.keys.public.encryption]))


def new_case(vault: Vault, reviewer: Reviewer, *, evidence: int = 1) -> str:
    """A case with a sealed report and ``evidence`` sealed evidence blobs."""
    report = sealed_blob(vault, reviewer, b"report " + secrets.token_bytes(8))
    ev = [sealed_blob(vault, reviewer, secrets.token_bytes(2000)) for _ in range(evidence)]
    return vault.create_case(
        lookup_tag=secrets.token_bytes(32),
        reply_public=raw_public(KeyPair.generate().encryption.public_key()),
        recipients=["rev-a"], report_blob=report, evidence=ev,
    )  # fmt: skip
