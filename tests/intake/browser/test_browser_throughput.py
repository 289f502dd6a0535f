"""How fast the JavaScript path is on this machine (figures for the notes, and a floor).

Prints the in-page sealing rate of BisikCrypto.sealStream over a 32 MiB Blob, and the rate of
a whole browser submission of a 32 MiB file through the live service on loopback (seal,
upload in 1 MiB pieces, finish, report). The floors are far below what an idle 2-core machine
does, so only a real regression (e.g. holding the whole file, or serial round trips per
chunk) trips them. Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIZE = 32 * 1024 * 1024

SEAL_RATE = """async (n) => {
  const C = BisikCrypto, buf = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(buf.subarray(i, i + 65536));
  const pub = (await crypto.subtle.exportKey("raw",
    (await crypto.subtle.generateKey({ name: "X25519" }, true, ["deriveBits"])).publicKey));
  const t = performance.now();
  let total = 0;
  await C.sealStream(new Blob([buf]), [new Uint8Array(pub)], (b) => { total += b.length; });
  return { seconds: (performance.now() - t) / 1000, total: total };
}"""


def test_seal_rate_in_page(page: Any, live: Any) -> None:
    page.goto(live.url + "/submit")
    page.wait_for_selector('#report-form[data-bisik-path="browser"]')
    got = page.evaluate(SEAL_RATE, SIZE)
    rate = SIZE / got["seconds"] / 1e6
    print(f"\nJS sealStream 32 MiB: {rate:.1f} MB/s")
    assert got["total"] == page.evaluate("([n]) => BisikCrypto.envelopeLength(n, 1)", [SIZE])
    assert rate > 5


def test_submission_rate_end_to_end(page: Any, live: Any, tmp_path: Path) -> None:
    path = tmp_path / "video.mp4"
    path.write_bytes(os.urandom(SIZE))
    page.goto(live.url + "/submit")
    page.wait_for_selector('#report-form[data-bisik-path="browser"]')
    page.select_option("#category", "rally")
    page.select_option("#election", "pemilu")
    page.select_option("#province", index=1)
    page.fill("#regency", "Kota")
    page.select_option("#agency_kind", "central")
    page.fill("#reported_position", "Direktur")
    page.fill("#description", "Apel siaga.")
    page.set_input_files("#evidence_1", str(path))
    start = time.monotonic()
    page.click('#report-form button[type="submit"]')
    page.locator("#receipt").wait_for(timeout=120_000)
    seconds = time.monotonic() - start
    print(
        f"\nJS path, 32 MiB file, submit to receipt: {seconds:.2f} s = "
        f"{SIZE / seconds / 1e6:.1f} MB/s"
    )
    assert SIZE / seconds / 1e6 > 1
