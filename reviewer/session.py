"""One command's view of the reviewer home: unlocked identity, open store, trusted directory.

Commands (and the other engineer's ``evidence``/``escalate``/``track``/``stats`` modules) use
:func:`open_session` so that the passphrase is asked once, the store is locked for the length of
the command, and the directory is verified against the pinned root every time::

    with open_session(args) as s:       # args: the parsed argparse namespace
        s.store.cases                    # case id -> summary;  s.store.load_case(id) -> dict
        s.store.blob_path(sha256)        # an evidence envelope, still sealed to the reviewers
        s.identity.keys.encryption       # X25519 private key to open envelopes
        s.directory, s.config, s.home
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from crypto.directory import Directory

from . import identity, org, passphrase
from .home import Config, Home
from .identity import Identity
from .store import CaseStore


@dataclass
class Session:
    home: Home
    identity: Identity
    store: CaseStore
    config: Config

    @property
    def directory(self) -> Directory:
        """The trusted directory (NotInitialised if none was adopted yet)."""
        return org.load_directory(self.home)


def home_of(args: argparse.Namespace) -> Home:
    return Home.from_env(getattr(args, "home", None))


def unlock(args: argparse.Namespace) -> tuple[Home, Identity]:
    """Ask for the passphrase once and open the reviewer key file."""
    home = home_of(args)
    home.require_keys()
    secret = passphrase.obtain(getattr(args, "passphrase_file", None))
    return home, identity.unlock(home, secret)


@contextlib.contextmanager
def open_session(args: argparse.Namespace) -> Iterator[Session]:
    """Unlock, lock the store, and hand out a Session; the store lock is released on exit."""
    home, ident = unlock(args)
    config = home.load_config()
    with CaseStore.open(home.store, ident.store_key) as store:
        yield Session(home, ident, store, config)
