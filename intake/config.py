"""The server's configuration: ``BISIK_HOME/server.toml`` overlaid by ``BISIK_*`` environment
variables, and the secrets in ``BISIK_HOME/secrets/``.

Everything is loaded once into frozen, typed objects. Secrets have no defaults: a missing or
malformed one stops start-up with a :class:`~intake.errors.ConfigError` that names the file to
create. Nothing here is logged; ``Secrets`` hides its fields from ``repr``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .errors import ConfigError

BLOB_STORES = ("files", "database")
MiB = 1 << 20
GiB = 1 << 30


@dataclass(frozen=True)
class Limits:
    """Request budgets (flask-limiter strings). None of them is keyed by a client address."""

    submit_session: str = "20/hour"
    submit_global: str = "6000/minute"
    upload_session: str = "200/hour"
    upload_global: str = "3000/minute"
    receipt_session: str = "20/hour"
    receipt_global: str = "600/minute"
    # Per Tor circuit (intake.circuit): what one circuit may spend, however many throw-away
    # sessions it opens. Only requests that came over an onion circuit have one.
    submit_circuit: str = "30/hour"
    upload_circuit: str = "400/hour"
    receipt_circuit: str = "30/hour"


@dataclass(frozen=True)
class Config:
    """Typed server settings. ``home`` is ``BISIK_HOME``; the other paths derive from it."""

    home: Path
    db_url: str = ""
    listen: str = "127.0.0.1:8080"
    limiter_storage: str = "memory://"
    # Where ciphertext lives: "files" (under the home) or "database" (rows of db_url, so
    # several intake nodes share blobs and unfinished uploads through PostgreSQL alone).
    blob_store: str = "files"
    max_upload_bytes: int = 4 * GiB  # one whole request: form fields plus every file
    max_files: int = 20
    max_field_bytes: int = 64 * 1024  # any one text field
    max_text_bytes: int = 256 * 1024  # all text fields together
    min_free_bytes: int = GiB  # uploads are refused when they would leave less disk free
    # Unfinished resumable uploads together may hold at most this many bytes (0: the larger
    # of one whole upload and 8 × min_free_bytes); see intake.free_space.
    upload_quota_bytes: int = 0
    # Disk kept free above min_free_bytes for text-only submissions, which files and
    # resumable uploads may not use (0: as much as min_free_bytes).
    text_reserve_bytes: int = 0
    read_idle_seconds: int = 60  # a request body that sends nothing this long is cut
    body_min_rate: int = 2048  # bytes/s a body must average (with read_idle_seconds of credit)
    upload_slots: int = 16  # long bodies (files, upload pieces) at once, per worker process
    session_minutes: int = 120  # sliding: renewed on every page the reporter opens
    receipt_floor_ms: int = 300  # every receipt check takes at least this long
    retention_days: int = 180
    log_file: str = ""  # empty: log to stderr (never an access log)
    limits: Limits = field(default_factory=Limits)

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL: ``db_url`` if set, else ``bisik.sqlite`` in the home."""
        return self.db_url or f"sqlite:///{self.home / 'bisik.sqlite'}"

    @property
    def upload_quota(self) -> int:
        """Bytes unfinished uploads may hold together (``upload_quota_bytes`` or its default)."""
        return self.upload_quota_bytes or max(self.max_upload_bytes, 8 * self.min_free_bytes)

    @property
    def upload_floor(self) -> int:
        """Free bytes files and upload pieces must leave: the floor plus the text reserve."""
        return self.min_free_bytes + (self.text_reserve_bytes or self.min_free_bytes)

    @property
    def tmp_dir(self) -> Path:
        """The only temporary directory the service uses (ciphertext only)."""
        return self.home / "tmp"

    @property
    def root_pub_path(self) -> Path:
        """The pinned organisation root public key (raw 32 bytes)."""
        return self.home / "org" / "root.pub"

    @property
    def directory_path(self) -> Path:
        """The signed reviewer directory the service serves and seals to."""
        return self.home / "org" / "directory.json"


@dataclass(frozen=True, repr=False)
class Secrets:
    """The three secrets the service needs. Never printed, never logged."""

    signing_key: Ed25519PrivateKey
    pepper: bytes
    flask_key: bytes

    def __repr__(self) -> str:
        return "Secrets(<hidden>)"


_ENV = {
    "BISIK_DB_URL": "db_url",
    "BISIK_LISTEN": "listen",
    "BISIK_LIMITER_STORAGE": "limiter_storage",
    "BISIK_BLOB_STORE": "blob_store",
    "BISIK_MAX_UPLOAD_BYTES": "max_upload_bytes",
    "BISIK_MIN_FREE_BYTES": "min_free_bytes",
    "BISIK_UPLOAD_QUOTA_BYTES": "upload_quota_bytes",
    "BISIK_TEXT_RESERVE_BYTES": "text_reserve_bytes",
    "BISIK_LOG_FILE": "log_file",
    "BISIK_READ_IDLE_SECONDS": "read_idle_seconds",
    "BISIK_BODY_MIN_RATE": "body_min_rate",
    "BISIK_UPLOAD_SLOTS": "upload_slots",
    "BISIK_RETENTION_DAYS": "retention_days",
}


def _coerce(name: str, value: Any) -> Any:
    kind = {f.name: f.type for f in fields(Config)}[name]
    try:
        return int(value) if kind in ("int", int) else str(value)
    except ValueError as exc:
        raise ConfigError(f"setting {name} must be a whole number") from exc


def load(home: Path | str | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read ``server.toml`` from ``home`` (default ``$BISIK_HOME``), then apply environment."""
    env = os.environ if env is None else env
    home_text = str(home) if home is not None else env.get("BISIK_HOME", "")
    if not home_text:
        raise ConfigError(
            "BISIK_HOME is not set", "Set BISIK_HOME to the server's state directory."
        )
    home_path = Path(home_text).resolve()
    values: dict[str, Any] = {}
    toml_path = home_path / "server.toml"
    if toml_path.exists():
        try:
            values = tomllib.loads(toml_path.read_text("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{toml_path} is not valid TOML") from exc
    known = {f.name for f in fields(Config)} - {"home", "limits"}
    unknown = set(values) - known - {"limits"}
    if unknown:
        raise ConfigError(f"unknown settings in {toml_path}: {', '.join(sorted(unknown))}")
    limits = Limits(**{k: str(v) for k, v in values.pop("limits", {}).items()})
    settings = {k: _coerce(k, v) for k, v in values.items()}
    for var, name in _ENV.items():
        if var in env:
            settings[name] = _coerce(name, env[var])
    if settings.get("blob_store", "files") not in BLOB_STORES:
        raise ConfigError(
            f"blob_store must be one of {', '.join(BLOB_STORES)}",
            'Set blob_store = "files" (one server) or "database" (nodes sharing PostgreSQL).',
        )
    return Config(home=home_path, limits=limits, **settings)


def with_overrides(config: Config, **changes: Any) -> Config:
    """A copy of ``config`` with some settings changed (tests, the CLI)."""
    return replace(config, **changes)


def _read_secret(path: Path, what: str, length: int | None) -> bytes:
    if not path.exists():
        raise ConfigError(
            f"missing secret {path} ({what})",
            f"Create it with `bisik-server init`, or write {length or 'at least 32'} random "
            f"bytes to {path} with mode 0600.",
        )
    data = path.read_bytes()
    if (length is not None and len(data) != length) or len(data) < 32:
        raise ConfigError(f"secret {path} ({what}) has the wrong length")
    return data


def load_secrets(config: Config) -> Secrets:
    """Load the signing key, receipt pepper and Flask key; ConfigError names what is missing."""
    base = config.home / "secrets"
    signing = _read_secret(base / "signing.key", "server Ed25519 signing key", 32)
    return Secrets(
        signing_key=Ed25519PrivateKey.from_private_bytes(signing),
        pepper=_read_secret(base / "pepper", "receipt lookup pepper", 32),
        flask_key=_read_secret(base / "flask.key", "Flask secret key", None),
    )
