"""The reviewer home directory (``BISIK_REVIEWER_HOME``) and its configuration.

Layout::

    config.json            deadlines and the organisation's letterhead (plain JSON, no secrets)
    keys/reviewer.key      X25519 + Ed25519 private keys and the store key, under the passphrase
    public.json            {id, name, x25519, ed25519, fingerprint}: what the lead signs in
    public.png             QR code of public.json
    org/root.pub           pinned organisation root key (raw 32 bytes)
    org/directory.json     the newest signed directory this laptop trusts
    org/root.key           lead only: the organisation root Ed25519 key, under the passphrase
    org/members.json       lead only: reviewers to sign into the next directory
    store/                 the encrypted case store (reviewer.store)
    tmp/                   a bundle being imported, staged after verification (ciphertext only)
    work/                  evidence decrypted for ``evidence``/``escalate``, only while they run

What leaks to someone holding the disk: the reviewer's public keys and id, the organisation's
directory, and the number and sizes of stored cases; never case content.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from crypto.fsutil import write_atomic

from .errors import NotInitialised, UsageError

ENV_HOME = "BISIK_REVIEWER_HOME"


LETTERHEAD = (
    "org_name",
    "org_address",
    "org_contact",
    "org_city",
    "signatory_name",
    "signatory_title",
)
"""The ``config.json`` keys a dossier letter needs (sender block, place of the date, signature)."""


@dataclass(frozen=True)
class Config:
    """Reviewer settings; every deadline is counted from the case's received day. The
    letterhead fields (:data:`LETTERHEAD`, plus ``letter_code`` in the letter number) are the
    organisation's public identity as a sender of dossiers: never anything about a reporter."""

    ack_days: int = 7
    feedback_months: int = 3
    due_soon_days: int = 3
    org_name: str = ""
    org_address: str = ""
    org_contact: str = ""
    org_city: str = ""
    signatory_name: str = ""
    signatory_title: str = ""
    letter_code: str = "BISIK"

    def letterhead(self) -> dict[str, str]:
        """The sender block of a dossier letter; UsageError naming the missing keys."""
        missing = [k for k in LETTERHEAD if not str(getattr(self, k)).strip()]
        if missing:
            raise UsageError("err.letterhead", missing=", ".join(missing))
        return {k: " ".join(str(getattr(self, k)).split()) for k in (*LETTERHEAD, "letter_code")}

    def to_json(self) -> dict[str, Any]:
        """The settings as ``config.json`` holds them."""
        data = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Config:
        """Read ``config.json``'s object (unknown keys ignored); UsageError for a bad value."""
        known = {f for f in cls.__dataclass_fields__}
        kwargs: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in obj.items() if k in known
        }
        try:
            cfg = cls(**kwargs)
        except TypeError as exc:
            raise UsageError("err.config") from exc
        if not all(
            isinstance(getattr(cfg, n), int) and getattr(cfg, n) >= 0
            for n in ("ack_days", "feedback_months", "due_soon_days")
        ):
            raise UsageError("err.config")
        if not all(isinstance(getattr(cfg, n), str) for n in (*LETTERHEAD, "letter_code")):
            raise UsageError("err.config")
        return cfg


@dataclass(frozen=True)
class Home:
    """Paths inside one reviewer home; creating the object touches nothing on disk."""

    root: Path

    @classmethod
    def from_env(cls, override: str | None = None) -> Home:
        """``--home``, else ``$BISIK_REVIEWER_HOME``, else ``~/.bisik-reviewer``."""
        chosen = override or os.environ.get(ENV_HOME) or str(Path.home() / ".bisik-reviewer")
        return cls(Path(chosen).expanduser())

    @property
    def key_file(self) -> Path:
        """The reviewer's key file (passphrase-sealed, SPEC §11.1)."""
        return self.root / "keys" / "reviewer.key"

    @property
    def public_json(self) -> Path:
        """The reviewer's public card (id, name, keys, fingerprint) to hand to the organisation."""
        return self.root / "public.json"

    @property
    def public_png(self) -> Path:
        """The public card as a QR code image."""
        return self.root / "public.png"

    @property
    def config_file(self) -> Path:
        """The reviewer's settings (deadlines); optional."""
        return self.root / "config.json"

    @property
    def org(self) -> Path:
        """This home's organisation folder (root key ceremony, members, signed directory)."""
        return self.root / "org"

    @property
    def root_pub(self) -> Path:
        """The pinned organisation root public key (raw 32 bytes)."""
        return self.org / "root.pub"

    @property
    def root_key(self) -> Path:
        """The organisation root private key, passphrase-sealed (only on the root holder's home)."""
        return self.org / "root.key"

    @property
    def members(self) -> Path:
        """The root holder's list of members, from which directories are signed."""
        return self.org / "members.json"

    @property
    def directory(self) -> Path:
        """The signed reviewer directory this home trusts."""
        return self.org / "directory.json"

    @property
    def store(self) -> Path:
        """The encrypted local case store (SPEC §11.2)."""
        return self.root / "store"

    def private_workdir(self) -> Path:
        """``<home>/work`` (0700): where evidence is decrypted and cleaned before anything is
        copied out, so no plaintext original is ever written to the ``--out`` medium (a USB
        stick keeps "deleted" files). Emptied of what an interrupted command left; call it
        only inside a session (the store lock means no other command is working there)."""
        work = self.root / "work"
        work.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(work, 0o700)
        for entry in work.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        return work

    def ensure(self) -> None:
        """Create the home with owner-only permissions."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)

    def require_keys(self) -> None:
        """NotInitialised unless this home has a key file."""
        if not self.key_file.exists():
            raise NotInitialised("err.no_keys", home=str(self.root))

    def load_config(self) -> Config:
        """The config file if present, else the defaults (7 days / 3 months)."""
        if not self.config_file.exists():
            return Config()
        try:
            obj = json.loads(self.config_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError("err.config") from exc
        if not isinstance(obj, dict):
            raise UsageError("err.config")
        return Config.from_json(obj)

    def save_config(self, config: Config) -> None:
        """Write ``config.json`` atomically."""
        write_atomic(self.config_file, json.dumps(config.to_json(), indent=2).encode())
