"""Run a reviewer command on a real pseudo-terminal and answer its prompts, as a person would.

Used where a finding happened on a terminal: the shell's prompt, the redaction questions of
``escalate``. The child's stdin, stdout and stderr are the pty's far end, so ``isatty()`` is
true for it and everything it writes (escape sequences included) comes back byte for byte.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time

CLI = [sys.executable, "-m", "reviewer.cli"]


def child_env(**extra: str) -> dict[str, str]:
    """The test's environment without passphrase or language overrides, unbuffered."""
    env = {k: v for k, v in os.environ.items() if k not in ("BISIK_PASSPHRASE", "BISIK_LANG")}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def drive_tty(
    argv: list[str],
    lines: list[str],
    *,
    marker: bytes = b"bisik> ",
    deadline: float = 60.0,
    env: dict[str, str] | None = None,
) -> tuple[bytes, int]:
    """Run ``argv`` on a pty, typing the next of ``lines`` each time ``marker`` appears once
    more in the output; returns (every byte written to the terminal, exit status)."""
    main_fd, sub_fd = os.openpty()
    proc = subprocess.Popen(
        argv, stdin=sub_fd, stdout=sub_fd, stderr=sub_fd, env=env or child_env(), close_fds=True
    )
    os.close(sub_fd)
    seen, sent, end = b"", 0, time.monotonic() + deadline
    try:
        while time.monotonic() < end:
            ready, _, _ = select.select([main_fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(main_fd, 4096)
                except OSError:  # the other side closed: the program ended
                    break
                if not chunk:
                    break
                seen += chunk
            if sent < len(lines) and seen.count(marker) > sent:
                os.write(main_fd, lines[sent].encode())
                sent += 1
            if proc.poll() is not None and not ready:
                break
        return seen, proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(main_fd)
