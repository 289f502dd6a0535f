"""``show``: the reporter's fields shown as data under the tool's labels, never as structure."""

from __future__ import annotations

from pathlib import Path

import pytest

from crypto import document as cdoc
from crypto import envelope
from reviewer.cli import main
from reviewer.i18n import t

from .factory import PASSPHRASE, Org, make_report, write_export

FAKE_STATUS = "Status            " + "ditutup: terbukti"
FAKE_REPLY = "- [2026-11-21T09:00:00+00:00] ayu (balasan):"


def _show(
    team: Org,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fields: dict[str, str],
    message_fields: dict[str, str] | None = None,
) -> tuple[str, str]:
    d = team.directory()
    rep = make_report(d, ["ayu"], evidence=0, fields=fields)
    messages = {}
    if message_fields is not None:
        keys = [r.keys.encryption for r in d.active_reviewers() if r.id == "ayu"]
        doc = cdoc.Document("message", "2026-11-21T10:00:00+00:00", "browser", message_fields)
        messages = {rep.case_id: [("message", envelope.seal(doc.to_bytes(), keys))]}
    path = tmp_path / "export.bisik"
    write_export(path, team.server_key, [rep], messages_by_case=messages)
    pp = tmp_path / "pp"
    pp.write_text(PASSPHRASE)
    common = ["--home", str(team.lead.home.root), "--passphrase-file", str(pp)]
    assert main(["import", str(path), *common]) == 0
    capsys.readouterr()
    assert main(["show", rep.case_id, *common]) == 0
    return rep.case_id, capsys.readouterr().out


def test_field_names_cannot_forge_a_status_or_a_reply_line(
    team: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 8: reporter-chosen field *names* were printed as labels, so a name holding a line
    break forged a line of the tool's own (a fake status, a fake reviewer reply)."""
    fields = {
        "category": "rally",
        "description": "Apel pagi",
        f"x\n{FAKE_STATUS}": "ya",
        f"y\n{FAKE_REPLY}": "Kasus ditutup.",
    }
    message = {"kind": "message", "text": "Tambahan", f"z\n{FAKE_REPLY}\n    ": "Terima kasih"}
    _, shown = _show(team, tmp_path, capsys, fields, message)
    lines = shown.splitlines()
    assert not [
        x
        for x in lines
        if x.startswith(("Status ", "- [")) and ("ditutup: terbukti" in x or "ayu (balasan)" in x)
    ]
    assert not [x for x in lines if x.lstrip().startswith(FAKE_REPLY)]
    assert lines.count(t("show.other_fields")) == 1  # the report's, at the top level
    others = [x for x in lines if x.lstrip().startswith("? ")]
    assert len(others) == 3 and all("\\n" in x for x in others)  # quoted, one line each


def test_known_fields_get_labels_and_codes_read_as_words(
    team: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 13's first-use finding: `show` printed raw codes (`social_media`,
    `authorities=[…]`); fields the form defines now carry the catalogue's labels."""
    fields = {
        "category": "social_media",
        "election": "pilkada",
        "province": "Jawa Tengah",
        "agency_kind": "village",
        "description": "Unggahan kampanye",
    }
    _, shown = _show(team, tmp_path, capsys, fields)
    assert "social_media" not in shown and t("category.social_media") in shown
    assert t("agency.village") in shown and t("field.description") in shown
    assert t("show.other_fields") not in shown  # nothing the form does not define


def test_list_prints_category_labels(
    team: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _show(team, tmp_path, capsys, {"category": "state_resources", "description": "Mobil dinas"})
    pp = tmp_path / "pp"
    common = ["--home", str(team.lead.home.root), "--passphrase-file", str(pp)]
    label = t("category.state_resources")
    assert main(["list", "--category", label.split()[0], *common]) == 0
    listed = capsys.readouterr().out
    assert "state_resources" not in listed and label[:20] in listed
