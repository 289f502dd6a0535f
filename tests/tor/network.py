"""A private Tor network on 127.0.0.1, started by the tests: authorities, relays, a client.

Nothing here reaches the public Tor network: every tor gets ``TestingTorNetwork 1`` and the
private network's own ``DirAuthority`` lines (which replace the built-in authorities and
fallback directories), and every port is a free loopback port.

The network:

* three directory authorities, their v3 keys made with ``tor-gencert``; they vote every
  ``VOTING_INTERVAL`` seconds, read a ``V3BandwidthsFile`` that gives every relay the same small
  bandwidth (so the first consensus already has usable weights), and vote every relay Stable at
  once (``AuthDirVoteStableGuaranteeMinUptime 0``, ``...MTBF 0``; HSDir needs Stable);
* ``RELAYS`` more relays (onion circuits need at least four relays in all);
* a client with a ``SocksPort`` for the browser and for :func:`socks_get`;
* any number of onion services, each given as a torrc text (the tests render it from the
  ``deploy/`` templates); this module only appends the lines that join it to the network.

Every tor is started with ``__OwningControllerProcess`` set to this Python process, and with the
kernel's parent-death signal set to SIGKILL: if the test run is killed (even with SIGKILL), the
kernel ends every tor at once. Tor's own poll of its owner (every 15 s) is not enough alone: a
tor was seen to hang for good in its clean exit ("Catching signal TERM, exiting cleanly", then
every thread waiting on a futex). :meth:`TorNetwork.stop` ends each tor by its own PID, with
SIGKILL after 10 s. Start the network from the main thread: the kernel sends the parent-death
signal when the starting thread ends.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from tests.servers import die_with_parent, free_port

AUTHORITIES = 3
RELAYS = 2
VOTING_INTERVAL = 10
BANDWIDTH = 20  # kB/s for every relay in the bandwidth file: equal, small, known at once
HOST = "127.0.0.1"
DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def load_render() -> ModuleType:
    """deploy/render.py as a module (deploy/ is configuration, not a package)."""
    spec = importlib.util.spec_from_file_location("bisik_deploy_render_tor", DEPLOY / "render.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TorNetworkError(RuntimeError):
    """The private network did not come up (a tor exited, or a readiness step timed out)."""


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise TorNetworkError(f"{name} is not installed: run scripts/install-system-deps.sh")
    return path


# Lines every tor of the network gets.
_COMMON = """\
TestingTorNetwork 1
ShutdownWaitLength 0
ClientUseIPv6 0
"""

# Lines every relay gets, directory authorities included.
_RELAY = """\
Nickname {nick}
ContactInfo bisik-test
SocksPort 0
Address {host}
ORPort {host}:{orport}
DirPort {host}:{dirport}
AssumeReachable 1
ExitRelay 0
ExitPolicy reject *:*
"""

_AUTHORITY = (
    _RELAY
    + """\
AuthoritativeDirectory 1
V3AuthoritativeDirectory 1
V3BandwidthsFile {bwfile}
AuthDirVoteStableGuaranteeMinUptime 0
AuthDirVoteStableGuaranteeMTBF 0
V3AuthVotingInterval {interval}
V3AuthVoteDelay 2
V3AuthDistDelay 2
TestingV3AuthInitialVotingInterval {interval}
TestingV3AuthInitialVoteDelay 2
TestingV3AuthInitialDistDelay 2
TestingV3AuthVotingStartOffset 0
"""
)

_CLIENT = """\
SocksPort {host}:{socks}
"""


@dataclass
class Tor:
    """One tor process of the network: its name, directory, torrc and (once started) process."""

    name: str
    data: Path
    torrc: str
    orport: int = 0
    dirport: int = 0
    args: tuple[str, ...] = ()  # command-line options: they replace the torrc's own
    proc: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.data / "notice.log"

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""


@dataclass
class OnionService:
    """An onion service tor: the caller's torrc plus the network's lines; its address once up."""

    tor: Tor
    onion_dir: Path
    rendered: Path | None = None  # the deploy/ torrc it was rendered from, if it was

    @property
    def hostname(self) -> str:
        return (self.onion_dir / "hostname").read_text().strip()


@dataclass
class TorNetwork:
    """Made by :meth:`create`; add onion services, :meth:`start`, and :meth:`stop` at the end."""

    root: Path
    authorities: list[Tor] = field(default_factory=list)
    relays: list[Tor] = field(default_factory=list)
    client: Tor | None = None
    services: list[OnionService] = field(default_factory=list)
    socks_port: int = 0
    voting_interval: int = VOTING_INTERVAL
    verbatim: list[Tor] = field(default_factory=list)  # deploy/ torrcs that are not services
    dir_lines: str = ""
    started_at: float = 0.0

    # ---- building -------------------------------------------------------------------------

    @classmethod
    def create(
        cls, root: Path, *, relays: int = RELAYS, voting_interval: int = VOTING_INTERVAL
    ) -> TorNetwork:
        """Write keys and torrc files for the authorities, relays and client under ``root``.

        ``voting_interval`` sets the authorities' voting, and so the onion services' time
        period on a test network (24 votes; Onionbalance's ``--is-testnet`` assumes 20 s).
        """
        net = cls(root, voting_interval=voting_interval)
        root.mkdir(parents=True, exist_ok=True)
        relay_tors = []
        for i in range(relays):
            tor = net._node(f"relay{i}")
            tor.orport, tor.dirport = free_port(), free_port()
            tor.torrc = _RELAY.format(
                nick=tor.name, host=HOST, orport=tor.orport, dirport=tor.dirport
            )
            relay_tors.append(tor)
        # key generation is a few tor-gencert and tor processes: run them side by side
        with ThreadPoolExecutor(AUTHORITIES + relays) as pool:
            authority_jobs = pool.map(net._make_authority, range(AUTHORITIES))  # all submitted now
            relay_jobs = pool.map(_fingerprint, relay_tors)
            made, relay_fps = list(authority_jobs), list(relay_jobs)
        fingerprints = []
        for tor, v3ident, fp in made:
            net.authorities.append(tor)
            fingerprints.append(fp)
            net.dir_lines += (
                f"DirAuthority {tor.name} orport={tor.orport} no-v2 v3ident={v3ident} "
                f"{HOST}:{tor.dirport} {fp}\n"
            )
        net.relays = relay_tors
        fingerprints += relay_fps
        _write_bandwidths(root / "bandwidths", fingerprints)
        for tor in net.authorities:
            tor.torrc = tor.torrc.replace("{bwfile}", str(root / "bandwidths"))
        net.socks_port = free_port()
        net.client = net._node("client")
        net.client.torrc = _CLIENT.format(host=HOST, socks=net.socks_port)
        return net

    def node_dir(self, name: str) -> Path:
        """The (new, 0700) data directory of the tor called ``name``."""
        data = self.root / name
        data.mkdir(mode=0o700, parents=True, exist_ok=True)
        return data

    def _node(self, name: str) -> Tor:
        return Tor(name, self.node_dir(name), "")

    def _make_authority(self, i: int) -> tuple[Tor, str, str]:
        tor = self._node(f"auth{i}")
        tor.orport, tor.dirport = free_port(), free_port()
        keys = tor.data / "keys"
        keys.mkdir(mode=0o700, exist_ok=True)
        subprocess.run(
            [
                _tool("tor-gencert"),
                "--create-identity-key",
                "--passphrase-fd",
                "0",
                "-m",
                "12",
                "-a",
                f"{HOST}:{tor.dirport}",
                "-i",
                str(keys / "authority_identity_key"),
                "-s",
                str(keys / "authority_signing_key"),
                "-c",
                str(keys / "authority_certificate"),
            ],
            input=b"\n",
            check=True,
            capture_output=True,
            timeout=60,
        )
        cert = (keys / "authority_certificate").read_text()
        match = re.search(r"^fingerprint ([0-9A-F]{40})$", cert, re.M)
        if match is None:
            raise TorNetworkError("tor-gencert wrote a certificate without a fingerprint")
        tor.torrc = _AUTHORITY.format(
            nick=tor.name,
            host=HOST,
            orport=tor.orport,
            dirport=tor.dirport,
            interval=self.voting_interval,
            bwfile="{bwfile}",
        )
        return tor, match.group(1), _fingerprint(tor)

    def add_onion_service(self, name: str, torrc: str, onion_dir: Path) -> OnionService:
        """Join an onion service whose own torrc (``torrc``) names ``onion_dir``.

        Only network lines are added (the authorities, the test-network switch, a log file):
        every option of ``torrc`` stays as written; where the same option appears again the
        appended value is the one in force (the log, which production sends to syslog).
        """
        tor = self._node(name)
        tor.torrc = torrc
        service = OnionService(tor, onion_dir)
        self.services.append(service)
        return service

    def add_deployed_onion(self, name: str, listen_port: int, rendered: Path) -> OnionService:
        """Join an onion service whose torrc is ``deploy/tor/torrc.template`` rendered into
        ``rendered`` as the installer renders it (proof-of-work defences, sandbox, stream
        limits, circuit ids exported), forwarding port 80 to ``127.0.0.1:listen_port``."""
        data = self.node_dir(name)
        values = {
            "TOR_DATA_DIR": str(data),
            "ONION_DIR": str(data / "hs"),
            "LISTEN_PORT": str(listen_port),
            "ONION_PORT": "80",
        }
        (torrc,) = load_render().render_all(rendered, values, only=["tor/torrc.template"])
        service = self.add_onion_service(name, torrc.read_text(), data / "hs")
        service.rendered = torrc
        return service

    def add_tor(self, name: str, torrc: str, *, args: tuple[str, ...] = ()) -> Tor:
        """Join a tor whose own torrc (a deploy/ template that names its DataDirectory, such
        as the Onionbalance frontend's) is kept as written; ``args`` are command-line options,
        which replace the torrc's (``--ControlPort`` for a local controller, say)."""
        tor = self._node(name)
        if not re.search(r"^DataDirectory ", torrc, re.M):  # Debian's tor@ defaults set it
            torrc = f"DataDirectory {tor.data}\n" + torrc
        tor.torrc, tor.args = torrc, args
        self.verbatim.append(tor)
        return tor

    # ---- running --------------------------------------------------------------------------

    def all_tors(self) -> list[Tor]:
        extra = [self.client] if self.client else []
        services = [s.tor for s in self.services]
        return [*self.authorities, *self.relays, *extra, *services, *self.verbatim]

    def start(self) -> None:
        """Start every tor at once (authorities first); return without waiting for readiness."""
        self.started_at = time.monotonic()
        for tor in self.all_tors():
            self._launch(tor)

    def _launch(self, tor: Tor) -> None:
        as_written = any(t is tor for t in [*self.verbatim, *(s.tor for s in self.services)])
        own = tor.data / "torrc"
        if as_written:
            # the service's torrc verbatim (it names its own DataDirectory); the network after
            text = tor.torrc + "\n## private test network\n" + _COMMON + self.dir_lines
        else:
            text = f"DataDirectory {tor.data}\n" + _COMMON + self.dir_lines + tor.torrc
        own.write_text(text)
        empty = tor.data / "defaults"
        empty.write_text("")
        cmd = [
            _tool("tor"),
            "--defaults-torrc",
            str(empty),
            "-f",
            str(own),
            "--__OwningControllerProcess",
            str(os.getpid()),
            "--Log",
            f"notice file {tor.log}",  # replaces the torrc's Log lines (syslog)
            *tor.args,
        ]
        with (tor.data / "stdout.log").open("wb") as out:  # messages before the log opens
            tor.proc = subprocess.Popen(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=functools.partial(die_with_parent, signal.SIGKILL),
            )

    def check_alive(self) -> None:
        """TorNetworkError naming the first tor that has exited, with its log's tail."""
        for tor in self.all_tors():
            if tor.proc is not None and tor.proc.poll() is not None:
                err = (tor.data / "stdout.log").read_text(errors="replace")
                raise TorNetworkError(
                    f"tor {tor.name} exited ({tor.proc.returncode}): {err[-800:]}\n"
                    + tor.log_text()[-1500:]
                )

    def wait_for_log(self, tor: Tor, pattern: str, timeout: float) -> None:
        """Return once ``tor``'s log matches ``pattern``; TorNetworkError on exit or timeout."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while not regex.search(tor.log_text()):
            self.check_alive()
            if time.monotonic() > deadline:
                raise TorNetworkError(
                    f"tor {tor.name}: no {pattern!r} after {timeout:.0f} s\n"
                    + tor.log_text()[-2000:]
                )
            time.sleep(0.25)

    def wait_ready(self, timeout: float = 240.0) -> None:
        """Client bootstrapped and every onion service has published its descriptor."""
        deadline = time.monotonic() + timeout
        assert self.client is not None
        self.wait_for_log(self.client, r"Bootstrapped 100%", deadline - time.monotonic())
        for service in self.services:
            self.wait_for_log(service.tor, r"Bootstrapped 100%", deadline - time.monotonic())

    def wait_for_hsdirs(self, tor: Tor, count: int, timeout: float = 180.0) -> None:
        """Return once the consensus ``tor`` holds lists at least ``count`` relays with the
        HSDir flag (read from its ``cached-microdesc-consensus``); TorNetworkError otherwise."""
        deadline = time.monotonic() + timeout
        while (have := hsdir_count(tor)) < count:
            self.check_alive()
            if time.monotonic() > deadline:
                raise TorNetworkError(f"tor {tor.name}: {have} HSDirs after {timeout:.0f} s")
            time.sleep(0.5)

    def wait_reachable(
        self, address: str, port: int, path: str = "/", timeout: float = 240.0
    ) -> bytes:
        """GET ``path`` from ``address`` through the client until it answers; the response."""
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                return socks_get(self.socks_port, address, port, path, timeout=30)
            except OSError as exc:
                last = str(exc)
                time.sleep(1)
        raise TorNetworkError(
            f"{address} not reachable after {timeout:.0f} s ({last})\n"
            + "\n".join(f"--- {s.tor.name}\n{s.tor.log_text()[-1500:]}" for s in self.services)
        )

    def stop(self) -> None:
        """End every tor by its own PID: SIGTERM, then SIGKILL after 10 s."""
        tors = [t for t in self.all_tors() if t.proc is not None]
        for tor in tors:
            assert tor.proc is not None
            if tor.proc.poll() is None:
                tor.proc.send_signal(signal.SIGTERM)
        for tor in tors:
            assert tor.proc is not None
            try:
                tor.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                tor.proc.kill()
                tor.proc.wait()


def hsdir_count(tor: Tor) -> int:
    """How many relays the newest consensus ``tor`` stored calls HSDir (0 before it has one)."""
    try:
        text = (tor.data / "cached-microdesc-consensus").read_text(errors="replace")
    except FileNotFoundError:
        return 0
    return sum(1 for line in text.splitlines() if line.startswith("s ") and "HSDir" in line.split())


def _fingerprint(tor: Tor) -> str:
    """The relay identity fingerprint of ``tor`` (tor makes the keys in its data directory)."""
    done = subprocess.run(
        [
            _tool("tor"),
            "--quiet",
            "--ignore-missing-torrc",
            "-f",
            str(tor.data / "none"),
            "--list-fingerprint",
            "--DataDirectory",
            str(tor.data),
            "--ORPort",
            "1",
            "--Nickname",
            tor.name,
            "--TestingTorNetwork",
            "1",
            "--DirAuthority",
            "x orport=1 no-v2 127.0.0.1:1 " + "0" * 40,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    match = re.search(r"^\S+ ((?:[0-9A-F]{4} ?){10})$", done.stdout, re.M)
    if match is None:
        raise TorNetworkError(f"no fingerprint from tor --list-fingerprint: {done.stdout}")
    return match.group(1).replace(" ", "")


def _write_bandwidths(path: Path, fingerprints: Iterable[str]) -> None:
    """A bandwidth file (bandwidth-file-spec 1.0.0): now, then one equal line per relay."""
    lines = [str(int(time.time()))] + [f"node_id=${fp} bw={BANDWIDTH}" for fp in fingerprints]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.rename(path)


# ---- a minimal SOCKS5 client (RFC 1928) for readiness checks ----------------------------------


def socks_get(
    socks_port: int,
    host: str,
    port: int,
    path: str,
    *,
    timeout: float = 30,
    headers: dict[str, str] | None = None,
    isolate: str | None = None,
) -> bytes:
    """The raw HTTP/1.0 response to ``GET path`` on ``host:port``, through the SOCKS port.

    The name is resolved by tor (SOCKS5 domain-name address type), as Tor Browser does.
    ``isolate`` is sent as the SOCKS user name: tor (``IsolateSOCKSAuth``, on by default) then
    uses circuits of that name only, so a new name means a new rendezvous.
    """
    with socket.create_connection((HOST, socks_port), timeout=timeout) as s:
        if isolate is None:
            s.sendall(b"\x05\x01\x00")
            if s.recv(2) != b"\x05\x00":
                raise ConnectionError("SOCKS5 greeting refused")
        else:
            user = isolate.encode()
            s.sendall(b"\x05\x01\x02")  # username/password (RFC 1929)
            if s.recv(2) != b"\x05\x02":
                raise ConnectionError("SOCKS5 greeting refused")
            s.sendall(b"\x01" + bytes([len(user)]) + user + b"\x01x")
            if _recv_exact(s, 2)[1] != 0:
                raise ConnectionError("SOCKS5 authentication refused")
        name = host.encode()
        s.sendall(b"\x05\x01\x00\x03" + bytes([len(name)]) + name + struct.pack(">H", port))
        reply = _recv_exact(s, 4)
        if reply[1] != 0:
            raise ConnectionError(f"SOCKS5 connect failed (reply {reply[1]})")
        size = {1: 4, 4: 16}.get(reply[3]) or _recv_exact(s, 1)[0]
        _recv_exact(s, size + 2)  # the bound address and port
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: {host}\r\n{extra}\r\n".encode())
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def _recv_exact(s: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise ConnectionError("SOCKS5 proxy closed the connection")
        data += chunk
    return data
