"""What one running service holds: config, secrets, the vault and the verified directory.

The directory file is re-read when it changes on disk (a new one from a key ceremony), and
is always verified against the pinned root key before any view uses it.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import current_app

from crypto import keys
from crypto.directory import Directory, verify_directory
from crypto.encoding import b64u_encode
from crypto.errors import BisikError
from vault.store import Vault

from .config import Config, Secrets
from .errors import ConfigError


def load_root(path: Path) -> Ed25519PublicKey:
    """The pinned organisation root key (raw 32 bytes), or ConfigError."""
    if not path.exists():
        raise ConfigError(
            f"missing organisation root key {path}",
            "Copy the organisation's root.pub there (see `bisik-server init --root-pub`).",
        )
    try:
        return keys.load_ed25519_public(path.read_bytes())
    except BisikError as exc:
        raise ConfigError(f"{path} is not a raw 32-byte Ed25519 public key") from exc


@dataclass
class Intake:
    """Per-app service state, stored at ``app.extensions["bisik"]``."""

    config: Config
    secrets: Secrets
    vault: Vault
    root: Ed25519PublicKey
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _cached: tuple[float, bytes, Directory] | None = field(default=None, repr=False)

    @property
    def root_fingerprint(self) -> str:
        """Fingerprint of the organisation root key, shown on the landing page."""
        return keys.fingerprint(self.root)

    @property
    def root_public_b64(self) -> str:
        """The pinned root key as base64url (a meta tag the browser code pins)."""
        return b64u_encode(keys.raw_public(self.root))

    @cached_property
    def scripts(self) -> list[str]:
        """The browser code in ``static/js`` (crypto library first), loaded deferred on every
        page; an empty list leaves the pure no-JavaScript service."""
        found = sorted(p.name for p in (Path(__file__).parent / "static" / "js").glob("*.js"))
        found.sort(key=lambda name: name != "bisik-crypto.js")
        return ["js/" + name for name in found]

    def _load(self) -> tuple[float, bytes, Directory]:
        path = self.config.directory_path
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError as exc:
            raise ConfigError(f"missing reviewer directory {path}") from exc
        cached = self._cached
        today = dt.datetime.now(dt.UTC).date()  # expiry and validity depend on the day
        if cached is not None and cached[0] == mtime and cached[2].today == today:
            return cached
        data = path.read_bytes()
        loaded = (mtime, data, verify_directory(data, self.root, today))
        with self._lock:
            self._cached = loaded
        return loaded

    def directory(self) -> Directory:
        """The verified reviewer directory (SignatureError if it no longer verifies)."""
        return self._load()[2]

    def directory_bytes(self) -> bytes:
        """The signed directory exactly as the organisation issued it (served to browsers)."""
        return self._load()[1]

    def check(self) -> None:
        """Fail at start-up, not on the first request, if the directory is missing or bad,
        or does not name this server's signing key."""
        named = self.directory().server_key
        own = self.secrets.signing_key.public_key()
        if named is None or keys.raw_public(named) != keys.raw_public(own):
            raise ConfigError(
                "the directory does not name this server's signing key",
                "Have the organisation sign server-signing.pub into a new directory.",
            )


def current() -> Intake:
    """The service state of the running app."""
    state: Intake = current_app.extensions["bisik"]
    return state
