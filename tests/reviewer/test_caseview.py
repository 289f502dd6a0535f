"""reviewer.caseview: what a case shows, here the timeline's words for signed records."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from reviewer import caseview


def _case(*records: Any) -> Any:
    """Only what :func:`caseview.timeline` reads of a case."""
    return SimpleNamespace(submitted_at="", messages=[], notes=[], records=list(records))


def _step(authority: str, stage: str) -> Any:
    return SimpleNamespace(
        kind="track",
        authority=authority,
        stage=stage,
        at="2026-11-23",
        by="ayu",
        linked=False,
        other=None,
    )


@pytest.mark.parametrize(
    ("lang", "words"), [("id", "langkah BKN: berkas dikirim"), ("en", "step BKN: dossier sent")]
)
def test_tracking_step_reads_as_authority_name_and_stage_label(
    monkeypatch: pytest.MonkeyPatch, lang: str, words: str
) -> None:
    monkeypatch.setenv("BISIK_LANG", lang)
    [(_when, who, what)] = caseview.timeline(_case(_step("bkn", "sent")))
    assert (who, what) == ("ayu", words)


def test_codes_this_laptop_does_not_know_are_shown_as_codes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BISIK_LANG", "id")
    [(_when, _who, what)] = caseview.timeline(_case(_step("badan_baru", "tahap_baru")))
    assert what == "langkah badan_baru: tahap_baru"
