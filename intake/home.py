"""Creating a server home (``BISIK_HOME``): secrets, the pinned root key, the directory, config.

Used by ``bisik-server init`` and ``bisik-server demo``. Secret files are written with mode
0600 through a temporary file and a rename, so a crash never leaves a half-written key.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from crypto import keys
from crypto.directory import Directory, verify_directory
from crypto.fsutil import write_atomic

from .errors import ConfigError


def write_private(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Atomically write ``data`` to ``path`` with ``mode`` (:func:`crypto.fsutil.write_atomic`)."""
    write_atomic(path, data, mode=mode)


def make_secrets(home: Path) -> Ed25519PublicKey:
    """Create the three secrets if absent; return the server's public signing key."""
    base = home / "secrets"
    signing = base / "signing.key"
    if not signing.exists():
        write_private(signing, keys.raw_private(Ed25519PrivateKey.generate()))
    for name in ("pepper", "flask.key"):
        if not (base / name).exists():
            write_private(base / name, secrets.token_bytes(32))
    return Ed25519PrivateKey.from_private_bytes(signing.read_bytes()).public_key()


def server_public(home: Path) -> Ed25519PublicKey:
    """The server's public signing key (for the directory's ``server`` entry)."""
    path = home / "secrets" / "signing.key"
    if not path.exists():
        raise ConfigError(f"missing {path}", "Run `bisik-server init` first.")
    return Ed25519PrivateKey.from_private_bytes(path.read_bytes()).public_key()


DEFAULT_TOML = """# Bisik intake server settings (BISIK_* environment variables override these).
# db_url = "postgresql+psycopg://postgres@127.0.0.1:5432/bisik"   # default: SQLite in this dir
# blob_store = "database"         # ciphertext as rows of db_url (several nodes); default "files"
listen = "{listen}"
limiter_storage = "{limiter}"     # or "redis://127.0.0.1:6379" when several workers/servers
max_upload_bytes = 4294967296     # one no-JavaScript request, all files together
# min_free_bytes = 1073741824     # refuse uploads that would leave less disk than this free
# read_idle_seconds = 60          # cut a request body that sends nothing for this long
# body_min_rate = 2048            # bytes/s every request body must average (intake/pacing.py)
# upload_slots = 16               # file uploads at once per worker; more get 503 + Retry-After
retention_days = 180

[limits]
submit_session = "20/hour"
submit_global = "6000/minute"
receipt_session = "20/hour"
receipt_global = "600/minute"
upload_session = "200/hour"
upload_global = "3000/minute"
"""


def check_server_key(home: Path, directory: Directory) -> None:
    """ConfigError unless the directory names this home's signing key (proofs and bundles
    are checked against the directory's key, so a mismatch would make them unverifiable)."""
    if not (home / "secrets" / "signing.key").exists():
        return
    named = directory.server_key
    if named is None or keys.raw_public(named) != keys.raw_public(server_public(home)):
        raise ConfigError(
            "the directory does not name this server's signing key",
            f"Have the organisation sign {home / 'server-signing.pub'} into the directory "
            "(bisik-reviewer org sign --server-key FILE) and install that directory.",
        )


def install_org(home: Path, root_pub: bytes, directory: bytes) -> None:
    """Pin the root key and install a directory that must verify against it."""
    root = keys.load_ed25519_public(root_pub)
    check_server_key(home, verify_directory(directory, root))
    (home / "org").mkdir(parents=True, exist_ok=True, mode=0o700)
    write_private(home / "org" / "root.pub", root_pub, 0o644)
    write_private(home / "org" / "directory.json", directory, 0o644)


def init_home(home: Path, *, listen: str = "127.0.0.1:8080", limiter: str = "memory://") -> None:
    """Create the directory layout, secrets and a commented ``server.toml`` (kept if present)."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    for sub in ("tmp", "blobs", "uploads"):
        (home / sub).mkdir(exist_ok=True, mode=0o700)
    make_secrets(home)
    toml = home / "server.toml"
    if not toml.exists():
        toml.write_text(DEFAULT_TOML.format(listen=listen, limiter=limiter), "utf-8")
