"""The one unlocked session of the window, opened and closed through the library.

:meth:`Holder.unlock` runs :func:`reviewer.session.open_home` (one Argon2id run, the store
lock held with holder ``shell``, so a ``bisik-reviewer`` command started meanwhile is told to
close the app first); :meth:`Holder.lock` ends it: the store lock is released and every
reference to the keys and the decrypted index is dropped.

Leaks: as with the shell, Python cannot overwrite memory it has freed. Locking drops the keys
and case data this object holds and runs the garbage collector; quitting the app is what
returns the memory to the system.
"""

from __future__ import annotations

import contextlib
import gc

from ..home import Home
from ..session import Session, open_home


class Holder:
    """Holds at most one open :class:`~reviewer.session.Session`."""

    def __init__(self) -> None:
        self._stack: contextlib.ExitStack | None = None
        self.session: Session | None = None

    def unlock(self, home: Home, passphrase: str) -> Session:
        """Open ``home`` with ``passphrase``; WrongPassphrase (nothing changed) if it is wrong,
        StoreError if another program holds the store."""
        self.lock()
        stack = contextlib.ExitStack()
        session = stack.enter_context(open_home(home, passphrase, holder="shell"))
        self._stack, self.session = stack, session
        return session

    def lock(self) -> None:
        """Close the session (no-op when none is open)."""
        stack, self._stack = self._stack, None
        if self.session is not None:
            self.session.store.index = {"v": 0, "cases": {}, "meta": {}}
        self.session = None
        if stack is not None:
            stack.close()
        gc.collect()
