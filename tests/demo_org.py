"""A demo organisation made with the real reviewer tool (:mod:`intake.demo`), and its reviewers'
``bisik-reviewer`` run as separate processes, as people run it on the laptop.

The set-up the end-to-end, Tor and scale-out tests share: one copy of how the demo is made for
a test (cheap Argon2id) and of how a reviewer command is run against it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from intake import demo


def make_demo(where: Path) -> demo.Demo:
    """A demo organisation under ``where``, made with the real reviewer tool and the ``test``
    Argon2id profile (so unlocking takes milliseconds)."""
    old = demo.KDF_PROFILE
    demo.KDF_PROFILE = "test"
    try:
        return demo.create(where)
    finally:
        demo.KDF_PROFILE = old


def run_reviewer(made: demo.Demo, who: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``bisik-reviewer ARGS`` for reviewer ``who`` (English messages) as a separate process."""
    env = {**os.environ, "BISIK_LANG": "en", "BISIK_REVIEWER_HOME": str(made.reviewer_homes[who])}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "reviewer.cli",
            *args,
            "--passphrase-file",
            str(made.root / "passphrase.txt"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def reviewer(made: demo.Demo, who: str, *args: str) -> str:
    """:func:`run_reviewer`, which must succeed; its stdout."""
    done = run_reviewer(made, who, *args)
    assert done.returncode == 0, f"bisik-reviewer {args[0]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout
