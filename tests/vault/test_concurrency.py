"""Concurrent writers: the journal never shows a gap an export cursor could skip."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.vault.helpers import Reviewer, new_case
from vault.store import Vault


@pytest.fixture
def vaults(vault_db_url: str, tmp_path: Path) -> Iterator[tuple[Vault, Vault]]:
    """Two Vault objects (two engines, as in two server processes) on one database."""
    a = Vault.open(vault_db_url, tmp_path / "home")
    b = Vault.open(vault_db_url, tmp_path / "home")
    yield a, b
    a.close()
    b.close()


def test_a_late_commit_never_hides_behind_a_higher_seq(vaults: tuple[Vault, Vault]) -> None:
    a, b = vaults
    reviewer = Reviewer.new()
    case1, case2 = new_case(a, reviewer), new_case(a, reviewer)
    before = a.last_seq()
    done = threading.Event()
    errors: list[BaseException] = []

    def other_writer() -> None:
        try:
            b.add_status(case2, reviewer.status(case2, "in_review", "2026-03-02T00:00:00+00:00"))
        except BaseException as exc:  # reported to the main thread below
            errors.append(exc)
        done.set()

    with a.batch() as tx:  # a slow import: appended, not yet committed
        tx.add_status(case1, reviewer.status(case1, "in_review", "2026-03-01T00:00:00+00:00"))
        thread = threading.Thread(target=other_writer)
        thread.start()
        finished_early = done.wait(0.5)
        # a reader (an export) must not block on the open write, and must see no gap
        seen = [i.seq for i in b.items_since(before)]
    thread.join(20)
    assert not errors
    final = [i.seq for i in a.items_since(before)]
    assert len(final) == 2
    assert not finished_early, "the second writer committed while the first held its seq"
    assert seen == final[: len(seen)]
    assert seen == []


def test_many_concurrent_writers_get_distinct_increasing_seqs(
    vaults: tuple[Vault, Vault],
) -> None:
    a, b = vaults
    reviewer = Reviewer.new()
    errors: list[BaseException] = []

    def writer(v: Vault) -> None:
        try:
            for _ in range(5):
                new_case(v, reviewer, evidence=1)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(v,)) for v in (a, b, a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    seqs = [i.seq for i in a.items_since(0)]
    assert len(seqs) == 20 and seqs == sorted(set(seqs))
