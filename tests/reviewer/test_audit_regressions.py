"""Regression tests for the reviewer-tool findings of the audit (docs/AUDIT-reviewer.md).

Each test is named after the bug it pins and asserts behaviour (what is written where, who
can open what, which exception type), never a message.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from crypto import envelope
from crypto.encoding import b64u_decode, canonical_json
from crypto.errors import DecryptionError, FormatError
from crypto.keys import key_id, load_x25519_public
from reviewer import actions, evidence, keyfile, plaintext
from reviewer.cli import main
from reviewer.errors import WrongPassphrase
from reviewer.store import CaseStore
from vault.bundle.checks import envelope_recipient_ids

from .escalation.test_cli import imported  # noqa: F401
from .factory import PASSPHRASE, Org, make_report, write_export
from .test_import import cases_of, do_import


def test_reply_is_sealed_only_to_the_case_recipients(team: Org, tmp_path: Path) -> None:
    """Bug: a reply was sealed to every active reviewer, including one the reporter left out
    (who could then read it) — and the server refuses such an outbox (BUNDLE.md rule 19)."""
    d = team.directory()
    rep = make_report(d, ["ayu"])  # the reporter left budi out
    path = tmp_path / "export.bisik"
    write_export(path, team.server_key, [rep])
    do_import(team.lead, path)
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        actions.reply(
            store,
            team.lead.ident,
            team.lead.home.load_config(),
            d,
            rep.case_id,
            "Terima kasih, laporan Anda kami tindak lanjuti.",
        )
        sealed = b64u_decode(store.meta["pending"][-1]["envelope"])
    named = set(envelope_recipient_ids(sealed[:4096]))
    reporter = b64u_decode(rep.reply_key)
    allowed = {key_id(load_x25519_public(reporter)), key_id(team.lead.ident.keys.public.encryption)}
    assert named == allowed
    assert key_id(team.colleague.ident.keys.public.encryption) not in named
    with pytest.raises(DecryptionError):  # the left-out reviewer cannot open it
        envelope.unseal(sealed, team.colleague.ident.keys.encryption)


def test_report_with_lone_surrogate_does_not_block_the_import(team: Org, tmp_path: Path) -> None:
    """Bug: a report whose JSON held "\\ud800" parsed, then crashed the store write; the
    whole import failed, every time, for every reviewer (one anonymous report blocked all)."""
    d = team.directory()
    good = make_report(d, ["ayu"], text="Laporan biasa")
    evil = make_report(d, ["ayu"])
    keys = [r.keys.encryption for r in d.active_reviewers() if r.id == "ayu"]
    doc = {
        "v": 1,
        "type": "report",
        "submitted_at": "2026-11-20T08:15:00+00:00",
        "channel": "browser",
        "fields": {"description": "x\ud800y"},
        "reply_key": evil.reply_key,
        "evidence": [],
    }
    evil.report_env = envelope.seal(json.dumps(doc).encode(), keys)  # "\ud800" as an escape
    evil.evidence = {}
    path = tmp_path / "export.bisik"
    write_export(path, team.server_key, [good, evil])
    do_import(team.lead, path)
    cases = cases_of(team.lead)
    assert cases[good.case_id]["readable"] is True
    assert cases[evil.case_id]["readable"] is False  # refused as a malformed document


def _sealed_keyfile(opslimit: Any, memlimit: Any) -> bytes:
    """A test-profile key file whose KDF parameters were edited (as an attacker could)."""
    data = keyfile.seal_secret(b"s" * 32, PASSPHRASE, label="reviewer", profile="test")
    obj = json.loads(data)
    obj["kdf"]["opslimit"], obj["kdf"]["memlimit"] = opslimit, memlimit
    return canonical_json(obj)


@pytest.mark.parametrize(
    "ops,mem",
    [
        (1, 64 << 10),  # weaker than the floor, and not the test profile
        (2, 64 << 20),  # libsodium "interactive": below the floor
        (1 << 31, 64 << 20),  # would run for hours
        (3, 1 << 42),  # would ask for 4 TiB
        ("3", 256 << 20),  # not an integer
        (True, 256 << 20),
    ],
)
def test_keyfile_kdf_parameters_outside_bounds_are_refused_before_argon2(
    ops: Any, mem: Any
) -> None:
    """Bug: the Argon2id cost was taken from the file unchecked: an edited file could make one
    unlock hang or exhaust memory, and nothing stopped weak custom parameters."""
    data = _sealed_keyfile(ops, mem)
    start = time.perf_counter()
    with pytest.raises(FormatError):
        keyfile.open_secret(data, PASSPHRASE, label="reviewer")
    assert time.perf_counter() - start < 1.0  # refused before any Argon2id work


def test_keyfile_parameters_changed_within_bounds_do_not_open() -> None:
    """Raising or lowering the stored cost (within bounds) never yields a key: the parameters
    are bound into the AEAD and into the derived key, so an edited file fails to open."""
    data = _sealed_keyfile(3, 256 << 20)  # was sealed with the test profile
    with pytest.raises(WrongPassphrase):
        keyfile.open_secret(data, PASSPHRASE, label="reviewer")
    untouched = keyfile.seal_secret(b"s" * 32, PASSPHRASE, label="reviewer", profile="test")
    assert keyfile.open_secret(untouched, PASSPHRASE, label="reviewer") == b"s" * 32


def _spy_plaintext_writes(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every path decrypted evidence or mat2's working copy is written to."""
    seen: list[Path] = []
    real_unseal, real_clean = envelope.unseal_to_path, evidence.clean_file

    def unseal_to_path(src: Any, path: Path, identity: Any) -> int:
        seen.append(Path(path))
        return real_unseal(src, path, identity)

    def clean_file(src: Path, detected: Any, workdir: Path) -> Any:
        seen.append(Path(workdir))
        return real_clean(src, detected, workdir)

    monkeypatch.setattr(plaintext.envelope, "unseal_to_path", unseal_to_path)
    monkeypatch.setattr(evidence, "clean_file", clean_file)
    return seen


def _outside(paths: list[Path], out: Path) -> bool:
    return bool(paths) and not any(p.resolve().is_relative_to(out.resolve()) for p in paths)


def test_evidence_plaintext_is_never_written_to_the_out_dir(
    imported: tuple,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Bug: ``evidence --out DIR`` decrypted the originals (GPS, author and all) into DIR and
    deleted them afterwards; on a USB stick "deleted" bytes stay readable."""
    _team, common, ids = imported
    seen = _spy_plaintext_writes(monkeypatch)
    out = tmp_path / "usb"
    assert main(["evidence", ids[0], "--out", str(out), *common]) == 0
    assert _outside(seen, out)
    assert sorted(p.name for p in out.iterdir() if p.name.endswith(".jpg"))  # still exported


def test_dossier_plaintext_is_never_written_to_the_out_dir(
    imported: tuple,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Bug: ``escalate --out DIR`` decrypted evidence and ran mat2 on copies inside DIR."""
    _team, common, ids = imported
    seen = _spy_plaintext_writes(monkeypatch)
    out = tmp_path / "usb"
    assert (
        main(
            [
                "escalate",
                ids[0],
                "--to",
                "BKN",
                "--out",
                str(out),
                "--accept-all-redactions",
                *common,
            ]
        )
        == 0
    )
    assert _outside(seen, out)
    assert [p.name for p in (out / "lampiran").iterdir()] == ["lampiran-01.jpg"]
    assert not [p for p in out.rglob(".bisik*")]


def _feasible(shown: dict[str, str], total: int, k: int) -> dict[str, set[int]]:
    """Every value each cell can take, given what is shown and the published total: what a
    reader who subtracts can learn (brute force over all assignments of the hidden cells)."""
    import itertools

    def options(v: str) -> range:
        if v.isdigit():
            return range(int(v), int(v) + 1)
        if v == f"<{k}":
            return range(1, k)
        if v == f"≥{k}":
            return range(k, total + 1)
        return range(total + 1)  # withheld

    keys = list(shown)
    seen: dict[str, set[int]] = {key: set() for key in keys}
    for combo in itertools.product(*(options(shown[key]) for key in keys)):
        if sum(combo) == total:
            for key, v in zip(keys, combo, strict=True):
                seen[key].add(v)
    return seen


def test_small_cell_is_never_pinned_by_subtraction() -> None:
    """Bug: one complementary cell was hidden, so {1, 5, 20} showed "<5", "≥5", "20" with
    total 26: the hidden two sum to 6, hence exactly 1 and 5 — a single reporter singled out.
    Every partition of 3 cells with counts 0..9 is checked against a subtracting reader."""
    import itertools

    from reviewer import stats

    k = 5
    for counts in itertools.product(range(10), repeat=3):
        if sum(counts) < k:
            continue  # compute() refuses such a report
        cells = dict(zip("abc", counts, strict=True))
        feasible = _feasible(stats.suppress(cells, k), sum(counts), k)
        for key, c in cells.items():
            if 0 < c < k:
                assert len(feasible[key]) >= 2, (cells, stats.suppress(cells, k))
    assert stats.suppress({"a": 1, "b": 5, "c": 20}, k) == {"a": "<5", "b": "≥5", "c": "≥5"}


def test_reporter_text_cannot_drive_the_reviewers_terminal(
    team: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bug: ``show`` printed report fields raw: an ESC sequence could rewrite earlier lines
    (hide a warning), set the clipboard (OSC 52); a bidi override could disguise a name."""
    evil = "Atasan\x1b[2K\x1b[1A\x1b]52;c;cm0gLXJmIH4=\x07 menyuruh\u202egpj.exe\x9b31m"
    rep = make_report(
        team.directory(), ["ayu"], fields={"category": "mobilisation", "description": evil}
    )
    path = tmp_path / "export.bisik"
    write_export(path, team.server_key, [rep])
    pp = tmp_path / "pp"
    pp.write_text(PASSPHRASE)
    common = ["--home", str(team.lead.home.root), "--passphrase-file", str(pp)]
    assert main(["import", str(path), *common]) == 0
    capsys.readouterr()
    assert main(["show", rep.case_id, *common]) == 0
    shown = capsys.readouterr().out
    assert "Atasan" in shown and "menyuruh" in shown and "gpj.exe" in shown
    for control in ("\x1b", "\x07", "\u202e", "\x9b"):
        assert control not in shown


def test_reply_ignores_recipients_the_server_added(team: Org, tmp_path: Path) -> None:
    """Hardening of the reply fix: the case descriptor's recipient list comes from the server.
    A server that adds a reviewer the reporter left out must not get the replies sealed to
    them; the report's own header (MAC-verified) says whom the reporter chose."""
    d = team.directory()
    rep = make_report(d, ["ayu"])
    rep.recipients = ["ayu", "budi"]  # what a dishonest server writes in the descriptor
    path = tmp_path / "export.bisik"
    write_export(path, team.server_key, [rep])
    do_import(team.lead, path)
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        actions.reply(
            store, team.lead.ident, team.lead.home.load_config(), d, rep.case_id, "Terima kasih."
        )
        sealed = b64u_decode(store.meta["pending"][-1]["envelope"])
    with pytest.raises(DecryptionError):
        envelope.unseal(sealed, team.colleague.ident.keys.encryption)
    assert envelope.unseal(sealed, team.lead.ident.keys.encryption)


def test_zip_bomb_mimetype_is_not_inflated_into_memory(tmp_path: Path) -> None:
    """Bug: format detection read the ZIP member "mimetype" with zf.read(), inflating all of
    it: a few hundred KiB of evidence could ask the laptop for gigabytes."""
    import tracemalloc
    import zipfile

    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("mimetype", "w") as member:
            block = b"\0" * (1 << 20)
            for _ in range(64):  # 64 MiB inflated, about 64 KiB on disk
                member.write(block)
        zf.writestr("content.xml", "<x/>")
    tracemalloc.start()
    try:
        found = evidence.detect(bomb, "laporan.odt")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert found.format == "zip"
    assert peak < 8 << 20


def test_dossier_refuses_to_write_through_a_symlinked_attachment_dir(
    imported: tuple,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A stick prepared with ``lampiran -> somewhere on the laptop`` must not redirect the
    cleaned attachments there."""
    _team, common, ids = imported
    out, elsewhere = tmp_path / "usb", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "lampiran").symlink_to(elsewhere)
    assert (
        main(
            [
                "escalate",
                ids[0],
                "--to",
                "BKN",
                "--out",
                str(out),
                "--accept-all-redactions",
                *common,
            ]
        )
        == 1
    )
    assert list(elsewhere.iterdir()) == []
    assert not (out / "dossier.json").exists()


def test_a_second_report_for_a_case_does_not_replace_the_first(team: Org, tmp_path: Path) -> None:
    """Bug: a later export carrying another report envelope for a known case replaced the
    report — and its reply key, so a dishonest server could make the next reply readable to
    itself. The first report is kept and the case flagged."""
    d = team.directory()
    rep = make_report(d, ["ayu"], text="Laporan asli")
    first = tmp_path / "one.bisik"
    seq = write_export(first, team.server_key, [rep])
    do_import(team.lead, first)
    forged = make_report(d, ["ayu"], text="Laporan palsu")  # sealed to ayu, a new reply key
    forged.case_id, forged.received, forged.evidence = rep.case_id, rep.received, {}
    second = tmp_path / "two.bisik"
    write_export(second, team.server_key, [forged], seq_from=seq)
    do_import(team.lead, second)
    case = cases_of(team.lead)[rep.case_id]
    assert case["report"]["fields"]["description"] == "Laporan asli"
    assert case["report"]["reply_key"] == rep.reply_key
    assert "report_replaced" in case["flags"]


def test_unsigned_reply_document_is_not_shown_as_the_reviewers(
    team: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bug: any envelope whose document said type "reply" (a reporter's follow-up, or the
    server's) was shown as written by the reviewers, with no signed record behind it."""
    from crypto import document as cdoc
    from reviewer.i18n import t

    d = team.directory()
    rep = make_report(d, ["ayu"])
    keys = [r.keys.encryption for r in d.active_reviewers() if r.id == "ayu"]
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
    import hashlib
    import io

    from vault.bundle import ExportWriter

    env = envelope.seal(fake.to_bytes(), keys)
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
    pp = tmp_path / "pp"
    pp.write_text(PASSPHRASE)
    assert (
        main(
            ["show", rep.case_id, "--home", str(team.lead.home.root), "--passphrase-file", str(pp)]
        )
        == 0
    )
    shown = capsys.readouterr().out
    line = next(x for x in shown.splitlines() if "2026-11-21T10:00:00" in x)
    assert t("who.unsigned_reply") in line and f"] {t('who.reviewers')} (" not in line


def test_future_dated_and_revoked_signer_statuses_are_flagged(team: Org, tmp_path: Path) -> None:
    """N2/N3 mitigation: a status dated far ahead outranks every later one forever, and a
    revoked (perhaps stolen) key's status can be the current one; the laptop flags both."""
    from reviewer import org

    from .factory import status_by

    d = team.directory()
    ahead = make_report(d, ["ayu", "budi"])
    by_revoked = make_report(d, ["ayu", "budi"])
    normal = make_report(d, ["ayu", "budi"])
    recs = {
        ahead.case_id: [
            (
                "status",
                status_by(
                    team.colleague,
                    ahead.case_id,
                    "closed_unsubstantiated",
                    at="2099-01-01T00:00:00Z",
                ),
            )
        ],
        by_revoked.case_id: [
            ("status", status_by(team.colleague, by_revoked.case_id, "closed_outside_mandate"))
        ],
        normal.case_id: [("status", status_by(team.lead, normal.case_id, "in_review"))],
    }
    org.revoke_member(team.lead.home, "budi")
    org.sign(team.lead.home, PASSPHRASE, team.server_key.public_key())  # lead adopts it
    path = tmp_path / "export.bisik"
    write_export(path, team.server_key, [ahead, by_revoked, normal], records_by_case=recs)
    do_import(team.lead, path)
    cases = cases_of(team.lead)
    assert "record_from_future" in cases[ahead.case_id]["flags"]
    assert "status_by_revoked" in cases[by_revoked.case_id]["flags"]
    assert not {"record_from_future", "status_by_revoked"} & set(cases[normal.case_id]["flags"])


def test_reporter_newlines_cannot_forge_lines_of_show(
    team: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """N8: a file name or field with line breaks could add a fake evidence row ("… ok") or a
    fake label line; table cells are one line and further lines of a value are indented."""
    import hashlib

    from crypto import document as cdoc

    from .factory import seal_evidence

    d = team.directory()
    keys = [r.keys.encryption for r in d.active_reviewers() if r.id == "ayu"]
    rep = make_report(d, ["ayu"], evidence=0)
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
    path = tmp_path / "export.bisik"
    write_export(path, team.server_key, [rep])
    pp = tmp_path / "pp"
    pp.write_text(PASSPHRASE)
    common = ["--home", str(team.lead.home.root), "--passphrase-file", str(pp)]
    assert main(["import", str(path), *common]) == 0
    capsys.readouterr()
    assert main(["show", rep.case_id, *common]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert not [x for x in lines if x.startswith("FAKEROW")]
    assert not [x for x in lines if x.startswith("Status  Ditutup")]
    assert [x for x in lines if "baris satu" in x]
