"""One command's view of the reviewer home: unlocked identity, open store, trusted directory.

Every command uses :func:`open_session` so that the passphrase is asked once, the store is
locked for the length of the command, and the directory is verified against the pinned root
every time::

    with open_session(args) as s:       # args: the parsed argparse namespace
        s.store.cases                    # case id -> index summary (what list/due read)
        s.store.case(id)                 # the typed case (reviewer.case.Case), parsed once
        s.store.blob_path(sha256)        # an evidence envelope, still sealed to the reviewers
        s.identity.keys.encryption       # X25519 private key to open envelopes
        s.directory, s.config, s.home

``bisik-reviewer shell`` opens one session with :func:`hold_session` and keeps it for its
whole life: while it is held, :func:`open_session` hands out that same session (same unlocked
identity, same locked store, the config re-read) without asking for the passphrase or paying
Argon2id again, and :func:`home_of` answers the shell's home. A command inside the shell that
names another ``--home`` is refused rather than silently given the shell's.

What stays in memory while a session is held: the private keys, the store key and the
decrypted case index, in this process only. Python cannot overwrite memory it has freed;
:func:`hold_session` drops every reference on exit and the shell process ends right after,
which is what actually returns the memory to the system.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from crypto.directory import Directory

from . import identity, org, passphrase
from .errors import UsageError
from .home import Config, Home
from .i18n import t
from .identity import Identity
from .store import CaseStore
from .ui.terminal import err


@dataclass
class Session:
    """An unlocked reviewer home: identity, open store and settings (see :func:`open_session`)."""

    home: Home
    identity: Identity
    store: CaseStore
    config: Config

    @property
    def directory(self) -> Directory:
        """The trusted directory (NotInitialised if none was adopted yet)."""
        return org.load_directory(self.home)


_held: Session | None = None  # the shell's session while it runs
unlocks = 0  # passphrase unlocks (Argon2id runs) in this process: --verbose reports each one


def held() -> Session | None:
    """The session a running shell holds, else None."""
    return _held


def _check_home(args: argparse.Namespace, home: Home) -> None:
    wanted = getattr(args, "home", None)
    if wanted is not None and Home.from_env(wanted).root.resolve() != home.root.resolve():
        raise UsageError("err.shell_home", home=str(home.root))


def home_of(args: argparse.Namespace) -> Home:
    """``--home``, ``$BISIK_REVIEWER_HOME`` or the default; inside a shell, the shell's home."""
    if _held is not None:
        _check_home(args, _held.home)
        return _held.home
    return Home.from_env(getattr(args, "home", None))


def unlock(args: argparse.Namespace) -> tuple[Home, Identity]:
    """Ask for the passphrase once and open the reviewer key file (one Argon2id run)."""
    home = home_of(args)
    home.require_keys()
    return home, _unlock(args, home, passphrase.obtain(getattr(args, "passphrase_file", None)))


def _unlock(
    args: argparse.Namespace, home: Home, secret: str, beside: Callable[[], object] | None = None
) -> Identity:
    """One Argon2id run; ``beside`` (work that needs no key) runs on this thread meanwhile,
    the Argon2id run on another (libsodium releases the GIL). Both have ended when this
    returns or raises; an exception from ``beside`` wins over one from the unlock."""
    global unlocks
    start = time.perf_counter()
    result: list[Identity] = []
    failure: list[BaseException] = []

    def work() -> None:
        try:
            result.append(identity.unlock(home, secret))
        except BaseException as exc:  # raised on the caller's thread below
            failure.append(exc)

    if beside is None:
        work()
    else:
        thread = threading.Thread(target=work, name="bisik-unlock", daemon=True)
        thread.start()
        try:
            beside()
        finally:
            thread.join()
    if failure:
        raise failure[0]
    unlocks += 1
    if getattr(args, "verbose", False):
        err(
            "debug: "
            + t("session.unlocked", n=unlocks, seconds=f"{time.perf_counter() - start:.2f}")
        )
    return result[0]


@contextlib.contextmanager
def _fresh(
    args: argparse.Namespace, holder: str = "command", beside: Callable[[], object] | None = None
) -> Iterator[Session]:
    """Passphrase, then the store lock, then the unlock (with ``beside``), then the store."""
    home = home_of(args)
    home.require_keys()
    secret = passphrase.obtain(getattr(args, "passphrase_file", None))
    unlocked: list[Identity] = []

    def store_key() -> bytes:  # called by CaseStore.open once the lock is held
        unlocked.append(_unlock(args, home, secret, beside))
        return unlocked[0].store_key

    config = home.load_config()
    with CaseStore.open(home.store, store_key, holder=holder) as store:
        yield Session(home, unlocked[0], store, config)


@contextlib.contextmanager
def _opened(home: Home, ident: Identity, holder: str) -> Iterator[Session]:
    config = home.load_config()
    with CaseStore.open(home.store, ident.store_key, holder=holder) as store:
        yield Session(home, ident, store, config)


@contextlib.contextmanager
def open_home(home: Home, passphrase: str, *, holder: str = "shell") -> Iterator[Session]:
    """The library way in, for a program that is not the command line (a desktop window):
    unlock ``home``'s key file with ``passphrase`` (one Argon2id run; WrongPassphrase if it
    does not open), lock and open the store, and hand out a Session until the block ends.

    ``holder`` is what a refused ``bisik-reviewer`` command is told holds the store (a
    long-lived program should say ``shell``: "type it there, or close it"). The same memory
    rule as :func:`hold_session`: the keys live in this process until it ends.
    """
    home.require_keys()
    ident = identity.unlock(home, passphrase)
    with _opened(home, ident, holder) as session:
        yield session


@contextlib.contextmanager
def open_session(
    args: argparse.Namespace, *, beside: Callable[[], object] | None = None
) -> Iterator[Session]:
    """Lock the store, unlock, and hand out a Session; the store lock is released on exit.

    Inside a shell: the shell's session (config re-read), no passphrase, and the lock stays.
    ``beside`` is work that needs the store lock but no key (verifying and staging a bundle):
    it runs while Argon2id derives the key, and has run before the Session is handed out
    (in a shell, where nothing is unlocked, it simply runs first).
    """
    if _held is not None:
        _check_home(args, _held.home)
        if beside is not None:
            beside()
        yield dataclasses.replace(_held, config=_held.home.load_config())
        return
    with _fresh(args, beside=beside) as session:
        yield session


@contextlib.contextmanager
def hold_session(args: argparse.Namespace) -> Iterator[Session]:
    """Unlock once and make every :func:`open_session` of this process return this session
    until exit; the store stays locked throughout. UsageError if one is already held."""
    global _held
    if _held is not None:
        raise UsageError("err.shell_nested")
    with _fresh(args, holder="shell") as session:
        _held = session
        try:
            yield session
        finally:
            _held = None
            session.store.index = {"v": 0, "cases": {}, "meta": {}}
            del session
            gc.collect()
