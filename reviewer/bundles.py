"""The one place the reviewer tool touches the transfer-bundle format (``vault.bundle``).

``vault.bundle`` is stdlib + ``crypto`` only (no SQLAlchemy), so it runs air-gapped. Its reader
verifies the server's manifest signature against the directory's server key and every item
hash before yielding anything (vault/BUNDLE.md §3); its writer signs the outbox with the
reviewer's key. Bundle errors are ``vault.bundle.errors.BundleError`` (a BisikError) and
reach the CLI's single error handler unchanged.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from crypto.directory import Directory

from .errors import BundleRefused


def _bundle_module() -> Any:
    try:
        import vault.bundle as bundle
    except ImportError as exc:  # the reviewer extra without the vault package: a broken install
        raise BundleRefused("err.bundle_support") from exc
    if not hasattr(bundle, "read_export") or not hasattr(bundle, "OutboxWriter"):
        raise BundleRefused("err.bundle_support")
    return bundle


SHM = Path("/dev/shm")  # noqa: S108 - only ciphertext is staged, in a 0700 mkdtemp dir
SHM_MAX = 1 << 30


def staging_dir(bundle: Path, fallback: Path) -> Path:
    """Where the reader stages verified items: RAM (``/dev/shm``) for bundles up to 1 GiB that
    fit four times in it, else ``fallback`` on the laptop disk.

    Staged items are ciphertext and signed records only, so RAM staging exposes nothing; it
    saves creating and deleting two files per case on disk, the main cost of a large import.
    """
    size = bundle.stat().st_size
    if SHM.is_dir() and os.access(SHM, os.W_OK):
        st = os.statvfs(SHM)
        if size <= min(st.f_bavail * st.f_frsize // 4, SHM_MAX):
            return SHM
    fallback.mkdir(parents=True, exist_ok=True, mode=0o700)
    return fallback


@contextlib.contextmanager
def open_export(path: Path, directory: Directory, fallback_staging: Path | None = None,
                announce: Callable[[], None] = lambda: None) -> Iterator[Any]:  # fmt: skip
    """A verified export (``.manifest``, ``.items()``); the file must exist and be readable.

    Nothing is yielded unless every check of vault/BUNDLE.md §3 passed; the staging directory
    is removed on exit, whatever happens.
    """
    if not path.is_file():
        raise BundleRefused("err.bundle_missing", path=str(path))
    announce()  # verification reads the whole file before anything is yielded
    stage = staging_dir(path, fallback_staging or path.parent)
    with _bundle_module().read_export(path, directory, staging_dir=stage) as export:
        yield export


def outbox_writer(path: Path, signing_key: Any, directory: Directory, ack: int) -> Any:
    """An ``OutboxWriter`` for ``path``, addressed to the directory's server and signed by
    ``signing_key`` (which must belong to an active reviewer of ``directory``)."""
    if directory.server_key is None:
        raise BundleRefused("err.no_server_key")
    return _bundle_module().OutboxWriter(path, signing_key, directory, ack=ack)
