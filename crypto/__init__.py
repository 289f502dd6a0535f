"""Bisik's formats: every byte layout, key derivation and shared vocabulary (crypto/SPEC.md).

A pure library (no Flask, no SQLAlchemy, no other Bisik package) that runs in the intake
server and on the air-gapped reviewer laptop. Other packages use only the public modules
listed in ``__all__``; the modules whose names start with ``_`` (the header layout, the chunk
stream, the padding, the HPKE composition, the read-ahead and write-behind) are internals, and an
import-linter contract (``pyproject.toml``) stops any other package importing them.

Public modules, one job each:

* ``envelope``     — seal and open envelopes (SPEC §3): ``seal``, ``unseal``, ``Sealer``,
  ``seal_stream``, ``unseal_stream``, ``unseal_to_path``, ``header_mac``, ``open_header_mac``,
  ``recipient_ids``.
* ``inspection``   — what a keyless server may check: ``inspect_header``, ``plausible_size``.
* ``keys``         — key ids, fingerprints, key pairs and public-key loading (SPEC §2).
* ``receipt``      — the reporter's receipt code and what it derives (SPEC §5).
* ``signed``       — the one signed container (SPEC §4).
* ``directory``    — the organisation's signed reviewer directory (SPEC §6).
* ``records``      — signed status and reply records (SPEC §7).
* ``tracking``     — signed tracking steps of the escalation chain (SPEC §16).
* ``identity``     — the reporter's identity disclosure to chosen reviewers (SPEC §17).
* ``followup``     — the reporter's receipt-derived signature on follow-ups (SPEC §12).
* ``document``     — the document inside an envelope (SPEC §8).
* ``proof``        — the proof of report a reporter keeps and anyone checks (SPEC §13).
* ``consent``      — the reporter's later grant or withdrawal of consent (SPEC §14).
* ``links``        — a reviewer's signed link from a new case to an old one (SPEC §15).
* ``report_schema``— the report's vocabulary: field names, codes, version (SPEC §10).
* ``keyfile``      — secrets sealed under a passphrase (Argon2id; SPEC §11.1).
* ``storeseal``    — files sealed under a store key: the reviewer's case store (SPEC §11.2).
* ``encoding``     — unpadded base64url and canonical JSON, shared by every format.
* ``errors``       — ``BisikError`` (with a ``hint``) and its subclasses.
* ``fsutil``       — the one crash-safe file write (``atomic_open``, ``write_atomic``).
"""

__all__ = [
    "consent",
    "directory",
    "document",
    "encoding",
    "envelope",
    "errors",
    "followup",
    "fsutil",
    "identity",
    "inspection",
    "keyfile",
    "keys",
    "links",
    "proof",
    "receipt",
    "records",
    "report_schema",
    "signed",
    "storeseal",
    "tracking",
]
