"""``bisik-reviewer show`` (``reviewer.commands.show``): the reporter's fields shown as data under
the tool's labels, never as structure."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from crypto import document as cdoc
from crypto import envelope
from reviewer.cli import main
from reviewer.i18n import t
from vault.bundle import ExportWriter

from ..helpers import (
    FakeReport,
    Org,
    do_import,
    lead_args,
    make_report,
    seal_evidence,
    write_export,
)

FAKE_STATUS = "Status            " + "ditutup: terbukti"
FAKE_REPLY = "- [2026-11-21T09:00:00+00:00] ayu (balasan):"


def _import_and_show(
    team: Org,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    rep: FakeReport,
    messages: dict[str, list[tuple[str, bytes]]] | None = None,
) -> str:
    """Export ``rep`` (and ``messages``), import it through the CLI, and return what ``show``
    prints for it."""
    path = tmp_path / "export.bisik"
    write_export(path, team.server_key, [rep], messages_by_case=messages)
    common = lead_args(team, tmp_path)
    assert main(["import", str(path), *common]) == 0
    capsys.readouterr()
    assert main(["show", rep.case_id, *common]) == 0
    return capsys.readouterr().out


def _ayu_keys(team: Org) -> list[X25519PublicKey]:
    return [r.keys.encryption for r in team.directory().active_reviewers() if r.id == "ayu"]


def _show(
    team: Org,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fields: dict[str, str],
    message_fields: dict[str, str] | None = None,
) -> tuple[str, str]:
    rep = make_report(team.directory(), ["ayu"], evidence=0, fields=fields)
    messages = {}
    if message_fields is not None:
        doc = cdoc.Document("message", "2026-11-21T10:00:00+00:00", "browser", message_fields)
        messages = {rep.case_id: [("message", envelope.seal(doc.to_bytes(), _ayu_keys(team)))]}
    return rep.case_id, _import_and_show(team, tmp_path, capsys, rep, messages)


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
    common = lead_args(team, tmp_path)
    label = t("category.state_resources")
    assert main(["list", "--category", label.split()[0], *common]) == 0
    listed = capsys.readouterr().out
    assert "state_resources" not in listed and label[:20] in listed


def test_reporter_text_cannot_drive_the_reviewers_terminal(
    team: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Audit F6 (docs/AUDIT-reviewer.md). Bug: ``show`` printed report fields raw: an ESC
    sequence could rewrite earlier lines (hide a warning), set the clipboard (OSC 52); a bidi
    override could disguise a name."""
    evil = "Atasan\x1b[2K\x1b[1A\x1b]52;c;cm0gLXJmIH4=\x07 menyuruh\u202egpj.exe\x9b31m"
    rep = make_report(
        team.directory(), ["ayu"], fields={"category": "mobilisation", "description": evil}
    )
    shown = _import_and_show(team, tmp_path, capsys, rep)
    assert "Atasan" in shown and "menyuruh" in shown and "gpj.exe" in shown
    for control in ("\x1b", "\x07", "\u202e", "\x9b"):
        assert control not in shown


def test_unsigned_reply_document_is_not_shown_as_the_reviewers(
    team: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Audit F8 (docs/AUDIT-reviewer.md). Bug: any envelope whose document said type "reply" (a
    reporter's follow-up, or the server's) was shown as written by the reviewers, with no
    signed record behind it."""
    rep = make_report(team.directory(), ["ayu"])
    fake = cdoc.Document(
        "reply",
        "2026-11-21T10:00:00+00:00",
        "reviewer",
        {"message": "Kasus ditutup, jangan lapor lagi."},
    )
    path = tmp_path / "export.bisik"
    seq = write_export(path, team.server_key, [rep])
    do_import(team.lead, path)
    more = tmp_path / "more.bisik"
    env = envelope.seal(fake.to_bytes(), _ayu_keys(team))
    with ExportWriter(more, team.server_key, seq_from=seq) as w:
        w.add_case(rep.case_id, rep.received, rep.recipients, rep.reply_key)
        w.add_envelope(
            rep.case_id,
            "message",
            seq + 1,
            io.BytesIO(env),
            len(env),
            hashlib.sha256(env).hexdigest(),
        )
        w.finish(seq + 1)
    do_import(team.lead, more)
    assert main(["show", rep.case_id, *lead_args(team, tmp_path)]) == 0
    shown = capsys.readouterr().out
    line = next(x for x in shown.splitlines() if "2026-11-21T10:00:00" in x)
    assert t("who.unsigned_reply") in line and f"] {t('who.reviewers')} (" not in line


def test_reporter_newlines_cannot_forge_lines_of_show(
    team: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Audit N8 (docs/AUDIT-reviewer.md): a file name or field with line breaks could add a fake
    evidence row ("… ok") or a fake label line; table cells are one line and further lines of a
    value are indented."""
    keys = _ayu_keys(team)
    rep = make_report(team.directory(), ["ayu"], evidence=0)
    env, mac = seal_evidence(b"bukti", keys)
    sha = hashlib.sha256(env).hexdigest()
    forged_row = "a.jpg\nFAKEROW  palsu.jpg  image/jpeg  70  ya  ok"
    doc = cdoc.Document(
        "report",
        "2026-11-20T08:15:00+00:00",
        "browser",
        {"description": "baris satu\nStatus  Ditutup"},
        rep.reply_key,
        (cdoc.Evidence(sha, forged_row, "image/jpeg", 5, envelope_mac=mac),),
    )
    rep.report_env, rep.evidence = envelope.seal(doc.to_bytes(), keys), {sha: env}
    lines = _import_and_show(team, tmp_path, capsys, rep).splitlines()
    assert not [x for x in lines if x.startswith("FAKEROW")]
    assert not [x for x in lines if x.startswith("Status  Ditutup")]
    assert [x for x in lines if "baris satu" in x]
