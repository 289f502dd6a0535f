import os, time
from pathlib import Path
def test_prof(page, live, tmp_path):
    path = tmp_path / "v.bin"; path.write_bytes(os.urandom(16 << 20))
    times = []
    page.on("requestfinished", lambda r: times.append((r.method, r.url.split('?')[0][-30:], r.timing)))
    page.goto(live.url + "/submit")
    page.wait_for_selector('#report-form[data-bisik-path="browser"]')
    page.select_option("#category", "rally"); page.select_option("#election", "pemilu")
    page.select_option("#province", index=1); page.fill("#regency", "Kota")
    page.select_option("#agency_kind", "central"); page.fill("#reported_position", "D"); page.fill("#description", "A")
    page.set_input_files("#evidence_1", str(path))
    t = time.monotonic()
    page.click('#report-form button[type="submit"]')
    page.locator("#receipt").wait_for(timeout=120_000)
    print("total", time.monotonic() - t)
    for m, u, tm in times[-8:]:
        print(m, u, {k: round(v) for k, v in tm.items() if k in ("requestStart", "responseStart", "responseEnd", "connectEnd")})
