"""Run a command under an emulation of three bisik.service settings, for tests/deploy.

    /usr/bin/python3 sandbox_exec.py SYSCALLS_FILE -- COMMAND [ARGS...]

- NoNewPrivileges=yes        -> prctl(PR_SET_NO_NEW_PRIVS)
- MemoryDenyWriteExecute=yes -> prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN) (Linux >= 6.3):
                                no mapping may be writable and executable, as systemd enforces
- SystemCallFilter=...       -> a libseccomp filter allowing exactly the syscall names in
  SystemCallErrorNumber=EPERM   SYSCALLS_FILE (one per line, expanded from the unit by the
                                test) and failing every other call with EPERM

All three survive execve, so COMMAND runs as it would under systemd in these respects. Runs
with Debian's python3 because the libseccomp binding is the Debian package python3-seccomp.
"""

from __future__ import annotations

import ctypes
import errno
import os
import sys

PR_SET_NO_NEW_PRIVS = 38
PR_SET_MDWE = 65
PR_MDWE_REFUSE_EXEC_GAIN = 1


def _prctl(option: int, value: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, value, 0, 0, 0) != 0:
        code = ctypes.get_errno()
        sys.exit(f"sandbox_exec: prctl({option}) failed: {os.strerror(code)}")


def _load_filter(names: list[str]) -> int:
    import seccomp

    filt = seccomp.SyscallFilter(defaction=seccomp.ERRNO(errno.EPERM))
    allowed = 0
    for name in names:
        try:
            filt.add_rule(seccomp.ALLOW, name)
            allowed += 1
        except (RuntimeError, ValueError):  # not a syscall on this architecture
            continue
    filt.load()
    return allowed


def main() -> None:
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="ascii") as fh:
        names = [line.strip() for line in fh if line.strip()]
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    _prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN)
    _load_filter(names)
    os.execv(sys.argv[3], sys.argv[3:])  # noqa: S606


if __name__ == "__main__":
    main()
