"""The one place the reviewer tool touches the transfer-bundle format (``vault.bundle``).

``vault.bundle`` is stdlib + ``crypto`` only (no SQLAlchemy), so it runs air-gapped. Its reader
verifies the server's manifest signature against the directory's server key and every item
hash before yielding anything (vault/BUNDLE.md §3); its writer signs the outbox with the
reviewer's key. Bundle errors are ``vault.bundle.errors.BundleError`` (a BisikError) and
reach the CLI's single error handler unchanged.

Staging: the reader copies every verified item into a staging directory before handing any
out. The import command stages in ``<home>/tmp`` (:func:`staging_root`), on the laptop's
encrypted disk beside the store — not in ``$TMPDIR``, which is RAM on many laptops (a
multi-GiB bundle would sit in memory) — so evidence envelopes reach ``store/blobs`` by hard
link, without a second copy. Staged bytes are ciphertext and signed records only; they are
removed when the import ends, and anything an interrupted import left behind is swept the next
time one starts.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from crypto.directory import Directory

from .errors import BundleRefused
from .home import Home
from .i18n import t
from .ui.progress import Progress

STAGING = "tmp"  # <home>/tmp: nothing but staging of bundles being imported
_RUN_PREFIX = "import-"


def _bundle_module() -> Any:
    try:
        import vault.bundle as bundle
    except ImportError as exc:  # the reviewer extra without the vault package: a broken install
        raise BundleRefused("err.bundle_support") from exc
    if not hasattr(bundle, "read_export") or not hasattr(bundle, "OutboxWriter"):
        raise BundleRefused("err.bundle_support")
    return bundle


def staging_root(home: Home) -> Path:
    """``<home>/tmp``, owner-only (0700), emptied of what interrupted imports left behind.

    Call it only while holding the store lock (inside a session): the lock guarantees no other
    import is staging there, so everything in it is stale.
    """
    root = home.root / STAGING
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(root, 0o700)  # an older or hand-made directory may have been wider
    for entry in root.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
    shutil.rmtree(home.store / "staging", ignore_errors=True)  # where older versions staged
    return root


def staged_bytes(run_dir: Path, sizes: dict[str, int]) -> int:
    """Bytes staged so far under ``run_dir`` (the reader's one ``bisik-stage-*`` directory).

    Items are staged in order, one file each (``0``, ``1``…), so every numbered file but the
    newest is complete: its size is cached in ``sizes`` and never stat-ed again. One call costs
    one directory listing plus a few ``stat``s, whatever the number of items.
    """
    total = 0
    for stage in os.scandir(run_dir):
        if not stage.is_dir(follow_symlinks=False):
            continue
        names = [e.name for e in os.scandir(stage.path)]
        numbered = sorted((int(n) for n in names if n.isdigit()), reverse=True)
        for n in numbered[1:]:
            key = str(n)
            if key not in sizes:
                with contextlib.suppress(OSError):
                    sizes[key] = os.stat(os.path.join(stage.path, key)).st_size
            total += sizes.get(key, 0)
        live = [n for n in names if not n.isdigit()] + [str(n) for n in numbered[:1]]
        for name in live:
            with contextlib.suppress(OSError):
                total += os.stat(os.path.join(stage.path, name)).st_size
    return total


class StagingMeter:
    """A byte counter for the verification phase, drawn on ``stream`` by a polling thread.

    ``vault.bundle.read_export`` offers no progress hook, so this watches the staging directory
    grow (:func:`staged_bytes`) against the bundle's size, in KiB. With ``stream`` None it does
    nothing (no thread). It never touches the data: it sees names and sizes only.
    """

    def __init__(
        self, run_dir: Path, total_bytes: int, stream: TextIO | None, interval: float = 0.25
    ) -> None:
        self.run_dir, self.interval, self.enabled = run_dir, interval, stream is not None
        self.bar = Progress(
            max(total_bytes >> 10, 1),
            t("import.verify_progress"),
            stream=stream,
            force=self.enabled,
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="bisik-staging-meter", daemon=True)
        self._sizes: dict[str, int] = {}

    def _tick(self) -> None:
        try:
            kib = staged_bytes(self.run_dir, self._sizes) >> 10
        except OSError:  # the directory is being removed: nothing to report
            return
        if kib > self.bar.done:
            self.bar.advance(min(kib, self.bar.total) - self.bar.done)

    def _poll(self) -> None:
        while not self._stop.wait(self.interval):
            self._tick()

    def __enter__(self) -> StagingMeter:
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if not self.enabled:
            return
        self._stop.set()
        self._thread.join()
        if exc_type is None:  # verified: the whole file was read
            self.bar.advance(self.bar.total - self.bar.done)
        self.bar.close()


@contextlib.contextmanager
def open_export(
    path: Path,
    directory: Directory,
    staging: Path | None = None,
    announce: Callable[[], None] = lambda: None,
    *,
    progress: TextIO | None = None,
) -> Iterator[Any]:
    """A verified export (``.manifest``, ``.items()``); the file must exist and be readable.

    Nothing is yielded unless every check of vault/BUNDLE.md §3 passed. Items are staged in a
    private directory made inside ``staging`` (the command passes :func:`staging_root`; None
    means ``$TMPDIR``), removed on exit whatever happens. While the bundle is verified a byte
    counter is drawn on ``progress`` (default: stderr, only if it is a terminal).
    """
    if not path.is_file():
        raise BundleRefused("err.bundle_missing", path=str(path))
    announce()  # verification reads the whole file before anything is yielded
    run_dir = Path(tempfile.mkdtemp(prefix=_RUN_PREFIX, dir=staging))
    try:
        stream = progress if progress is not None else (sys.stderr if sys.stderr.isatty() else None)
        with StagingMeter(run_dir, path.stat().st_size, stream):
            export = _bundle_module().read_export(path, directory, staging_dir=run_dir)
        with export:
            yield export
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def outbox_writer(path: Path, signing_key: Any, directory: Directory, ack: int) -> Any:
    """An ``OutboxWriter`` for ``path``, addressed to the directory's server and signed by
    ``signing_key`` (which must belong to an active reviewer of ``directory``)."""
    if directory.server_key is None:
        raise BundleRefused("err.no_server_key")
    return _bundle_module().OutboxWriter(path, signing_key, directory, ack=ack)
