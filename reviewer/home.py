"""The reviewer home directory (``BISIK_REVIEWER_HOME``) and its configuration.

Layout::

    config.json            deadlines and field names (plain JSON, no secrets)
    keys/reviewer.key      X25519 + Ed25519 private keys and the store key, under the passphrase
    public.json            {id, name, x25519, ed25519, fingerprint}: what the lead signs in
    public.png             QR code of public.json
    org/root.pub           pinned organisation root key (raw 32 bytes)
    org/directory.json     the newest signed directory this laptop trusts
    org/root.key           lead only: the organisation root Ed25519 key, under the passphrase
    org/members.json       lead only: reviewers to sign into the next directory
    store/                 the encrypted case store (reviewer.store)
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


@dataclass(frozen=True)
class Config:
    """Reviewer settings; every deadline is counted from the case's received day."""

    ack_days: int = 7
    feedback_months: int = 3
    due_soon_days: int = 3

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Config:
        known = {f for f in cls.__dataclass_fields__}
        kwargs: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in obj.items() if k in known
        }
        try:
            cfg = cls(**kwargs)
        except TypeError as exc:
            raise UsageError("err.config") from exc
        if not all(isinstance(getattr(cfg, n), int) and getattr(cfg, n) >= 0
                   for n in ("ack_days", "feedback_months", "due_soon_days")):  # fmt: skip
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
        return self.root / "keys" / "reviewer.key"

    @property
    def public_json(self) -> Path:
        return self.root / "public.json"

    @property
    def public_png(self) -> Path:
        return self.root / "public.png"

    @property
    def config_file(self) -> Path:
        return self.root / "config.json"

    @property
    def org(self) -> Path:
        return self.root / "org"

    @property
    def root_pub(self) -> Path:
        return self.org / "root.pub"

    @property
    def root_key(self) -> Path:
        return self.org / "root.key"

    @property
    def members(self) -> Path:
        return self.org / "members.json"

    @property
    def directory(self) -> Path:
        return self.org / "directory.json"

    @property
    def store(self) -> Path:
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
        write_atomic(self.config_file, json.dumps(config.to_json(), indent=2).encode())
