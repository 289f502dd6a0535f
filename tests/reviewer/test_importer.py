"""Importing export bundles written by vault.bundle: decrypt, evidence check, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto import envelope
from reviewer import org
from reviewer.cli import main
from reviewer.errors import EvidenceAlteredError
from reviewer.i18n import t
from reviewer.plaintext import decrypted_evidence
from reviewer.store import CaseStore
from vault.bundle import BundleError, BundleSignatureError

from .helpers import (
    PASSPHRASE,
    FakeReport,
    Org,
    cases_of,
    do_import,
    lead_args,
    make_report,
    status_by,
    tree_snapshot,
)
from .helpers import write_export as _write_export


@pytest.fixture
def bundle(team: Org, tmp_path: Path) -> tuple[Path, list[FakeReport]]:
    d = team.directory()
    both = make_report(d, ["ayu", "budi"], text="Rapat konsolidasi dengan camat")
    gap = make_report(d, ["ayu"], evidence=1, missing=1)
    other = make_report(d, ["budi"], text="Hanya untuk Budi")
    recs = {both.case_id: [("status", status_by(team.colleague, both.case_id, "in_review"))]}
    path = tmp_path / "export.bisik"
    _write_export(path, team.server_key, [both, gap, other], records_by_case=recs)
    return path, [both, gap, other]


def test_import_decrypts_checks_evidence_and_records(team: Org, bundle: tuple) -> None:
    path, (both, gap, other) = bundle
    summary = do_import(team.lead, path)
    assert (summary.new_cases, summary.unreadable, summary.records) == (3, 1, 1)
    cases = cases_of(team.lead)
    c1 = cases[both.case_id]
    assert c1["readable"]
    assert c1["report"]["fields"]["description"] == "Rapat konsolidasi dengan camat"
    assert [e["state"] for e in c1["evidence_check"]] == ["ok"] and c1["flags"] == []
    assert c1["records"][0]["by"] == "budi" and c1["records"][0]["body"]["state"] == "in_review"
    c2 = cases[gap.case_id]
    assert sorted(e["state"] for e in c2["evidence_check"]) == ["missing", "ok"]
    assert "evidence_missing" in c2["flags"]
    missing = next(e for e in c2["evidence_check"] if e["state"] == "missing")
    assert missing["envelope_sha256"] == gap.listed_missing[0]
    c3 = cases[other.case_id]
    assert not c3["readable"] and c3["report"] is None and "not_for_me" in c3["flags"]
    # the evidence envelopes are kept sealed, byte for byte as the reporter made them
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        sha, env = next(iter(both.evidence.items()))
        blob = store.blob_path(sha)
        assert blob is not None and blob.read_bytes() == env
        assert store.cases[both.case_id]["st"] == "in_review"
        assert store.cases[gap.case_id]["cat"] == "mobilisation"
        assert store.cases[gap.case_id]["reg"] == "Jawa Tengah"


def test_store_is_encrypted_at_rest(team: Org, bundle: tuple) -> None:
    path, _ = bundle
    do_import(team.lead, path)
    for blob in tree_snapshot(team.lead.home.root).values():
        assert b"Rapat konsolidasi" not in blob and b"Jawa Tengah" not in blob
        assert b"mobilisation" not in blob


def test_reimport_changes_nothing(team: Org, bundle: tuple) -> None:
    path, _ = bundle
    do_import(team.lead, path)
    before = tree_snapshot(team.lead.home.store)
    assert do_import(team.lead, path).already_imported
    assert tree_snapshot(team.lead.home.store) == before


def test_tampered_bundle_is_refused_and_store_untouched(team: Org, bundle: tuple) -> None:
    path, _ = bundle
    first = path.parent / "first.bisik"
    _write_export(first, team.server_key, [make_report(team.directory(), ["ayu"])])
    do_import(team.lead, first)
    before = tree_snapshot(team.lead.home.store)
    data = bytearray(path.read_bytes())
    data[200] ^= 0x01  # one bit inside the first items
    path.write_bytes(bytes(data))
    with pytest.raises(BundleError):
        do_import(team.lead, path)
    assert tree_snapshot(team.lead.home.store) == before


def test_foreign_bundle_is_refused_and_store_untouched(team: Org, tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.bisik"
    _write_export(foreign, Ed25519PrivateKey.generate(), [make_report(team.directory(), ["ayu"])])
    before = tree_snapshot(team.lead.home.root)
    with pytest.raises(BundleSignatureError):
        do_import(team.lead, foreign)
    assert tree_snapshot(team.lead.home.root) == before


def test_crash_mid_import_leaves_store_as_it_was(team: Org, bundle: tuple) -> None:
    path, _ = bundle
    first = path.parent / "first.bisik"
    _write_export(first, team.server_key, [make_report(team.directory(), ["ayu"])])
    do_import(team.lead, first)
    before = tree_snapshot(team.lead.home.store)
    with pytest.raises(OSError, match="simulated"):
        do_import(team.lead, path, fail_after=5)  # after the evidence blobs were copied in
    assert tree_snapshot(team.lead.home.store) == before
    assert do_import(team.lead, path).new_cases == 3  # and the next run succeeds


def test_other_reviewer_reads_own_cases(team: Org, bundle: tuple) -> None:
    path, (_, gap, other) = bundle
    summary = do_import(team.colleague, path)
    cases = cases_of(team.colleague)
    assert cases[other.case_id]["readable"] and not cases[gap.case_id]["readable"]
    assert summary.unreadable == 1


def test_cli_import_list_show(
    team: Org, bundle: tuple, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, (both, gap, other) = bundle
    common = lead_args(team, tmp_path)
    assert main(["import", str(path), *common]) == 0
    out = capsys.readouterr().out
    assert "3" in out
    assert main(["list", *common]) == 0
    table = capsys.readouterr().out
    assert both.case_id[:12] in table and other.case_id[:12] in table
    assert main(["list", "--status", "in_review", *common]) == 0
    only = capsys.readouterr().out
    assert both.case_id[:12] in only and gap.case_id[:12] not in only
    assert main(["list", "--flagged", "--region", "jawa", *common]) == 0
    flagged = capsys.readouterr().out
    assert gap.case_id[:12] in flagged and both.case_id[:12] not in flagged
    assert main(["show", both.case_id[:8], *common]) == 0
    shown = capsys.readouterr().out
    assert "Rapat konsolidasi dengan camat" in shown and "budi" in shown
    assert main(["show", other.case_id, *common]) == 0
    assert "budi" in capsys.readouterr().out  # names who can read it, does not crash
    assert main(["show", "zzzz", *common]) == 1
    assert capsys.readouterr().err.startswith("error: ")


BLOCKER = """
import sys
class _Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {'sqlalchemy', 'flask', 'werkzeug', 'intake', 'psycopg',
                                  'alembic', 'flask_limiter', 'redis'}:
            raise ImportError('blocked on the air-gapped laptop: ' + name)
sys.meta_path.insert(0, _Block())
from reviewer.cli import main
rc = 0
for argv in ARGS:
    rc = rc or main(argv)
sys.exit(rc)
"""


def test_whole_reviewer_flow_runs_without_server_packages(
    team: Org, bundle: tuple, tmp_path: Path
) -> None:
    """The reviewer extra has no SQLAlchemy or Flask: import, list, show, status, reply and
    outbox must all work with those packages impossible to import."""
    import subprocess
    import sys

    path, (both, _, _) = bundle
    common = lead_args(team, tmp_path)
    args = [
        ["import", str(path), *common],
        ["list", *common],
        ["show", both.case_id, *common],
        ["status", both.case_id, "in_review", *common],
        ["reply", both.case_id, "-m", "Diterima", *common],
        ["outbox", "--out", str(tmp_path / "o.bisik"), *common],
        ["due", *common],
    ]
    run = subprocess.run(
        [sys.executable, "-c", BLOCKER.replace("ARGS", repr(args))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "o.bisik").exists() and both.case_id[:12] in run.stdout


def test_regression_substituted_evidence_is_flagged_altered(team: Org, tmp_path: Path) -> None:
    """The server stores another envelope sealed to the same reviewers and returns its hash
    to the browser, which lists it with the MAC of what the reporter sealed. The hash
    matches what arrived, but the header MAC does not: ``mismatch``, never ``ok`` (SPEC §8)."""
    rep = make_report(team.directory(), ["ayu", "budi"], evidence=2, tamper="substituted")
    path = tmp_path / "export.bisik"
    _write_export(path, team.server_key, [rep])
    do_import(team.lead, path)
    case = cases_of(team.lead)[rep.case_id]
    assert sorted(e["state"] for e in case["evidence_check"]) == ["mismatch", "ok"]
    assert "evidence_altered" in case["flags"]
    # and the evidence command refuses to decrypt it as the reporter's file
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        case = store.case(rep.case_id)
        key = team.lead.ident.keys.encryption
        with (
            pytest.raises(EvidenceAlteredError),
            decrypted_evidence(store, key, case, tmp_path / "out"),
        ):
            pass  # pragma: no cover - never reached
    assert [p for p in (tmp_path / "out").iterdir()] == []  # no decrypted leftovers


def test_payload_altered_after_the_header_fails_clearly_at_evidence_time(
    team: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The header (and so the MAC) is kept and a payload byte flipped: the import check
    passes (it opens headers only), and decrypting the evidence fails with a clear error
    naming the item, leaving no plaintext behind."""
    rep = make_report(team.directory(), ["ayu", "budi"], tamper="payload")
    path = tmp_path / "export.bisik"
    _write_export(path, team.server_key, [rep])
    common = lead_args(team, tmp_path)
    assert main(["import", str(path), *common]) == 0
    assert [e["state"] for e in cases_of(team.lead)[rep.case_id]["evidence_check"]] == ["ok"]
    capsys.readouterr()
    out = tmp_path / "ev"
    assert main(["evidence", rep.case_id, "--out", str(out), *common]) == 1
    err = capsys.readouterr().err
    assert "error:" in err and "hint:" in err  # the CLI's one handler, not a traceback
    assert not out.exists() or [p for p in out.iterdir()] == []


def test_damaged_report_is_not_shown_as_not_for_you(
    team: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 8: every report that did not open was shown as "not encrypted to your key", so a
    server that altered or forged a report addressed to this reviewer hid it as someone
    else's. Now: no stanza for our key id → not for you; a stanza for us that does not open
    (altered after sealing, garbage) → damaged or forged, said loudly, flagged."""
    d = team.directory()
    other = make_report(d, ["budi"], evidence=0)
    altered = make_report(d, ["ayu"], evidence=0)
    env = bytearray(altered.report_env)
    env[-5] ^= 0x01  # the server changed one byte of the stored report
    altered.report_env = bytes(env)
    garbage = make_report(d, ["ayu"], evidence=0)
    garbage.report_env = b"BISIK" + bytes(200)
    path = tmp_path / "export.bisik"
    _write_export(path, team.server_key, [other, altered, garbage])
    common = lead_args(team, tmp_path)
    assert main(["import", str(path), *common]) == 0
    said = capsys.readouterr().out
    assert t("import.unreadable", n=1) in said and t("import.damaged", n=2) in said
    cases = cases_of(team.lead)
    assert cases[other.case_id]["unreadable"] == "not_for_me"
    assert "not_for_me" in cases[other.case_id]["flags"]
    for rep in (altered, garbage):
        assert cases[rep.case_id]["unreadable"] == "damaged"
        assert "undecryptable" in cases[rep.case_id]["flags"]
        assert "not_for_me" not in cases[rep.case_id]["flags"]
        assert main(["show", rep.case_id, *common]) == 0
        assert capsys.readouterr().out.strip() == t("show.damaged", case=rep.case_id)
    assert main(["show", other.case_id, *common]) == 0
    assert capsys.readouterr().out.strip() == t(
        "show.unreadable", case=other.case_id, recipients="budi"
    )
    assert main(["list", "--flagged", *common]) == 0
    listed = capsys.readouterr().out
    assert listed.count(t("flag.undecryptable")) == 2 and t("flag.not_for_me") in listed


def test_report_with_lone_surrogate_does_not_block_the_import(team: Org, tmp_path: Path) -> None:
    """Audit F2 (docs/AUDIT-reviewer.md). Bug: a report whose JSON held "\\ud800" parsed, then
    crashed the store write; the whole import failed, every time, for every reviewer (one
    anonymous report blocked all)."""
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
    _write_export(path, team.server_key, [good, evil])
    do_import(team.lead, path)
    cases = cases_of(team.lead)
    assert cases[good.case_id]["readable"] is True
    assert cases[evil.case_id]["readable"] is False  # refused as a malformed document


def test_a_second_report_for_a_case_does_not_replace_the_first(team: Org, tmp_path: Path) -> None:
    """Audit F4 (docs/AUDIT-reviewer.md). Bug: a later export carrying another report envelope
    for a known case replaced the report — and its reply key, so a dishonest server could make
    the next reply readable to itself. The first report is kept and the case flagged."""
    d = team.directory()
    rep = make_report(d, ["ayu"], text="Laporan asli")
    first = tmp_path / "one.bisik"
    seq = _write_export(first, team.server_key, [rep])
    do_import(team.lead, first)
    forged = make_report(d, ["ayu"], text="Laporan palsu")  # sealed to ayu, a new reply key
    forged.case_id, forged.received, forged.evidence = rep.case_id, rep.received, {}
    second = tmp_path / "two.bisik"
    _write_export(second, team.server_key, [forged], seq_from=seq)
    do_import(team.lead, second)
    case = cases_of(team.lead)[rep.case_id]
    assert case["report"]["fields"]["description"] == "Laporan asli"
    assert case["report"]["reply_key"] == rep.reply_key
    assert "report_replaced" in case["flags"]


def test_future_dated_and_revoked_signer_statuses_are_flagged(team: Org, tmp_path: Path) -> None:
    """Audit N2/N3 mitigation (docs/AUDIT-reviewer.md): a status dated far ahead outranks every
    later one forever, and a revoked (perhaps stolen) key's status can be the current one; the
    laptop flags both."""
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
    _write_export(path, team.server_key, [ahead, by_revoked, normal], records_by_case=recs)
    do_import(team.lead, path)
    cases = cases_of(team.lead)
    assert "record_from_future" in cases[ahead.case_id]["flags"]
    assert "status_by_revoked" in cases[by_revoked.case_id]["flags"]
    assert not {"record_from_future", "status_by_revoked"} & set(cases[normal.case_id]["flags"])
