"""Benchmark: one evidence file through the JS path and the no-JS path over a Tor-like link.

The intake runs under gunicorn (deploy settings, 2 workers) on 127.0.0.1; chromium reaches it
through ``bench/shaped_link.py`` (400 ms round trip, 2 MB/s per direction shared by all
connections, 512 KiB in flight per direction). In the same run, in interleaved rounds:

  * ``no-JS``: JavaScript off, the form posts the file, the server seals it (the baseline);
  * ``JS``: the page seals the file and uploads pieces as the server asks (2 MiB, 3 in flight);
  * ``JS 1x1MiB``: the same page told to send one 1 MiB piece at a time (the former client);
  * the floor: file size / link rate.

Each figure is the time from the click on "send" to the receipt in the page, as the page
itself saw it (both paths alike; Playwright's polling is not used for timing); medians over
the rounds with [min-max]. First, in the page (no shaping): sealing a 64 MiB File with
``BisikCrypto.sealStream`` against WebCrypto's own AES-GCM over the same bytes and against
reading the File alone (sealing's two bounds), in a rotated order each round. Last, the
server's cost per 2 MiB piece (``Vault.append_upload``, CPU and wall time) and of ``finish``,
beside a plain 2 MiB file write in the same run.

    .venv/bin/python bench/tor_upload_bench.py            # 16 MiB, 3 rounds
    .venv/bin/python bench/tor_upload_bench.py --full     # also 256 MiB (3 rounds; without
                                                          # the 1 MiB variant: ~35 min alone)
    .venv/bin/python bench/tor_upload_bench.py --over-tor # the same through the private Tor
                                                          # network of tests/tor (a real onion)
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from intake_bench import make_home  # noqa: E402
from shaped_link import ShapedLink  # noqa: E402

from tests import chromium  # noqa: E402
from tests.chromium import ARGS, CHROMIUM  # noqa: E402
from tests.intake.browser.helpers import fill_report  # noqa: E402
from tests.servers import IntakeNode, clean_env  # noqa: E402
from vault.store import Vault  # noqa: E402

RTT, RATE = 0.4, 2e6
WORKERS, THREADS = 2, 8  # the intake under gunicorn with deploy/'s config, 2 workers


def one_at_a_time(route: Any) -> None:
    """Rewrite the page's upload plan (meta bisik-upload): one 1 MiB piece in flight, the
    former client's way."""
    resp = route.fetch()
    page = re.sub(r'(<meta name="bisik-upload" content=")[^"]*', r"\g<1>1048576 1", resp.text())
    route.fulfill(response=resp, body=page)


# When the receipt enters the page (wall clock, ms), seen by the page itself: Playwright's own
# wait polls every 500 ms once it has waited a while, which a new page (the no-JS receipt)
# escapes and a changed page (the JS receipt) does not, so it would time the two unequally.
WATCH_RECEIPT = """() => new MutationObserver((_, seen) => {
  if (document.getElementById("receipt")) {
    window.bisikReceiptAt = performance.timeOrigin + performance.now(); seen.disconnect();
  }
}).observe(document.body, {childList: true, subtree: true})"""
# The no-JS receipt is a new page: its element is in the DOM once the page is parsed.
PARSED_AT = """() => performance.timeOrigin
  + performance.getEntriesByType("navigation")[0].domInteractive"""


def submit(browser: Any, url: str, file: Path, variant: str) -> float:
    """Seconds from the click on send to the receipt in the page (the same clock for both
    paths: the wall clock at the click, the page's own wall-clock time of the receipt)."""
    context = browser.new_context(java_script_enabled=variant != "no-JS")
    page = context.new_page()
    page.set_default_timeout(900_000)
    if variant == "JS 1x1MiB":
        page.route("**/submit", one_at_a_time)
    page.goto(url + "/submit")
    if variant != "no-JS":
        page.wait_for_selector('#report-form[data-bisik-path="browser"]')
        page.evaluate(WATCH_RECEIPT)
    fill_report(page, [file])
    began = time.time() * 1000
    page.click('#report-form button[type="submit"]')
    page.locator("#receipt").wait_for()
    shown = page.evaluate(PARSED_AT if variant == "no-JS" else "() => window.bisikReceiptAt")
    context.close()
    return (float(shown) - began) / 1000


SEAL_RATE = """async ([mib, order]) => {
  const recipients = (await BisikApi.directory()).recipients([]);
  const n = mib << 20, CH = 65536;
  const data = new Uint8Array(n);
  for (let i = 0; i < n; i += CH) crypto.getRandomValues(data.subarray(i, i + CH));
  const blob = new Blob([data]);
  const key = await crypto.subtle.generateKey({name: "AES-GCM", length: 256}, false, ["encrypt"]);
  const ways = {
    // both at once, with nothing tying them: what the machine gives the two jobs together
    both: () => Promise.all([ways.read(), ways.webcrypto()]),
    webcrypto: async () => {  // WebCrypto alone: 64 KiB chunks, 16 at a time, from memory
      for (let off = 0; off < n; off += 16 * CH) {
        const jobs = [];
        for (let k = 0; k < 16 && off + k * CH < n; k++) {
          const iv = new Uint8Array(12);
          new DataView(iv.buffer).setUint32(8, off / CH + k);
          jobs.push(crypto.subtle.encrypt({name: "AES-GCM", iv}, key,
                                          data.subarray(off + k * CH, off + (k + 1) * CH)));
        }
        await Promise.all(jobs);
      }
    },
    read: async () => {  // reading the File through its stream, doing nothing with it
      const reader = blob.stream().getReader();
      while (!(await reader.read()).done) { /* the read's own rate: sealing's other bound */ }
    },
    // the upload's blocks, and 4 MiB ones
    seal1: () => BisikCrypto.sealStream(blob, recipients, () => {}, {readSize: 1 << 20}),
    seal4: () => BisikCrypto.sealStream(blob, recipients, () => {}, {readSize: 4 << 20}),
  };
  const out = {};
  for (const name of order) {
    const t = performance.now();
    await ways[name]();
    out[name] = performance.now() - t;
  }
  return out;
}"""
SEAL_WAYS = {
    "webcrypto": "WebCrypto AES-GCM alone",
    "read": "reading the File alone",
    "both": "both at once, independent",
    "seal1": "sealStream, 1 MiB blocks",
    "seal4": "sealStream, 4 MiB blocks",
}


def sealing_rate(browser: Any, url: str, rounds: int, mib: int = 64) -> None:
    """Sealing a File in the page against its two bounds on the same bytes: WebCrypto's own
    AES-GCM from memory, reading the File, and both at once with nothing tying them (what
    the machine's cores give the two jobs together; sealing cannot beat it). Each round
    measures every way in a rotated order, so none always runs first."""
    page = browser.new_page()
    page.goto(url + "/submit")
    page.wait_for_selector('#report-form[data-bisik-path="browser"]')
    ways = list(SEAL_WAYS)
    rate: dict[str, list[float]] = {w: [] for w in ways}
    for r in range(rounds):
        order = ways[r % len(ways) :] + ways[: r % len(ways)]
        for way, ms in page.evaluate(SEAL_RATE, [mib, order]).items():
            rate[way].append(mib * 1.048576 / (ms / 1000))  # MB/s
    page.close()
    print(f"\nsealing {mib} MiB in the page ({rounds} rounds, order rotated)")
    raw, both = statistics.median(rate["webcrypto"]), statistics.median(rate["both"])
    for way, name in SEAL_WAYS.items():
        col = rate[way]
        print(
            f"  {name:28} {statistics.median(col):7.0f} MB/s [{min(col):.0f}–{max(col):.0f}]"
            f"   {statistics.median(col) / raw:.2f}x WebCrypto"
            f"   {statistics.median(col) / both:.2f}x both at once"
        )


def fmt(values: list[float]) -> str:
    return f"{statistics.median(values):7.2f} s [{min(values):.2f}–{max(values):.2f}]"


def links(sizes: list[tuple[int, int]], base: Path, seal_rounds: int) -> None:
    from playwright.sync_api import sync_playwright

    server = IntakeNode("intake", make_home(base), clean_env(), workers=WORKERS, threads=THREADS)
    port = server.port
    link = None
    try:
        server.start()
        link = ShapedLink(port, rtt=RTT, rate=RATE).start()
        url = f"http://127.0.0.1:{link.port}"
        all_variants = ["no-JS", "JS", "JS 1x1MiB"]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            sealing_rate(browser, f"http://127.0.0.1:{port}", seal_rounds)
            for size, rounds in sizes:
                variants = all_variants if size <= 64 << 20 else all_variants[:2]
                file = base / "rekaman.mp4"
                file.write_bytes(os.urandom(size))
                times: dict[str, list[float]] = {v: [] for v in variants}
                for r in range(rounds):
                    order = variants if r % 2 == 0 else variants[::-1]  # interleaved
                    for v in order:
                        times[v].append(submit(browser, url, file, v))
                print(
                    f"\n{size >> 20} MiB over {RTT * 1000:.0f} ms RTT, {RATE / 1e6:.0f} MB/s "
                    f"({rounds} rounds, interleaved)"
                )
                print(f"  {'floor (size / rate)':22} {size / RATE:7.2f} s")
                nojs = statistics.median(times["no-JS"])
                for v in variants:
                    ratio = statistics.median(times[v]) / nojs
                    print(f"  {v:22} {fmt(times[v])}   {ratio:.2f}x no-JS")
            browser.close()
    finally:
        if link:
            link.stop()
        server.stop()


def over_tor(sizes: list[tuple[int, int]], base: Path) -> None:
    """The same submissions through the private Tor network of tests/tor (three authorities,
    two relays, a client; the onion's torrc rendered from deploy/): chromium over the client's
    SOCKS port to the onion, no shaping, no-JS and JS interleaved."""
    from playwright.sync_api import sync_playwright

    from tests.tor.onion import intake_onion

    home = make_home(base)
    with intake_onion(home, base, workers=WORKERS, threads=THREADS) as running:
        url = running.url
        args = chromium.over_tor(running.network.socks_port, url)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
            for size, rounds in sizes:
                file = base / "rekaman.mp4"
                file.write_bytes(os.urandom(size))
                times: dict[str, list[float]] = {"no-JS": [], "JS": []}
                for r in range(rounds):
                    for v in ["no-JS", "JS"] if r % 2 == 0 else ["JS", "no-JS"]:
                        times[v].append(submit(browser, url, file, v))
                print(
                    f"\n{size >> 20} MiB through the private Tor network (onion, 6 hops; "
                    f"{rounds} rounds, interleaved)"
                )
                nojs = statistics.median(times["no-JS"])
                for v, values_ in times.items():
                    ratio = statistics.median(values_) / nojs
                    print(f"  {v:22} {fmt(values_)}   {ratio:.2f}x no-JS")
            browser.close()


def _timed(fn: Callable[[], Any]) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - cpu, time.perf_counter() - wall


def server_cost(pieces: int, base: Path) -> None:
    """Per-piece CPU and wall time of Vault.append_upload, beside a plain 2 MiB write."""
    piece = secrets.token_bytes(2 << 20)
    vault = Vault.open(f"sqlite:///{base / 'v.sqlite'}", base / "vhome")
    try:
        owner = secrets.token_bytes(32)
        uid = vault.start_upload(owner=owner, total_size=pieces * len(piece))
        costs = [
            _timed(lambda i=i: vault.append_upload(uid, owner, i * len(piece), piece))
            for i in range(pieces)
        ]
        fin = _timed(lambda: vault.finish_upload(uid, owner))
        plain = []
        for _ in range(pieces):
            path = base / "plain"
            plain.append(_timed(lambda p=path: p.write_bytes(piece)))
    finally:
        vault.close()
    print(f"\nserver, one 2 MiB piece ({pieces} pieces, SQLite, page cache):")
    for name, rows in (("append_upload", costs), ("plain file write", plain)):
        cpu = [c * 1000 for c, _ in rows]
        wall = [w * 1000 for _, w in rows]
        print(f"  {name:18} CPU {_ms(cpu)}   wall {_ms(wall)}")
    print(
        f"  finish ({pieces * 2} MiB)     CPU {fin[0] * 1000:6.1f} ms   "
        f"wall {fin[1] * 1000:6.1f} ms  (hash kept on the way: fsync and move only)"
    )


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values):6.2f} ms [{min(values):.2f}–{max(values):.2f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="16 MiB (5 rounds) and 256 MiB (3)")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--sealing-only", action="store_true", help="only the in-page rates")
    parser.add_argument(
        "--over-tor",
        action="store_true",
        help="only the submissions through the private Tor network",
    )
    args = parser.parse_args()
    small = args.rounds or (5 if args.full else 3)
    sizes = [(16 << 20, small)] + ([(256 << 20, args.rounds or 3)] if args.full else [])
    with tempfile.TemporaryDirectory(prefix="bisik-torbench-") as tmp:
        base = Path(tmp)
        if args.over_tor:
            over_tor(sizes, base)
            return
        links([] if args.sealing_only else sizes, base, max(6, small))  # 2 per position
        if not args.sealing_only:
            server_cost(64, base)


if __name__ == "__main__":
    main()
