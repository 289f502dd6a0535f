"""The reviewer side against the real server side: vault export → import → outbox → vault.

Uses vault.store.Vault on SQLite and vault.transfer's export_bundle / import_outbox, exactly
as ``bisik-server export`` / ``bisik-server import`` call them.

The promise: docs/ARCHITECTURE.md, "A report's path" (steps 3 and 4: the export bundle to the
laptop, the outbox bundle back), in the formats of vault/BUNDLE.md.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from crypto import document as cdoc
from crypto import envelope, receipt
from crypto.encoding import b64u_encode
from crypto.keys import raw_public
from reviewer import actions, outbox
from reviewer.home import Config
from reviewer.store import CaseStore
from vault.store import Vault
from vault.transfer import export_bundle, import_outbox

from ..helpers import Org, do_import, seal_evidence


@pytest.fixture
def server(team: Org, tmp_path: Path) -> Iterator[Vault]:
    with Vault.open(f"sqlite:///{tmp_path / 'server.sqlite'}", tmp_path / "server") as vault:
        yield vault


def _submit(vault: Vault, team: Org) -> tuple[str, str]:
    """What the intake does for a browser submission: store the sealed report and evidence."""
    d = team.directory()
    code = receipt.generate()
    reply_pub = raw_public(receipt.derive(code).reply_public)
    ev, mac = seal_evidence(b"\xff\xd8 foto", list(d.recipients()))
    ev_ref = vault.blobs.put_bytes(ev)  # the server computes the address
    doc = cdoc.Document(
        "report",
        cdoc.now(),
        "browser",
        {"category": "mobilisation", "description": "Arahan lewat grup WA"},
        b64u_encode(reply_pub),
        (cdoc.Evidence(ev_ref.sha256, "wa.jpg", "image/jpeg", 9, envelope_mac=mac),),
    )
    report = vault.blobs.put_bytes(envelope.seal(doc.to_bytes(), d.recipients()))
    case_id = vault.create_case(
        lookup_tag=secrets.token_bytes(32),
        reply_public=reply_pub,
        recipients=["ayu", "budi"],
        report_blob=report,
        evidence=[ev_ref],
    )
    return case_id, code


def test_status_round_trip_through_the_server(team: Org, server: Vault, tmp_path: Path) -> None:
    d = team.directory()
    case_id, _ = _submit(server, team)
    export = tmp_path / "export.bisik"
    summary = export_bundle(server, team.server_key, export, directory=d)
    assert do_import(team.lead, export).new_cases == 1
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        case = store.load_case(case_id)
        assert case["report"]["fields"]["description"] == "Arahan lewat grup WA"
        assert [e["state"] for e in case["evidence_check"]] == ["ok"]
        actions.set_status(store, team.lead.ident, Config(), d, case_id, "in_review")
        outbox.write(store, team.lead.ident, d, tmp_path / "outbox.bisik")
    result = import_outbox(server, d, tmp_path / "outbox.bisik")
    assert (result.statuses, result.ack) == (1, summary.seq_to)
    assert server.case_info(case_id).status == "in_review"
    # the colleague's laptop then receives the signed status in the next export
    again = tmp_path / "export2.bisik"
    export_bundle(server, team.server_key, again, since=0, directory=d)
    do_import(team.colleague, again)
    with CaseStore.open(team.colleague.home.store, team.colleague.ident.store_key) as store:
        assert store.cases[case_id]["st"] == "in_review"


def test_reply_round_trip_through_the_server(team: Org, server: Vault, tmp_path: Path) -> None:
    d = team.directory()
    case_id, code = _submit(server, team)
    export = tmp_path / "export.bisik"
    export_bundle(server, team.server_key, export, directory=d)
    do_import(team.lead, export)
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        actions.reply(store, team.lead.ident, Config(), d, case_id, "Kami sudah menerima.")
        outbox.write(store, team.lead.ident, d, tmp_path / "outbox.bisik")
    assert import_outbox(server, d, tmp_path / "outbox.bisik").replies == 1
    ((_, ref),) = server.case_history(case_id).replies
    with server.blobs.open(ref.sha256) as f:
        sealed = f.read()
    # what the reporter's browser does with the receipt code
    doc = cdoc.parse(envelope.unseal(sealed, receipt.derive(code).reply_key))
    assert doc.fields["message"] == "Kami sudah menerima."
