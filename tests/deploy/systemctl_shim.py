#!/usr/bin/python3
"""``systemctl`` inside the throwaway root of tests/deploy/test_install_real.py.

There is no systemd as PID 1 on the test machine, so this stands in for the few verbs
deploy/install.sh and docs/OPERATOR.md use (``daemon-reload``, ``enable``, ``disable [--now]``,
``start``, ``restart``, ``stop``, ``is-active``). It reads the installed unit files themselves
(``/etc/systemd/system``, then Debian's ``/lib/systemd/system``; ``name@instance`` from
``name@.service``) and runs what they say: ``ExecStartPre=``, ``ExecStart=`` and
``ExecStartPost=`` with ``%i``/``%%``/``$$`` expanded, ``Environment=``, ``EnvironmentFile=``,
``WorkingDirectory=`` and ``User=``/``Group=`` (through ``setpriv``). ``Type=oneshot`` units run
to the end; others are started in the background and their PID kept in ``$BISIK_TEST_UNITS``.
Timers are only recorded as enabled.

What it does NOT do is what systemd adds around a unit: the sandbox settings, restarts,
notify, cgroups, journald (all checked under a real systemd by tests/deploy/test_systemd_boot.py,
and the sandbox apart by test_sandboxed_intake.py). Any tor it starts gets the private test
network's options from ``$BISIK_TEST_TOR_ARGS`` (a file, one option per line) on its command
line, so it never contacts the public network.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

UNIT_DIRS = (Path("/etc/systemd/system"), Path("/lib/systemd/system"))
STATE = Path(os.environ.get("BISIK_TEST_UNITS", "/run/bisik-test-units"))


def _unit_file(unit: str) -> tuple[Path, str]:
    name = unit if "." in unit else unit + ".service"
    stem, _, suffix = name.rpartition(".")
    base, at, instance = stem.partition("@")
    for directory in UNIT_DIRS:
        for candidate in (name, f"{base}@.{suffix}" if at else None):
            if candidate and (directory / candidate).is_file():
                return directory / candidate, instance
    raise SystemExit(f"systemctl: unit {name} not found")


def _expand(value: str, instance: str) -> str:
    return (
        value.replace("%%", "\0").replace("%i", instance).replace("%I", instance).replace("\0", "%")
    )


def _service(unit: str) -> list[tuple[str, str]]:
    """The [Service] settings of a unit, in order, specifiers expanded."""
    path, instance = _unit_file(unit)
    out, section = [], ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line:
            key, _, value = line.partition("=")
            out.append((key.strip(), _expand(value.strip(), instance)))
    return out


def _environment(settings: list[tuple[str, str]]) -> dict[str, str]:
    env = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG": "C.UTF-8",
    }
    for key, value in settings:
        if key == "Environment":
            for item in shlex.split(value):
                k, _, v = item.partition("=")
                env[k] = v
        elif key == "EnvironmentFile":
            path = Path(value.lstrip("-"))
            if path.is_file():
                for line in path.read_text().splitlines():
                    if "=" in line and not line.lstrip().startswith("#"):
                        k, _, v = line.partition("=")
                        env[k.strip()] = v.strip().strip('"')
            elif not value.startswith("-"):
                raise SystemExit(f"systemctl: missing EnvironmentFile {path}")
    return env


def _argv(command: str, settings: list[tuple[str, str]]) -> list[str]:
    """An Exec line as an argv: prefixes handled, ``$$`` unescaped, run as the unit's user."""
    as_root = False
    while command[:1] in ("-", "@", "+", "!", ":"):
        as_root |= command[0] in ("+", "!")
        command = command[1:]
    argv = [a.replace("$$", "$") for a in shlex.split(command)]
    if os.path.basename(argv[0]) == "tor" and os.environ.get("BISIK_TEST_TOR_ARGS"):
        for line in Path(os.environ["BISIK_TEST_TOR_ARGS"]).read_text().splitlines():
            if line.strip():
                key, _, value = line.strip().partition(" ")
                argv += [f"--{key}", value]
    user = dict(settings).get("User")
    if user and not as_root:
        group = dict(settings).get("Group", user)
        argv = ["setpriv", f"--reuid={user}", f"--regid={group}", "--init-groups", *argv]
    return argv


def _run(command: str, settings: list[tuple[str, str]], env: dict[str, str], cwd: str) -> None:
    done = subprocess.run(_argv(command, settings), env=env, cwd=cwd, check=False)
    if done.returncode != 0 and not command.startswith("-"):
        raise SystemExit(f"systemctl: {command.split()[0]} failed ({done.returncode})")


def _running(unit: str) -> bool:
    pid_file = STATE / f"{unit}.pid"
    try:
        os.kill(int(pid_file.read_text()), 0)
    except (FileNotFoundError, ProcessLookupError, ValueError):
        return False
    return True


def start(unit: str) -> None:
    """Start a unit (nothing to do if it runs already, as with systemd)."""
    if unit.endswith(".timer") or _running(unit):
        return
    settings = _service(unit)
    env = _environment(settings)
    cwd = dict(settings).get("WorkingDirectory", "/").lstrip("-")
    for key, value in settings:
        if key == "ExecStartPre":
            _run(value, settings, env, cwd)
    main = [v for k, v in settings if k == "ExecStart"]
    if dict(settings).get("Type") == "oneshot":
        for command in main:
            _run(command, settings, env, cwd)
        for key, value in settings:
            if key == "ExecStartPost":
                _run(value, settings, env, cwd)
        return
    STATE.mkdir(parents=True, exist_ok=True)
    log = open(STATE / f"{unit}.log", "ab")  # noqa: SIM115
    proc = subprocess.Popen(
        _argv(main[0], settings),
        env=env,
        cwd=cwd,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    (STATE / f"{unit}.pid").write_text(str(proc.pid))
    time.sleep(1)
    if proc.poll() is not None:
        raise SystemExit(f"systemctl: {unit} exited at once ({proc.returncode})")


def stop(unit: str) -> None:
    """SIGTERM the unit's main process, SIGKILL after 30 s."""
    pid_file = STATE / f"{unit}.pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text())
    pid_file.unlink()
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(300):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)


def main(args: list[str]) -> int:
    """The verbs install.sh and docs/OPERATOR.md use; 1 for any other."""
    args = [a for a in args if a not in ("--quiet", "-q", "--no-block")]
    verb, *units = args or ["help"]
    now = "--now" in units
    units = [_full(u) for u in units if u != "--now"]
    if verb == "daemon-reload":
        return 0
    if verb in ("enable", "disable"):
        STATE.mkdir(parents=True, exist_ok=True)
        for unit in units:
            _unit_file(unit)  # fails for a unit that was not installed
            (STATE / f"{unit}.enabled").write_text(verb)
            if now:
                (start if verb == "enable" else stop)(unit)
        return 0
    if verb in ("start", "restart", "stop"):
        for unit in units:
            if verb != "start":
                stop(unit)
            if verb != "stop":
                start(unit)
        return 0
    if verb == "is-active":
        return 0 if all(_running(u) for u in units) else 3
    print(f"systemctl (test stand-in): verb {verb!r} is not supported", file=sys.stderr)
    return 1


def _full(unit: str) -> str:
    return unit if "." in unit else unit + ".service"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
