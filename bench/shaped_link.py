"""A TCP proxy on 127.0.0.1 that behaves like a slow, far-away link (a Tor circuit, roughly).

Every byte crossing the proxy waits for its turn on a shared link of ``rate`` bytes per second
(one link per direction, shared by all connections, as the streams of one Tor circuit share
it) and then for ``rtt / 2`` of propagation delay. At most ``window`` bytes wait per direction;
beyond that the proxy stops reading, so the sender feels back-pressure (Tor's flow-control
window plays this part on a real circuit). Used by ``bench/tor_upload_bench.py`` where
``tc netem`` is not available (no netem module, or no network namespace).

    python bench/shaped_link.py --listen 8001 --target 8000 --rtt 0.4 --rate 2e6
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import threading
import time


class Link:
    """One direction of the link: when the next byte may leave, and how many are waiting."""

    def __init__(self, rate: float, delay: float, window: int) -> None:
        self.rate, self.delay, self.window = rate, delay, window
        self.free_at = 0.0

    def backlog(self, now: float) -> float:
        return max(0.0, self.free_at - now) * self.rate

    def schedule(self, size: int, now: float) -> float:
        """Time at which ``size`` bytes sent now arrive at the far end."""
        self.free_at = max(now, self.free_at) + size / self.rate
        return self.free_at + self.delay


def _deliver(writer: asyncio.StreamWriter, data: bytes) -> None:
    """Hand ``data`` on, unless the far end has gone (a browser closed the connection while
    bytes were still on the way): those bytes are dropped, as the network would."""
    if not writer.is_closing():
        writer.write(data)


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: Link) -> None:
    loop = asyncio.get_running_loop()
    pending: list[asyncio.TimerHandle] = []
    try:
        while True:
            excess = link.backlog(loop.time()) - link.window
            if excess > 0:
                await asyncio.sleep(excess / link.rate)
            data = await reader.read(16384)
            if not data:
                break
            arrive = link.schedule(len(data), loop.time())
            pending.append(loop.call_at(arrive, _deliver, writer, data))
        last = link.free_at + link.delay - loop.time()
        await asyncio.sleep(max(0.0, last) + 0.001)
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        for handle in pending:
            handle.cancel()
        writer.close()


class ShapedLink:
    """The proxy, run on a thread of its own: ``start()``, then ``port``; ``stop()`` at the end."""

    def __init__(
        self,
        target: int,
        *,
        rtt: float = 0.4,
        rate: float = 2e6,
        window: int = 512 * 1024,
        listen: int = 0,
    ) -> None:
        self.target, self.listen = target, listen
        self.up = Link(rate, rtt / 2, window)
        self.down = Link(rate, rtt / 2, window)
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.close()
            return
        await asyncio.gather(_pump(reader, up_writer, self.up), _pump(up_reader, writer, self.down))
        for w in (writer, up_writer):
            with contextlib.suppress(OSError):
                w.close()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", self.listen)
        )
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()

    def start(self) -> ShapedLink:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", type=int, required=True)
    parser.add_argument("--target", type=int, required=True)
    parser.add_argument("--rtt", type=float, default=0.4)
    parser.add_argument("--rate", type=float, default=2e6)
    args = parser.parse_args()
    link = ShapedLink(args.target, rtt=args.rtt, rate=args.rate, listen=args.listen).start()
    shape = f"rtt {args.rtt}s, {args.rate:.0f} B/s"
    print(f"127.0.0.1:{link.port} -> 127.0.0.1:{args.target} ({shape})")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        link.stop()


if __name__ == "__main__":
    main()
