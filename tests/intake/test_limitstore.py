"""The budgets' storage (issue 8): keyed names and coarse expiries in a real Redis, and what
happens when that Redis goes away (each budget falls back to per-worker counters).

A redis-server of our own on a free port is started for these tests (never the shared one),
so it can be stopped and restarted; it runs without persistence, as OPERATOR.md asks.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator

import pytest
import redis
from flask import Flask

from crypto import receipt
from intake.config import Limits
from intake.limitstore import coarse_expiry
from tests.servers import OwnRedis

from .conftest import csrf_of
from .helpers import report_fields


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _followup(app: Flask) -> Callable[[], int]:
    client = app.test_client()
    token = csrf_of(client, "/followup")

    def attempt() -> int:
        return client.post(
            "/followup", data={"csrf_token": token, "receipt": receipt.generate()}
        ).status_code

    return attempt


def test_coarse_expiry_is_never_shorter_and_ends_on_a_unit() -> None:
    now = 1_800_000_000.4  # some instant
    for expiry, unit in ((60, 60), (3600, 600), (7200, 3600), (2 * 86400, 86400), (5, 60)):
        seconds = coarse_expiry(expiry, now)
        assert seconds >= expiry
        assert seconds < max(expiry, unit) + unit + 1  # outlives its window by ≤ one unit
        assert abs((now + seconds) / unit - round((now + seconds) / unit)) * unit < 1


def test_counters_in_redis_carry_no_session_id_and_no_precise_expiry(
    make_app, own_redis: OwnRedis
) -> None:  # type: ignore[no-untyped-def]
    app = make_app(limiter_storage=own_redis.url)
    client = app.test_client()
    token = csrf_of(client, "/followup")
    sid = client.get_cookie("bisik_sid").value.split(".")[0]  # type: ignore[union-attr]
    assert client.post("/followup", data={"csrf_token": token, "receipt": receipt.generate()})
    submit_token = csrf_of(client)
    client.post("/submit", data=report_fields(submit_token), content_type="multipart/form-data")

    store = redis.Redis(port=own_redis.port)
    names = [k.decode() for k in store.keys("*")]
    assert len(names) >= 3  # session and global receipt counters, submission counters, ...
    for name in names:
        assert re.fullmatch(r"LIMITS:b/[A-Za-z0-9_-]{16}", name), name  # keyed hash, fixed size
        assert sid not in name and "followup" not in name
        ttl = store.pttl(name) / 1000
        expires = time.time() + ttl
        minute_end = abs(expires - round(expires / 60) * 60) < 1.5
        assert minute_end, (name, ttl)  # ends on a whole minute (or hour, or day)
        assert (store.memory_usage(name) or 0) <= 96  # bytes: the bound in intake/README.md


def test_redis_down_falls_back_to_per_worker_budgets(make_app, own_redis: OwnRedis) -> None:  # type: ignore[no-untyped-def]
    app = make_app(limiter_storage=own_redis.url, limits=Limits(receipt_session="3/hour"))
    attempt = _followup(app)
    assert [attempt(), attempt()] == [404, 404]  # counted in Redis
    own_redis.stop()
    # Redis is gone: no error page, and the session's budget still holds (counted locally
    # from zero, so three more, then refused)
    assert [attempt() for _ in range(4)] == [404, 404, 404, 429]
    other = _followup(app)
    assert other() == 404  # another session is not affected

    own_redis.start()  # an empty Redis again (no persistence)
    time.sleep(5.5)  # FALLBACK_SECONDS: the storage is tried again
    fresh = _followup(app)
    assert fresh() == 404
    assert redis.Redis(port=own_redis.port).dbsize() >= 2  # counting in Redis again


def test_redis_down_a_used_form_token_is_still_refused(make_app, own_redis: OwnRedis) -> None:  # type: ignore[no-untyped-def]
    app = make_app(limiter_storage=own_redis.url)
    client = app.test_client()
    own_redis.stop()
    page = client.get("/submit").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    form = re.search(r'name="submission" value="([0-9a-f]{32})"', page)
    assert token and form
    data = report_fields(token.group(1), submission=form.group(1))
    first = client.post("/submit", data=data, content_type="multipart/form-data")
    assert first.status_code == 200 and 'id="receipt"' in first.get_data(as_text=True)
    again = client.post("/submit", data=data, content_type="multipart/form-data")
    assert again.status_code == 409  # the reload is caught by the worker that took the report
